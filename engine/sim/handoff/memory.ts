// Seed 002, slide "FSR memory handoff" after the point of no return, seed 000, slide
// "VmMemMigrate_TransferMemory", and seed 002, slide "VmMemMigrate_TransferMemory": the reservations,
// then the memory — every pdir of the destination redirected to the source's pdir page instead of
// copying memory. Each bulk fast path sits right after the fine function whose loop it runs.

import { Packed, type BackMapRange } from '../../backmap';
import { grown } from '../../grown';
import { BACKMAP_PGNUM_BITS, type BackmapCursor } from '../../host';
import type { DirScanner } from '../../dirscan';
import { INVALID_MPN64, PageType, TypeCode, hexNumber, mpnHex, pageTypeName, pfIndex, pfMakeHi, pfType, pfWithTypeIndex } from '../../pframe';
import { ALLOC_PDIR_PAGES, PAGE_2_DIRINDEX, PFrameMakePTE, type World } from '../../world';
import type { FsrContext } from '../context';
import type { BulkClock } from '../program';
import { type F, type Sec, TWO_32, callStmt, close, describeEntry, entry, goto, num, ret, set, world } from './shared';
import { ChangeKind } from '../changes';
import { PageLoopTrace, TransferTrace, type TraceSites } from './traces';
import { RESUME_MACHINE, enterState } from '../machines';

/** Hoisted: the hot loops compare against a local constant, not an imported binding. */
const REGULAR = PageType.REGULAR;

// ---- after the point of no return (seed 002 "FSR memory handoff"; seed 000 "FSR_ResumeDone") ------

const World_SetPanicNoCore: F = {
  name: 'World_SetPanicNoCore',
  sig: 'void World_SetPanicNoCore(World *world)',
  comment: 'The point of no return: from here, a world that fails panics without a core.',
  body: [
    {
      text: 'world->panicNoCore = TRUE;',
      model: 'the deck calls World_SetPanicNoCore the point of no return; the flag that does it is the model\'s',
      exec: (cx, f) => {
        cx.set(cx.vmxOf(world(cx, f, 'world')), 'panicNoCore', true);
        recordPointOfNoReturn(cx);
        cx.log('point of no return: World_SetPanicNoCore(source)');
        return ret(undefined);
      },
    },
  ],
};

/** What the destination must end up with: the source's pdirs and used swap slots at the point of no return. */
function recordPointOfNoReturn(cx: FsrContext): void {
  const dirs = cx.src.pframes.pdirInfo.slice();
  const file = cx.src.swap.swapFile;
  const prev = { dirs: cx.pnrDirs, swap: cx.pnrSwap };
  cx.pnrDirs = dirs;
  const tags = file.storage.snapshot();
  cx.pnrSwap = { bitmap: file.bitmap.slice(), tags };
  cx.rt.journal.record(() => {
    tags.close();
    cx.pnrDirs = prev.dirs;
    cx.pnrSwap = prev.swap;
  });
}

const CANCEL_QUOTE = 'FSRTransferMemoryAndReservations // if fail, calls FSRCancelPrepareForMemoryTransfer';

const FSRTransferMemoryAndReservations: F = {
  name: 'FSRTransferMemoryAndReservations',
  sig: 'VMK_ReturnStatus FSRTransferMemoryAndReservations(FSRInfo *fsr, World *srcWorld, World *dstWorld)',
  comment: 'Move the reservations, then the memory; if either fails, FSRCancelPrepareForMemoryTransfer.',
  body: [
    callStmt('status = FSRTransferReservations(fsr, srcWorld, dstWorld);', 'FSRTransferReservations', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), 'status', { seed: 'FSRTransferReservations(fsr, srcWorld, dstWorld)' }),
    { text: 'if (status != VMK_OK) goto fail;', seed: CANCEL_QUOTE, exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : goto('fail')) },
    callStmt('status = VmMemMigrate_TransferMemory(srcWorld, dstWorld);', 'VmMemMigrate_TransferMemory', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), 'status', { seed: 'VmMemMigrate_TransferMemory(srcWorld, dstWorld)' }),
    { text: 'if (status != VMK_OK) goto fail;', seed: CANCEL_QUOTE, exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : goto('fail')) },
    { text: 'return VMK_OK;', model: true, exec: () => ret('VMK_OK') },
    callStmt('FSRCancelPrepareForMemoryTransfer(fsr, srcWorld, dstWorld);', 'FSRCancelPrepareForMemoryTransfer', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), undefined, { label: 'fail', seed: CANCEL_QUOTE }),
    { text: 'return status;', model: true, exec: (_cx, f) => ret(f.locals.status) },
  ],
};

const FSRTransferReservations: F = {
  name: 'FSRTransferReservations',
  sig: 'VMK_ReturnStatus FSRTransferReservations(FSRInfo *fsr, World *srcWorld, World *dstWorld)',
  comment: 'Move the memory and CPU reservations from the source\'s group to the destination\'s.',
  body: [
    {
      text: 'status = MemSched_TransferReservation(srcGroup, dstGroup, fsr->memMinToTransferMB);',
      model: 'the deck names FSRTransferReservations only',
      exec: (cx, f) => {
        if (cx.opts.faults.reservationTransferFail) {
          set(f, 'status', 'VMK_NO_RESOURCES');
          cx.log('MemSched_TransferReservation failed: VMK_NO_RESOURCES (injected fault)');
          return undefined;
        }
        const mb = cx.fsr.memMinToTransferMB;
        cx.set(cx.srcVmx.group, 'memMinMB', cx.srcVmx.group.memMinMB - mb);
        cx.set(cx.dstVmx.group, 'memMinMB', cx.dstVmx.group.memMinMB + mb);
        set(f, 'status', 'VMK_OK');
        return undefined;
      },
    },
    { text: 'if (status != VMK_OK) return status;', model: 'FAIL', exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : ret(f.locals.status, 'the memory reservation could not be moved')) },
    {
      text: 'status = CpuSched_TransferReservation(srcGroup, dstGroup, fsr->cpuMinToTransferMHz);',
      model: true,
      exec: (cx) => {
        const mhz = cx.fsr.cpuMinToTransferMHz;
        cx.set(cx.srcVmx.group, 'cpuMinMHz', cx.srcVmx.group.cpuMinMHz - mhz);
        cx.set(cx.dstVmx.group, 'cpuMinMHz', cx.dstVmx.group.cpuMinMHz + mhz);
        cx.log(`reservations moved: ${cx.fsr.memMinToTransferMB} MB, ${mhz} MHz`);
        return ret('VMK_OK');
      },
    },
  ],
};

const FSRCancelPrepareForMemoryTransfer: F = {
  name: 'FSRCancelPrepareForMemoryTransfer',
  sig: 'void FSRCancelPrepareForMemoryTransfer(FSRInfo *fsr, World *srcWorld, World *dstWorld)',
  comment: 'Undo the preparation and hand the VM back to the source. After the point of no return the source\ncannot take it: its World_SetPanicNoCore flag makes it panic when it tries (FSRSourceResume).',
  body: [
    { text: 'if (fsr->hasSwapCopy) World_Wakeup(fsr->swapCopyWorldID);', model: 'the deck names the cancel only: its body is the model\'s. It stops the swap copy', exec: (cx) => { if (cx.fsr.hasSwapCopy) { cx.set(cx.helper, 'cancel', true); cx.set(cx.helper, 'wakeup', true); } return undefined; } },
    { text: 'Swap_Enable(Swap_GetInfo(srcWorld));', model: 'undoes the preparation\'s Swap_Disable: the source swaps again', exec: (cx) => { cx.set(cx.src.swap, 'swapperEnabled', true); return undefined; } },
    {
      text: 'Atomic_Write(&fsr->resumeState, FSR_RESUME_SOURCE);',
      phase: 'resume victor',
      model: 'the VM goes back to the source; whether the source survives that is its panicNoCore flag\'s to decide',
      exec: (cx) => {
        enterState(cx, RESUME_MACHINE, 'FSR_RESUME_SOURCE');
        cx.log(`handoff cancelled: resumeState -> SOURCE${cx.srcVmx.panicNoCore ? ' (the source is past World_SetPanicNoCore)' : ''}`);
        return undefined;
      },
    },
    { text: 'return;', model: true, exec: () => ret(undefined) },
  ],
};

