// A moment as a link and as a launch.json configuration: written and read back the two ways a link
// arrives (pasted whole; handed to a URI handler with its query decoded once), every mistake named;
// FSR: Go to Step…'s input checks and Show Value History's rows from a real run's history.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parse as parseJsonc } from 'jsonc-parser';
import { Session, builtinScenario, valueHistory } from '../../engine/index';
import { type Moment, LinkError, historyItems, historyTitle, launchConfiguration, launchText, momentLink, parseLinkText, parseMomentQuery, parseStepInput } from '../../extension/moment';

const ID = 'fsr-handoff.fsr-handoff-debugger';

/** What a URI handler gets: the path, and the query percent-decoded once (as vscode.Uri.parse does). */
function asHandlerSees(link: string): Moment {
  const m = /^[^:]+:\/\/[^/]+([^?]*)\?(.*)$/.exec(link)!;
  return parseMomentQuery(m[1]!, decodeURIComponent(m[2]!));
}

const rich: Moment = {
  scenario: 'scenarios/a&b=c %41#1.json',
  step: 343,
  seed: 5,
  faults: [{ kind: 'swapCopyFail', atExtent: 1 }],
  overrides: { vm: { memMB: 64 }, description: 'R&D = 100% #1 — ünïcode' },
  scenarioDigest: '0123456789abcdef',
  bookmarks: [{ name: 'the redirect & after', step: 2278 }],
  breakpoints: [{ function: 'World_SetPanicNoCore' }, { line: 520, condition: 'dirIndex == 3 && pgNum >= 0x10', hitCondition: '>= 2' }, { function: 'pdir redirect', logMessage: 'dir {dirIndex} = {x}%' }],
};

