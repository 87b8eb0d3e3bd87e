// Property tests over random scenarios, schedules (seeds) and faults: every run ends, "nothing
// lost" (DESIGN.md §5) holds, and who resumes follows the point of no return. Engine API only.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { INVALID_MPN64, PageType, Session, parseScenario, pfIndex, pfType, type World } from '../../engine/index';
import { arbChoices, toScenario, type Choices } from './random-scenarios';

function dirs(w: World): number[] {
  return Array.from({ length: w.numDirs }, (_, d) => w.dirMPN(d));
}

/** REGULAR pages of a world whose BackMap entry names that world and page (and the count of all REGULAR). */
function regularOwned(s: Session, w: World): { regular: number; owned: number } {
  const host = s.machine.host;
  let regular = 0;
  let owned = 0;
  for (let d = 0; d < w.numDirs; d++) {
    const mpn = w.dirMPN(d);
    if (mpn === INVALID_MPN64) continue;
    const b = host.read(mpn);
    const u32 = new Uint32Array(b.buffer, b.byteOffset, 1024);
    for (let i = 0; i < 512 && d * 512 + i < w.pframes.numMainMemPages; i++) {
      if (pfType(u32[2 * i]!) !== PageType.REGULAR) continue;
      regular++;
      const o = host.backmapLookup(pfIndex(u32[2 * i]!, u32[2 * i + 1]!));
      if (o?.owner === w.owners.mainmem && o.pgNum === d * 512 + i) owned++;
    }
  }
  return { regular, owned };
}

/**
 * Choices that once deadlocked the engine (found by this file; fixed in the engine). The main
 * property meets them by chance; these focused properties force them.
 */
const ONCE_DEADLOCKED: Array<{ what: string; force: (c: Choices) => Choices }> = [
  { what: 'a slow PCPU (it once counted steps that nobody else took)', force: (c) => ({ ...c, faults: [...c.faults.filter((f) => f !== 'slowPcpu'), 'slowPcpu'] }) },
  {
    what: 'an unshared swap file with a source timeout (FSRSwapCopyHelper once slept forever when the source won)',
    force: (c) => ({ ...c, mode: 'unshared', faults: [...c.faults.filter((f) => f !== 'sourceTimeout'), 'sourceTimeout'] }),
  },
];

const tally = { source: 0, destination: 0, panicked: 0, failedBeforePnr: 0, staleShadow: 0 };

/** One random run and every promise about its end. */
function checkRun(c: Choices): void {
  const scenario = parseScenario(toScenario(c), 'random');
  const s = new Session(scenario, { fullCheckAtEnd: true });
  s.rt.setExceptionFilters([]);
  const start = dirs(s.src);
  const stop = s.runToEnd(100_000);
  assert.equal(stop?.reason, 'end', `the run ends (${stop?.description ?? 'still running after 100000 steps'})`);
  const o = s.outcome();
  const stale = scenario.faults.some((f) => f.kind === 'staleShadow');

  // Nothing lost: no invariant breaks, except the teaching fault's stale translations.
  if (stale) {
    for (const b of o.invariantBreaks) assert.match(b, /^cached translations match the PFrames: vm-dst /);
    if (o.invariantBreaks.length) tally.staleShadow++;
  } else {
    assert.deepEqual(o.invariantBreaks, []);
  }

  const pastPnr = s.cx.srcVmx.panicNoCore;
  if (!pastPnr) {
    // Before World_SetPanicNoCore every way out leaves the source to resume, intact.
    if (o.failures.length) tally.failedBeforePnr++;
    tally.source++;
    assert.equal(o.victor, 'source');
    assert.equal(o.panicked, false);
    assert.deepEqual(dirs(s.src), start, 'the source has all its pdirs');
    assert.equal(s.src.pframes.numPDirEntries, s.src.numDirs);
    assert.ok(dirs(s.dst).every((m) => m === INVALID_MPN64), 'the destination has none');
    assert.equal(s.dst.pframes.numPDirEntries, 0);
    assert.equal(s.src.swap.swapperEnabled, true);
    const { regular, owned } = regularOwned(s, s.src);
    assert.equal(owned, regular, "every REGULAR page is the source's in the BackMap");
    assert.equal(s.src.stats.allocated, regular);
    assert.equal(s.dst.stats.allocated, 0);
  } else if (o.failures.length) {
    // After it, a failure loses the VM: nobody resumes.
    tally.panicked++;
    assert.equal(o.panicked, true);
    assert.equal(o.victor, 'none');
  } else {
    tally.destination++;
    assert.equal(o.victor, 'destination');
    assert.deepEqual(dirs(s.dst), start, "the destination's pdirInfo names exactly the source's old pdir MPNs");
    assert.ok(dirs(s.src).every((m) => m === INVALID_MPN64), 'the source has none');
    assert.equal(s.src.pframes.numPDirEntries, 0);
    assert.equal(o.pdirsRedirected, s.src.numDirs);
    const { regular, owned } = regularOwned(s, s.dst);
    assert.equal(owned, regular, "every REGULAR page is the destination's in the BackMap");
    assert.equal(s.dst.stats.allocated, regular);
    assert.equal(s.src.stats.allocated, 0);
    assert.equal(s.dst.swap.swapperEnabled, true);
  }
}

/** FC_SEED=n replays another sample; the default keeps CI deterministic. */
const FC_SEED = Number(process.env.FC_SEED ?? 20260101);
const RUNS = 4000;

describe('random scenarios, schedules and faults', () => {
  it('every run ends; nothing is lost; a failure before the point of no return resumes the source intact', () => {
    const t0 = performance.now();
    fc.assert(fc.property(arbChoices, checkRun), { numRuns: RUNS, seed: FC_SEED });
    const ms = performance.now() - t0;
    // Each outcome must really have been exercised, or the property says little.
    for (const [k, n] of Object.entries(tally)) assert.ok(n > RUNS / 100, `enough runs ended as ${k}: ${JSON.stringify(tally)}`);
    console.log(`# ${RUNS} random runs in ${Math.round(ms)} ms: ${JSON.stringify(tally)}`);
  });

  for (const k of ONCE_DEADLOCKED) {
    it(`the same promises with ${k.what}`, () => {
      fc.assert(fc.property(arbChoices.map(k.force), checkRun), { numRuns: 300, seed: FC_SEED });
    });
  }

  it('the same scenario and seed give the same run; another seed gives another schedule', () => {
    fc.assert(
      fc.property(arbChoices, (c) => {
        const sc = parseScenario(toScenario(c), 'random');
        const runs = [sc.seed, sc.seed, sc.seed + 1].map((seed) => {
          const s = new Session(sc, { seed });
          s.rt.setExceptionFilters([]);
          s.runToEnd(100_000);
          return { schedule: s.rt.schedule.join(','), log: s.rt.log.join('\n'), outcome: s.outcome() };
        });
        assert.deepEqual(runs[1], runs[0]);
        return runs[2]!.schedule !== runs[0]!.schedule || runs[2]!.log !== runs[0]!.log;
      }),
      { numRuns: 60, seed: 7 },
    );
  });
});
