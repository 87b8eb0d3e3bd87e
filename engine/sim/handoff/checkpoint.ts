// Seed 000, slides "Checkpoint functions", "RestorePhase" and "FSRTransferMiscState": the source
// checkpoints the VM, the destination restores from it, takes the misc state and marks every page
// remote. Also VmMem_InitPDirs (model), the destination's own PFrame directory, with its bulk form.

import { grown } from '../../grown';
import { BACKMAP_PGNUM_BITS } from '../../host';
import { INVALID_MPN64, hexNumber } from '../../pframe';
import { ALLOC_PDIR_PAGES, PAGE_2_DIRINDEX, PFrameMakePTE } from '../../world';
import type { FsrContext } from '../context';
import type { BulkClock } from '../program';
import { InitDirsTrace } from './traces';
import { type F, type Sec, close, entry, goto, num, ret, set } from './shared';

/** isCptBusy and isCptDone (bits 1 and 2 of the PFrame). */
const CPT_BUSY = 0x2;
const CPT_DONE = 0x4;

/** The pages of checkpoint chunk `chunk` that the checkpoint saves (model: the ones the VMX has mapped). */
export function cptChunkPages(cx: FsrContext, chunk: number): number[] {
  const n = cx.src.pframes.numMainMemPages;
  return cx.srcVmx.mappedPages.filter((pg) => Math.floor((pg * cx.cpt.numChunks) / n) === chunk);
}

/** Set and clear flag bits of the PFrames of `pages` in the source (journaled). */
function markCptPages(cx: FsrContext, pages: number[], setBits: number, clearBits: number): void {
  for (const pg of pages) {
    const pf = cx.readPFrame(cx.src, pg);
    if (pf) cx.writePFrame(cx.src, pg, ((pf.lo & ~clearBits) | setBits) >>> 0, pf.hi);
  }
}

const FSR_CheckpointStarted: F = {
  name: 'FSR_CheckpointStarted',
  sig: 'void FSR_CheckpointStarted(World *srcWorld, FSRInfo *fsr)',
  comment: 'The source starts the checkpoint.',
  body: [
    { text: 'VMX_StunVcpus(srcWorld);', model: 'the decks name the checkpoint functions only; the vCPUs stop before the VM is saved', exec: (cx) => { cx.set(cx.srcVmx, 'migrateState', 'CHECKPOINT'); cx.log('checkpoint started: source vCPUs stunned'); return undefined; } },
    { text: 'return;', model: true, exec: () => ret(undefined) },
  ],
};

const FSR_WriteCptData: F = {
  name: 'FSR_WriteCptData',
  sig: 'void FSR_WriteCptData(World *srcWorld, FSRInfo *fsr)',
  comment: 'Write the checkpoint chunk by chunk: device state, the pages it saves, then the monitor\'s\nstate with its translation cache. Each chunk covers a slice of the VM\'s pages.',
  body: [
    { text: 'for (chunk = 0; chunk < cpt->numChunks; chunk++) {', label: 'loop', model: true, exec: (cx, f) => { if (f.locals.chunk === undefined) set(f, 'chunk', 0); return num(f, 'chunk') < cx.cpt.numChunks ? undefined : goto('done'); } },
    {
      text: 'FOR_EACH_CPT_PAGE(chunk, pframe) pframe->isCptBusy = 1;',
      indent: 1,
      model: 'the PFrame declares isCptBusy; the pages it marks are the ones the checkpoint saves, here those the VMX has mapped',
      exec: (cx, f) => {
        markCptPages(cx, cptChunkPages(cx, num(f, 'chunk')), CPT_BUSY, 0);
        return undefined;
      },
    },
    {
      text: 'Cpt_WriteChunk(cpt, chunk, srcWorld);',
      indent: 1,
      model: 'the last chunk holds the monitor, its cached translations too',
      exec: (cx, f) => {
        const c = num(f, 'chunk');
        if (c === cx.cpt.numChunks - 1) cx.set(cx.cpt, 'shadow', [...cx.srcVmx.shadow.entries()]);
        cx.set(cx.cpt, 'written', c + 1);
        return undefined;
      },
    },
    {
      text: 'FOR_EACH_CPT_PAGE(chunk, pframe) { pframe->isCptBusy = 0; pframe->isCptDone = 1; }',
      indent: 1,
      model: 'the PFrame declares isCptDone: the page is in the checkpoint',
      exec: (cx, f) => {
        const c = num(f, 'chunk');
        markCptPages(cx, cptChunkPages(cx, c), CPT_DONE, CPT_BUSY);
        set(f, 'chunk', c + 1);
        return goto('loop');
      },
    },
    close(),
    { text: 'return;', label: 'done', model: true, exec: (cx) => { cx.log(`checkpoint written: ${cx.cpt.numChunks} chunks, ${cx.srcVmx.mappedPages.length} pages`); return ret(undefined); } },
  ],
};