test('a link reads back as the moment it was made from, pasted or through a URI handler', () => {
  const link = momentLink(rich, 'vscode', ID);
  assert.match(link, /^vscode:\/\/fsr-handoff\.fsr-handoff-debugger\/moment\?scenario=.*&step=343&seed=5&/);
  assert.ok(!/[\s"{}]/.test(link), 'nothing a chat or a mail would cut the link at');
  assert.deepEqual(parseLinkText(link, ID), rich);
  assert.deepEqual(asHandlerSees(link), rich);
  // A plain one stays readable.
  assert.equal(momentLink({ scenario: 'shared-swap', step: 12 }, 'code-oss', ID), `code-oss://${ID}/moment?scenario=shared-swap&step=12`);
});

test('any text in a moment survives both ways (property)', () => {
  const text = fc.string({ unit: 'grapheme', maxLength: 30 });
  fc.assert(
    fc.property(text.filter((s) => s.trim() !== ''), text, text, fc.nat(), (scenario, condition, name, step) => {
      const m: Moment = { scenario, step, overrides: { description: name }, breakpoints: [{ line: 7, condition }], bookmarks: name.trim() ? [{ name, step }] : undefined };
      if (!m.bookmarks) delete m.bookmarks;
      const link = momentLink(m, 'vscode', ID);
      assert.deepEqual(parseLinkText(link, ID), m);
      assert.deepEqual(asHandlerSees(link), m);
    }),
    { numRuns: 300 },
  );
});

test('a link with a mistake is refused, naming it', () => {
  const bad = (q: string) => () => parseLinkText(`vscode://${ID}/moment?${q}`, ID);
  assert.throws(bad('scenario=shared-swap'), /^LinkError: the link names no step/);
  assert.throws(bad('step=3'), /the link names no scenario/);
  assert.throws(bad('scenario=shared-swap&step=-3'), /step must be a whole number ≥ 0, got "-3"/);
  assert.throws(bad('scenario=shared-swap&step=3&stpe=4'), /unknown part "stpe" \(parts: scenario, step, seed/);
  assert.throws(bad('scenario=shared-swap&step=3&step=4'), /gives step twice/);
  assert.throws(bad('scenario=shared-swap&step=3&faults=%5B'), /faults is not valid JSON/);
  assert.throws(bad('scenario=shared-swap&step=3&faults=%7B%7D'), /faults must be a list of faults/);
  assert.throws(bad('scenario=shared-swap&step=3&digest=xyz'), /digest must be 16 hex digits, got "xyz"/);
  assert.throws(bad('scenario=shared-swap&step=3&breakpoints=%5B%7B%7D%5D'), /breakpoints\[0\] must name either a function or a line, not neither/);
  assert.throws(bad('scenario=shared-swap&step=3&breakpoints=%5B%7B%22line%22%3A0%7D%5D'), /breakpoints\[0\]\.line must be a line of the listing/);
  assert.throws(bad('scenario=shared-swap&step=3&breakpoints=%5B%7B%22line%22%3A3%2C%22when%22%3A1%7D%5D'), /breakpoints\[0\] has unknown field "when"/);
  assert.throws(bad('scenario=shared-swap&step=3&bookmarks=%5B%7B%22name%22%3A%22%22%2C%22step%22%3A1%7D%5D'), /bookmarks\[0\] must be \{"name"/);
  assert.throws(bad('scenario=shared-swap&step=3&x=%E0%A4%A'), /damaged: its query has a %/);
  assert.throws(() => parseLinkText(`vscode://someone.else/moment?scenario=a&step=1`, ID), /this link is for "someone\.else", not for this extension/);
  assert.throws(() => parseLinkText(`vscode://${ID}/elsewhere?scenario=a&step=1`, ID), /unknown link path "\/elsewhere"/);
  assert.throws(() => parseLinkText('step 343 of shared-swap', ID), /not a link/);
  assert.ok(new LinkError('x') instanceof Error);
});

test('the launch.json text is JSON with comments holding the same run, and says where the breakpoints went', () => {
  const t = launchText(rich);
  const errors: unknown[] = [];
  const parsed = parseJsonc(t, errors as never);
  assert.deepEqual(errors, []);
  assert.deepEqual(parsed, launchConfiguration(rich));
  assert.deepEqual(parsed, {
    type: 'fsr', request: 'launch', name: 'FSR: scenarios/a&b=c %41#1.json at step 343', scenario: rich.scenario, seed: 5, faults: rich.faults,
    overrides: rich.overrides, startAtStep: 343, bookmarks: rich.bookmarks, scenarioDigest: rich.scenarioDigest,
  });
  assert.match(t, /\/\/ Breakpoints are not part of launch\.json; the link carries them: World_SetPanicNoCore; fsr-handoff\.c:520 \(if dirIndex == 3 && pgNum >= 0x10, hit >= 2\); pdir redirect \(logs "dir \{dirIndex\} = \{x\}%"\)/);
  assert.doesNotMatch(launchText({ scenario: 'shared-swap', step: 1 }), /Breakpoints/);
});

test('Go to Step… takes a whole number within the run and says what is wrong otherwise', () => {
  const x = { horizon: 10, now: 50, end: 42_891 };
  assert.deepEqual(parseStepInput(' 343 ', x), { step: 343 });
  assert.deepEqual(parseStepInput('step 27,944', x), { step: 27944 });
  assert.deepEqual(parseStepInput('27_944', x), { step: 27944 });
  assert.deepEqual(parseStepInput('42891', x), { step: 42891 });
  assert.match((parseStepInput('', x) as { error: string }).error, /Type a step number/);
  assert.match((parseStepInput('3.5', x) as { error: string }).error, /"3\.5" is not a step number/);
  assert.match((parseStepInput('-1', x) as { error: string }).error, /not a step number/);
  assert.match((parseStepInput('2,79,44', x) as { error: string }).error, /not a step number/);
  assert.match((parseStepInput('9', x) as { error: string }).error, /before the history horizon: the oldest step kept is 10/);
  assert.match((parseStepInput('42892', x) as { error: string }).error, /The run ends at step 42891: type a step from 10 to 42891/);
  assert.match((parseStepInput('99999999999999999999', x) as { error: string }).error, /too large/);
  assert.deepEqual(parseStepInput('10000000', { ...x, end: null }), { step: 10_000_000 }, 'an end not known yet bounds nothing');
});

test("Show Value History's rows are a real run's changes: step, old → new, actor, function:line", () => {
  const s = new Session(builtinScenario('stale-shadow'));
  s.runToEnd();
  const a = valueHistory(s, { kind: 'fsr', field: 'resumeState' });
  const items = historyItems(a, a.rows[1]!.step);
  assert.equal(items.length, 2);
  assert.deepEqual(items.map((i) => i.description), ['FSR_RESUME_NONE → FSR_RESUME_DESTVERIFY', 'FSR_RESUME_DESTVERIFY → FSR_RESUME_DEST']);
  assert.equal(items[0]!.label, `step ${a.rows[0]!.step}`);
  assert.equal(items[1]!.label, `step ${a.rows[1]!.step} (now)`);
  assert.match(items[0]!.detail, /^destination VMX, FSRDestVMX:\d+$/);
  assert.equal(historyTitle(a), 'fsr->resumeState = FSR_RESUME_DEST: 2 changes');
  const dir = valueHistory(s, { kind: 'pdirInfo', world: 'destination', dirIndex: 3 });
  assert.equal(historyItems(dir, 0).length, 2);
});
