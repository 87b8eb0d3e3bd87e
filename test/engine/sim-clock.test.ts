// One clock per run: step numbers, and every event's step and listing line, are a function of the run
// alone — not of breakpoints, watches, exception filters or stepping, which decide whether a loop runs
// in bulk or statement by statement. And reverse execution honours what forward execution does.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Session, builtinScenario, parseScenario, type BreakpointSpec, type ExceptionFilter, type RuntimeEvent } from '../../engine/index';
import { arbChoices, toScenario } from './random-scenarios';

type Ev = string;

/** Every event of a run, in order, with its step and where in the listing. */
function record(s: Session): Ev[] {
  const out: Ev[] = [];
  s.onEvent((e: RuntimeEvent) => {
    if (e.type === 'phase') out.push(`${e.step} phase ${e.name} ${e.fn}:${e.line} ${e.actorId}`);
    else if (e.type === 'phases') for (const step of e.steps) out.push(`${step} phase ${e.name} ${e.fn}:${e.line} ${e.actorId}`);
    else if (e.type === 'exception') out.push(`${e.step} ${e.filter} ${e.fn}:${e.line} ${e.message}`);
    else if (e.type === 'output' && e.category === 'stdout') out.push(`${e.step} log ${e.line}`);
  });
  return out;
}

/** Run to the end, going on after every stop. */
function runThrough(s: Session, budget = 2_000_000): number {
  let stops = 0;
  for (;;) {
    s.rt.continue();
    const st = s.rt.run(budget);
    assert.ok(st, 'the run goes on');
    if (st.reason === 'end') return stops;
    assert.notEqual(st.reason, 'deadlock', st.description);
    stops++;
  }
}

/** Places to stop: functions and lines inside the per-page loops (which turn bulk off), phases, others. */
const INSIDE_LOOPS = ['VmMemMigrateAddPageToDest', 'VmMemMigrateTransferPageDir', 'PFrame_DirSet', 'PFrame_Lookup', 'VmMemMigrateRemovePageDirFromSource', 'PFrame_Unlock'];
const ELSEWHERE = ['FSR_ResumeDone', 'Swap_SwapOutPage', 'FSRSwapCopyHelper', 'BusMem_TranslateBPN', 'FSRCancelPrepareForMemoryTransfer'];
const PHASES = ['pdir redirect', 'point of no return', 'swap bitmap copy', 'resume victor'];

const arbBreaks = fc.record({
  fns: fc.subarray([...INSIDE_LOOPS, ...ELSEWHERE], { minLength: 1, maxLength: 4 }),
  phases: fc.subarray(PHASES, { maxLength: 2 }),
  lineIn: fc.option(fc.constantFrom('BackMap_Unset', 'VmMem_FreePDir', 'PFrame_DirAlloc', 'PFrame_SetRegular'), { nil: undefined }),
  filters: fc.subarray(['fail', 'panic', 'invariant'] as ExceptionFilter[]),
  watch: fc.boolean(),
  stepping: fc.boolean(),
});

function withBreaks(s: Session, b: fc.Arbitrary<unknown> extends never ? never : { fns: string[]; phases: string[]; lineIn: string | undefined; filters: ExceptionFilter[]; watch: boolean }): void {
  const specs: BreakpointSpec[] = [...b.fns.map((name) => ({ kind: 'function' as const, name })), ...b.phases.map((name) => ({ kind: 'phase' as const, name }))];
  for (const r of s.rt.setBreakpoints(['function', 'phase'], specs)) assert.ok(r.verified, r.message);
  if (b.lineIn) {
    const st = [...s.listing.fns.values()].flatMap((f) => f.body).find((x) => x.text.startsWith(b.lineIn!))!;
    s.rt.setBreakpoints(['line'], [{ kind: 'line', line: st.line! }]);
  }
  s.rt.setExceptionFilters(b.filters);
  if (b.watch) s.watch({ kind: 'fsr', field: 'resumeState' });
}

