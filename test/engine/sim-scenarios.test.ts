// Each built-in scenario played to the end, checked against what the seeds and DESIGN.md §3/§5 say
// must hold: who resumes, what failed, what moved. Uses the engine's public API only; no CLI.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BusMem_TranslateBPN, INVALID_MPN64, PageType, Session, builtinScenario, decodePFrame, makeMainMemBPN, pfIndex, pfType,
  type RunOutcome, type Scenario, type World,
} from '../../engine/index';

/** A world's pdir MPNs, INVALID_MPN64 where a directory is absent. */
function dirs(w: World): number[] {
  return Array.from({ length: w.numDirs }, (_, d) => w.dirMPN(d));
}

/** Every PFrame of a world, read from its pdir pages' bytes without mapping anything. */
function pframes(s: Session, w: World): Array<{ type: number; index: number } | null> {
  const out: Array<{ type: number; index: number } | null> = [];
  for (let d = 0; d < w.numDirs; d++) {
    const mpn = w.dirMPN(d);
    const bytes = mpn === INVALID_MPN64 ? null : s.machine.host.read(mpn);
    const u32 = bytes ? new Uint32Array(bytes.buffer, bytes.byteOffset, 1024) : null;
    for (let i = 0; i < 512 && d * 512 + i < w.pframes.numMainMemPages; i++) {
      out.push(u32 ? { type: pfType(u32[2 * i]!), index: pfIndex(u32[2 * i]!, u32[2 * i + 1]!) } : null);
    }
  }
  return out;
}

interface Snapshot {
  srcDirs: number[];
  dstDirs: number[];
  srcAllocated: number;
  srcPages: ReturnType<typeof pframes>;
  swapUsed: number[];
  swapTags: number[];
  contentTags: Map<number, number>;
}

interface Played {
  s: Session;
  o: RunOutcome;
  start: { srcDirs: number[]; memzip: number[]; lpool: boolean };
  /** The state as the destination reached World_SetPanicNoCore (null if it never did). */
  pnr: Snapshot | null;
}

function snapshot(s: Session): Snapshot {
  const f = s.src.swap.swapFile;
  const used: number[] = [];
  for (let i = 0; i < f.numSlots; i++) if (f.isUsed(i)) used.push(i);
  const srcPages = pframes(s, s.src);
  const contentTags = new Map<number, number>();
  for (const p of srcPages) if (p && p.type === PageType.REGULAR) contentTags.set(p.index, s.machine.host.contentTag(p.index));
  return {
    srcDirs: dirs(s.src), dstDirs: dirs(s.dst), srcAllocated: s.src.stats.allocated, srcPages,
    swapUsed: used, swapTags: used.map((i) => f.tags[i]!), contentTags,
  };
}

function play(scenario: Scenario): Played {
  const s = new Session(scenario, { fullCheckAtEnd: true });
  s.rt.setExceptionFilters([]);
  const start = { srcDirs: dirs(s.src), memzip: [...s.src.alloc.memzip.cacheMPNs], lpool: s.src.alloc.lpool !== null };
  let pnr: Snapshot | null = null;
  s.onEvent((e) => {
    if (e.type === 'phase' && e.name === 'point of no return') pnr = snapshot(s);
  });
  const stop = s.runToEnd(200_000);
  assert.equal(stop?.reason, 'end', `${scenario.name} ran to its end (${stop?.description ?? 'still running'})`);
  return { s, o: s.outcome(), start, pnr };
}

