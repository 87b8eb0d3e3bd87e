// browser-first-stop-64GiB and browser-step-64GiB: big-vm (64 GiB, 16 Mi pages) in the browser's
// extension host — the web bundle (dist/web/extension.js) in a Web Worker of headless Chromium — against
// the Node host — the desktop bundle (dist/extension.js) in this Node process — in the same run, both
// activated against the same vscode stand-in and driven alike (test/web/browserHost.ts): launch with
// stopOnEntry to the first stop; then, at the first VmMemMigrateAddPageToDest inside the transfer
// loop, one step round trip (next → stopped → stackTrace; the mean of STEPS in a row). RUNS runs per
// host, alternating; the figure is the median, the spread its range. Plus browser-rss-64GiB: what the
// first session adds to Chromium's renderer against what it adds to this process.
import { execFileSync } from 'node:child_process';
import { type Host, browserHost, chromiumPath, nodeHost } from '../web/browserHost';

const RUNS = 5;
const STEPS = 200;
const CONFIG = { type: 'fsr', request: 'launch', name: 'FSR: big-vm', scenario: 'big-vm', stopOnEntry: true };
const MiB = 2 ** 20;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const range = (xs: number[], digits = 0) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;

async function rssAtFirstStop(h: Host): Promise<number> {
  await h.gc();
  const before = h.rss();
  await h.time(CONFIG, 0);
  const at = h.rss();
  await h.endTimed();
  return at - before;
}

async function main(): Promise<void> {
  if (!chromiumPath()) throw new Error('browser bench: no Chromium (run it through `npm run bench -- browser`, which installs Debian\'s as root; or set FSR_CHROMIUM)');
  execFileSync(process.execPath, ['build.mjs'], { cwd: process.cwd(), stdio: 'inherit' });
  const browser = await browserHost();
  const node = nodeHost();
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
  for (const [name, xs] of [['first stop', first], ['step', step]] as const) {
    console.error(`  ${name}: browser ${xs.browser!.map((x) => x.toFixed(name === 'step' ? 3 : 0)).join(' ')} ms; node ${xs.node!.map((x) => x.toFixed(name === 'step' ? 3 : 0)).join(' ')} ms`);
  }
  const line = (name: string, xs: Record<string, number[]>, digits: number) => {
    const v = median(xs.browser!);
    const b = median(xs.node!);
    const ratios = xs.browser!.map((x, i) => x / xs.node![i]!);
    console.log(`${name}: value=${v.toFixed(digits)}ms baseline=${b.toFixed(digits)}ms ratio=${(v / b).toFixed(2)} target=≤2 (median of ${RUNS} runs; browser ${range(xs.browser!, digits)} ms, node ${range(xs.node!, digits)} ms, per-run ratio ${range(ratios, 2)})`);
  };
  line('browser-first-stop-64GiB', first, 0);
  line('browser-step-64GiB', step, 3);
  console.log(`browser-rss-64GiB: value=${(rssBrowser / MiB).toFixed(0)}MiB baseline=${(rssNode / MiB).toFixed(0)}MiB ratio=${(rssBrowser / rssNode).toFixed(2)} target=≤2 (resident memory the first big-vm session adds at its first stop: Chromium's renderer, where the worker runs, vs this Node process)`);
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