const tally = { runs: 0, stops: 0, maxStops: 0 };

describe('one clock per run', () => {
  it('breakpoints, filters, watches and stepping change no step number and no event\'s step or line', () => {
    fc.assert(
      fc.property(arbChoices, arbBreaks, fc.nat(), (c, b, pick) => {
        const scenario = parseScenario(toScenario(c), 'random');
        const plain = new Session(scenario);
        plain.rt.setExceptionFilters([]);
        const want = record(plain);
        runThrough(plain);

        const s = new Session(scenario);
        const got = record(s);
        withBreaks(s, b);
        if (b.stepping) {
          // Step in one actor for a while, then run through.
          const a = s.rt.actors[pick % s.rt.actors.length]!;
          for (let k = 0; k < 200 && !a.done; k++) {
            s.rt.step(a.id, 'in');
            if (s.rt.run(2_000_000)?.reason === 'end') break;
          }
        }
        const stops = runThrough(s);
        tally.runs++;
        tally.stops += stops;
        tally.maxStops = Math.max(tally.maxStops, stops);
        assert.equal(s.rt.stepCount, plain.rt.stepCount, 'the same number of steps');
        assert.deepEqual(got, want);
        assert.deepEqual(s.outcome(), plain.outcome());
      }),
      { numRuns: 12, seed: 20261204 },
    );
    // The property must have met loops run statement by statement, stopping hundreds of times.
    assert.ok(tally.maxStops > 500, `the most stops in one run: ${tally.maxStops} (${tally.stops} in ${tally.runs} runs)`);
  });

  it('a bulk step stands for exactly the fine steps of its loop (each built-in scenario, fine everywhere vs bulk)', () => {
    for (const name of ['shared-swap', 'unshared-swap', 'transfer-fail', 'high-mpn', 'resume-race', 'reservation-fail']) {
      const bulk = new Session(builtinScenario(name));
      bulk.rt.setExceptionFilters([]);
      const want = record(bulk);
      bulk.runToEnd();
      const fine = new Session(builtinScenario(name));
      fine.rt.setExceptionFilters([]);
      const got = record(fine);
      fine.watch({ kind: 'fsr', field: 'hasSwapCopy' }); // any watch runs every loop statement by statement
      runThrough(fine);
      assert.equal(fine.rt.stepCount, bulk.rt.stepCount, name);
      assert.deepEqual(got, want, name);
    }
  });

  it('gotoStep lands exactly inside a bulk step: the state of a fine run at that step', () => {
    const end = (() => {
      const s = new Session(builtinScenario('shared-swap'));
      s.runToEnd();
      return s.rt.stepCount;
    })();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: end }), (k) => {
        const a = new Session(builtinScenario('shared-swap'));
        a.runToEnd();
        a.rt.gotoStep(k);
        const b = new Session(builtinScenario('shared-swap'));
        b.watch({ kind: 'fsr', field: 'hasSwapCopy' });
        b.rt.gotoStep(k);
        assert.equal(a.rt.stepCount, k);
        assert.equal(b.rt.stepCount, k);
        const where = (s: Session) => s.rt.actors.map((x) => x.stack.map((f) => `${f.fn.name}:${f.pc}:${JSON.stringify(f.locals)}`).join('>'));
        assert.deepEqual(where(a), where(b));
        assert.deepEqual([a.dst.stats, a.src.stats, Array.from(a.dst.pframes.pdirInfo)], [b.dst.stats, b.src.stats, Array.from(b.dst.pframes.pdirInfo)]);
      }),
      { numRuns: 25, seed: 7 },
    );
  });
});