/** DESIGN.md §5: after a successful handoff the destination reaches every page the source reached. */
function assertHandedOver(p: Played): void {
  const { s, o, start } = p;
  const pnr = p.pnr!;
  assert.ok(pnr, 'the destination went through World_SetPanicNoCore');
  assert.equal(o.victor, 'destination');
  assert.equal(o.resumeState, 'FSR_RESUME_DEST');
  assert.equal(o.panicked, false);
  assert.deepEqual(o.failures, []);
  assert.equal(s.cx.srcVmx.migrateState, 'EXITED');
  assert.equal(s.cx.dstVmx.migrateState, 'RUNNING');

  // Redirect, not copy: the destination's directory names exactly the source's old pdir MPNs.
  assert.deepEqual(pnr.srcDirs, start.srcDirs, 'the source kept its pdirs until the point of no return');
  assert.deepEqual(dirs(s.dst), start.srcDirs, "the destination's pdirInfo names the source's old pdir pages");
  assert.ok(dirs(s.src).every((m) => m === INVALID_MPN64), 'the source has no pdir left');
  assert.equal(s.src.pframes.numPDirEntries, 0);
  assert.equal(s.dst.pframes.numPDirEntries, s.src.numDirs);
  assert.equal(o.pdirsRedirected, s.src.numDirs);
  // The destination's own pdir pages are freed, not leaked.
  for (const m of pnr.dstDirs) if (m !== INVALID_MPN64) assert.equal(s.machine.host.isAllocated(m), false, `dst's own pdir page 0x${m.toString(16)} freed`);

  // Page by page, through the seed's BPN → MPN walk on the destination.
  const host = s.machine.host;
  const dst = s.dst;
  let regular = 0;
  for (let pg = 0; pg < pnr.srcPages.length; pg++) {
    const before = pnr.srcPages[pg]!;
    const walk = BusMem_TranslateBPN(host, dst, makeMainMemBPN(pg));
    if (before.type === PageType.REGULAR || before.type === PageType.COW) {
      assert.equal(walk.mpn, before.index, `dst pgNum ${pg} reaches the source's MPN`);
    }
    if (before.type === PageType.REGULAR) {
      regular++;
      const owner = host.backmapLookup(before.index);
      assert.equal(owner?.owner, dst.owners.mainmem, `MPN of pgNum ${pg} is the destination's in the BackMap`);
      assert.equal(owner?.pgNum, pg);
      assert.equal(host.contentTag(before.index), pnr.contentTags.get(before.index), `pgNum ${pg} keeps its bytes`);
    } else if (before.type === PageType.SWAPPED) {
      const f = dst.swap.swapFile;
      const k = pnr.swapUsed.indexOf(before.index);
      assert.ok(f.isUsed(before.index), `dst swap slot ${before.index} of pgNum ${pg} is in use`);
      assert.ok(k >= 0, `the source's slot ${before.index} was in use at the point of no return`);
      assert.equal(f.tags[before.index], pnr.swapTags[k], `slot ${before.index} has the source's content`);
    }
  }
  // Stats moved with the pages.
  assert.equal(dst.stats.allocated, pnr.srcAllocated);
  assert.equal(dst.stats.allocated, regular);
  assert.equal(s.src.stats.allocated, 0);

  // Swap: every used slot moved, the destination swaps alone.
  const f = dst.swap.swapFile;
  for (const [k, slot] of pnr.swapUsed.entries()) {
    assert.ok(f.isUsed(slot), `slot ${slot} used in ${f.name}`);
    assert.equal(f.tags[slot], pnr.swapTags[k]);
  }
  assert.equal(o.swapSlotsInDestination, pnr.swapUsed.length);
  assert.equal(dst.swap.swapperEnabled, true, 'Swap_EnableExclusive on the destination');
  assert.equal(s.src.swap.swapperEnabled, false);

  // MemZip cache and lpool change hands.
  assert.deepEqual([...dst.alloc.memzip.cacheMPNs], start.memzip);
  assert.equal(s.src.alloc.memzip.cacheMPNs.length, 0);
  assert.equal(s.src.alloc.lpool, null);
  if (start.lpool) assert.equal(dst.alloc.lpool?.ownerWorldID, dst.worldID);
}

/** DESIGN.md §5: on a failure before the point of no return the source resumes intact. */
function assertSourceIntact(p: Played): void {
  const { s, o, start } = p;
  assert.equal(o.victor, 'source');
  assert.equal(o.resumeState, 'FSR_RESUME_SOURCE');
  assert.equal(o.panicked, false);
  assert.equal(s.cx.srcVmx.panicNoCore, false, 'the source never passed the point of no return');
  assert.equal(s.cx.srcVmx.migrateState, 'RUNNING');
  assert.deepEqual(dirs(s.src), start.srcDirs, 'the source has all its pdirs');
  assert.equal(s.src.pframes.numPDirEntries, s.src.numDirs);
  assert.ok(dirs(s.dst).every((m) => m === INVALID_MPN64), 'the destination has no pdir');
  assert.equal(s.dst.pframes.numPDirEntries, 0);
  assert.equal(o.pdirsRedirected, 0);
  assert.equal(s.src.swap.swapperEnabled, true, 'the source swaps again');
  const host = s.machine.host;
  let regular = 0;
  pframes(s, s.src).forEach((pf, pg) => {
    if (pf?.type !== PageType.REGULAR) return;
    regular++;
    const owner = host.backmapLookup(pf.index);
    assert.equal(owner?.owner, s.src.owners.mainmem, `pgNum ${pg} still the source's in the BackMap`);
  });
  assert.equal(s.src.stats.allocated, regular);
  assert.equal(s.dst.stats.allocated, 0);
  assert.deepEqual(o.invariantBreaks, []);
}

