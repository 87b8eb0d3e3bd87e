// Time travel: going back (gotoStep, stepBack, reverseContinue) and forward again reproduces exactly
// the state of a fresh run stopped at the same step, by a fingerprint computed here. Engine API only.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BUILTIN_NAMES, INVALID_MPN64, Session, builtinScenario, type BreakpointSpec, type VmxState } from '../../engine/index';

const SMALL = BUILTIN_NAMES.filter((n) => n !== 'big-vm');

function fnv(h: number, v: number): number {
  h = Math.imul(h ^ (v & 0xffff), 0x01000193);
  h = Math.imul(h ^ (v >>> 16), 0x01000193);
  return Math.imul(h ^ Math.floor(v / 4294967296), 0x01000193) >>> 0;
}
function hashWords(a: ArrayLike<number>, n = a.length): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i++) h = fnv(h, a[i]!);
  return h;
}

function vmx(v: VmxState): unknown {
  // The translation cache as a set: undo may re-insert entries in another order.
  const shadow = [...v.shadow].sort((x, y) => x[0] - y[0]);
  return [v.migrateState, v.panicNoCore, v.DVSState, v.DVSFilter, v.loadHistory, shadow, v.group, v.swapOpen, v.swapExclusive, v.vmxMappedPages];
}

/**
 * Everything a debugger could show, as one string: pdir page bytes, pdirInfo, the BackMap of every
 * allocated MPN, FSRInfo and the helpers' state, stats, swap bitmaps and slot contents, each actor's
 * stack, locals and what it waits for, the log and the invariant breaks seen so far.
 */
function fingerprint(s: Session): string {
  const host = s.machine.host;
  const cx = s.cx;
  const parts: unknown[] = [s.rt.stepCount];
  for (const w of [s.src, s.dst]) {
    const pf = w.pframes;
    parts.push(w.name, Array.from(pf.pdirInfo), Array.from(pf.pages2), pf.numPDirEntries, pf.numPDirEntries2, pf.defaultPageTypeIsRemote, pf.defaultPageTypeIsRemoteMaxPgNum);
    parts.push(pf.pdirLock.holder, pf.pdirLock.heldFor, pf.pdirLock.acquisitions, { ...w.stats });
    for (let d = 0; d < w.numDirs; d++) {
      const m = w.dirMPN(d);
      if (m === INVALID_MPN64) continue;
      const b = host.read(m);
      parts.push(hashWords(new Uint32Array(b.buffer, b.byteOffset, 1024)));
    }
    for (const f of [w.swap.swapFile, w.swap.migSwapFile, w.swap.cptSwapFile]) parts.push(f.name, f.numSlots, f.usedSlots, hashWords(f.bitmap), hashWords(f.tags, f.numSlots));
    parts.push(w.swap.swapperEnabled, w.swap.activeSwapOuts);
    const z = w.alloc.memzip;
    parts.push([...z.cacheMPNs], z.numZipped, z.header, w.alloc.lpool && { ...w.alloc.lpool, sharedWith: [...w.alloc.lpool.sharedWith] });
  }
  let bm = 0x811c9dc5;
  for (const r of host.regions) {
    for (let i = 0; i < r.pages; i++) {
      const mpn = r.baseMPN + i;
      if (host.isAllocated(mpn)) bm = fnv(fnv(bm, mpn), host.backmapEntry(mpn));
      else if (host.backmapEntry(mpn) !== 0) bm = fnv(fnv(bm, -mpn), host.backmapEntry(mpn));
    }
  }
  parts.push(bm, host.allocatedPages, host.freeStackDepth, Array.from(host.ownerCounts));
  parts.push(cx.fsr, vmx(cx.srcVmx), vmx(cx.dstVmx), cx.cpt, cx.handoff, cx.helper, cx.swapOutsLeft, cx.srcTimedOut, cx.rng.state);
  parts.push(cx.pnrDirs && Array.from(cx.pnrDirs));
  const pnr = cx.pnrSwap;
  parts.push(pnr && [hashWords(pnr.bitmap), Array.from({ length: pnr.bitmap.length * 32 }, (_, s) => pnr.tags.at(s)).reduce((h, t) => fnv(h, t), 0x811c9dc5)]);
  for (const a of s.rt.actors) {
    parts.push(a.name, a.done, a.exitReason, s.rt.blockedOn(a));
    parts.push(a.stack.map((f) => [f.fn.name, f.pc, f.locals, typeof f.into === 'string' ? f.into : Boolean(f.into), Boolean(f.stay), f.pending ?? null]));
  }
  parts.push(s.rt.log.length, s.rt.log.at(-1) ?? null, s.rt.invariantBreaks);
  return JSON.stringify(parts);
}

function session(name: string, seed?: number): Session {
  const s = new Session(builtinScenario(name), seed === undefined ? {} : { seed });
  s.rt.setExceptionFilters([]);
  return s;
}

