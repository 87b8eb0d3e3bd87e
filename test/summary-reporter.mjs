// A node:test reporter that prints one closing line: `N passed, N failed` (and skipped, if any).
export default async function* summary(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    // Count tests, not the suites (describe blocks) that hold them.
    if (event.data.details?.type === 'suite') continue;
    // A todo test that fails does not fail the run (node exits 0): count it with the skipped.
    if (event.data.skip || event.data.todo) skipped++;
    else if (event.type === 'test:fail') failed++;
    else passed++;
  }
  yield `\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
}
