// history() and executions() answers, from the recorded history, checked against a replayed run that
// reads each value after every fine step; for a run whose loops ran in bulk and one run statement by
// statement. And invariantHistory on the teaching bug.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  INVALID_MPN64, PAGE_2_DIRINDEX, Session, builtinScenario, currentValue, executions, invariantHistory, parseScenario, pframeField, valueHistory, type HistoryTarget,
} from '../../engine/index';
import { arbChoices, toScenario } from './random-scenarios';

function words(s: Session, world: 'source' | 'destination', pgNum: number): { lo: number; hi: number } | null {
  const w = s.worldRef(world);
  const dir = w.dirMPN(PAGE_2_DIRINDEX(pgNum));
  if (dir === INVALID_MPN64) return null;
  const b = s.machine.host.read(dir);
  const u = new Uint32Array(b.buffer, b.byteOffset, 1024);
  const i = (pgNum % 512) * 2;
  return { lo: u[i]!, hi: u[i + 1]! };
}

/** The value of a target read directly from the state, as history formats it. */
function read(s: Session, t: HistoryTarget): string {
  const v = currentValue(s, t);
  if (t.kind === 'pframe') assert.equal(v, pframeField(words(s, t.world as 'source', t.pgNum), t.field));
  return v;
}

/** The oracle: a fresh run, statement by statement (a watch turns bulk off), reading each target after every step. */
function replay(name: string, targets: HistoryTarget[]): { end: number; changes: Map<number, Array<{ step: number; old: string; new: string; actor: string; fn: string; line: number }>> } {
  const s = new Session(builtinScenario(name));
  s.rt.setExceptionFilters([]);
  s.watch({ kind: 'fsr', field: 'hasSwapCopy' });
  const changes = new Map(targets.map((_, i) => [i, [] as Array<{ step: number; old: string; new: string; actor: string; fn: string; line: number }>]));
  let last = targets.map((t) => read(s, t));
  s.rt.continue();
  for (;;) {
    const st = s.rt.run(1);
    const step = s.rt.stepCount;
    const now = targets.map((t) => read(s, t));
    now.forEach((v, i) => {
      if (v === last[i]) return;
      const at = s.rt.stepAt(step)!;
      changes.get(i)!.push({ step, old: last[i]!, new: v, actor: s.rt.actor(at.actor).name, fn: at.fn, line: at.line });
    });
    last = now;
    if (st?.reason === 'end') break;
    s.rt.continue();
  }
  return { end: s.rt.stepCount, changes };
}

