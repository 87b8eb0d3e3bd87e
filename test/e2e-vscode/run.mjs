// `npm run test:vscode`: the tests in a real VS Code — the @vscode/test-electron extension-host suite
// and the UI end-to-end tests (ui/e2e.mjs, ui/timetravel.mjs) against the packaged .vsix — ui/e2e.mjs in
// the Node and in the web worker extension host — ending with `N passed, N failed` (written instead
// to $FSR_RESULTS when set, for test/all.mjs). Installs its tools first.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTools, root } from './codeServer.mjs';
import { runExtensionHostTests } from './extension-host/runTest.mjs';
import { runUiTest } from './ui/e2e.mjs';
import { runTimeTravelUiTest } from './ui/timetravel.mjs';

const t0 = Date.now();
let passed = 0;
let failed = 0;
function finish() {
  const line = `${passed} passed, ${failed} failed`;
  console.log(`VS Code tests took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (process.env.FSR_RESULTS) writeFileSync(process.env.FSR_RESULTS, `${line}\n`);
  else console.log(line);
  process.exit(failed ? 1 : 0);
}
try {
  ensureTools({ chromium: true });
} catch (e) {
  console.log(`the tools for the VS Code tests could not be installed: ${e?.message ?? e}`);
  failed++;
  finish();
}

// The .vsix both suites use: `npm run package` (production bundles in dist/).
const pack = spawnSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
const vsix = join(root, 'fsr-handoff-debugger.vsix');
if (pack.status !== 0 || !existsSync(vsix)) {
  console.log('npm run package failed: no .vsix');
  failed++;
}

console.log('extension-host tests (@vscode/test-electron → code-server):');
const results = join(root, 'out', 'extension-host', 'results.json');
rmSync(results, { force: true });
try {
  const code = await runExtensionHostTests();
  const r = existsSync(results) ? JSON.parse(readFileSync(results, 'utf8')) : { passed: 0, failed: 1 };
  passed += r.passed;
  failed += r.failed + (code !== 0 && r.failed === 0 ? 1 : 0);
} catch (e) {
  console.log(`extension-host run failed: ${e?.message ?? e}`);
  failed++;
}

if (existsSync(vsix)) {
  // The same walk twice: in the Node extension host, then pinned to the browser's web worker host.
  for (const host of ['node', 'web']) {
    console.log(`UI end-to-end test in the ${host === 'web' ? 'web worker' : 'Node'} extension host (the .vsix in code-server, screenshots in test/screenshots/):`);
    try {
      const r = await runUiTest({ vsix, host });
      passed += r.passed;
      failed += r.failed;
    } catch (e) {
      console.log(`UI test run failed: ${e?.message ?? e}`);
      failed++;
    }
  }
  console.log('time-travel UI test (the .vsix in code-server, screenshots test/screenshots/tt-*):');
  try {
    const r = await runTimeTravelUiTest({ vsix });
    passed += r.passed;
    failed += r.failed;
  } catch (e) {
    console.log(`time-travel UI test run failed: ${e?.message ?? e}`);
    failed++;
  }
}
finish();