describe('built-in scenarios: who resumes, what failed, what moved', () => {
  it('shared-swap: the destination resumes; only swap metadata moves (one swap file, two handles)', () => {
    const p = play(builtinScenario('shared-swap'));
    assertHandedOver(p);
    assert.deepEqual(p.o.invariantBreaks, []);
    assert.equal(p.s.dst.swap.swapFile.storage, p.s.src.swap.swapFile.storage, 'shared: the same file, opened on the destination');
    assert.equal(p.o.swapCopyState, 'none');
    assert.equal(p.s.cx.fsr.hasSwapCopy, false);
  });

  it('unshared-swap: FSRSwapCopyHelper copies the file through the mirror and exits; the destination resumes', () => {
    const p = play(builtinScenario('unshared-swap'));
    assertHandedOver(p);
    assert.deepEqual(p.o.invariantBreaks, []);
    assert.notEqual(p.s.dst.swap.swapFile.storage, p.s.src.swap.swapFile.storage, 'unshared: a file of its own');
    assert.equal(p.s.cx.fsr.hasSwapCopy, true);
    assert.equal(p.o.swapCopyState, 'FSR_SWAP_COPY_EXITED');
    assert.equal(p.s.cx.helper.mirrorActive, false, 'the mirror node is destroyed');
    assert.ok(p.s.cx.helper.copiedSlots > 0);
  });

  it('reservation-fail: FSRVerifyReservationsToTransfer fails before the point of no return; the source resumes intact', () => {
    const p = play(builtinScenario('reservation-fail'));
    assertSourceIntact(p);
    assert.equal(p.pnr, null);
    assert.equal(p.o.failures.length, 1);
    assert.match(p.o.failures[0]!, /^FSRVerifyReservationsToTransfer: memMinToTransferMB 512 > the source group's min 256 MB/);
  });

  it('swap-in-use: pages in the migration swap file make VmMemMigrate_PrepareForMemoryTransfer fail; the source resumes', () => {
    const p = play(builtinScenario('swap-in-use'));
    assertSourceIntact(p);
    assert.equal(p.pnr, null);
    assert.deepEqual(p.o.failures.map((f) => f.split(':')[0]), ['VmMemMigrate_PrepareForMemoryTransfer']);
    assert.match(p.o.failures[0]!, /migration swap file/);
  });

  it('swap-copy-fail: the copy ends FSR_SWAP_COPY_FAILED, FSRTransferSwapFile fails, the source resumes', () => {
    const p = play(builtinScenario('swap-copy-fail'));
    assertSourceIntact(p);
    assert.equal(p.pnr, null);
    assert.equal(p.o.swapCopyState, 'FSR_SWAP_COPY_FAILED');
    assert.deepEqual(p.o.failures.map((f) => f.split(':')[0]), ['FSRSwapCopyHelper', 'FSRTransferSwapFile']);
    assert.equal(p.s.cx.helper.mirrorActive, false);
  });

  it('transfer-fail: a missing destination pdir after World_SetPanicNoCore panics the VM; nobody resumes', () => {
    const sc = builtinScenario('transfer-fail');
    const fault = sc.faults.find((f) => f.kind === 'missingDestPdir');
    assert.ok(fault && fault.kind === 'missingDestPdir');
    const p = play(sc);
    const { s, o } = p;
    assert.ok(p.pnr, 'the failure comes after the point of no return');
    assert.equal(o.victor, 'none');
    assert.equal(o.panicked, true);
    assert.equal(s.cx.srcVmx.panicNoCore, true);
    assert.equal(o.failures.length, 1);
    assert.match(o.failures[0]!, /^VmMemMigrate_TransferMemory: .*VMK_NOT_FOUND/);
    assert.deepEqual(o.invariantBreaks, []);
    // The directories before the missing one were redirected, the rest never left the source.
    const d = fault.dirIndex;
    assert.equal(o.pdirsRedirected, d);
    const dst = dirs(s.dst);
    const src = dirs(s.src);
    for (let i = 0; i < s.src.numDirs; i++) {
      if (i < d) {
        assert.equal(dst[i], p.pnr.srcDirs[i], `dir ${i} redirected`);
        assert.equal(src[i], INVALID_MPN64);
      } else {
        assert.equal(src[i], p.pnr.srcDirs[i], `dir ${i} still the source's`);
        if (i === d) assert.equal(dst[i], INVALID_MPN64, `dir ${i} is the missing one`);
      }
    }
  });

  it('high-mpn: MPNs straddle 2^32 and reach above 2^37; each page is found only through indexHighBits', () => {
    const p = play(builtinScenario('high-mpn'));
    assertHandedOver(p);
    assert.deepEqual(p.o.invariantBreaks, []);
    const all = dirs(p.s.dst);
    const pages = pframes(p.s, p.s.dst);
    const regular = pages.flatMap((pf, pg) => (pf?.type === PageType.REGULAR ? [pg] : []));
    assert.ok(regular.length > 0);
    const highs = new Set<number>();
    for (const pg of regular) {
      const dir = all[Math.floor(pg / 512)]!;
      const bytes = p.s.machine.host.read(dir);
      const u32 = new Uint32Array(bytes.buffer, bytes.byteOffset, 1024);
      const f = decodePFrame(u32[(pg % 512) * 2]!, u32[(pg % 512) * 2 + 1]!);
      assert.equal(f.indexHighBits * 2 ** 32 + f.indexLowBits, pages[pg]!.index);
      highs.add(f.indexHighBits);
      // Above 2^32 the low 32 bits alone name another MPN (and above 2^37, one outside host memory).
      if (f.indexHighBits > 0) assert.notEqual(f.indexLowBits, pages[pg]!.index);
    }
    assert.deepEqual([...highs].sort((a, b) => a - b), [0, 1, 32], 'below 2^32, just above it, and above 2^37');
    for (const pg of [regular[0]!, regular[regular.length - 1]!]) {
      assert.equal(BusMem_TranslateBPN(p.s.machine.host, p.s.dst, makeMainMemBPN(pg)).mpn, pages[pg]!.index);
    }
  });

  it('resume-race: the source times out and wins resumeState; the destination backs off with nothing', () => {
    const p = play(builtinScenario('resume-race'));
    assertSourceIntact(p);
    assert.deepEqual(p.o.failures, [], 'a lost race is not a failure');
    assert.equal(p.pnr, null);
    assert.ok(p.s.cx.srcTimedOut);
    assert.ok(p.s.rt.log.some((l) => /source timed out waiting: resumeState NONE -> SOURCE/.test(l)));
    const dstVmx = p.s.rt.actors.find((a) => a.name === 'destination VMX')!;
    assert.equal(dstVmx.exitReason, 'lost the resume race');
  });

  it('stale-shadow: the handoff succeeds, but the destination runs with the checkpoint\'s stale translations', () => {
    const sc = builtinScenario('stale-shadow');
    const p = play(sc);
    assertHandedOver(p);
    const breaks = p.o.invariantBreaks;
    assert.ok(breaks.length > 0, 'the teaching bug is caught');
    for (const b of breaks) {
      const m = /^cached translations match the PFrames: vm-dst runs with a cached translation pgNum (0x[0-9a-f]+) /.exec(b);
      assert.ok(m, b);
      assert.ok(p.s.cx.opts.touchedPages.includes(Number(m[1])), `pgNum ${m[1]} is one the guest touched before the checkpoint`);
    }
    // The same scenario without the fault: the flush at HandoffFinished keeps every translation true.
    const fixed = play({ ...sc, faults: [] });
    assertHandedOver(fixed);
    assert.deepEqual(fixed.o.invariantBreaks, []);
  });

  it('big-vm: 64 GiB hands over by redirecting 32768 pdirs (in a few seconds)', () => {
    const t0 = performance.now();
    const s = new Session(builtinScenario('big-vm'), { fullCheckAtEnd: true });
    s.rt.setExceptionFilters([]);
    const start = dirs(s.src);
    assert.equal(s.runToEnd(10_000)?.reason, 'end');
    const o = s.outcome();
    assert.equal(o.victor, 'destination');
    assert.equal(o.pdirsRedirected, 32768);
    assert.deepEqual(o.invariantBreaks, []);
    assert.deepEqual(dirs(s.dst), start);
    assert.equal(s.src.pframes.numPDirEntries, 0);
    assert.ok(performance.now() - t0 < 15_000, `took ${Math.round(performance.now() - t0)} ms`);
  });
});
