// The built extension in two hosts, driven alike: a browser's Web Worker in headless Chromium
// (dist/web/extension.js, through worker-main.ts) and Node (dist/extension.js, in this process), each
// against the same vscode stand-in (standin.ts). Used by test/web/worker.test.ts and
// test/bench/browser.bench.ts. Serves everything from one made-up origin through Playwright's routing;
// `csp` is the worker's Content-Security-Policy (e.g. one that refuses WebAssembly).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { chromiumBrowserPid, rendererRss } from './rss.mjs';
import { type ExtensionModule, type StandIn, type Timing, type WalkResult, Uri, activateExtension, endTimed, makeVscode, timeLaunchAndSteps, walk } from './standin';

const root = process.cwd();
const ORIGIN = 'https://fsr.test';

export function chromiumPath(): string | undefined {
  for (const p of [process.env.FSR_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) if (p && existsSync(p)) return p;
  return undefined;
}

export interface Host {
  name: 'browser' | 'node';
  walk(config: Record<string, unknown>, pick?: string): Promise<WalkResult>;
  /** See standin.ts timeLaunchAndSteps: the session stays open until endTimed(). */
  time(config: Record<string, unknown>, steps: number): Promise<Timing>;
  endTimed(): Promise<void>;
  /** A full garbage collection in the host, where it allows one. */
  gc(): Promise<void>;
  hostReport(): Promise<Record<string, unknown>>;
  /** Resident bytes of what runs the extension (Chromium's renderers; this Node process). */
  rss(): Promise<number>;
  close(): Promise<void>;
}

/** The web bundle in a Web Worker of a page in headless Chromium. Needs `npm run build`. */
export async function browserHost(opts: { csp?: string } = {}): Promise<Host> {
  const exe = chromiumPath();
  if (!exe) throw new Error('no Chromium: apt-get install -y chromium, or set FSR_CHROMIUM');
  const bundle = join(root, 'dist/web/extension.js');
  if (!existsSync(bundle)) throw new Error('dist/web/extension.js is not built (npm run build)');
  const worker = await esbuild.build({ entryPoints: [join(root, 'test/web/worker-main.ts')], bundle: true, write: false, platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'warning', mainFields: ['module', 'main'] });
  const workerJs = worker.outputFiles[0]!.text;
  const extJs = `self.__fsrExtension = function (require, module, exports) {\n${readFileSync(bundle, 'utf8')}\n};\n`;
  // Loaded at run time, not bundled (playwright-core finds its own files relative to itself).
  const { chromium } = createRequire(join(root, 'package.json'))('playwright-core') as typeof import('playwright-core');
  // A switch Chromium ignores, to find its browser process in /proc (Playwright's Browser has no pid).
  const tag = `--fsr-harness=${process.pid}-${Date.now()}`;
  const browser = await chromium.launch({ executablePath: exe, headless: true, args: ['--no-sandbox', '--disable-gpu', '--js-flags=--expose-gc', tag] });
  const page = await browser.newPage();
  await page.route(`${ORIGIN}/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    const js = { 'content-type': 'text/javascript', ...(opts.csp ? { 'content-security-policy': opts.csp } : {}) };
    if (path === '/') return route.fulfill({ contentType: 'text/html', body: '<!DOCTYPE html><title>fsr worker host</title>' });
    if (path === '/worker.js') return route.fulfill({ headers: js, body: workerJs });
    if (path === '/ext.js') return route.fulfill({ headers: { 'content-type': 'text/javascript' }, body: extJs });
    const file = join(root, decodeURIComponent(path));
    if (path.startsWith('/examples/') && existsSync(file)) return route.fulfill({ body: readFileSync(file) });
    return route.fulfill({ status: 404, body: `not found: ${path}` });
  });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${ORIGIN}/`);
  const w = page.waitForEvent('worker');
  await page.evaluate(() => void new Worker('/worker.js'));
  const wk = await w;
  for (let i = 0; i < 100 && !(await wk.evaluate(() => 'fsrHarness' in self)); i++) await new Promise((r) => setTimeout(r, 50));
  const pid = chromiumBrowserPid(tag);
  type H = { fsrHarness: { walk(c: unknown, p?: string): Promise<WalkResult>; time(c: unknown, n: number): Promise<Timing>; endTimed(): Promise<void>; gc(): void; hostReport(): Record<string, unknown> } };
  return {
    name: 'browser',
    walk: (config, pick) => wk.evaluate(([c, p]) => (self as unknown as H).fsrHarness.walk(c, p), [config, pick] as const),
    time: (config, steps) => wk.evaluate(([c, n]) => (self as unknown as H).fsrHarness.time(c, n), [config, steps] as const),
    endTimed: () => wk.evaluate(() => (self as unknown as H).fsrHarness.endTimed()),
    gc: () => wk.evaluate(() => (self as unknown as H).fsrHarness.gc()),
    hostReport: () => wk.evaluate(() => (self as unknown as H).fsrHarness.hostReport()),
    rss: async () => rendererRss(pid),
    close: () => browser.close(),
  };
}

/** The desktop bundle (dist/extension.js) in this Node process, against the same stand-in. */
export function nodeHost(): Host {
  const bundle = join(root, 'dist/extension.js');
  if (!existsSync(bundle)) throw new Error('dist/extension.js is not built (npm run build)');
  const load = new Function('require', 'module', 'exports', readFileSync(bundle, 'utf8')) as (r: unknown, m: unknown, e: unknown) => void;
  const req = createRequire(bundle);
  const activate = (pick?: string): { si: StandIn; api: unknown } => {
    const si = makeVscode({
      uiKind: 'desktop',
      workspace: Uri.file(join(root, 'examples')).toString(),
      pick,
      settings: { 'fsr.hostMemory.openOnStop': false },
      readFile: async (uri) => new Uint8Array(readFileSync(uri.fsPath)),
    });
    const module = { exports: {} as ExtensionModule };
    load((name: string) => (name === 'vscode' ? si.vscode : req(name)), module, module.exports);
    return { si, ...activateExtension(module.exports, Uri.file(root).toString()) };
  };
  return {
    name: 'node',
    walk: async (config, pick) => {
      const { si, api } = activate(pick);
      return walk(si, api, config);
    },
    time: async (config, steps) => timeLaunchAndSteps(activate().si, config, steps),
    endTimed,
    gc: async () => (globalThis as { gc?: () => void }).gc?.(),
    hostReport: async () => (activate().api as { host: Record<string, unknown> }).host,
    rss: async () => process.memoryUsage().rss,
    close: async () => {},
  };
}
