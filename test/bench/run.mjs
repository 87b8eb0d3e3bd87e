// `npm run bench [-- NAME…]`: bundles each figure with esbuild (the code users run, not a test-time
// transform) and runs it in its own Node process, so memory figures start clean. Each prints one
// line per figure: `NAME: value=… baseline=… ratio=… target=…`, value and baseline measured in the
// same process run, so the ratio holds on a noisy machine.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { ensureChromium } from '../../scripts/tools.mjs';

const dir = new URL('.', import.meta.url).pathname;
const root = join(dir, '..', '..');
const out = join(root, 'dist', 'bench');
mkdirSync(out, { recursive: true });
const filters = process.argv.slice(2);
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort()
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
let failed = 0;
// The webview and browser figures run in headless Chromium: Debian's, installed the way the VS Code tests do it.
const env = { ...process.env };
if (files.some((f) => f.startsWith('webview') || f.startsWith('browser'))) {
  try {
    env.FSR_CHROMIUM = ensureChromium('the webview and browser benches run in a headless Chromium');
  } catch (e) {
    console.error(e.message);
  }
}
for (const f of files) {
  const bundle = join(out, f.replace(/\.ts$/, '.mjs'));
  await esbuild.build({ entryPoints: [join(dir, f)], outfile: bundle, bundle: true, platform: 'node', format: 'esm', target: 'es2022', logLevel: 'warning', mainFields: ['module', 'main'],
    external: ['esbuild', 'playwright-core'], // each finds its own files (a binary, a browser driver) at run time
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" } });
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', bundle], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    console.error(`${f}: exited with ${r.status ?? r.signal}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