// ---- VmMemMigrate_TransferMemory (seed 000 and seed 002 slides of that name) ---------------------

const VmMemMigrate_TransferMemory: F = {
  name: 'VmMemMigrate_TransferMemory',
  sig: 'VMK_ReturnStatus VmMemMigrate_TransferMemory(World *srcWorld, World *dstWorld)',
  comment: 'The memory handoff: redirect every pdir instead of copying memory.',
  body: [
    callStmt('VmMemMigrateMemoryHandoffStarted(srcWorld, dstWorld);', 'VmMemMigrateMemoryHandoffStarted', (_cx, f) => ({ srcWorld: f.locals.srcWorld }), undefined, { seed: 'VmMemMigrateMemoryHandoffStarted' }),
    callStmt('status = VmMemMigrateTransferMemory(srcWorld, dstWorld);', 'VmMemMigrateTransferMemory', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld, pgNum: 0 }), 'status', { seed: 'VmMemMigrateTransferMemory' }),
    { text: 'if (status != VMK_OK) return status;', model: 'FAIL', exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : ret(f.locals.status, `the pdir transfer failed: ${f.locals.status}`)) },
    callStmt('VmMemZip_TransferMemZipInfo(srcWorld, dstWorld);  // compression cache info header', 'VmMemZip_TransferMemZipInfo', () => ({}), undefined, { seed: 'VmMemZip_TransferMemZipInfo: Compression cache info header' }),
    callStmt('VmMemMigrateMarkAllPagesUnmapped(srcWorld, dstWorld);  // mark all pages as unmapped', 'VmMemMigrateMarkAllPagesUnmapped', (_cx, f) => ({ dstWorld: f.locals.dstWorld, i: 0 }), undefined, { seed: 'Mark all pages as unmapped' }),
    { text: 'dstPFrames->defaultPageTypeIsRemote = FALSE;', model: 'every page is the destination\'s now: none reads as remote', exec: (cx) => { cx.set(cx.dst.pframes, 'defaultPageTypeIsRemote', false); return undefined; } },
    { text: 'dstPFrames->defaultPageTypeIsRemoteMaxPgNum = 0;', model: true, exec: (cx) => { cx.set(cx.dst.pframes, 'defaultPageTypeIsRemoteMaxPgNum', 0); return undefined; } },
    {
      text: 'LPage_TransferPool(srcWorld, dstWorld);  // ownership of the large page pool',
      seed: 'transfer ownership of large page pool',
      exec: (cx) => {
        const lp = cx.src.alloc.lpool;
        if (lp) {
          cx.set(lp, 'ownerWorldID', cx.dst.worldID);
          cx.set(lp, 'sharedWith', []);
          cx.set(cx.src.alloc, 'lpool', null);
        }
        return undefined;
      },
    },
    callStmt('VmMemMigrateMemoryHandoffFinished(srcWorld, dstWorld);', 'VmMemMigrateMemoryHandoffFinished', () => ({}), undefined, { seed: 'VmMemMigrateMemoryHandoffFinished' }),
    { text: 'return VMK_OK;', model: true, exec: () => ret('VMK_OK') },
  ],
};

const SHADOW_POSITION = 'shadow page tables, where the deck asks: the product\'s position';

const VmMemMigrateMemoryHandoffStarted: F = {
  name: 'VmMemMigrateMemoryHandoffStarted',
  sig: 'void VmMemMigrateMemoryHandoffStarted(World *srcWorld, World *dstWorld)',
  comment: 'Set the MemoryHandoff bools and make sure every PCPU has read them; then no PCPU runs the\nsource\'s vCPUs, and the source\'s cached translations can go (model).',
  body: [
    { text: 'memHandoff->inProgress = TRUE;  // the MemoryHandoff bools', seed: 'Sets MemoryHandoff Bools', exec: (cx) => { cx.set(cx.handoff, 'inProgress', true); cx.log('memory handoff started'); return undefined; } },
    {
      text: 'while (memHandoff->numAcked < numPCPUs) CpuSched_Wait();  // every PCPU has read the flags',
      seed: 'ensures all PCPUs have read this value',
      wait: (cx) => {
        const missing = cx.handoff.acked.findIndex((a) => !a);
        return missing < 0 ? null : `waiting for PCPU ${missing} to read the MemoryHandoff flags`;
      },
    },
    {
      text: 'Monitor_InvalidateShadowPT(srcWorld);',
      model: `${SHADOW_POSITION}: the source's cached translations end once every PCPU has seen the flags`,
      exec: (cx) => {
        cx.shadowClear(cx.srcVmx);
        return undefined;
      },
    },
    { text: 'return;', model: true, exec: (cx) => { cx.log(`all ${cx.handoff.acked.length} PCPUs acknowledged the handoff; the source's cached translations are invalidated`); return ret(undefined); } },
  ],
};

const LOCK_QUOTE = 'Lock each pDir and copy all pages within a pDir while updating the accounting info';

