// browser-first-stop-64GiB and browser-step-64GiB: big-vm (64 GiB, 16 Mi pages) in the browser's
// extension host — the web bundle (dist/web/extension.js) in a Web Worker of headless Chromium — against
// the Node host — the desktop bundle (dist/extension.js) in a Node child process of its own, so that
// neither shares its event loop with the Playwright driver here — in the same run, both
// activated against the same vscode stand-in and driven alike (test/web/browserHost.ts): launch with
// stopOnEntry to the first stop; then, at the first VmMemMigrateAddPageToDest inside the transfer
// loop, one step round trip (next → stopped → stackTrace; the mean of STEPS in a row). RUNS runs per
// host, alternating. Plus browser-rss-64GiB: what the
// first session adds to Chromium's renderer against what it adds to the Node host's process. Lines
// in harness.report's format: medians of the paired samples and their spread.
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { type Host, browserHost, chromiumPath, nodeHost } from '../web/browserHost';
import { report } from './harness';

const RUNS = 5;
const STEPS = 1000;
const CONFIG = { type: 'fsr', request: 'launch', name: 'FSR: big-vm', scenario: 'big-vm', stopOnEntry: true };
const MiB = 2 ** 20;


async function rssAtFirstStop(h: Host): Promise<number> {
  await h.gc();
  const before = await h.rss();
  await h.time(CONFIG, 0);
  const at = await h.rss();
  await h.endTimed();
  return at - before;
}

/** nodeHost() in a child process (this file again, as FSR_BENCH_NODE_HOST), answering over IPC. */
function forkedNodeHost(): Host {
  const child: ChildProcess = fork(process.argv[1]!, [], { env: { ...process.env, FSR_BENCH_NODE_HOST: '1' }, execArgv: ['--expose-gc', '--max-old-space-size=8192'] });
  let next = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error !== undefined) w?.reject(new Error(m.error));
    else w?.resolve(m.result);
  });
  child.on('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`the Node host exited with ${code}`));
  });
  const call = <T>(op: string, ...args: unknown[]): Promise<T> =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, op, args });
    });
  return {
    name: 'node',
    walk: (config, pick) => call('walk', config, pick),
    time: (config, steps) => call('time', config, steps),
    endTimed: () => call('endTimed'),
    gc: () => call('gc'),
    hostReport: () => call('hostReport'),
    rss: () => call('rss'),
    close: async () => {
      child.kill();
    },
  };
}

/** The child side: the Node host, each call a message. */
function serveNodeHost(): void {
  const h = nodeHost();
  process.on('message', async (m: { id: number; op: keyof Host; args: unknown[] }) => {
    try {
      const result = await (h[m.op] as (...a: unknown[]) => unknown)(...m.args);
      process.send!({ id: m.id, result });
    } catch (e) {
      process.send!({ id: m.id, error: String((e as Error)?.stack ?? e) });
    }
  });
}

async function main(): Promise<void> {
  if (!chromiumPath()) throw new Error('browser bench: no Chromium (run it through `npm run bench -- browser`, which installs Debian\'s as root; or set FSR_CHROMIUM)');
  execFileSync(process.execPath, ['build.mjs'], { cwd: process.cwd(), stdio: 'inherit' });
  const browser = await browserHost();
  const node = forkedNodeHost();
  const where = await browser.hostReport();
  if (where.worker !== true || where.process !== 'undefined') throw new Error(`the browser side is not a web worker: ${JSON.stringify(where)}`);

  // Memory first, from fresh hosts: the resident memory the first big-vm session adds at its first stop.
  const rssBrowser = await rssAtFirstStop(browser);
  const rssNode = await rssAtFirstStop(node);

  const first: Record<string, number[]> = { browser: [], node: [] };
  const step: Record<string, number[]> = { browser: [], node: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const h of i % 2 ? [node, browser] : [browser, node]) {
      await h.gc();
      const t = await h.time(CONFIG, STEPS);
      await h.endTimed();
      first[h.name]!.push(t.firstStopMs);
      step[h.name]!.push(t.stepMs);
    }
  }
  await browser.close();
  await node.close();
  for (const [name, xs] of [['first stop', first], ['step', step]] as const) {
    console.error(`  ${name}: browser ${xs.browser!.map((x) => x.toFixed(name === 'step' ? 3 : 0)).join(' ')} ms; node ${xs.node!.map((x) => x.toFixed(name === 'step' ? 3 : 0)).join(' ')} ms`);
  }
  // Each run's browser and Node samples were taken together (the order alternating): paired samples.
  report('browser-first-stop-64GiB', first.browser!, first.node!, '≤2', { note: 'launch with stopOnEntry to the first stopped event' });
  report('browser-step-64GiB', step.browser!, step.node!, '≤2', { note: `next → stopped → stackTrace in the transfer loop, the mean of ${STEPS} in a row each run` });
  report('browser-rss-64GiB', [rssBrowser / MiB], [rssNode / MiB], '≤2', { unit: 'MiB', note: "resident memory the first big-vm session adds at its first stop: Chromium's renderer, where the worker runs, vs the Node host's process" });
  process.exit(0);
}

if (process.env.FSR_BENCH_NODE_HOST) serveNodeHost();
else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