describe('history from the recorded history', () => {
  const s0 = new Session(builtinScenario('shared-swap'));
  const mapped = s0.cx.srcVmx.mappedPages[0]!;
  const touched = s0.cx.opts.touchedPages[0]!;
  const regular = (() => {
    for (let pg = 700; ; pg++) if (s0.pframe(s0.src, pg) && (s0.pframe(s0.src, pg) as { type: string }).type === 'REGULAR' && !s0.cx.srcVmx.mappedPages.includes(pg) && !s0.cx.opts.touchedPages.includes(pg)) return pg;
  })();
  const regularMPN = (s0.pframe(s0.src, regular) as { mpn: number }).mpn;
  // A MemZip cache page: its BackMap entry changes owner in one statement with every other cache page's.
  const zipMPN = s0.src.alloc.memzip.cacheMPNs[1]!;
  assert.ok(zipMPN > 0, 'shared-swap has MemZip cache pages');
  const targets: HistoryTarget[] = [
    { kind: 'pframe', world: 'source', pgNum: touched, field: 'type' },
    { kind: 'pframe', world: 'destination', pgNum: touched, field: 'type' },
    { kind: 'pframe', world: 'destination', pgNum: mapped, field: 'isMappedInVMX' },
    { kind: 'pframe', world: 'source', pgNum: mapped, field: 'isCptDone' },
    { kind: 'pframe', world: 'destination', pgNum: regular, field: 'pte' },
    { kind: 'pdirInfo', world: 'destination', dirIndex: 3 },
    { kind: 'pdirInfo', world: 'source', dirIndex: 7 },
    { kind: 'fsr', field: 'resumeState' },
    { kind: 'backmap', mpn: regularMPN },
    { kind: 'backmap', mpn: zipMPN },
    { kind: 'swapslot', world: 'source', slot: 233 },
  ];

  for (const how of ['with its loops in bulk', 'statement by statement'] as const) {
    it(`matches a replayed run, ${how}`, () => {
      const want = replay('shared-swap', targets);
      const s = new Session(builtinScenario('shared-swap'));
      s.rt.setExceptionFilters([]);
      if (how === 'statement by statement') s.watch({ kind: 'fsr', field: 'hasSwapCopy' });
      for (;;) {
        s.rt.continue();
        if (s.rt.run()?.reason === 'end') break;
      }
      assert.equal(s.rt.stepCount, want.end);
      targets.forEach((t, i) => {
        const a = valueHistory(s, t);
        assert.equal(a.now, currentValue(s, t));
        assert.deepEqual(a.rows.map(({ step, old, new: nu, actor, fn, line }) => ({ step, old, new: nu, actor, fn, line })), want.changes.get(i), a.what);
      });
    });
  }

  it('counts stats changes a bulk step made as one row spanning its steps; statement by statement, one per step', () => {
    const bulk = new Session(builtinScenario('shared-swap'));
    bulk.runToEnd();
    const rows = valueHistory(bulk, { kind: 'stat', world: 'destination', field: 'allocated' }).rows;
    const spans = rows.filter((r) => r.span);
    assert.ok(spans.length >= 1);
    assert.ok(spans.every((r) => r.span![0] <= r.span![1] && r.step === r.span![1]));
    const fine = new Session(builtinScenario('shared-swap'));
    fine.watch({ kind: 'fsr', field: 'hasSwapCopy' });
    fine.rt.setExceptionFilters([]);
    for (;;) {
      fine.rt.continue();
      if (fine.rt.run()?.reason === 'end') break;
    }
    const fineRows = valueHistory(fine, { kind: 'stat', world: 'destination', field: 'allocated' }).rows;
    assert.equal(fineRows.at(-1)!.new, rows.at(-1)!.new);
    assert.ok(fineRows.length > rows.length * 10);
  });

  it('executions(fn): every entry, with its step and actor, whether the loops ran in bulk or not', () => {
    const bulk = new Session(builtinScenario('shared-swap'));
    bulk.runToEnd();
    for (const fn of ['VmMemMigrateTransferPageDir', 'VmMemMigrateAddPageToDest', 'PFrame_DirSet', 'PFrame_Lock', 'FSRTransferSwapFile', 'BusMem_TranslateBPN']) {
      const fine = new Session(builtinScenario('shared-swap'));
      fine.rt.setExceptionFilters([]);
      fine.rt.setBreakpoints(['function'], [{ kind: 'function', name: fn }]);
      const want: Array<{ step: number; actor: string }> = [];
      for (;;) {
        fine.rt.continue();
        const st = fine.rt.run()!;
        if (st.reason === 'end') break;
        want.push({ step: fine.rt.stepCount, actor: fine.rt.actor(st.actorId!).name });
      }
      // A breakpoint on an actor's entry stops before the actor starts: not an entry by a call.
      assert.deepEqual(executions(bulk, fn), want, fn);
    }
  });

  it('invariantHistory: the first break of the stale translations, and the last step it held', () => {
    const s = new Session(builtinScenario('stale-shadow'));
    s.rt.setExceptionFilters([]);
    s.runToEnd();
    const [b] = invariantHistory(s, 'cached translations match the PFrames');
    assert.ok(b);
    assert.equal(b.heldUntil, b.step - 1);
    s.rt.gotoStep(b.heldUntil);
    assert.deepEqual(s.rt.invariantBreaks, []);
    s.rt.gotoStep(b.step);
    assert.match(s.rt.invariantBreaks[0]!, /cached translations match the PFrames/);
  });

  it('answers the same whether the loops ran in bulk or statement by statement (random scenarios, seeds and faults)', () => {
    const fns = ['VmMemMigrateTransferPageDir', 'VmMemMigrateAddPageToDest', 'PFrame_DirSet', 'PFrame_Lock', 'VmMemMigrateInitPageDirsOnDest', 'VmMemMigrateRemovePageDirFromSource'];
    fc.assert(
      fc.property(arbChoices, fc.nat(), (c, pick) => {
        const scenario = parseScenario(toScenario(c), 'random');
        const probe = new Session(scenario);
        const pages = probe.src.pframes.numMainMemPages;
        const targets: HistoryTarget[] = [];
        for (const pg of [pick % pages, (pick * 7 + 3) % pages, (pick * 13 + 511) % pages]) {
          targets.push({ kind: 'pframe', world: 'destination', pgNum: pg, field: 'pte' }, { kind: 'pframe', world: 'source', pgNum: pg, field: 'type' });
          targets.push({ kind: 'pdirInfo', world: 'destination', dirIndex: PAGE_2_DIRINDEX(pg) }, { kind: 'pdirInfo', world: 'source', dirIndex: PAGE_2_DIRINDEX(pg) });
          const v = probe.pframe(probe.src, pg);
          if (!('error' in v)) targets.push({ kind: 'backmap', mpn: v.dirMPN }, ...(v.type === 'REGULAR' ? [{ kind: 'backmap' as const, mpn: v.mpn }] : []));
        }
        const answers = (s: Session) => ({
          rows: targets.map((t) => valueHistory(s, t).rows.map(({ step, old, new: nu, actor, fn, line }) => ({ step, old, new: nu, actor, fn, line }))),
          entries: fns.map((fn) => executions(s, fn)),
        });
        const bulk = new Session(scenario);
        bulk.rt.setExceptionFilters([]);
        bulk.runToEnd();
        const fine = new Session(scenario);
        fine.rt.setExceptionFilters([]);
        fine.watch({ kind: 'fsr', field: 'hasSwapCopy' });
        for (let st = null; st?.reason !== 'end' && st?.reason !== 'deadlock'; ) {
          fine.rt.continue();
          st = fine.rt.run();
        }
        assert.equal(bulk.rt.stepCount, fine.rt.stepCount);
        assert.deepEqual(answers(bulk), answers(fine));
      }),
      { numRuns: 30, seed: 1 },
    );
  });

  it('an edit now leaves the answers about earlier steps as they were (a bulk step\'s rows read the pdir pages as they were then)', () => {
    const s = new Session(builtinScenario('shared-swap'));
    s.rt.setExceptionFilters([]);
    s.runToEnd();
    const pfTarget: HistoryTarget = { kind: 'pframe', world: 'destination', pgNum: regular, field: 'type' };
    const ask = () => ({
      backmap: valueHistory(s, { kind: 'backmap', mpn: regularMPN }).rows,
      pframe: valueHistory(s, pfTarget).rows,
      entries: executions(s, 'VmMemMigrateAddPageToDest'),
    });
    const before = ask();
    assert.equal(before.backmap.length, 2, 'the bulk step moved its BackMap entry');
    // The debugger zeroes the page's PFrame (type NONE) in the pdir page the destination now uses.
    const v = s.pframe(s.dst, regular) as { dirMPN: number; pageIndex: number };
    s.editMemory(v.dirMPN, v.pageIndex * 8, new Uint8Array(8));
    assert.equal(currentValue(s, pfTarget), 'NONE');
    assert.deepEqual(ask(), before);
    assert.equal(valueHistory(s, pfTarget).now, 'NONE');
  });
});