const VmMemMigrateTransferMemory: F = {
  name: 'VmMemMigrateTransferMemory',
  sig: 'VMK_ReturnStatus VmMemMigrateTransferMemory(World *srcWorld, World *dstWorld)',
  comment: 'Lock each pdir and hand over all the pages within it, updating the accounting.',
  body: [
    {
      text: 'for (pgNum = 0; pgNum < Alloc_NumMainMemPages(srcWorld); pgNum += ALLOC_PDIR_PAGES) {',
      label: 'loop',
      seed: true,
      exec: (cx, f) => (num(f, 'pgNum') < cx.src.pframes.numMainMemPages ? undefined : goto('done')),
      bulk: {
        until: 'done',
        run: (cx, f, clock) => {
          const n = cx.src.pframes.numMainMemPages;
          const next = transferDirsFast(cx, PAGE_2_DIRINDEX(num(f, 'pgNum')), cx.src.numDirs, clock);
          set(f, 'pgNum', Math.min(n, next * ALLOC_PDIR_PAGES));
          return next >= cx.src.numDirs;
        },
      },
    },
    callStmt('PFrame_Lock(srcWorld, pgNum);', 'PFrame_Lock', (_cx, f) => ({ world: f.locals.srcWorld, pgNum: f.locals.pgNum }), undefined, { indent: 1, seed: LOCK_QUOTE }),
    callStmt('PFrame_Lock(dstWorld, pgNum);', 'PFrame_Lock', (_cx, f) => ({ world: f.locals.dstWorld, pgNum: f.locals.pgNum }), undefined, { indent: 1, seed: LOCK_QUOTE }),
    {
      text: 'status = PFrame_Lookup(srcWorld, pgNum, &srcMPN, &pageIndex);',
      indent: 1,
      seed: true,
      calls: ['PFrame_Lookup'],
      exec: (_cx, f) => ({ call: 'PFrame_Lookup', args: { world: f.locals.srcWorld, pgNum: f.locals.pgNum }, into: (l, v) => { const r = v as { status: string; dirMPN: number; pageIndex: number }; l.status = r.status; l.srcMPN = r.dirMPN; l.pageIndex = r.pageIndex; } }),
    },
    { text: 'if (status != VMK_OK) goto fail;', indent: 1, model: true, exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : goto('fail')) },
    {
      text: 'status = PFrame_Lookup(dstWorld, pgNum, &dstMPN, &pageIndex);',
      indent: 1,
      seed: true,
      calls: ['PFrame_Lookup'],
      exec: (_cx, f) => ({ call: 'PFrame_Lookup', args: { world: f.locals.dstWorld, pgNum: f.locals.pgNum }, into: (l, v) => { const r = v as { status: string; dirMPN: number }; l.status = r.status; l.dstMPN = r.dirMPN; } }),
    },
    { text: 'if (status != VMK_OK) goto fail;', indent: 1, model: true, exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : goto('fail')) },
    callStmt('VmMemMigrateTransferPageDir(srcWorld, dstWorld, pgNum, &srcMPN, &dstMPN);', 'VmMemMigrateTransferPageDir', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld, pgNum: f.locals.pgNum, srcMPN: f.locals.srcMPN, dstMPN: f.locals.dstMPN }), undefined, { indent: 1, seed: 'VmMemMigrateTransferPageDir(srcWorld, dstWorld, pgNum, &srcMPN, &dstMPN)' }),
    callStmt('PFrame_Unlock(dstWorld, pgNum);', 'PFrame_Unlock', (_cx, f) => ({ world: f.locals.dstWorld, pgNum: f.locals.pgNum }), undefined, { indent: 1, seed: LOCK_QUOTE }),
    {
      text: 'PFrame_Unlock(srcWorld, pgNum);',
      indent: 1,
      seed: LOCK_QUOTE,
      calls: ['PFrame_Unlock'],
      exec: (_cx, f) => {
        if ('unlocked' in f.locals) {
          delete f.locals.unlocked;
          set(f, 'pgNum', num(f, 'pgNum') + ALLOC_PDIR_PAGES);
          return goto('loop');
        }
        return { call: 'PFrame_Unlock', args: { world: f.locals.srcWorld, pgNum: f.locals.pgNum }, into: 'unlocked', stay: true };
      },
    },
    close(),
    { text: 'return VMK_OK;', label: 'done', model: true, exec: (cx) => { cx.log(`all ${cx.src.numDirs} pdirs redirected to the destination`); return ret('VMK_OK'); } },
    {
      text: 'PFrame_Unlock(dstWorld, pgNum); PFrame_Unlock(srcWorld, pgNum); return status;',
      label: 'fail',
      model: true,
      exec: (cx, f) => {
        for (const w of [cx.src, cx.dst]) if (w.pframes.pdirLock.holder === cx.rt.currentActorName) { cx.set(w.pframes.pdirLock, 'holder', null); cx.set(w.pframes.pdirLock, 'heldFor', null); }
        cx.log(`PFrame_Lookup failed for pgNum ${hexNumber(num(f, 'pgNum'))} (dir ${hexNumber(PAGE_2_DIRINDEX(num(f, 'pgNum')))}): ${f.locals.status}`);
        return ret(f.locals.status);
      },
    },
  ],
};


// ---- the bulk form of VmMemMigrateTransferMemory's loop ---------------------------------------------

/**
 * Fine steps of one iteration of VmMemMigrateTransferMemory's loop over a pdir of `c` pages, `r` of
 * them REGULAR, as the fine functions here take them: the loop head 1; the two PFrame_Locks 2 + 2;
 * the two PFrame_Lookups 6 + 6 and their checks 1 + 1; the call of VmMemMigrateTransferPageDir 1 and
 * its body (VmMemMigrateRemovePageDirFromSource 1 + 2c + 2r + 8; PFrame_DirSet 6;
 * VmMemMigrateAddPageDirToDest 1 + 5c + 2r + 8; return 1); PFrame_Unlock 2 and the one that loops
 * back 3. test/engine/sim-clock.test.ts holds them to a fine run.
 */
export const TRANSFER_DIR_STEPS = (c: number, r: number): number => 7 * c + 4 * r + 50;
/** Fine steps from the start of such an iteration to the step that reaches the pdir redirect. */
export const TRANSFER_DIR_REDIRECT = (c: number, r: number): number => 2 * c + 2 * r + 29;
/** Fine steps of one page in VmMemMigrateRemovePageDirFromSource's loop: the head, the REGULAR check, then BackMap_Unset and the free stats. */
export const REMOVE_PAGE_STEPS = (regular: boolean): number => (regular ? 4 : 2);
/** Fine steps of one page in VmMemMigrateInitPageDirsOnDest's loop: the head, the call, its check, its set and stats, its return, the call again. */
export const ADD_PAGE_STEPS = (regular: boolean): number => (regular ? 7 : 5);

/**
 * The whole redirect of directories `from`.. (VmMemMigrateTransferPageDir with everything under
 * it), each fused into one pass over its 512 PFrames that checks every BackMap entry before it
 * rewrites it. Stops before the first directory that is not as the fine path expects (it leaves
 * that one untouched, so the fine path runs it and reports what is wrong). Returns the first
 * directory not done. One undo record covers the whole batch.
 */
