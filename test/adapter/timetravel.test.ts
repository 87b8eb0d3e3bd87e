// Time travel through DAP on the built adapter: gotoTargets/goto ("Jump to Cursor"), fsr/goto, reverse
// step over/out, next/previous phase, history()/executions()/invariants() in the Debug Console and as
// requests, and a moment shared as a link (moment → a new launch at startAtStep → the same state).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Session, builtinScenario } from '../../engine/index';
import { close, evaluate, failure, frames, launch, lineOf, open, scopes, stopAfter, vars } from './helpers';
import { Inline } from './inline';

const LISTING = { name: 'fsr-handoff.c', sourceReference: 1 };

async function stepNow(dc: Awaited<ReturnType<typeof open>>): Promise<number> {
  return ((await dc.customRequest('fsr/state', {})).body as { stepCount: number }).stepCount;
}

/** The phases of a whole shared-swap run, from the engine: step and line of each. */
function enginePhases(): Array<{ step: number; name: string; line: number }> {
  const s = new Session(builtinScenario('shared-swap'));
  s.runToEnd();
  return s.phases().map((p) => ({ step: p.step, name: p.name, line: p.line }));
}

describe('time travel over DAP', () => {
  it('gotoTargets lists a line\'s executions, past and future, and goto lands on one (Jump to Cursor)', async () => {
    const dc = await open();
    try {
      const init = (await dc.initializeRequest({ adapterID: 'fsr' })).body!;
      assert.equal(init.supportsGotoTargetsRequest, true);
      const stop = await launch(dc, { scenario: 'shared-swap' }, () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'World_SetPanicNoCore' }] }));
      const pnr = await stepNow(dc);
      const redirect = lineOf('VmMemMigrateTransferPageDir', 'PFrame_DirSet(dstWorld');
      const seen: DebugProtocol.Event[] = [];
      const note = (e: DebugProtocol.Event) => seen.push(e);
      dc.on('output', note);
      dc.on('invalidated', note);
      const t = (await dc.customRequest('gotoTargets', { source: LISTING, line: redirect })).body.targets as DebugProtocol.GotoTarget[];
      await new Promise((r) => setTimeout(r, 100));
      dc.removeListener('output', note);
      dc.removeListener('invalidated', note);
      // Looking ahead logs nothing (the handoff has not finished), and only variables are refetched:
      // stacks stand, so the client does not refocus and close its pick of these targets.
      assert.deepEqual(seen.filter((e) => e.event === 'output' && !/may also run inside/.test((e as DebugProtocol.OutputEvent).body.output)), []);
      assert.deepEqual(seen.filter((e) => e.event === 'invalidated').flatMap((e) => (e as DebugProtocol.InvalidatedEvent).body.areas ?? []).filter((a) => a !== 'variables'), []);
      const redirects = enginePhases().filter((p) => p.name === 'pdir redirect');
      assert.equal(t.length, redirects.length, 'one target per pdir');
      assert.match(t[0]!.label, new RegExp(`line ${redirect} at step ${redirects[0]!.step} \\(destination VMX, later\\)`));
      const g = await stopAfter(dc, () => dc.customRequest('goto', { threadId: stop.threadId, targetId: t[2]!.id }));
      assert.equal(g.reason, 'goto');
      assert.equal(await stepNow(dc), redirects[2]!.step);
      assert.equal((await frames(dc, g.threadId!))[0]!.line, redirect);
      // Back to a line that ran before: the latest execution comes first.
      const back = (await dc.customRequest('gotoTargets', { source: LISTING, line: lineOf('FSR_ResumeDone', 'World_SetPanicNoCore') })).body.targets as DebugProtocol.GotoTarget[];
      assert.equal(back.length, 1);
      assert.match(back[0]!.label, /earlier/);
      await stopAfter(dc, () => dc.customRequest('goto', { threadId: g.threadId, targetId: back[0]!.id }));
      const pnrPhase = enginePhases().find((p) => p.name === 'point of no return')!.step;
      assert.equal(await stepNow(dc), pnrPhase, 'where the destination stood at the call');
      assert.equal(pnr, pnrPhase + 1, 'one step before the function breakpoint inside it stopped');
      assert.match(await failure(dc.customRequest('goto', { threadId: 1, targetId: 99999 })), /targetId 99999 is not one gotoTargets gave/);
    } finally {
      await close(dc);
    }
  });

  it('gotoTargets looks ahead and into bulk steps without printing what it ran through: the Debug Console shows no line of the future', async () => {
    const c = await Inline.stopped('shared-swap');
    const before = c.events.length;
    const t = (await c.ok('gotoTargets', { source: LISTING, line: lineOf('VmMemMigrateTransferPageDir', 'PFrame_DirSet(dstWorld') })).targets as DebugProtocol.GotoTarget[];
    assert.ok(t.length > 1);
    const printed = c.events.slice(before).filter((e) => e.event === 'output').map((e) => (e as DebugProtocol.OutputEvent).body);
    assert.deepEqual(printed.filter((o) => o.category !== 'console'), [], 'no log line or exception of steps not reached');
    assert.equal(((await c.ok('fsr/state', {})) as { stepCount: number }).stepCount, 0);
    // Going there prints nothing it did not print before either; continuing from there prints the rest.
    const stop = c.event('stopped');
    await c.ok('goto', { threadId: 1, targetId: t[0]!.id });
    await stop;
    const ended = c.event('stopped');
    await c.ok('continue', { threadId: 1 });
    await ended;
    const logged = c.events.filter((e) => e.event === 'output' && (e as DebugProtocol.OutputEvent).body.category === 'stdout').map((e) => (e as DebugProtocol.OutputEvent).body.output);
    assert.equal(new Set(logged).size, logged.length, 'each log line once');
  });

  it('fsr/goto lands on any step, says where the run ends when asked for more, and names a bad step', async () => {
    const dc = await open();
    try {
      await launch(dc, { scenario: 'shared-swap', stopOnEntry: true });
      // Ahead of where the run stood: the stop is on the thread of the actor that made the step.
      const redirect = enginePhases().find((p) => p.name === 'pdir redirect')!;
      const r = await stopAfter(dc, () => dc.customRequest('fsr/goto', { step: redirect.step }));
      assert.equal(r.threadId, 2, 'the destination VMX made the redirect');
      assert.equal((await frames(dc, 2))[0]!.name, 'VmMemMigrateTransferPageDir');
      const s = await stopAfter(dc, () => dc.customRequest('fsr/goto', { step: 12345 }));
      assert.equal(s.reason, 'goto');
      assert.match(s.description!, /step 12345/);
      assert.equal(await stepNow(dc), 12345);
      const end = await stopAfter(dc, () => dc.customRequest('fsr/goto', { step: 10_000_000 }));
      assert.match(end.description!, /step \d+/);
      assert.ok((await stepNow(dc)) < 10_000_000);
      assert.match(await failure(dc.customRequest('fsr/goto', { step: -1 })), /^step must be a whole number ≥ 0, got -1$/);
      assert.match(await failure(dc.customRequest('fsr/goto', { step: 1.5 })), /^step must be a whole number ≥ 0, got 1\.5$/);
    } finally {
      await close(dc);
    }
  });

  it('reverse step over and out, next and previous phase', async () => {
    const dc = await open();
    try {
      const entry = await launch(dc, { scenario: 'shared-swap', stopOnEntry: true });
      const first = await stopAfter(dc, () => dc.customRequest('fsr/phase', { direction: 'next' }));
      assert.match(first.description!, /phase "resume victor"/);
      const phases = enginePhases();
      assert.equal(await stepNow(dc), phases[0]!.step);
      const second = await stopAfter(dc, () => dc.customRequest('fsr/phase', { direction: 'next' }));
      assert.equal(await stepNow(dc), phases[1]!.step);
      const prev = await stopAfter(dc, () => dc.customRequest('fsr/phase', { direction: 'previous' }));
      assert.equal(prev.reason, 'goto');
      assert.equal(await stepNow(dc), phases[0]!.step);
      void second;
      // The destination VMX, two statements into FSRDestVMX's PAGEIN: reverse step over its last call.
      const tid = 2;
      const over = await stopAfter(dc, () => dc.nextRequest({ threadId: tid }));
      assert.equal(over.threadId, tid);
      const where = (await frames(dc, tid)).map((f) => `${f.name}:${f.line}`);
      const before = await stepNow(dc);
      const r = await stopAfter(dc, () => dc.customRequest('fsr/reverseStep', { threadId: tid, how: 'over' }));
      assert.equal(r.reason, 'step');
      assert.ok((await stepNow(dc)) < before);
      await stopAfter(dc, () => dc.nextRequest({ threadId: tid }));
      assert.deepEqual((await frames(dc, tid)).map((f) => `${f.name}:${f.line}`), where, 'next from there comes back');
      assert.match(await failure(dc.customRequest('fsr/reverseStep', { threadId: tid, how: 'sideways' })), /^how must be one of "over", "out", got "sideways"$/);
      void entry;
    } finally {
      await close(dc);
    }
  });

  it('history(), executions() and invariants() in the Debug Console, from the recorded history', async () => {
    const dc = await open();
    try {
      // Run to the end, then ask.
      const end = await launch(dc, { scenario: 'stale-shadow' }, () => dc.setExceptionBreakpointsRequest({ filters: [] }));
      assert.equal(end.reason, 'end');
      const h = await evaluate(dc, 'history(fsr.resumeState)');
      assert.match(h.result, /fsr->resumeState = FSR_RESUME_DEST: 2 changes, the last at step \d+/);
      const rows = await vars(dc, h.variablesReference, { filter: 'indexed', start: 0, count: 10 });
      assert.deepEqual(Object.values(rows).map((r) => r.value.replace(/ — .*/, '')), ['FSR_RESUME_NONE → FSR_RESUME_DESTVERIFY', 'FSR_RESUME_DESTVERIFY → FSR_RESUME_DEST']);
      assert.match(Object.values(rows)[0]!.value, /destination VMX, FSRDestVMX:\d+/);
      const x = await evaluate(dc, 'executions("FSRTransferSwapFile")');
      assert.match(x.result, /FSRTransferSwapFile: entered 1 time/);
      const inv = await evaluate(dc, 'invariants()');
      assert.match(inv.result, /invariant broken, the first at step \d+/);
      const body = (await dc.customRequest('fsr/history', { expression: 'dst.pframes.pdirInfo[3]' })).body as { rows: Array<{ step: number; old: string; new: string }> };
      assert.equal(body.rows.length, 2, 'allocated, then redirected');
      assert.match(await failure(dc.customRequest('fsr/history', { expression: 'fsr' })), /no recorded history here/);
      assert.match(await failure(dc.customRequest('fsr/executions', { function: 'toString' })), /no function toString in the listing/);
    } finally {
      await close(dc);
    }
  });

  it('what the editor needs: the run\'s extent in fsr/moment, a history menu context on Variables rows, continued on a next phase', async () => {
    const dc = await open();
    try {
      await launch(dc, { scenario: 'shared-swap', stopOnEntry: true });
      let m = (await dc.customRequest('fsr/moment', {})).body as { horizon: number; end: number | null; step: number };
      assert.deepEqual([m.step, m.horizon, m.end], [0, 0, null], 'the end is not known before the run got there');
      // A next phase runs: the client hears "continued" before the stop.
      const continued = dc.waitForEvent('continued');
      const ph = await stopAfter(dc, () => dc.customRequest('fsr/phase', { direction: 'next' }));
      assert.equal(((await continued) as DebugProtocol.ContinuedEvent).body.allThreadsContinued, true);
      // Rows with a recorded history carry the menu context; a row without one does not.
      const sc = await scopes(dc, (await frames(dc, ph.threadId!))[0]!.id);
      const fsr = await vars(dc, sc.FSR!.variablesReference);
      assert.equal((fsr.resumeState as { __vscodeVariableMenuContext?: string }).__vscodeVariableMenuContext, 'history');
      const src = await vars(dc, sc['vm-src']!.variablesReference);
      assert.equal((Object.values(src)[0] as { __vscodeVariableMenuContext?: string }).__vscodeVariableMenuContext, undefined);
      // An answer with no rows has nothing to expand.
      assert.deepEqual([(await evaluate(dc, 'invariants()')).variablesReference, (await evaluate(dc, 'invariants()')).result], [0, 'every invariant holds so far']);
      assert.equal((await evaluate(dc, 'executions("FSRDestAbort")')).variablesReference, 0);
      // Jump to Cursor's targets refetch variables only: a client that refetched stacks would refocus
      // the top frame and close the pick of targets.
      const inv = dc.waitForEvent('invalidated');
      await dc.customRequest('gotoTargets', { source: LISTING, line: lineOf('VmMemMigrateTransferPageDir', 'PFrame_DirSet(dstWorld') });
      assert.deepEqual(((await inv) as DebugProtocol.InvalidatedEvent).body.areas, ['variables']);
      const end = await stopAfter(dc, () => dc.customRequest('fsr/goto', { step: 10_000_000 }));
      void end;
      const last = await stepNow(dc);
      m = (await dc.customRequest('fsr/moment', {})).body;
      assert.equal(m.end, last, 'seen to end: the end is known');
      await stopAfter(dc, () => dc.customRequest('fsr/goto', { step: 100 }));
      m = (await dc.customRequest('fsr/moment', {})).body;
      assert.deepEqual([m.step, m.end], [100, last], 'and stays known when the run goes back');
      // An edit may change what follows: the end is unknown again.
      const sc2 = await scopes(dc, (await frames(dc, (await dc.threadsRequest()).body.threads[0]!.id))[0]!.id);
      await dc.setVariableRequest({ variablesReference: sc2.FSR!.variablesReference, name: 'memMinToTransferMB', value: '7' });
      m = (await dc.customRequest('fsr/moment', {})).body;
      assert.equal(m.end, null);
    } finally {
      await close(dc);
    }
  });

  it('a moment shared as a link: the same run, stopped at the same step, in the same state; a changed file is warned about', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fsr-link-'));
    const file = join(dir, 'mine.json');
    writeFileSync(file, JSON.stringify({ name: 'mine', host: { ranges: [{ baseMPN: '0x100000', pages: 65536 }] }, vm: { memMB: 8 }, swap: { mode: 'shared', swapOuts: 2 } }));
    const a = await open();
    let moment: { step: number; launch: Record<string, unknown>; scenarioDigest: string | null };
    let want: string[];
    try {
      await launch(a, { scenario: file, seed: 5 }, () => a.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'VmMemMigrateAddPageDirToDest' }] }));
      moment = (await a.customRequest('fsr/moment', {})).body;
      assert.deepEqual(moment.launch, { scenario: file, seed: 5 });
      assert.match(moment.scenarioDigest!, /^[0-9a-f]{16}$/);
      want = [JSON.stringify(await frames(a, 2)), (await evaluate(a, 'dst.pframes.pdirInfo[0]')).result, (await evaluate(a, 'fsr.resumeState')).result];
    } finally {
      await close(a);
    }
    const b = await open();
    try {
      const outputs: string[] = [];
      b.on('output', (e: DebugProtocol.OutputEvent) => outputs.push(e.body.output));
      const s = await launch(b, { ...moment.launch, startAtStep: moment.step, scenarioDigest: moment.scenarioDigest, bookmarks: [{ name: 'there', step: moment.step }] });
      assert.equal(s.reason, 'entry');
      assert.equal(s.description, `step ${moment.step}`);
      assert.match(s.text!, new RegExp(`at step ${moment.step} \\(startAtStep\\)`));
      assert.equal(await stepNow(b), moment.step);
      assert.deepEqual([JSON.stringify(await frames(b, 2)), (await evaluate(b, 'dst.pframes.pdirInfo[0]')).result, (await evaluate(b, 'fsr.resumeState')).result], want);
      assert.ok(!outputs.some((o) => /has changed since the link/.test(o)));
      assert.deepEqual((await b.customRequest('fsr/bookmarks', {})).body, { bookmarks: [{ name: 'there', step: moment.step }] });
    } finally {
      await close(b);
    }
    writeFileSync(file, JSON.stringify({ name: 'mine', host: { ranges: [{ baseMPN: '0x100000', pages: 65536 }] }, vm: { memMB: 8 }, swap: { mode: 'shared', swapOuts: 3 } }));
    const c = await open();
    try {
      const outputs: string[] = [];
      c.on('output', (e: DebugProtocol.OutputEvent) => outputs.push(e.body.output));
      await launch(c, { ...moment.launch, startAtStep: moment.step, scenarioDigest: moment.scenarioDigest });
      assert.ok(outputs.some((o) => /scenario file .*mine\.json has changed since the link was made/.test(o)), outputs.join(''));
      assert.match(await failure(c.customRequest('fsr/goto', {})), /^step must be a whole number ≥ 0, got nothing$/);
    } finally {
      await close(c);
    }
    const d = await open();
    try {
      const f = await d.launchRequest({ scenario: 'shared-swap', bookmarks: [{ name: '', step: 3 }] } as DebugProtocol.LaunchRequestArguments).then(() => 'launched', (e: Error) => e.message);
      assert.match(f, /"bookmarks"\[0\] must be \{"name": "<a name>", "step": <a whole number ≥ 0>\}/);
    } finally {
      await close(d);
    }
  });
});