const FSR_CheckpointFinished: F = {
  name: 'FSR_CheckpointFinished',
  sig: 'void FSR_CheckpointFinished(World *srcWorld, FSRInfo *fsr)',
  comment: 'The checkpoint is complete; the source goes to MIGRATE PAGEIN.',
  body: [
    { text: 'cpt->finished = TRUE;', model: 'what tells the destination that the restore can begin', exec: (cx) => { cx.set(cx.cpt, 'finished', true); return undefined; } },
    { text: 'srcWorld->migrateState = MIGRATE_PAGEIN;', seed: 'source: MIGRATE PAGEIN', exec: (cx) => { cx.set(cx.srcVmx, 'migrateState', 'MIGRATE_PAGEIN'); cx.log('checkpoint finished; source: MIGRATE PAGEIN'); return undefined; } },
    { text: 'return;', model: true, exec: () => ret(undefined) },
  ],
};

const FSR_ReadCptData: F = {
  name: 'FSR_ReadCptData',
  sig: 'void FSR_ReadCptData(World *dstWorld, FSRInfo *fsr)',
  comment: 'The destination, in MIGRATE CPTLOAD, reads the checkpoint chunk by chunk.',
  body: [
    { text: 'for (chunk = 0; chunk < cpt->numChunks; chunk++) {', label: 'loop', model: true, exec: (cx, f) => { if (f.locals.chunk === undefined) set(f, 'chunk', 0); return num(f, 'chunk') < cx.cpt.numChunks ? undefined : goto('done'); } },
    {
      text: 'Cpt_ReadChunk(cpt, chunk, dstWorld);',
      indent: 1,
      model: 'the last chunk restores the monitor, its cached translations too',
      exec: (cx, f) => {
        const c = num(f, 'chunk');
        if (c === cx.cpt.numChunks - 1) for (const [pg, mpn] of cx.cpt.shadow ?? []) cx.shadowSet(cx.dstVmx, pg, mpn);
        cx.set(cx.cpt, 'read', c + 1);
        set(f, 'chunk', c + 1);
        return goto('loop');
      },
    },
    close(),
    { text: 'return;', label: 'done', model: true, exec: (cx) => { cx.log(`checkpoint read: ${cx.cpt.read} chunks, ${cx.dstVmx.shadow.size} cached translations restored`); return ret(undefined); } },
  ],
};

const FSR_CheckProgress: F = {
  name: 'FSR_CheckProgress',
  sig: 'void FSR_CheckProgress(World *dstWorld, FSRInfo *fsr)',
  comment: 'The destination checks the restore\'s progress before it takes the misc state.',
  body: [
    { text: 'while (cpt->read < cpt->numChunks) CpuSched_Wait(&cpt->read);', model: 'the deck names FSR_CheckProgress on the destination, not what it checks: here, that every chunk was read', wait: (cx) => (cx.cpt.read >= cx.cpt.numChunks ? null : `waiting for the restore to read chunk ${cx.cpt.read}`) },
    { text: 'return;', model: true, exec: (cx) => { cx.log(`restore progress: checkpoint complete (${cx.cpt.read}/${cx.cpt.numChunks} chunks)`); return ret(undefined); } },
  ],
};

