// `npm test`: every check of the project in one run, each stage a child process with its output shown
// as it comes, then a table of the stages and ONE closing line `N passed, N failed` that counts them all.
// Stages: check-types, lint and build (one check each); the unit, scenario and DAP tests
// (test/run.mjs); `npm start` as the README says (test/e2e-vscode/npm-start.mjs); the extension-host
// suite and the UI test in a real VS Code (test/e2e-vscode/run.mjs). A test stage reports its count
// through $FSR_RESULTS; one that ends without a count, or that cannot be started, counts as one
// failure and says why. Every stage runs even after one fails, so the count is of everything.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const stages = [
  { name: 'check-types', cmd: 'npm', args: ['run', '--silent', 'check-types'] },
  { name: 'lint', cmd: 'npm', args: ['run', '--silent', 'lint'] },
  { name: 'build', cmd: 'npm', args: ['run', '--silent', 'build'] },
  { name: 'unit, scenario and DAP tests', cmd: process.execPath, args: ['test/run.mjs'], counts: true },
  { name: 'npm start (the README’s first command)', cmd: process.execPath, args: ['test/e2e-vscode/npm-start.mjs'], counts: true },
  { name: 'extension host and UI tests (real VS Code)', cmd: process.execPath, args: ['test/e2e-vscode/run.mjs'], counts: true },
];

const LINE = /^(?:\w+: )?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$/m;
const scratch = mkdtempSync(join(tmpdir(), 'fsr-test-all-'));

function run(stage, results) {
  return new Promise((resolve) => {
    const child = spawn(stage.cmd, stage.args, { cwd: root, stdio: 'inherit', env: { ...process.env, FSR_RESULTS: results } });
    child.once('error', (e) => resolve({ error: `could not start ${stage.cmd}: ${e.message}` }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

const rows = [];
const tAll = Date.now();
for (const [i, stage] of stages.entries()) {
  console.log(`\n━━ ${i + 1}/${stages.length} ${stage.name} ━━`);
  const results = join(scratch, `stage-${i}.txt`);
  const t0 = Date.now();
  const r = await run(stage, results);
  const row = { name: stage.name, passed: 0, failed: 0, skipped: 0, seconds: (Date.now() - t0) / 1000, note: '' };
  const how = r.error ?? (r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`);
  if (!stage.counts) {
    if (r.code === 0) row.passed = 1;
    else [row.failed, row.note] = [1, how];
  } else {
    let text = '';
    try {
      text = readFileSync(results, 'utf8');
    } catch {
      /* the stage wrote no count */
    }
    const m = LINE.exec(text);
    if (!m) {
      [row.failed, row.note] = [1, `ran no count of its tests (${how})`];
    } else {
      [row.passed, row.failed, row.skipped] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
      // A runner that failed without a failed test (a crash after the count) is one failure more.
      if (r.code !== 0 && row.failed === 0) [row.failed, row.note] = [1, `${how} with no failed test`];
    }
  }
  rows.push(row);
}
rmSync(scratch, { recursive: true, force: true });

const total = rows.reduce((t, r) => ({ passed: t.passed + r.passed, failed: t.failed + r.failed, skipped: t.skipped + r.skipped }), { passed: 0, failed: 0, skipped: 0 });
const w = Math.max(...rows.map((r) => r.name.length));
console.log(`\n━━ all stages (${((Date.now() - tAll) / 1000).toFixed(0)} s) ━━`);
for (const r of rows) {
  const counts = `${String(r.passed).padStart(5)} passed ${String(r.failed).padStart(3)} failed`;
  const notes = [r.skipped ? `${r.skipped} skipped` : '', r.note].filter(Boolean).join('; ');
  console.log(`${r.failed ? '✘' : '✔'} ${r.name.padEnd(w)} ${counts} ${r.seconds.toFixed(0).padStart(5)} s${notes ? `  ${notes}` : ''}`);
}
console.log(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
process.exit(total.failed ? 1 : 0);