describe('the stale-shadow walkthrough, with the time-travel tools (docs/walkthrough/5-stale-shadow.md)', () => {
  it('invariants() finds the first break; the stale translation\'s history names the swap-out; the flush at the end of the handoff leaves it', async () => {
    const dc = await open();
    try {
      const stop = await launch(dc, { scenario: 'stale-shadow' });
      assert.deepEqual([stop.reason, stop.description], ['exception', 'invariant break']);
      const at = await stepNow(dc);
      const inv = await evaluate(dc, 'invariants()');
      assert.equal(inv.result, `1 invariant broken, the first at step ${at}`);
      const row = Object.values(await vars(dc, inv.variablesReference))[0]!;
      assert.match(row.value, new RegExp(`^cached translations match the PFrames breaks \\(destination VMX\\); it held until step ${at - 1}: .*pgNum (0x[0-9a-f]+) → MPN (0x[0-9a-f]+), but the page is SWAPPED`));
      const [, pg, mpn] = /pgNum (0x[0-9a-f]+) → MPN (0x[0-9a-f]+)/.exec(row.value)!;
      // The stale translation in Variables, and its history: the MPN it names.
      const tr = await evaluate(dc, `dst.monitor.cachedTranslations[${pg}]`);
      assert.match(tr.result, new RegExp(`^${mpn} \\(stale: the PFrame is now SWAPPED`));
      const h = (await dc.customRequest('fsr/history', { expression: `dst.monitor.cachedTranslations[${pg}]` })).body as { what: string; rows: Array<{ step: number; actor: string; fn: string; old: string; new: string }> };
      assert.equal(h.what, `BackMap[${mpn}]`);
      const took = h.rows[0]!;
      assert.deepEqual([took.actor, took.fn, took.old, took.new], ['swapper', 'Swap_SwapOutPage', `vm-src main memory, pgNum 0x${Number(pg).toString(16)}`, 'none']);
      // The checkpoint was read (its translations restored) before the swapper took the page.
      const read = (await dc.customRequest('fsr/executions', { function: 'FSR_ReadCptData' })).body as { rows: Array<{ step: number }> };
      assert.ok(read.rows[0]!.step < took.step);
      // The flush at the end of the handoff runs, and the destination still holds its translations after it.
      const fin = (await dc.customRequest('fsr/executions', { function: 'VmMemMigrateMemoryHandoffFinished' })).body as { rows: Array<{ step: number }> };
      await stopAfter(dc, () => dc.customRequest('fsr/goto', { step: fin.rows[0]!.step + 3 }));
      assert.match((await evaluate(dc, 'dst.monitor')).result, /6 cached translations/);
      assert.match((await evaluate(dc, `dst.monitor.cachedTranslations[${pg}]`)).result, new RegExp(`^${mpn} \\(stale`));
      // Go to the last step it held and step once: the break, on the line that runs the guest.
      const held = await stopAfter(dc, () => dc.customRequest('fsr/goto', { step: at - 1 }));
      const next = await stopAfter(dc, () => dc.nextRequest({ threadId: held.threadId! }));
      assert.deepEqual([next.reason, next.description, await stepNow(dc)], ['exception', 'invariant break', at]);
      const top = (await frames(dc, next.threadId!))[0]!;
      assert.deepEqual([top.name, top.line], ['FSRDestVMX', lineOf('FSRDestVMX', 'VMX_RunGuest')]);
    } finally {
      await close(dc);
    }
  });
});