const FSRTransferMiscState: F = {
  name: 'FSRTransferMiscState',
  sig: 'void FSRTransferMiscState(World *srcWorld, World *dstWorld, FSRInfo *fsr)',
  comment: 'DVS state, filters and load history; every page remote; the source\'s lpool shared.',
  body: [
    { text: 'dstWorld->DVSState = srcWorld->DVSState;', seed: 'transfer DVSState, DVSFilter, loadHistory', exec: (cx) => { cx.set(cx.dstVmx, 'DVSState', cx.srcVmx.DVSState); return undefined; } },
    { text: 'dstWorld->DVSFilter = srcWorld->DVSFilter;', seed: 'transfer DVSState, DVSFilter, loadHistory', exec: (cx) => { cx.set(cx.dstVmx, 'DVSFilter', cx.srcVmx.DVSFilter); return undefined; } },
    { text: 'dstWorld->loadHistory = srcWorld->loadHistory;', seed: 'transfer DVSState, DVSFilter, loadHistory', exec: (cx) => { cx.set(cx.dstVmx, 'loadHistory', cx.srcVmx.loadHistory); return undefined; } },
    { text: 'dstPFrames->defaultPageTypeIsRemote = TRUE;  // every page is at the source until the handoff', seed: 'Mark all pages as remote', exec: (cx) => { cx.set(cx.dst.pframes, 'defaultPageTypeIsRemote', true); return undefined; } },
    {
      text: 'dstPFrames->defaultPageTypeIsRemoteMaxPgNum = Alloc_NumMainMemPages(dstWorld);',
      model: 'PFrame_Info declares the bound, not its value: pages from it on read as NONE, not REMOTE',
      exec: (cx) => { cx.set(cx.dst.pframes, 'defaultPageTypeIsRemoteMaxPgNum', cx.dst.pframes.numMainMemPages); return undefined; },
    },
    {
      text: 'dstInfo->lpool = srcInfo->lpool;  // share the source\'s large page pool',
      seed: 'copy src lpool pointers to dest and share them',
      exec: (cx) => {
        const lp = cx.src.alloc.lpool;
        if (lp) {
          cx.set(cx.dst.alloc, 'lpool', lp);
          cx.rt.journal.push(lp.sharedWith, cx.dst.worldID);
        }
        cx.log('misc state transferred: DVSState, DVSFilter, loadHistory; pages remote; lpool shared');
        return undefined;
      },
    },
    { text: 'return;', model: true, exec: () => ret(undefined) },
  ],
};

const VmMem_InitPDirs: F = {
  name: 'VmMem_InitPDirs',
  model: 'CPTLOAD gives the destination a PFrame directory of its own, which the handoff then redirects',
  sig: 'void VmMem_InitPDirs(World *dstWorld)',
  comment: 'The destination\'s own PFrame directory; its pages read as the default type until written.',
  body: [
    {
      text: 'for (pgNum = 0; pgNum < Alloc_NumMainMemPages(dstWorld); pgNum += ALLOC_PDIR_PAGES) {',
      label: 'loop',
      exec: (cx, f) => (num(f, 'pgNum') < cx.dst.pframes.numMainMemPages ? undefined : goto('done')),
      bulk: {
        until: 'done',
        run: (cx, f, clock) => {
          const next = allocDestDirsFast(cx, PAGE_2_DIRINDEX(num(f, 'pgNum')), clock);
          set(f, 'pgNum', Math.min(cx.dst.pframes.numMainMemPages, next * ALLOC_PDIR_PAGES));
          return next >= cx.dst.numDirs;
        },
      },
    },
    {
      text: 'PFrame_DirAlloc(dstWorld, pgNum);',
      indent: 1,
      model: 'an MPN owned by the pdir, no bytes until written',
      exec: (cx, f) => {
        const pg = num(f, 'pgNum');
        if (cx.dst.dirMPN(PAGE_2_DIRINDEX(pg)) !== INVALID_MPN64) {
          // already there: nothing to allocate
        } else if (cx.opts.faults.missingDestPdir === PAGE_2_DIRINDEX(pg)) cx.log(`PFrame_DirAlloc for dir ${hexNumber(PAGE_2_DIRINDEX(pg))} failed (injected fault): the destination has no pdir there`);
        else allocDestDir(cx, pg);
        set(f, 'pgNum', pg + ALLOC_PDIR_PAGES);
        return goto('loop');
      },
    },
    close(),
    { text: 'return;', label: 'done', exec: (cx) => { cx.log(`destination PFrame directory: ${cx.dst.pframes.numPDirEntries} pdirs`); return ret(undefined); } },
  ],
};