function transferDirsFast(cx: FsrContext, from: number, to: number, clock: BulkClock): number {
  const { src, dst, host } = cx;
  if (src.pframes.pdirLock.holder !== null || dst.pframes.pdirLock.holder !== null) return from;
  const bm = cx.bm ?? (cx.bm = host.cursor());
  const srcBase = (src.owners.mainmem.slot << BACKMAP_PGNUM_BITS) >>> 0;
  const srcPdir = (src.owners.pdir.slot << BACKMAP_PGNUM_BITS) >>> 0;
  const dstPdir = (dst.owners.pdir.slot << BACKMAP_PGNUM_BITS) >>> 0;
  const spf = src.pframes;
  const dpf = dst.pframes;
  const numPages = spf.numMainMemPages;
  // The batch's pdir pages (its undo keeps them for the run), grown by doubling: a batch that
  // stops early keeps no room for the directories it did not do.
  let doneSrc = new Float64Array(64);
  let doneDst = new Float64Array(64);
  let regs = new Uint16Array(64);
  let k = 0;
  let moved = 0;
  const at = noBlock();
  const start = cx.rt.now;
  // The fine steps counted so far, and the step of each directory's redirect (the clock hears of
  // both once, after the loop).
  let ticks = 0;
  let redirects = new Float64Array(64);
  const budget = clock.budget;
  let d = from;
  for (; d < to; d++) {
    const srcMPN = src.dirMPN(d);
    const dstMPN = dst.dirMPN(d);
    if (srcMPN === INVALID_MPN64 || dstMPN === INVALID_MPN64) break;
    if (bm.get(dstMPN) !== dstPdir + d || bm.get(srcMPN) !== srcPdir + d) break;
    const first = d * ALLOC_PDIR_PAGES;
    const count = Math.min(ALLOC_PDIR_PAGES, numPages - first);
    // Whole directories only, within the budget (at most every page REGULAR).
    if (budget - ticks < TRANSFER_DIR_STEPS(count, count)) break;
    const words = host.peekWords(srcMPN) ?? host.map(srcMPN).u32;
    const n = moveDirEntries(bm, words, count, first, src.owners.mainmem.slot, dst.owners.mainmem.slot, at);
    if (n < 0) {
      setDirEntries(bm, words, -n - 1, first, srcBase);
      break;
    }
    moved += n;
    // Directories: the source's entry to nothing, the destination's to the source's page; the
    // destination's own pdir page is freed; the redirected page changes owner.
    spf.pdirInfo[d] = 0;
    dpf.pdirInfo[d] = PFrameMakePTE(srcMPN);
    bm.set(dstMPN, 0);
    bm.set(srcMPN, dstPdir + d);
    if (k === doneSrc.length) {
      doneSrc = grown(doneSrc);
      doneDst = grown(doneDst);
      regs = grown(regs);
      redirects = grown(redirects);
    }
    doneSrc[k] = srcMPN;
    doneDst[k] = dstMPN;
    regs[k] = n;
    // The fine path reaches the redirect at its own step in the directory's iteration. (The changes
    // to the directories and their pages' owners the trace answers for, at their own steps too.)
    redirects[k] = start + ticks + TRANSFER_DIR_REDIRECT(count, n);
    ticks += TRANSFER_DIR_STEPS(count, n);
    k++;
  }
  if (k === 0) return d;
  clock.advance(ticks);
  clock.phaseAt(VmMemMigrateTransferPageDir.name, sites().redirect, redirects.subarray(0, k));
  cx.rt.traceBulk(new TransferTrace(cx, start, from, doneSrc, doneDst, regs, k, sites()));
  host.freeOwnedBatch(doneDst.subarray(0, k));
  // Each directory took both worlds' pdir locks once, as the fine path does.
  spf.pdirLock.acquisitions += k;
  dpf.pdirLock.acquisitions += k;
  const counts = host.ownerCounts;
  const ss = src.stats;
  const ds = dst.stats;
  const adjust = (sign: number) => {
    counts[src.owners.mainmem.slot]! -= sign * moved;
    counts[dst.owners.mainmem.slot]! += sign * moved;
    // Pdir pages: k move from the source's owner to the destination's, which frees k of its own.
    counts[src.owners.pdir.slot]! -= sign * k;
    spf.numPDirEntries -= sign * k;
    ss.allocated -= sign * moved;
    ss.frees += sign * moved;
    ds.allocated += sign * moved;
    ds.allocs += sign * moved;
  };
  adjust(1);
  const L = sites();
  logStats(cx, [[src.stats, 'allocated', -moved, L.freeStats], [src.stats, 'frees', moved, L.freeStats], [dst.stats, 'allocated', moved, L.allocStats], [dst.stats, 'allocs', moved, L.allocStats]], start + 1, cx.rt.now);
  cx.rt.journal.record(() => {
    for (let j = k - 1; j >= 0; j--) {
      const dd = from + j;
      const srcMPN = doneSrc[j]!;
      const dstMPN = doneDst[j]!;
      bm.set(srcMPN, srcPdir + dd);
      host.unfreeMPN(dstMPN);
      bm.set(dstMPN, dstPdir + dd);
      dpf.pdirInfo[dd] = PFrameMakePTE(dstMPN);
      spf.pdirInfo[dd] = PFrameMakePTE(srcMPN);
      const words = host.peekWords(srcMPN)!;
      setDirEntries(bm, words, Math.min(ALLOC_PDIR_PAGES, numPages - dd * ALLOC_PDIR_PAGES), dd * ALLOC_PDIR_PAGES, srcBase);
    }
    adjust(-1);
    spf.pdirLock.acquisitions -= k;
    dpf.pdirLock.acquisitions -= k;
  });
  return d;
}


/**
 * The statements of the fine functions that a bulk step's history rows and phases name (found once,
 * once the listing has given them their lines).
 */
let siteCache: TraceSites | null = null;
function sites(): TraceSites {
  if (siteCache) return siteCache;
  const at = (fn: F, text: string) => ({ fn: fn.name, line: fn.body.find((st) => st.text.startsWith(text))!.line! });
  siteCache = {
    redirect: VmMemMigrateTransferPageDir.body.find((st) => st.phase === 'pdir redirect')!,
    pteSet: at(PFrame_DirSet, 'PTE_SET'),
    freeKernelPage: at(VmMemMigrateAddPageDirToDest, 'MemMap_FreeKernelPage'),
    setPDir: at(VmMemMigrateAddPageDirToDest, 'BackMap_SetPDir'),
    unset: at(VmMemMigrateRemovePageDirFromSource, 'BackMap_Unset'),
    setRegular: at(VmMemMigrateAddPageToDest, 'PFrame_SetRegular'),
    freeStats: at(VmMemMigrateRemovePageDirFromSource, 'VmMem_UpdateFreeStats').line,
    allocStats: at(VmMemMigrateAddPageToDest, 'VmMem_UpdateAllocStats').line,
  };
  return siteCache;
}

/** A bulk step's many changes to stats, one entry each, over the steps it stands for, at the statement that makes them. */
function logStats(cx: FsrContext, changes: Array<[object, string, number, number]>, first: number, last: number): void {
  for (const [obj, field, delta, site] of changes) {
    if (delta === 0) continue;
    const now = (obj as Record<string, number>)[field]!;
    cx.rt.changes.push(ChangeKind.FIELD, last, 0, 0, 0, 0, 0, { obj, field, old: now - delta, new: now, span: [first, last] }, site);
  }
}

/** A block base no pgNum is near: every entry of the block takes the general path. */
const NO_BASE = -1e9;
/** High MPN bits no PFrame has: with them every REGULAR page stops the scan (no block chosen yet). */
const NO_BLOCK = -1;

/**
 * Where a batch of moveDirEntries calls is scanning (engine/dirscan.ts), kept from one pdir to
 * the next: a VM's consecutive pdirs mostly go on in the same block. Between the calls of one
 * batch only pdir-owner entries change, never the mainmem owners' bases it holds. `blkLo` and
 * `hiBits` are the block's first MPN as the scan compares it (hiBits NO_BLOCK: every REGULAR page
 * stops the scan); `base` is the pgNum its delta 0 stands for.
 */
interface ScanBlock {
  range: BackMapRange | null;
  blk: number;
  blkLo: number;
  hiBits: number;
  base: number;
}
const noBlock = (): ScanBlock => ({ range: null, blk: -1, blkLo: 0, hiBits: NO_BLOCK, base: NO_BASE });

/**
 * The hot loop of the handoff: for each REGULAR PFrame of a pdir page, check that its MPN's BackMap
 * entry is (source, pgNum) and make it (destination, pgNum). Returns how many moved, or -(i + 1)
 * when page i is not as expected (entries before it were moved; the caller puts them back).
 *
 * Where the range has a scanner (engine/dirscan.ts) the plain pages go through it, and this loop
 * does only what it stops for: another range, another block, an entry to move in full.
 */