describe('reverse like forward', () => {
  /** Forward stops (step, actor, reason) with these breakpoints, from the start. */
  function forwardStops(name: string, setup: (s: Session) => void): Array<[number, number | null, string]> {
    const s = new Session(builtinScenario(name));
    s.rt.setExceptionFilters([]);
    setup(s);
    const out: Array<[number, number | null, string]> = [];
    for (;;) {
      s.rt.continue();
      const st = s.rt.run()!;
      if (st.reason === 'end') return out;
      out.push([s.rt.stepCount, st.actorId, st.reason]);
    }
  }
  /** From the end of a run without breakpoints (its loops in bulk), reverse continue with them. */
  function reverseStops(name: string, setup: (s: Session) => void): Array<[number, number | null, string]> {
    const s = new Session(builtinScenario(name));
    s.rt.setExceptionFilters([]);
    s.runToEnd();
    setup(s);
    const out: Array<[number, number | null, string]> = [];
    for (;;) {
      const st = s.rt.reverseContinue();
      if (st.reason === 'entry') return out;
      out.push([s.rt.stepCount, st.actorId, st.reason]);
    }
  }

  for (const [what, name, setup] of [
    ['a phase breakpoint inside the transfer loop', 'shared-swap', (s: Session) => s.rt.setBreakpoints(['phase'], [{ kind: 'phase', name: 'pdir redirect' }])],
    ['a function breakpoint with a condition', 'shared-swap', (s: Session) => s.rt.setBreakpoints(['function'], [{ kind: 'function', name: 'VmMemMigrateAddPageToDest', condition: 'pgNum % 700 == 3' }])],
    ['a breakpoint on an actor\'s entry function', 'unshared-swap', (s: Session) => s.rt.setBreakpoints(['function'], [{ kind: 'function', name: 'FSRSwapCopyHelper' }, { kind: 'function', name: 'Swap_SwapperThread' }])],
    ['the fail and panic filters', 'transfer-fail', (s: Session) => s.rt.setExceptionFilters(['fail', 'panic'])],
    ['a data breakpoint on pdirInfo', 'shared-swap', (s: Session) => void s.watch({ kind: 'pdirInfo', world: 'destination', dirIndex: 3 })],
    ['a data breakpoint on resumeState', 'shared-swap', (s: Session) => void s.watch({ kind: 'fsr', field: 'resumeState' })],
    ['a data breakpoint, and a line breakpoint on the statement after a loop that ran in bulk', 'shared-swap', (s: Session) => {
      const after = s.listing.fns.get('VmMemMigrateTransferMemory')!.body.find((st) => st.label === 'done')!.line!;
      s.rt.setBreakpoints(['line'], [{ kind: 'line', line: after }]);
      s.watch({ kind: 'fsr', field: 'resumeState' });
    }],
  ] as const) {
    it(`reverse continue meets the forward stops, latest first: ${what}`, () => {
      const fwd = forwardStops(name, setup);
      assert.ok(fwd.length >= 1, `${what}: some forward stops`);
      assert.deepEqual(reverseStops(name, setup), [...fwd].reverse());
    });
  }

  it('reverse continue meets the forward stops over random scenarios, breakpoints (after loops that ran in bulk too), filters and data breakpoints', () => {
    const fns = ['VmMemMigrateAddPageToDest', 'VmMemMigrateTransferPageDir', 'PFrame_DirSet', 'FSR_ResumeDone', 'Swap_SwapOutPage', 'FSRSwapCopyHelper', 'Swap_SwapperThread', 'FSRCancelPrepareForMemoryTransfer', 'VmMem_FreePDir', 'FSRDestAbort', 'VmMem_InitPDirs'];
    const arb = fc.record({
      fns: fc.subarray(fns, { maxLength: 3 }),
      phases: fc.subarray(PHASES, { maxLength: 2 }),
      afterLoops: fc.boolean(),
      filters: fc.subarray(['fail', 'panic', 'invariant'] as ExceptionFilter[]),
      watch: fc.constantFrom('none', 'resumeState', 'pdirInfo'),
    });
    const setup = (s: Session, b: typeof arb extends fc.Arbitrary<infer T> ? T : never): void => {
      s.rt.setBreakpoints(['function', 'phase'], [...b.fns.map((name) => ({ kind: 'function' as const, name })), ...b.phases.map((name) => ({ kind: 'phase' as const, name }))]);
      // The statements right after the loops that run in bulk.
      const after = ['VmMemMigrateTransferMemory', 'VmMem_InitPDirs', 'FSRDestAbort', 'VmMemMigrateInitPageDirsOnDest'].map((fn) => s.listing.fns.get(fn)!.body.find((st) => st.label === 'done')!.line!);
      if (b.afterLoops) s.rt.setBreakpoints(['line'], after.map((line) => ({ kind: 'line' as const, line })));
      s.rt.setExceptionFilters(b.filters);
      if (b.watch === 'resumeState') s.watch({ kind: 'fsr', field: 'resumeState' });
      if (b.watch === 'pdirInfo') s.watch({ kind: 'pdirInfo', world: 'destination', dirIndex: 0 });
    };
    // Two stops at one step (a data breakpoint, then an actor's start) are one moment: going back meets it once.
    const moments = (stops: Array<[number, number | null, string]>) => stops.filter((x, i) => stops[i + 1]?.[0] !== x[0]);
    let met = 0;
    fc.assert(
      fc.property(arbChoices, arb, (c, b) => {
        const scenario = parseScenario(toScenario(c), 'random');
        const f = new Session(scenario);
        f.rt.setExceptionFilters([]);
        setup(f, b);
        const fwd: Array<[number, number | null, string]> = [];
        for (;;) {
          f.rt.continue();
          const st = f.rt.run()!;
          if (st.reason === 'end' || st.reason === 'deadlock') break;
          fwd.push([f.rt.stepCount, st.actorId, st.reason]);
        }
        const r = new Session(scenario);
        r.rt.setExceptionFilters([]);
        r.runToEnd();
        setup(r, b);
        const rev: Array<[number, number | null, string]> = [];
        for (let st = r.rt.reverseContinue(); st.reason !== 'entry'; st = r.rt.reverseContinue()) rev.push([r.rt.stepCount, st.actorId, st.reason]);
        met += fwd.length;
        assert.deepEqual(moments(rev.reverse()), moments(fwd));
      }),
      { numRuns: 40, seed: 1 },
    );
    assert.ok(met > 200, `forward stops met: ${met}`);
  });

  it('from a stop at an actor\'s start (reached going back, or after looking for a line\'s moments), continue goes on as forward does', () => {
    const setup = (s: Session) => s.rt.setBreakpoints(['function'], [{ kind: 'function', name: 'FSRSwapCopyHelper' }, { kind: 'function', name: 'Swap_SwapperThread' }]);
    const fwd = forwardStops('unshared-swap', setup);
    assert.ok(fwd.length >= 2);
    const s = new Session(builtinScenario('unshared-swap'));
    s.rt.setExceptionFilters([]);
    s.runToEnd();
    const end = s.rt.stepCount;
    setup(s);
    s.rt.gotoStep(fwd[0]![0] - 1);
    s.rt.continue();
    assert.equal(s.rt.run()!.reason, 'function breakpoint');
    assert.equal(s.rt.stepCount, fwd[0]![0]);
    // Where is a line that runs later? The run comes back to this start.
    s.rt.arrivalsAt(s.listing.fns.get('FSR_ResumeDone')!.body[0]!.line!, { ahead: 5000, limit: 5, replayUpTo: 0 });
    for (const [step] of fwd.slice(1)) {
      s.rt.continue();
      assert.equal(s.rt.run()!.reason, 'function breakpoint');
      assert.equal(s.rt.stepCount, step, 'the next start, not the same one again');
    }
    // And from the last start reached going back, on to the end of the same run.
    s.rt.gotoStep(end);
    assert.equal(s.rt.reverseContinue().reason, 'function breakpoint');
    assert.equal(s.rt.stepCount, fwd.at(-1)![0]);
    s.rt.continue();
    assert.equal(s.rt.run()!.reason, 'end');
    assert.equal(s.rt.stepCount, end);
  });

  it('hit counts count going back: "2" stops at the second hit met on the way back', () => {
    const fwd = forwardStops('shared-swap', (s) => s.rt.setBreakpoints(['phase'], [{ kind: 'phase', name: 'pdir redirect' }]));
    const s = new Session(builtinScenario('shared-swap'));
    s.rt.setExceptionFilters([]);
    s.runToEnd();
    s.rt.setBreakpoints(['phase'], [{ kind: 'phase', name: 'pdir redirect', hitCondition: '2' }]);
    assert.equal(s.rt.reverseContinue().reason, 'breakpoint');
    assert.equal(s.rt.stepCount, fwd.at(-2)![0]);
  });

  it('reverse step over lands where a forward step over comes back from; reverse step out before the call', () => {
    const s = new Session(builtinScenario('shared-swap'));
    s.rt.setExceptionFilters([]);
    s.rt.setBreakpoints(['function'], [{ kind: 'function', name: 'VmMemMigrateAddPageDirToDest' }]);
    s.rt.continue();
    const st = s.rt.run()!;
    s.rt.setBreakpoints(['function'], []);
    const a = s.rt.actor(st.actorId!);
    // Two statements into the function (over the call of VmMemMigrateInitPageDirsOnDest).
    for (let k = 0; k < 4; k++) {
      s.rt.step(a.id, 'over');
      s.rt.run();
    }
    const here = s.rt.stepCount;
    const depth = a.stack.length;
    const line = s.rt.current(a)!.stmt.line;
    assert.equal(s.rt.current(a)!.frame.fn.name, 'VmMemMigrateAddPageDirToDest');
    assert.equal(s.rt.reverseStepOver(a.id).reason, 'step');
    assert.equal(a.stack.length, depth);
    assert.ok(s.rt.stepCount < here - 100, 'back over a call that took many steps');
    s.rt.step(a.id, 'over');
    s.rt.run();
    assert.equal(s.rt.stepCount, here, 'step over from there comes back here');
    assert.equal(s.rt.current(a)!.stmt.line, line);
    assert.equal(s.rt.reverseStepOut(a.id).reason, 'step');
    assert.equal(a.stack.length, depth - 1);
    assert.match(s.rt.current(a)!.stmt.text, /^VmMemMigrateAddPageDirToDest\(/, 'before the call, in the caller');
    s.rt.step(a.id, 'in');
    s.rt.run();
    assert.equal(s.rt.current(a)!.frame.fn.name, 'VmMemMigrateAddPageDirToDest');
  });

  it('reverse step out of an actor\'s entry function lands just before that actor\'s first step, not at the start of the run', () => {
    const s = new Session(builtinScenario('unshared-swap'));
    s.rt.setExceptionFilters([]);
    s.rt.setBreakpoints(['function'], [{ kind: 'function', name: 'FSRSwapCopyHelper' }]);
    s.rt.continue();
    const st = s.rt.run()!;
    s.rt.setBreakpoints(['function'], []);
    const a = s.rt.actor(st.actorId!);
    assert.equal(s.rt.current(a)!.frame.fn.name, 'FSRSwapCopyHelper');
    // A few statements into the helper, still in its entry function.
    for (let k = 0; k < 3; k++) {
      s.rt.step(a.id, 'over');
      s.rt.run();
    }
    assert.equal(a.stack.length, 1);
    // The state before the helper's first step: the last one made by another actor.
    let first = 0;
    while (s.rt.stepAt(first + 1)!.actor !== a.id) first++;
    assert.ok(first > 0, 'the helper starts after other actors ran');
    const stop = s.rt.reverseStepOut(a.id);
    assert.equal(stop.reason, 'step');
    assert.match(stop.description, /before .* started/);
    assert.equal(s.rt.stepCount, first, 'the moment before the helper\'s first step');
    for (let k = 1; k <= s.rt.stepCount; k++) assert.notEqual(s.rt.stepAt(k)!.actor, a.id, 'no step of the helper is left behind');
  });
});