/** PFrame_DirAlloc: one destination pdir, fine path. */
function allocDestDir(cx: FsrContext, pgNum: number): void {
  const mpn = cx.allocMPN();
  cx.backmapSetRaw(mpn, entry(cx.dst.owners.pdir, PAGE_2_DIRINDEX(pgNum)));
  const host = cx.host;
  if (host.isMaterialized(mpn)) {
    // A reused page: forget its bytes so it reads as a fresh pdir (the owner's fill).
    const bytes = host.read(mpn);
    host.dematerialize(mpn);
    cx.rt.journal.record(() => {
      host.mapForOverwrite(mpn).u8.set(bytes);
    });
  }
  cx.dirSet(cx.dst, pgNum, mpn);
}

/** Fine steps of one iteration of VmMem_InitPDirs' loop: the loop head and PFrame_DirAlloc. */
const INIT_DIR_STEPS = 2;

/**
 * VmMem_InitPDirs' loop from directory `from` on, as many directories as the clock's budget allows,
 * in one step with one undo record: the fine path, faster. Returns the first directory not done.
 */
function allocDestDirsFast(cx: FsrContext, from: number, clock: BulkClock): number {
  const { host, dst } = cx;
  const pf = dst.pframes;
  const bm = cx.bm ?? (cx.bm = host.cursor());
  const ownerBase = (dst.owners.pdir.slot << BACKMAP_PGNUM_BITS) >>> 0;
  const skip = cx.opts.faults.missingDestPdir;
  // The directories allocated (the undo keeps them for the run), grown by doubling.
  let dirs = new Int32Array(64);
  let mpns = new Float64Array(64);
  let fromFree = new Uint8Array(64);
  let k = 0;
  const oldBytes = new Map<number, Uint8Array>();
  const start = cx.rt.now;
  const last = Math.min(dst.numDirs, from + Math.floor(clock.budget / INIT_DIR_STEPS));
  let d = from;
  for (; d < last; d++) {
    clock.advance(INIT_DIR_STEPS);
    if (pf.pdirInfo[d] !== 0) continue;
    if (d === skip) {
      // At PFrame_DirAlloc's own step, as the fine path logs it.
      cx.log(`PFrame_DirAlloc for dir ${hexNumber(d)} failed (injected fault): the destination has no pdir there`);
      continue;
    }
    if (k === dirs.length) {
      dirs = grown(dirs);
      mpns = grown(mpns);
      fromFree = grown(fromFree);
    }
    const depth = host.freeStackDepth;
    const mpn = host.allocMPN();
    fromFree[k] = host.freeStackDepth < depth ? 1 : 0;
    if (host.isMaterialized(mpn)) {
      // A reused page: forget its bytes so it reads as a fresh pdir (the owner's fill).
      oldBytes.set(mpn, host.read(mpn));
      host.dematerialize(mpn);
    }
    bm.set(mpn, ownerBase + d);
    pf.pdirInfo[d] = PFrameMakePTE(mpn);
    dirs[k] = d;
    mpns[k] = mpn;
    k++;
  }
  host.adjustOwnerCount(dst.owners.pdir.slot, k);
  pf.numPDirEntries += k;
  // Each directory's page and entry at its PFrame_DirAlloc step, for history queries.
  if (k > 0) cx.rt.traceBulk(new InitDirsTrace(cx, start, from, dirs, mpns, k, { fn: VmMem_InitPDirs.name, line: VmMem_InitPDirs.body[1]!.line! }));
  cx.rt.journal.record(() => {
    for (let j = k - 1; j >= 0; j--) {
      const mpn = mpns[j]!;
      pf.pdirInfo[dirs[j]!] = 0;
      bm.set(mpn, 0);
      host.unallocMPN(mpn, fromFree[j] === 1);
      const bytes = oldBytes.get(mpn);
      if (bytes) host.mapForOverwrite(mpn).u8.set(bytes);
    }
    host.adjustOwnerCount(dst.owners.pdir.slot, -k);
    pf.numPDirEntries -= k;
  });
  return d;
}

export const CHECKPOINT_AND_RESTORE: Sec = {
  deck: 'seed 000 "SwapFile handoff in FSR": checkpoint and restore',
  slides: ['Checkpoint functions', 'RestorePhase', 'FSRTransferMiscState'],
  fns: [FSR_CheckpointStarted, FSR_WriteCptData, FSR_CheckpointFinished, FSR_ReadCptData, VmMem_InitPDirs, FSR_CheckProgress, FSRTransferMiscState],
};