const arbRun = fc.record({
  name: fc.constantFrom(...SMALL),
  seed: fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: undefined }),
  points: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 6 }),
});

const BREAKS: BreakpointSpec[] = [
  { kind: 'phase', name: 'resume victor' },
  { kind: 'phase', name: 'point of no return' },
  { kind: 'function', name: 'Swap_SwapOutPage' },
  { kind: 'function', name: 'BusMem_TranslateBPN' },
  { kind: 'function', name: 'Atomic_CompareExchange' },
];

/**
 * The oracle for reverseContinue: a run forward to the end with the same breakpoints, stop by stop;
 * each stop's step and actor. Going back must meet the same stops, latest first.
 */
function reverseSetup(name: string): { hits: Array<{ step: number; actor: number; reason: string }>; lines: Set<number>; a: Session } {
  const o = session(name);
  const lines = new Set(o.rt.setBreakpoints(['function', 'phase'], BREAKS).flatMap((r) => {
    assert.ok(r.verified, r.message);
    return r.lines;
  }));
  const hits: Array<{ step: number; actor: number; reason: string }> = [];
  for (;;) {
    o.rt.continue();
    const st = o.rt.run(100_000);
    if (st?.reason === 'end') break;
    assert.match(st?.reason ?? 'budget', /breakpoint/);
    hits.push({ step: o.rt.stepCount, actor: st!.actorId!, reason: st!.reason });
  }
  assert.ok(hits.length >= 2, `${name}: some breakpoint locations`);
  const plain = session(name);
  plain.runToEnd(100_000);
  assert.equal(o.rt.stepCount, plain.rt.stepCount, 'stopping at breakpoints changes no step number');
  return { hits, lines, a: o };
}

/** Run to the end, then visit `ks` in the given order by gotoStep; each state must be a fresh run's. */
function visit(name: string, seed: number | undefined, ks: number[]): { a: Session; end: number; atEnd: string } {
  const a = session(name, seed);
  a.runToEnd(100_000);
  assert.ok(a.rt.finished);
  const end = a.rt.stepCount;
  const atEnd = fingerprint(a);
  const want = new Map<number, string>();
  const b = session(name, seed);
  for (const k of [...new Set(ks)].sort((x, y) => x - y)) {
    b.rt.gotoStep(k);
    want.set(k, fingerprint(b));
  }
  for (const k of ks) {
    a.rt.gotoStep(k);
    assert.equal(a.rt.stepCount, k);
    assert.equal(fingerprint(a), want.get(k), `${name} seed ${seed ?? 'default'}: state at step ${k}, reached by going back from ${end}`);
  }
  return { a, end, atEnd };
}