function moveDirEntries(bm: BackmapCursor, words: Uint32Array, count: number, first: number, srcSlot: number, dstSlot: number, at: ScanBlock): number {
  const srcBits = srcSlot << Packed.OWNER_SHIFT;
  const flip = (srcSlot ^ dstSlot) << Packed.OWNER_SHIFT;
  let loaded: DirScanner | null = null;
  let pf = 0;
  let i = 0;
  let n = 0;
  for (;;) {
    const sc = bm.scanner;
    if (sc === null) {
      const r = moveDirEntriesFrom(bm, words, i, count, first, srcSlot, dstSlot);
      return r < 0 ? r : n + r;
    }
    const range = bm.range;
    if (at.range !== range) {
      at.range = range;
      at.blk = -1;
      at.hiBits = NO_BLOCK;
    }
    if (sc !== loaded) {
      pf = sc.place(words);
      loaded = sc;
    }
    const r = sc.scan(pf, i, count, (first + i - at.base) | 0, at.blk << Packed.BLOCK_SHIFT, at.blkLo, at.hiBits, srcBits, flip);
    n += r >>> 16;
    i = r & 0xffff;
    if (i >= count) return n;
    // Page i is REGULAR and the scan stopped at it.
    const hb = (words[2 * i]! >>> 8) & 0x3f;
    const low = words[2 * i + 1]!;
    const off = (hb - bm.baseHi) * TWO_32 + (low - bm.baseLo);
    if (off < 0 || off >= range.pages) {
      if (!bm.seek(hb * TWO_32 + low)) return -(i + 1);
    } else if (off >>> Packed.BLOCK_SHIFT !== at.blk) {
      const blk = (at.blk = off >>> Packed.BLOCK_SHIFT);
      const mpn = bm.baseHi * TWO_32 + bm.baseLo + blk * Packed.BLOCK_MPNS;
      at.blkLo = mpn % TWO_32 | 0;
      // A block across a multiple of 2^32 stays with this loop: the scan's test (same high bits,
      // low bits at most 511 above the block's) would also take MPNs 2^32 below its upper part.
      at.hiBits = (mpn % TWO_32) + Packed.BLOCK_MPNS > TWO_32 ? NO_BLOCK : Math.floor(mpn / TWO_32) << 8;
      const base = range.sharedBase(off, srcSlot, dstSlot);
      at.base = base < 0 ? NO_BASE : base;
    } else {
      if (!range.move(off, srcSlot, dstSlot, first + i)) return -(i + 1);
      // The move may have rebased the block: find its base again at the next REGULAR page.
      at.blk = -1;
      at.hiBits = NO_BLOCK;
      n++;
      i++;
    }
  }
}

/** moveDirEntries in JavaScript alone, from page `from` on: the same answer for those pages. */
function moveDirEntriesFrom(bm: BackmapCursor, words: Uint32Array, from: number, count: number, first: number, srcSlot: number, dstSlot: number): number {
  let range = bm.range;
  let packed = range.words;
  let len = range.pages;
  let bHi = bm.baseHi;
  let bLo = bm.baseLo;
  const flip = (srcSlot ^ dstSlot) << Packed.OWNER_SHIFT;
  let blk = -1;
  let base = 0;
  let n = 0;
  for (let i = from; i < count; i++) {
    const lo = words[2 * i]!;
    if (((lo >>> 4) & 0xf) !== TypeCode.REGULAR) continue;
    const hb = (lo >>> 8) & 0x3f;
    const low = words[2 * i + 1]!;
    // The offset in the range as a uint32: exact when the MPN is in it (then hb is bHi, plus one
    // when the low word wrapped past the base's); anything else takes the seek below.
    let off = (low - bLo) >>> 0;
    if (hb !== bHi + (low < bLo ? 1 : 0) || off >= len) {
      // Another range of host memory (or none).
      if (!bm.seek(hb * 4294967296 + low)) return -(i + 1);
      range = bm.range;
      packed = range.words;
      len = range.pages;
      bHi = bm.baseHi;
      bLo = bm.baseLo;
      off = (low - bLo) >>> 0;
      blk = -1;
    }
    const x = packed[off]!;
    if (off >>> Packed.BLOCK_SHIFT !== blk) {
      blk = off >>> Packed.BLOCK_SHIFT;
      base = range.sharedBase(off, srcSlot, dstSlot);
      if (base < 0) base = NO_BASE;
    }
    // BackMap_Unset(mpn, src, pg) and PFrame_SetRegular's BackMap_Set(mpn, dst, pg), fused.
    if (x >>> Packed.OWNER_SHIFT === srcSlot && (x & Packed.DELTA_MASK) + base === first + i) packed[off] = x ^ flip;
    else if (range.move(off, srcSlot, dstSlot, first + i)) blk = -1; // the move may have rebased the block
    else return -(i + 1);
    n++;
  }
  return n;
}

/** Set the BackMap entries of the first `count` REGULAR PFrames of a pdir page to `base + pgNum`. */
function setDirEntries(bm: BackmapCursor, words: Uint32Array, count: number, first: number, base: number): void {
  for (let j = 0; j < count; j++) {
    const lo = words[2 * j]!;
    if (((lo >>> 4) & 0xf) !== REGULAR) continue;
    bm.set(((lo >>> 8) & 0x3f) * TWO_32 + words[2 * j + 1]!, base + first + j);
  }
}


const VmMemMigrateTransferPageDir: F = {
  name: 'VmMemMigrateTransferPageDir',
  sig: 'void VmMemMigrateTransferPageDir(World *srcWorld, World *dstWorld, PageNum pgNum, MPN *srcMPN, MPN *dstMPN)',
  comment: 'Take the pdir away from the source and give the destination the source\'s pdir page.',
  body: [
    callStmt('VmMemMigrateRemovePageDirFromSource(srcWorld, pgNum, *srcMPN);', 'VmMemMigrateRemovePageDirFromSource', (_cx, f) => ({ srcWorld: f.locals.srcWorld, pgNum: f.locals.pgNum, srcMPN: f.locals.srcMPN, index: 0 }), undefined, { seed: 'VmMemMigrateRemovePageDirFromSource(srcWorld, pgNum, srcMPN)' }),
    callStmt('PFrame_DirSet(dstWorld, pgNum, *srcMPN);  // PDIR → redirect the new PDirs to the source PDir MPN', 'PFrame_DirSet', (_cx, f) => ({ world: f.locals.dstWorld, pgNum: f.locals.pgNum, mpn: f.locals.srcMPN }), undefined, {
      phase: 'pdir redirect',
      seed: 'PFrame_DirSet(dstWorld, pgNum, srcMPN)',
      deck: 'PFrame_DirSet is called here with 3 arguments, and on the source with 4 (…, INVALID_MPN64, INVALID_MPN64)',
    }),
    callStmt('VmMemMigrateAddPageDirToDest(dstWorld, pgNum, *srcMPN, dstMPN, freeSrcPFrame);', 'VmMemMigrateAddPageDirToDest', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld, pgNum: f.locals.pgNum, srcMPN: f.locals.srcMPN, dstMPN: f.locals.dstMPN, freeSrcPFrame: true }), undefined, {
      seed: 'VmMemMigrateAddPageDirToDest(dstWorld, pgNum, srcMPN, dstMPN, freeSrcPFrame)',
      deck: 'freeSrcPFrame is passed but neither defined nor explained. Here it is TRUE and means that the source gives\nits pdir page up for good: the destination takes it over as its own pdir page, nothing is copied (model)',
    }),
    { text: 'return;', model: true, exec: () => ret(undefined) },
  ],
};

