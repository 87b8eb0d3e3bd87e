// Figures for the host-memory webview at scale: big-vm (64 GiB VM, ~17 M host MPNs) stepped through
// stops; each stop's view is applied and drawn by the real webview bundle in headless Chromium. Knows no vscode.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session, builtinScenario } from '../../engine/index';
import { HostMapTracker } from '../../engine/hostmap';
import { report } from './harness';

const FRAME_MS = 1000 / 60;
const BUDGET_BYTES = 256 * 1024;
const root = process.cwd();

function chromiumPath(): string {
  for (const p of [process.env.FSR_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) if (p && existsSync(p)) return p;
  throw new Error('webview bench: no Chromium (run it through `npm run bench -- webview`, which installs Debian\'s as root; or apt-get update && apt-get install -y chromium; or set FSR_CHROMIUM)');
}

async function main(): Promise<void> {
  execFileSync(process.execPath, ['build.mjs'], { cwd: root, stdio: 'inherit' });
  // Build the 64 GiB session first: its seconds of synchronous work would stall the browser connection.
  const s = new Session(builtinScenario(process.env.FSR_BENCH_SCENARIO ?? 'big-vm'));
  // Loaded at run time, not bundled (playwright-core finds its own files relative to itself).
  const pw = 'playwright-core';
  const { chromium } = (await import(/* @vite-ignore */ pw)) as typeof import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.setContent('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body></body></html>');
  await page.addStyleTag({ content: readFileSync(join(root, 'dist/webview.css'), 'utf8') });
  await page.evaluate(() => {
    const w = window as unknown as { acquireVsCodeApi: () => unknown; __posted: unknown[]; __onPosted?: (m: unknown) => void };
    w.__posted = [];
    w.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => (w.__onPosted ? w.__onPosted(m) : w.__posted.push(m)) });
  });
  await page.addScriptTag({ content: readFileSync(join(root, 'dist/webview.js'), 'utf8') });

  page.on('crash', () => console.error('page crashed'));
  page.on('pageerror', (e) => console.error('page error:', e.message));
  const tracker = new HostMapTracker(s);
  const samples: Array<{ what: string; ms: number; bytes: number; adapterMs: number }> = [];
  let since: number | undefined;
  const stop = async (what: string) => {
    const t = performance.now();
    const view = tracker.view(since);
    const adapterMs = performance.now() - t;
    since = view.id;
    const json = JSON.stringify({ type: 'view', view });
    const ms = await page.evaluate(
      (text) =>
        new Promise<number>((resolve) => {
          const w = window as unknown as { __onPosted?: (m: { type: string; ms: number }) => void };
          w.__onPosted = (m) => {
            if (m.type === 'drawn') resolve(m.ms);
            else resolve(-1);
          };
          window.dispatchEvent(new MessageEvent('message', { data: JSON.parse(text) }));
          // A view the webview refused shows as an error line and no 'drawn'.
          setTimeout(() => resolve(-1), 10_000);
        }),
      json,
    );
    if (ms < 0) throw new Error(`the webview did not draw "${what}": ${await page.locator('.error').textContent()}`);
    samples.push({ what, ms, bytes: json.length, adapterMs });
  };

  await stop('entry (full map)');
  s.rt.setBreakpoints(['function', 'phase'], [{ kind: 'function', name: 'World_SetPanicNoCore' }]);
  s.rt.continue();
  s.rt.run();
  await stop('World_SetPanicNoCore');
  const actor = s.rt.lastStop?.actorId ?? 1;
  s.rt.setBreakpoints(['function', 'phase'], [{ kind: 'phase', name: 'pdir redirect' }]);
  for (let i = 0; i < 8; i++) {
    s.rt.continue();
    s.rt.run();
    await stop(`pdir redirect ${i + 1}`);
  }
  for (let i = 0; i < 4; i++) {
    s.rt.step(s.rt.lastStop?.actorId ?? actor, 'in');
    s.rt.run();
    await stop(`step in ${i + 1}`);
  }
  s.rt.setBreakpoints(['function', 'phase'], []);
  s.rt.continue();
  s.rt.run();
  await stop('end (every page changed owner)');
  s.rt.stepBack(s.rt.lastStop?.actorId ?? actor);
  await stop('step back');
  await browser.close();

  for (const x of samples) console.error(`  ${x.what.padEnd(32)} draw ${x.ms.toFixed(2).padStart(6)} ms  ${String(x.bytes).padStart(7)} B  (adapter summary ${x.adapterMs.toFixed(1)} ms)`);
  // The first view is the panel's first paint (custom elements upgrade, first layout, cold JIT): shown
  // above, but the figure is the worst update at a stop after it.
  const worst = Math.max(...samples.slice(1).map((x) => x.ms));
  const bytes = Math.max(...samples.map((x) => x.bytes));
  report('webview-update-16M', [worst], [FRAME_MS], '≤1', { note: `the worst of ${samples.length - 1} updates against one frame` });
  report('webview-bytes', [bytes / 1024], [BUDGET_BYTES / 1024], '≤1', { unit: 'KiB', note: 'the largest message against the budget' });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