describe('time travel', () => {
  it('gotoStep back to earlier steps equals a fresh run stopped at the same step', () => {
    fc.assert(
      fc.property(arbRun, ({ name, seed, points }) => {
        // Going back only: from the end to ever earlier steps.
        const end = (() => {
          const s = session(name, seed);
          s.runToEnd(100_000);
          return s.rt.stepCount;
        })();
        visit(name, seed, points.map((p) => Math.floor(p * end)).sort((x, y) => y - x));
      }),
      { numRuns: 40, seed: 4242 },
    );
  });

  it('gotoStep back and forward in any order, and to the end again, reproduces the same states', () => {
    fc.assert(
      fc.property(arbRun, ({ name, seed, points }) => {
        const probe = session(name, seed);
        probe.runToEnd(100_000);
        const { a, end, atEnd } = visit(name, seed, points.map((p) => Math.floor(p * probe.rt.stepCount)));
        a.rt.gotoStep(end);
        assert.equal(fingerprint(a), atEnd, 'forward to the end again');
      }),
      { numRuns: 40, seed: 4242 },
    );
  });

  it('stepBack(actor) goes back to just before that actor\'s last step, where a fresh run stands', () => {
    fc.assert(
      fc.property(arbRun, fc.nat(), ({ name, seed }, pick) => {
        const a = session(name, seed);
        a.runToEnd(100_000);
        const ran = a.rt.actors.filter((x) => a.rt.lastStepOf(x.id) !== null);
        const actorId = ran[pick % ran.length]!.id;
        const last = a.rt.lastStepOf(actorId)!;
        const stop = a.rt.stepBack(actorId);
        assert.equal(stop.reason, 'step');
        assert.equal(stop.actorId, actorId);
        assert.equal(a.rt.stepCount, last, "back to just before the actor's last step");
        const b = session(name, seed);
        b.rt.gotoStep(last);
        assert.equal(fingerprint(a), fingerprint(b));
        // Once more, from there.
        const again = a.rt.lastStepOf(actorId);
        if (again !== null) {
          a.rt.stepBack(actorId);
          b.rt.gotoStep(again);
          assert.equal(a.rt.stepCount, again);
          assert.equal(fingerprint(a), fingerprint(b));
        }
      }),
      { numRuns: 40, seed: 99 },
    );
  });

  it('stepBack(actor) then continue reproduces the same end', () => {
    fc.assert(
      fc.property(arbRun, fc.nat(), ({ name, seed }, pick) => {
        const a = session(name, seed);
        a.runToEnd(100_000);
        const atEnd = fingerprint(a);
        const ran = a.rt.actors.filter((x) => a.rt.lastStepOf(x.id) !== null);
        a.rt.stepBack(ran[pick % ran.length]!.id);
        a.rt.continue();
        assert.equal(a.rt.run()?.reason, 'end');
        assert.equal(fingerprint(a), atEnd);
      }),
      { numRuns: 40, seed: 99 },
    );
  });

  it('reverseContinue stops where going forward stopped, latest first, then at the start', () => {
    for (const name of SMALL) {
      const { hits, lines, a } = reverseSetup(name);
      const back: Array<{ step: number; actor: number; reason: string }> = [];
      for (;;) {
        const st = a.rt.reverseContinue();
        if (st.reason === 'entry') break;
        assert.match(st.reason, /breakpoint/);
        const actor = a.rt.actor(st.actorId!);
        assert.ok(lines.has(a.rt.current(actor)!.stmt.line!), `${name}: stopped on a breakpoint line`);
        back.push({ step: a.rt.stepCount, actor: st.actorId!, reason: st.reason });
      }
      assert.equal(a.rt.stepCount, 0);
      assert.deepEqual(back, [...hits].reverse(), `${name}: every stop, latest first`);
    }
  });

  it('after reverseContinue, continuing forward reaches the same end', () => {
    for (const name of SMALL) {
      const { a } = reverseSetup(name);
      const atEnd = fingerprint(a);
      while (a.rt.reverseContinue().reason !== 'entry') {
        // back to the start, stop by stop
      }
      for (;;) {
        a.rt.continue();
        if (a.rt.run(100_000)?.reason === 'end') break;
      }
      assert.equal(fingerprint(a), atEnd, name);
    }
  });

  it('the session\'s phase trace and outcome after going back and forth are a fresh run\'s', () => {
    for (const name of ['reservation-fail', 'shared-swap']) {
      const a = session(name);
      a.runToEnd();
      const end = a.rt.stepCount;
      const fresh = { phases: a.phases(), outcome: a.outcome() };
      a.rt.gotoStep(Math.floor(end / 3));
      a.rt.gotoStep(end);
      assert.deepEqual({ phases: a.phases(), outcome: a.outcome() }, fresh, name);
    }
  });

  it('a breakpoint inside the pdir transfer loop stops once per pdir, and the run still ends', () => {
    const s = session('shared-swap');
    s.rt.setBreakpoints(['phase'], [{ kind: 'phase', name: 'pdir redirect' }]);
    let stops = 0;
    for (;;) {
      s.rt.continue();
      const st = s.rt.run(20_000);
      if (!st) assert.fail(`still running after ${s.rt.stepCount} steps, ${stops} stops`);
      if (st.reason === 'end') break;
      stops++;
    }
    assert.equal(stops, s.src.numDirs);
    assert.equal(s.outcome().victor, 'destination');
    assert.deepEqual(s.outcome().invariantBreaks, []);
  });
});

describe('looking for a line\'s moments (gotoTargets) changes nothing', () => {
  const inLoop = (s: Session) => s.listing.fns.get('VmMemMigrateAddPageToDest')!.body[0]!.line!;

  it('a debugger\'s edit stays: the bulk steps before it are not run again (they are said to be skipped)', () => {
    const s = session('shared-swap');
    s.runToEnd();
    s.rt.gotoStep(s.rt.stepCount - 3);
    s.editFsr('memMinToTransferMB', 7);
    const before = fingerprint(s);
    const found = s.rt.arrivalsAt(inLoop(s), { ahead: 0, limit: 50, replayUpTo: 2_000_000 });
    assert.equal(s.cx.fsr.memMinToTransferMB, 7);
    assert.equal(fingerprint(s), before);
    assert.ok(found.skipped.length > 0 && found.skipped.every((r) => r.why === 'edit'), JSON.stringify(found.skipped));
  });

  it('a breakpoint\'s hit count stays: the next stops are the ones a run without the look makes', () => {
    const stops = (look: boolean): number[] => {
      const s = session('shared-swap');
      s.rt.setBreakpoints(['function'], [{ kind: 'function', name: 'BusMem_TranslateBPN', hitCondition: '% 3' }]);
      const out: number[] = [];
      for (;;) {
        s.rt.continue();
        if (s.rt.run()!.reason === 'end') return out;
        out.push(s.rt.stepCount);
        if (look && out.length === 2) s.rt.arrivalsAt(inLoop(s), { ahead: 0, limit: 50, replayUpTo: 2_000_000 });
      }
    };
    const want = stops(false);
    // The third hit before the pdir transfer (a bulk step), the sixth after it: the look runs that bulk step again.
    assert.equal(want.length, 2, `stops: ${want.join(', ')}`);
    assert.deepEqual(stops(true), want);
  });
});