const VmMemMigrateRemovePageDirFromSource: F = {
  name: 'VmMemMigrateRemovePageDirFromSource',
  sig: 'void VmMemMigrateRemovePageDirFromSource(World *srcWorld, PageNum pgNum, MPN srcMPN)',
  comment: 'The source lets go of the pages of one pdir: BackMap, stats, then its directory entry.',
  body: [
    {
      text: 'for (index = 0; index < ALLOC_PDIR_PAGES; index++) {',
      label: 'loop',
      seed: true,
      exec: (cx, f) => (num(f, 'index') < Math.min(ALLOC_PDIR_PAGES, world(cx, f, 'srcWorld').pframes.numMainMemPages - num(f, 'pgNum')) ? undefined : goto('done')),
      bulk: {
        until: 'done',
        run: (cx, f, clock) => {
          const w = world(cx, f, 'srcWorld');
          const count = Math.min(ALLOC_PDIR_PAGES, w.pframes.numMainMemPages - num(f, 'pgNum'));
          const stopped = removeDirPagesFast(cx, w, num(f, 'pgNum'), num(f, 'index'), clock);
          set(f, 'index', stopped);
          return stopped >= count;
        },
      },
    },
    {
      text: 'if (!PFrame_IsRegular(&dir[index])) continue;',
      indent: 1,
      model: 'the deck unsets every page; only a REGULAR page has a BackMap entry of the world\'s (a COW MPN is the sharing pool\'s, a ZIPPED one the MemZip cache\'s, a SWAPPED page has none). mpn comes from the PFrame',
      exec: (cx, f) => {
        const w = world(cx, f, 'srcWorld');
        const pf = cx.readPFrame(w, num(f, 'pgNum') + num(f, 'index'))!;
        set(f, 'type', pageTypeName(pfType(pf.lo)));
        set(f, 'mpn', pfType(pf.lo) === PageType.REGULAR ? pfIndex(pf.lo, pf.hi) : INVALID_MPN64);
        return f.locals.type === 'REGULAR' ? undefined : goto('next');
      },
    },
    {
      text: 'BackMap_Unset(mpn, srcWorld, pgNum + index);',
      indent: 1,
      seed: true,
      deck: 'mpn is not defined in the deck\'s loop',
      exec: (cx, f) => {
        const w = world(cx, f, 'srcWorld');
        const pg = num(f, 'pgNum') + num(f, 'index');
        const mpn = num(f, 'mpn');
        const e = cx.host.backmapEntry(mpn);
        if (e !== entry(w.owners.mainmem, pg)) cx.rt.raise('invariant', `BackMap_Unset(${mpnHex(mpn)}, ${w.name}, ${pg}): the BackMap says ${describeEntry(cx, e)}`);
        else cx.backmapSetRaw(mpn, 0);
        return undefined;
      },
    },
    {
      text: 'VmMem_UpdateFreeStats(srcWorld, pgNum + index, mpn);  // STATS ← simulate a page free',
      indent: 1,
      seed: true,
      exec: (cx, f) => {
        const s = world(cx, f, 'srcWorld').stats;
        cx.set(s, 'allocated', s.allocated - 1);
        cx.set(s, 'frees', s.frees + 1);
        return undefined;
      },
    },
    { text: '}', label: 'next', silent: true, exec: (_cx, f) => { set(f, 'index', num(f, 'index') + 1); return goto('loop'); } },
    callStmt('PFrame_DirSet(srcWorld, pgNum, INVALID_MPN64, INVALID_MPN64);  // PDIR ← map source PDir to nothing', 'PFrame_DirSet', (_cx, f) => ({ world: f.locals.srcWorld, pgNum: f.locals.pgNum, mpn: INVALID_MPN64, mpn2: INVALID_MPN64 }), undefined, { label: 'done', seed: true }),
    { text: 'return;', model: true, exec: () => ret(undefined) },
  ],
};

/** BackMap_Unset + free stats for the REGULAR pages of one source directory from `index` on: the fine loop, faster. */
function removeDirPagesFast(cx: FsrContext, srcWorld: World, pgNum: number, index: number, clock: BulkClock): number {
  const host = cx.host;
  const words = host.map(srcWorld.dirMPN(PAGE_2_DIRINDEX(pgNum))).u32;
  const count = Math.min(ALLOC_PDIR_PAGES, srcWorld.pframes.numMainMemPages - pgNum);
  const slot = srcWorld.owners.mainmem.slot;
  const mpns: number[] = [];
  const entries: number[] = [];
  const budget = clock.budget;
  let steps = 0;
  let i = index;
  for (; i < count && steps + REMOVE_PAGE_STEPS(true) <= budget; i++) {
    const lo = words[2 * i]!;
    if (((lo >>> 4) & 0xf) !== REGULAR) {
      steps += REMOVE_PAGE_STEPS(false);
      continue;
    }
    const mpn = pfIndex(lo, words[2 * i + 1]!);
    const e = ((slot << BACKMAP_PGNUM_BITS) | (pgNum + i)) >>> 0;
    if (host.backmapEntry(mpn) !== e) break;
    host.backmapSetRaw(mpn, 0);
    mpns.push(mpn);
    entries.push(e);
    steps += REMOVE_PAGE_STEPS(true);
  }
  const first = cx.rt.now;
  clock.advance(steps);
  const n = mpns.length;
  srcWorld.stats.allocated -= n;
  srcWorld.stats.frees += n;
  if (steps > 0) {
    cx.rt.traceBulk(new PageLoopTrace(cx, 'remove', first, srcWorld.dirMPN(PAGE_2_DIRINDEX(pgNum)), pgNum, index, i, sites().unset));
    logStats(cx, [[srcWorld.stats, 'allocated', -n, sites().freeStats], [srcWorld.stats, 'frees', n, sites().freeStats]], first + 1, cx.rt.now);
  }
  cx.rt.journal.record(() => {
    srcWorld.stats.allocated += n;
    srcWorld.stats.frees -= n;
    for (let k = 0; k < n; k++) host.backmapSetRaw(mpns[k]!, entries[k]!);
  });
  return i;
}

const PFrame_DirSet: F = {
  name: 'PFrame_DirSet',
  sig: 'void PFrame_DirSet(World *world, PageNum pgNum, MPN64 mpn, MPN64 mpn2)',
  comment: 'Point the directory entry of pgNum at mpn (INVALID_MPN64 clears it).',
  body: [
    { text: 'Alloc_Info *info = Alloc_AllocInfo(world);', seed: true },
    { text: 'PFrame_Info *pframes = &info->pframes;', seed: true },
    { text: 'uint32 dirIndex = PAGE_2_DIRINDEX(pgNum);', seed: true, exec: (_cx, f) => { set(f, 'dirIndex', PAGE_2_DIRINDEX(num(f, 'pgNum'))); return undefined; } },
    {
      text: 'PTE_SET((uint64 *)&pframes->pdirInfo[dirIndex], PFrameMakePTE(mpn));',
      seed: 'PTE_SET((uint64 *)&pframes->pdirInfo[dirIndex], PFrameMakePTE(srcMPN))',
      exec: (cx, f) => {
        set(f, 'wasPresent', cx.dirSetEntry(world(cx, f, 'world'), num(f, 'pgNum'), num(f, 'mpn')));
        return undefined;
      },
    },
    {
      text: 'PFrameDir_Account(pframes, dirIndex, mpn, mpn2);',
      model: 'PFrame_Info\'s numPDirEntries(2) and pages2 follow the entry: the deck declares them, not when they change',
      exec: (cx, f) => {
        cx.dirAccount(world(cx, f, 'world'), num(f, 'pgNum'), f.locals.wasPresent === true, num(f, 'mpn'), f.locals.mpn2 === undefined ? undefined : num(f, 'mpn2'));
        return ret(undefined);
      },
    },
  ],
};

