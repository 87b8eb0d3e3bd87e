// Runs every *.test.ts under test/ with node's test runner (TypeScript through tsx), the spec
// reporter for people and a summary reporter whose last line is `N passed, N failed`.
// Usage: node test/run.mjs [substring …]   (only files whose path contains a substring)
// With FSR_RESULTS=FILE the closing line goes to FILE instead (test/all.mjs adds it to its count and prints one line for all).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'node_modules' || name === 'e2e-vscode' ? [] : walk(p);
    return p.endsWith('.test.ts') ? [p] : [];
  });
}
const filters = process.argv.slice(2);
const files = walk(join(root, 'test'))
  .map((p) => relative(root, p))
  .filter((p) => filters.length === 0 || filters.some((f) => p.includes(f)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ') || '(all)'}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, [
  '--import', 'tsx',
  '--test',
  '--test-concurrency=2',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=./test/summary-reporter.mjs', `--test-reporter-destination=${process.env.FSR_RESULTS || 'stdout'}`,
  ...files,
], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