const VmMemMigrateAddPageDirToDest: F = {
  name: 'VmMemMigrateAddPageDirToDest',
  sig: 'void VmMemMigrateAddPageDirToDest(World *dstWorld, PageNum pgNum, MPN srcMPN, MPN *dstMPN, Bool freeSrcPFrame)',
  comment: 'The destination takes the source\'s pdir page; its own pdir page is freed.',
  body: [
    {
      text: 'MemMap_FreeKernelPage(*dstMPN);',
      model: 'the destination\'s own pdir page is freed, not leaked; the deck does not show where',
      exec: (cx, f) => {
        const old = num(f, 'dstMPN');
        if (old !== INVALID_MPN64 && old !== num(f, 'srcMPN')) {
          cx.backmapSetRaw(old, 0);
          cx.freeMPN(old);
        }
        return undefined;
      },
    },
    { text: '*dstMPN = srcMPN;', seed: true, exec: (_cx, f) => { set(f, 'dstMPN', f.locals.srcMPN); return undefined; } },
    {
      text: 'BackMap_SetPDir(srcMPN, dstWorld, PAGE_2_DIRINDEX(pgNum));',
      model: 'in the model\'s BackMap the pdir page changes owner',
      exec: (cx, f) => {
        cx.backmapSetRaw(num(f, 'srcMPN'), entry(world(cx, f, 'dstWorld').owners.pdir, PAGE_2_DIRINDEX(num(f, 'pgNum'))));
        return undefined;
      },
    },
    callStmt('VmMemMigrateInitPageDirsOnDest(srcWorld, dstWorld, pgNum, *dstMPN);', 'VmMemMigrateInitPageDirsOnDest', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld, pgNum: f.locals.pgNum, dstMPN: f.locals.dstMPN, pageIndex: 0 }), undefined, {
      seed: true,
      deck: 'srcWorld is not a parameter of VmMemMigrateAddPageDirToDest(dstWorld, pgNum, srcMPN, dstMPN, freeSrcPFrame)',
    }),
    { text: 'return;', model: true, exec: () => ret(undefined) },
  ],
};

const VmMemMigrateInitPageDirsOnDest: F = {
  name: 'VmMemMigrateInitPageDirsOnDest',
  sig: 'void VmMemMigrateInitPageDirsOnDest(World *srcWorld, World *dstWorld, PageNum pgNum, MPN dstMPN)',
  comment: 'Walk the redirected pdir page and account every page to the destination.',
  body: [
    { text: 'dir = Kseg_MapMPN(dstMPN);', seed: true },
    {
      text: 'for (pageIndex = 0; pageIndex < ALLOC_PDIR_PAGES; pageIndex++)',
      label: 'loop',
      seed: true,
      exec: (cx, f) => (num(f, 'pageIndex') < Math.min(ALLOC_PDIR_PAGES, world(cx, f, 'dstWorld').pframes.numMainMemPages - num(f, 'pgNum')) ? undefined : goto('done')),
      bulk: {
        until: 'done',
        run: (cx, f, clock) => {
          const w = world(cx, f, 'dstWorld');
          const count = Math.min(ALLOC_PDIR_PAGES, w.pframes.numMainMemPages - num(f, 'pgNum'));
          const stopped = addDirPagesFast(cx, w, num(f, 'pgNum'), num(f, 'dstMPN'), num(f, 'pageIndex'), clock);
          set(f, 'pageIndex', stopped);
          return stopped >= count;
        },
      },
    },
    {
      text: 'VmMemMigrateAddPageToDest(dstWorld, &dir[pageIndex], pgNum + pageIndex);',
      indent: 1,
      seed: 'VmMemMigrateAddPageToDest(pframe)',
      deck: 'the deck passes the PFrame alone; its body also uses dstWorld, pgNum and mpn',
      calls: ['VmMemMigrateAddPageToDest'],
      exec: (_cx, f) => {
        if ('added' in f.locals) {
          delete f.locals.added;
          set(f, 'pageIndex', num(f, 'pageIndex') + 1);
          return goto('loop');
        }
        return { call: 'VmMemMigrateAddPageToDest', args: { dstWorld: f.locals.dstWorld, pgNum: num(f, 'pgNum') + num(f, 'pageIndex') }, into: 'added', stay: true };
      },
    },
    { text: 'return;', label: 'done', model: true, exec: () => ret(undefined) },
  ],
};

/** VmMemMigrateAddPageToDest for the pages of one directory from `index` on: the fine loop, faster. */
function addDirPagesFast(cx: FsrContext, dstWorld: World, pgNum: number, dirMPN: number, index: number, clock: BulkClock): number {
  const host = cx.host;
  const words = host.map(dirMPN).u32;
  const count = Math.min(ALLOC_PDIR_PAGES, dstWorld.pframes.numMainMemPages - pgNum);
  const slot = dstWorld.owners.mainmem.slot;
  const done: number[] = [];
  const budget = clock.budget;
  let steps = 0;
  let i = index;
  for (; i < count && steps + ADD_PAGE_STEPS(true) <= budget; i++) {
    const lo = words[2 * i]!;
    if (((lo >>> 4) & 0xf) !== REGULAR) {
      steps += ADD_PAGE_STEPS(false);
      continue;
    }
    const mpn = pfIndex(lo, words[2 * i + 1]!);
    if (host.backmapEntry(mpn) !== 0) break;
    host.backmapSetRaw(mpn, ((slot << BACKMAP_PGNUM_BITS) | (pgNum + i)) >>> 0);
    done.push(mpn);
    steps += ADD_PAGE_STEPS(true);
  }
  const first = cx.rt.now;
  clock.advance(steps);
  const n = done.length;
  dstWorld.stats.allocated += n;
  dstWorld.stats.allocs += n;
  if (steps > 0) {
    cx.rt.traceBulk(new PageLoopTrace(cx, 'add', first, dirMPN, pgNum, index, i, sites().setRegular));
    logStats(cx, [[dstWorld.stats, 'allocated', n, sites().allocStats], [dstWorld.stats, 'allocs', n, sites().allocStats]], first + 1, cx.rt.now);
  }
  cx.rt.journal.record(() => {
    dstWorld.stats.allocated -= n;
    dstWorld.stats.allocs -= n;
    for (const mpn of done) host.backmapSetRaw(mpn, 0);
  });
  return i;
}

const VmMemMigrateAddPageToDest: F = {
  name: 'VmMemMigrateAddPageToDest',
  sig: 'void VmMemMigrateAddPageToDest(World *dstWorld, PFrame *pframe, PageNum pgNum)',
  comment: 'A REGULAR page becomes the destination\'s: PFrame_SetRegular (with its BackMap) and alloc stats.',
  body: [
    {
      text: 'if (pframe->type == MEMSCHED_VMPAGE_REGULAR) {',
      seed: 'if pframe.type == MEMSCHED_VMPAGE_REGULAR',
      exec: (cx, f) => {
        const pf = cx.readPFrame(world(cx, f, 'dstWorld'), num(f, 'pgNum'))!;
        set(f, 'type', pageTypeName(pfType(pf.lo)));
        set(f, 'mpn', pfType(pf.lo) === PageType.REGULAR ? pfIndex(pf.lo, pf.hi) : INVALID_MPN64);
        return f.locals.type === 'REGULAR' ? undefined : goto('done');
      },
    },
    {
      text: 'PFrame_SetRegular(dstWorld, pframe, pgNum, mpn);',
      indent: 1,
      seed: true,
      deck: 'mpn is not defined in the deck; it is the page\'s MPN, read from the PFrame',
      exec: (cx, f) => {
        const w = world(cx, f, 'dstWorld');
        const pg = num(f, 'pgNum');
        const mpn = num(f, 'mpn');
        const pf = cx.readPFrame(w, pg)!;
        const lo = pfWithTypeIndex(pf.lo, PageType.REGULAR, mpn);
        if (lo !== pf.lo || pfMakeHi(mpn) !== pf.hi) cx.writePFrame(w, pg, lo, pfMakeHi(mpn));
        const e = cx.host.backmapEntry(mpn);
        if (e !== 0) cx.rt.raise('invariant', `PFrame_SetRegular(${w.name}, ${pg}): MPN ${mpnHex(mpn)} already has an owner: ${describeEntry(cx, e)}`);
        else cx.backmapSetRaw(mpn, entry(w.owners.mainmem, pg));
        return undefined;
      },
    },
    {
      text: 'VmMem_UpdateAllocStats(dstWorld, pgNum, mpn, 1);  // STATS → simulate a page alloc',
      indent: 1,
      seed: true,
      exec: (cx, f) => {
        const s = world(cx, f, 'dstWorld').stats;
        cx.set(s, 'allocated', s.allocated + 1);
        cx.set(s, 'allocs', s.allocs + 1);
        return undefined;
      },
    },
    close(),
    { text: 'return;', label: 'done', model: true, exec: () => ret(true) },
  ],
};

const VmMemZip_TransferMemZipInfo: F = {
  name: 'VmMemZip_TransferMemZipInfo',
  sig: 'void VmMemZip_TransferMemZipInfo(World *srcWorld, World *dstWorld)',
  comment: 'Hand over the compression cache: its info header (and, in the model, its pages).',
  body: [
    {
      text: 'dstInfo->memzip = srcInfo->memzip;  // compression cache info header',
      seed: 'Compression cache info header',
      exec: (cx) => {
        const s = cx.src.alloc.memzip;
        const d = cx.dst.alloc.memzip;
        const pages = s.cacheMPNs;
        const bm = cx.bm ?? (cx.bm = cx.host.cursor());
        const sSlot = cx.src.owners.memzip.slot;
        const dSlot = cx.dst.owners.memzip.slot;
        bm.moveIndexed(pages, sSlot, dSlot);
        // The moved entries, as data (history and the host-memory view read the change log): one
        // entry for the lot, the MPNs and their new entries in its side table.
        const entries = new Float64Array(pages.length);
        for (let i = 0; i < pages.length; i++) entries[i] = cx.host.backmapEntry(pages[i]!);
        const flip = (dSlot - sSlot) * 2 ** BACKMAP_PGNUM_BITS;
        cx.rt.changes.push(ChangeKind.BACKMAP_MOVE, cx.rt.now, 0, 0, 0, 0, 0, { mpns: pages, entries, flip });  // a cache's MPN list is replaced, never written in place
        cx.host.adjustOwnerCount(cx.src.owners.memzip.slot, -pages.length);
        cx.host.adjustOwnerCount(cx.dst.owners.memzip.slot, pages.length);
        const saved = { dPages: d.cacheMPNs, dNum: d.numZipped, dHeader: d.header, sNum: s.numZipped, sHeader: s.header };
        d.cacheMPNs = pages;
        d.numZipped = s.numZipped;
        d.header = s.header ? { ...s.header, owner: cx.dst.worldID } : null;
        s.cacheMPNs = new Float64Array(0);
        s.numZipped = 0;
        s.header = null;
        const host = cx.host;
        const srcOwner = cx.src.owners.memzip;
        cx.rt.journal.record(() => {
          bm.moveIndexed(pages, dSlot, sSlot);
          host.adjustOwnerCount(srcOwner.slot, pages.length);
          host.adjustOwnerCount(cx.dst.owners.memzip.slot, -pages.length);
          s.cacheMPNs = pages;
          s.numZipped = saved.sNum;
          s.header = saved.sHeader;
          d.cacheMPNs = saved.dPages;
          d.numZipped = saved.dNum;
          d.header = saved.dHeader;
        });
        cx.log(`MemZip info transferred: ${pages.length} cache pages, ${d.numZipped} zipped pages`);
        return ret(undefined);
      },
    },
  ],
};

const VmMemMigrateMarkAllPagesUnmapped: F = {
  name: 'VmMemMigrateMarkAllPagesUnmapped',
  model: 'the deck says "Mark all pages as unmapped" inside VmMemMigrate_TransferMemory, without a name for it',
  sig: 'void VmMemMigrateMarkAllPagesUnmapped(World *srcWorld, World *dstWorld)',
  comment: 'Every page the source\'s VMX had mapped (its PFrame in the PFrameMappedInVMX form, isMappedInVMX = 1)\ntakes the PFrameUnmappedInVMX form. The other pages are in that form already.',
  body: [
    { text: 'for (i = 0; i < srcVmx->numMappedPages; i++) {', label: 'loop', exec: (cx, f) => (num(f, 'i') < cx.srcVmx.mappedPages.length ? undefined : goto('done')) },
    {
      text: 'PFrame_SetUnmappedInVMX(dstWorld, srcVmx->mappedPages[i]);',
      indent: 1,
      seed: 'Mark all pages as unmapped',
      exec: (cx, f) => {
        const w = world(cx, f, 'dstWorld');
        const pg = cx.srcVmx.mappedPages[num(f, 'i')]!;
        set(f, 'pgNum', pg);
        const pf = cx.readPFrame(w, pg);
        if (pf && (pf.lo & 1) === 1) {
          cx.writePFrame(w, pg, (pf.lo & ~1) >>> 0, pf.hi);
          cx.set(cx.srcVmx, 'vmxMappedPages', cx.srcVmx.vmxMappedPages - 1);
        }
        set(f, 'i', num(f, 'i') + 1);
        return goto('loop');
      },
    },
    close(),
    { text: 'return;', label: 'done', exec: (cx) => { cx.log(`all pages marked unmapped: ${cx.srcVmx.mappedPages.length} PFrames left the PFrameMappedInVMX form`); return ret(undefined); } },
  ],
};

const VmMemMigrateMemoryHandoffFinished: F = {
  name: 'VmMemMigrateMemoryHandoffFinished',
  sig: 'void VmMemMigrateMemoryHandoffFinished(World *srcWorld, World *dstWorld)',
  comment: 'Clear the MemoryHandoff bools, after the last redirect and before the destination runs; and\nthe monitor\'s translation cache (model).',
  body: [
    { text: 'memHandoff->inProgress = FALSE;  // clears the MemoryHandoff bools', seed: 'Clears the MemoryHandoff Bools', exec: (cx) => { cx.set(cx.handoff, 'inProgress', false); return undefined; } },
    {
      text: 'Monitor_FlushTranslationCache(dstWorld);',
      model: `${SHADOW_POSITION}: dropped, rebuilt on demand`,
      exec: (cx) => {
        if (!cx.opts.faults.staleShadow) cx.shadowClear(cx.dstVmx);
        return undefined;
      },
    },
    { text: 'memHandoff->done = TRUE;', model: true, exec: (cx) => { cx.set(cx.handoff, 'done', true); cx.log('memory handoff finished'); return ret(undefined); } },
  ],
};

export const MEMORY_HANDOFF: Sec = {
  deck: 'seed 002 "FSR memory handoff" and seed 000 "SwapFile handoff in FSR": the memory handoff',
  slides: ['FSR memory handoff: World_SetPanicNoCore … VmMemMigrate_TransferMemory (seed 002)', 'FSR_ResumeDone: FSRTransferMemoryAndReservations (seed 000)', 'VmMemMigrate_TransferMemory (seed 000)', 'VmMemMigrate_TransferMemory: VmMemMigrateTransferMemory … VmMemMigrateAddPageToDest (seed 002)'],
  fns: [
    World_SetPanicNoCore, FSRTransferMemoryAndReservations, FSRTransferReservations, FSRCancelPrepareForMemoryTransfer, VmMemMigrate_TransferMemory, VmMemMigrateMemoryHandoffStarted,
    VmMemMigrateTransferMemory, VmMemMigrateTransferPageDir, VmMemMigrateRemovePageDirFromSource, PFrame_DirSet, VmMemMigrateAddPageDirToDest, VmMemMigrateInitPageDirsOnDest,
    VmMemMigrateAddPageToDest, VmMemZip_TransferMemZipInfo, VmMemMigrateMarkAllPagesUnmapped, VmMemMigrateMemoryHandoffFinished,
  ],
};
