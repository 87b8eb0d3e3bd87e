// The FSR same-host handoff as a program: every function the seeds name is a frame here, in the
// seeds' order, with a line of pseudo-C per statement. Statements change state only through the
// context's journaled helpers. The per-page loops have bulk forms that reach the same state in
// one step when nothing could stop inside them.

import { Packed, type BackMapRange } from '../backmap';
import { grown } from '../grown';
import { BACKMAP_PGNUM_BITS, type BackmapCursor, type Owner } from '../host';
import type { DirScanner } from '../dirscan';
import { INVALID_MPN64, PageType, TypeCode, mpnHex, pageTypeName, pfIndex, pfMakeHi, pfType, pfWithTypeIndex } from '../pframe';
import { ALLOC_PDIR_PAGES, PAGE_2_DIRINDEX, PAGE_2_PAGEINDEX, PFrameMakePTE, type World } from '../world';
import { makeMainMemBPN, BPN_IsMainMem as isMainMemBPN, BPN_MAINMEM_REGION } from '../busmem';
import type { Value } from './expr';
import type { FsrContext } from './context';
import type { FnDef, Frame, Locals, Outcome, Stmt } from './program';

type S = Stmt<FsrContext>;
type F = FnDef<FsrContext>;

const TWO_32 = 4294967296;
/** Hoisted: the hot loops compare against a local constant, not an imported binding. */
const REGULAR = PageType.REGULAR;
const PGNUM_MASK = 2 ** BACKMAP_PGNUM_BITS - 1;
/** Slots per extent that the swap copy moves at once. */
export const SVM_MAX_EXTENT = 256;

// ---- small helpers ------------------------------------------------------------------------------

const num = (f: Frame, k: string): number => f.locals[k] as number;
const world = (cx: FsrContext, f: Frame, k: string): World => cx.machine.world(num(f, k));
const call = (fn: string, args: Locals, into?: string, stay?: boolean): Outcome => ({ call: fn, args, into, stay });
const ret = (v: Value, fail?: string): Outcome => (fail ? { ret: v, fail } : { ret: v });
const goto = (label: string): Outcome => ({ goto: label });
const set = (f: Frame, k: string, v: Value): void => {
  f.locals[k] = v;
};
function entry(owner: Owner, pgNum: number): number {
  return ((owner.slot << BACKMAP_PGNUM_BITS) | pgNum) >>> 0;
}
/** A closing brace that loops back to `label` (silent: part of the step before it). */
const back = (label: string, indent = 0): S => ({ text: '}', indent, silent: true, exec: () => goto(label) });
const close = (indent = 0): S => ({ text: '}', indent, silent: true });
/** A call statement whose value (if any) lands in local `into`. */
function callStmt(text: string, fn: string, args: (cx: FsrContext, f: Frame) => Locals, into?: string, more: Partial<S> = {}): S {
  return { text, calls: [fn], exec: (cx, f) => call(fn, args(cx, f), into), ...more };
}

// ---- fast per-directory work for the bulk paths ---------------------------------------------------

/**
 * The whole redirect of directories `from`.. (VmMemMigrateTransferPageDir with everything under
 * it), each fused into one pass over its 512 PFrames that checks every BackMap entry before it
 * rewrites it. Stops before the first directory that is not as the fine path expects (it leaves
 * that one untouched, so the fine path runs it and reports what is wrong). Returns the first
 * directory not done. One undo record covers the whole batch.
 */
function transferDirsFast(cx: FsrContext, from: number, to: number): number {
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
  let k = 0;
  let moved = 0;
  const at = noBlock();
  let d = from;
  for (; d < to; d++) {
    const srcMPN = src.dirMPN(d);
    const dstMPN = dst.dirMPN(d);
    if (srcMPN === INVALID_MPN64 || dstMPN === INVALID_MPN64) break;
    if (bm.get(dstMPN) !== dstPdir + d || bm.get(srcMPN) !== srcPdir + d) break;
    const words = host.peekWords(srcMPN) ?? host.map(srcMPN).u32;
    const first = d * ALLOC_PDIR_PAGES;
    const count = Math.min(ALLOC_PDIR_PAGES, numPages - first);
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
    }
    doneSrc[k] = srcMPN;
    doneDst[k] = dstMPN;
    k++;
  }
  if (k === 0) return d;
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

/** BackMap_Unset + free stats for the REGULAR pages of one source directory from `index` on. */
function removeDirPagesFast(cx: FsrContext, srcWorld: World, pgNum: number, index: number): number {
  const host = cx.host;
  const words = host.map(srcWorld.dirMPN(PAGE_2_DIRINDEX(pgNum))).u32;
  const count = Math.min(ALLOC_PDIR_PAGES, srcWorld.pframes.numMainMemPages - pgNum);
  const slot = srcWorld.owners.mainmem.slot;
  const mpns: number[] = [];
  const entries: number[] = [];
  let i = index;
  for (; i < count; i++) {
    const lo = words[2 * i]!;
    if (((lo >>> 4) & 0xf) !== REGULAR) continue;
    const mpn = pfIndex(lo, words[2 * i + 1]!);
    const e = ((slot << BACKMAP_PGNUM_BITS) | (pgNum + i)) >>> 0;
    if (host.backmapEntry(mpn) !== e) break;
    host.backmapSetRaw(mpn, 0);
    mpns.push(mpn);
    entries.push(e);
  }
  const n = mpns.length;
  srcWorld.stats.allocated -= n;
  srcWorld.stats.frees += n;
  cx.rt.journal.record(() => {
    srcWorld.stats.allocated += n;
    srcWorld.stats.frees -= n;
    for (let k = 0; k < n; k++) host.backmapSetRaw(mpns[k]!, entries[k]!);
  });
  return i;
}

/** VmMemMigrateAddPageToDest for the pages of one directory from `index` on. */
function addDirPagesFast(cx: FsrContext, dstWorld: World, pgNum: number, dirMPN: number, index: number): number {
  const host = cx.host;
  const words = host.map(dirMPN).u32;
  const count = Math.min(ALLOC_PDIR_PAGES, dstWorld.pframes.numMainMemPages - pgNum);
  const slot = dstWorld.owners.mainmem.slot;
  const done: number[] = [];
  let i = index;
  for (; i < count; i++) {
    const lo = words[2 * i]!;
    if (((lo >>> 4) & 0xf) !== REGULAR) continue;
    const mpn = pfIndex(lo, words[2 * i + 1]!);
    if (host.backmapEntry(mpn) !== 0) break;
    host.backmapSetRaw(mpn, ((slot << BACKMAP_PGNUM_BITS) | (pgNum + i)) >>> 0);
    done.push(mpn);
  }
  const n = done.length;
  dstWorld.stats.allocated += n;
  dstWorld.stats.allocs += n;
  cx.rt.journal.record(() => {
    dstWorld.stats.allocated -= n;
    dstWorld.stats.allocs -= n;
    for (const mpn of done) host.backmapSetRaw(mpn, 0);
  });
  return i;
}

// ---- the program ----------------------------------------------------------------------------------

function resumeIs(cx: FsrContext, ...states: string[]): boolean {
  return states.includes(cx.fsr.resumeState);
}

const FNS: F[] = [
  // ---------------------------------------------------------------- the two VMX worlds
  {
    name: 'FSRSourceVMX',
    model: true,
    sig: 'void FSRSourceVMX(World *srcWorld, FSRInfo *fsr)',
    comment: 'The source VMX: runs the guest, checkpoints it, then waits to learn who resumes.',
    body: [
      callStmt('VMX_RunGuest(srcWorld);  // the guest touches pages; the monitor caches translations', 'VMX_RunGuest', (_cx, f) => ({ world: f.locals.srcWorld })),
      callStmt('FSR_CheckpointStarted(srcWorld, fsr);', 'FSR_CheckpointStarted', (_cx, f) => ({ srcWorld: f.locals.srcWorld })),
      callStmt('FSR_WriteCptData(srcWorld, fsr);', 'FSR_WriteCptData', (_cx, f) => ({ srcWorld: f.locals.srcWorld })),
      callStmt('FSR_CheckpointFinished(srcWorld, fsr);', 'FSR_CheckpointFinished', (_cx, f) => ({ srcWorld: f.locals.srcWorld })),
      {
        text: 'while (!FSRVictorDecided(fsr)) {',
        label: 'wait',
        wait: (cx) => (cx.decided || (cx.opts.faults.sourceTimeout && cx.cpt.finished && resumeIs(cx, 'FSR_RESUME_NONE', 'FSR_RESUME_DESTVERIFY') && !cx.srcVmx.panicNoCore && !cx.srcTimedOut) ? null : 'waiting for the resume victor (fsr->resumeState)'),
        exec: (cx) => (cx.decided ? goto('decided') : undefined),
      },
      { text: 'if (FSRSourceTimedOut(fsr))  // no word from the destination in time', indent: 1, exec: (cx) => (cx.opts.faults.sourceTimeout ? undefined : goto('wait')) },
      {
        text: 'Atomic_CompareExchange(&fsr->resumeState, FSR_RESUME_NONE, FSR_RESUME_SOURCE);',
        indent: 2,
        phase: 'resume victor',
        exec: (cx) => {
          cx.set(cx, 'srcTimedOut', true);
          if (cx.fsr.resumeState === 'FSR_RESUME_NONE') {
            cx.set(cx.fsr, 'resumeState', 'FSR_RESUME_SOURCE');
            cx.log('source timed out waiting: resumeState NONE -> SOURCE, the source is the victor');
          } else {
            cx.log(`source timed out, but resumeState is already ${cx.fsr.resumeState}: the destination won the race`);
          }
          return goto('wait');
        },
      },
      back('wait'),
      { text: 'if (fsr->resumeState == FSR_RESUME_SOURCE) {', label: 'decided', exec: (cx) => (resumeIs(cx, 'FSR_RESUME_SOURCE') ? undefined : goto('exit')) },
      callStmt('FSRSourceResume(srcWorld, fsr);', 'FSRSourceResume', (_cx, f) => ({ srcWorld: f.locals.srcWorld }), undefined, { indent: 1 }),
      { text: 'return;', indent: 1, exec: () => ({ exit: 'resumed: the source runs the VM' }) },
      close(),
      {
        text: 'World_Exit(srcWorld);  // its memory now belongs to the destination',
        label: 'exit',
        exec: (cx) => {
          const vmx = cx.srcVmx;
          if (vmx.migrateState !== 'PANIC') cx.set(vmx, 'migrateState', 'EXITED');
          cx.log(vmx.migrateState === 'PANIC' ? 'source world panicked (no core)' : 'source world exits; the destination owns its memory');
          return { exit: vmx.migrateState === 'PANIC' ? 'panicked' : 'exited after the handoff' };
        },
      },
    ],
  },
  {
    name: 'FSRDestVMX',
    model: true,
    sig: 'void FSRDestVMX(World *dstWorld, World *srcWorld, FSRInfo *fsr)',
    comment: 'The destination VMX and its monitor: restore from the checkpoint, then the final handshake.',
    body: [
      { text: 'dstWorld->migrateState = MIGRATE_CPTLOAD;', exec: (cx) => { cx.set(cx.dstVmx, 'migrateState', 'MIGRATE_CPTLOAD'); cx.log('destination: MIGRATE CPTLOAD'); return undefined; } },
      callStmt('FSRStartSwapCopy(dstWorld, fsr);  // unshared swap: a helper copies the file', 'FSRStartSwapCopy', (_cx, f) => ({ dstWorld: f.locals.dstWorld })),
      callStmt('FSR_ReadCptData(dstWorld, fsr);', 'FSR_ReadCptData', (_cx, f) => ({ dstWorld: f.locals.dstWorld })),
      callStmt('VmMem_InitPDirs(dstWorld);', 'VmMem_InitPDirs', (_cx, f) => ({ dstWorld: f.locals.dstWorld, pgNum: 0 })),
      callStmt('FSR_CheckProgress(dstWorld, fsr);', 'FSR_CheckProgress', (_cx, f) => ({ dstWorld: f.locals.dstWorld })),
      callStmt('FSRTransferMiscState(srcWorld, dstWorld, fsr);', 'FSRTransferMiscState', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld })),
      {
        text: 'if (!Atomic_CompareExchange(&fsr->resumeState, FSR_RESUME_NONE, FSR_RESUME_DESTVERIFY)) {',
        phase: 'resume victor',
        exec: (cx) => {
          if (cx.fsr.resumeState === 'FSR_RESUME_NONE') {
            cx.set(cx.fsr, 'resumeState', 'FSR_RESUME_DESTVERIFY');
            cx.log('resumeState NONE -> DESTVERIFY: the destination goes on to verify and resume');
            return goto('pagein');
          }
          cx.log(`destination lost the resume race: resumeState is ${cx.fsr.resumeState}`);
          return undefined;
        },
      },
      callStmt('FSRDestAbort(dstWorld, fsr);  // the source is the victor', 'FSRDestAbort', (_cx, f) => ({ dstWorld: f.locals.dstWorld, pgNum: 0 }), undefined, { indent: 1 }),
      { text: 'return;', indent: 1, exec: () => ({ exit: 'lost the resume race' }) },
      close(),
      { text: 'dstWorld->migrateState = MIGRATE_PAGEIN;', label: 'pagein', exec: (cx) => { cx.set(cx.dstVmx, 'migrateState', 'MIGRATE_PAGEIN'); cx.log('destination: MIGRATE PAGEIN'); return undefined; } },
      callStmt('status = FSR_ResumeDone(fsr, srcWorld, dstWorld);  // the monitor, at the tail of RESTORE_SYNC', 'FSR_ResumeDone', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), 'status'),
      { text: 'if (status != VMK_OK) {', exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? goto('resume') : undefined) },
      { text: 'if (!srcWorld->panicNoCore)', indent: 1, exec: (cx) => (cx.srcVmx.panicNoCore ? goto('lost') : undefined) },
      callStmt('FSRDestAbort(dstWorld, fsr);  // the source resumes', 'FSRDestAbort', (_cx, f) => ({ dstWorld: f.locals.dstWorld, pgNum: 0 }), undefined, { indent: 2 }),
      { text: 'return;', indent: 1, label: 'lost', exec: (cx) => ({ exit: cx.srcVmx.panicNoCore ? 'the VM was lost after the point of no return' : 'aborted: the source resumes' }) },
      close(),
      {
        text: 'VMX_Resume(dstWorld);',
        label: 'resume',
        exec: (cx) => {
          cx.set(cx.dstVmx, 'migrateState', 'RUNNING');
          cx.log('destination resumes the VM');
          return undefined;
        },
      },
      callStmt('VMX_RunGuest(dstWorld);', 'VMX_RunGuest', (_cx, f) => ({ world: f.locals.dstWorld })),
      { text: 'return;', exec: () => ({ exit: 'the destination runs the VM' }) },
    ],
  },
  {
    name: 'VMX_RunGuest',
    model: true,
    sig: 'void VMX_RunGuest(World *world)',
    comment: 'The guest touches a few pages; each access translates its BPN and caches the MPN in the monitor.',
    body: [
      { text: 'for (i = 0; i < numTouched; i++) {', label: 'loop', exec: (cx, f) => { if (f.locals.i === undefined) set(f, 'i', 0); return num(f, 'i') < cx.opts.touchedPages.length ? undefined : goto('done'); } },
      { text: 'bpn = BPN_MAINMEM(touched[i]);', indent: 1, exec: (cx, f) => { set(f, 'bpn', makeMainMemBPN(cx.opts.touchedPages[num(f, 'i')]!)); return undefined; } },
      callStmt('mpn = BusMem_TranslateBPN(world, bpn);', 'BusMem_TranslateBPN', (_cx, f) => ({ world: f.locals.world, bpn: f.locals.bpn }), 'mpn', { indent: 1 }),
      {
        text: 'if (mpn != INVALID_MPN64) monitor->shadow[bpn] = mpn;  // cache the translation',
        indent: 1,
        exec: (cx, f) => {
          const w = world(cx, f, 'world');
          const pg = num(f, 'bpn') % TWO_32;
          if (num(f, 'mpn') !== INVALID_MPN64) cx.shadowSet(cx.vmxOf(w), pg, num(f, 'mpn'));
          set(f, 'i', num(f, 'i') + 1);
          return goto('loop');
        },
      },
      close(),
      { text: 'return;', label: 'done', exec: () => ret(undefined) },
    ],
  },

  // ---------------------------------------------------------------- the BPN → MPN walk (seed 002)
  {
    name: 'BusMem_TranslateBPN',
    sig: 'MPN BusMem_TranslateBPN(World *world, BPN bpn)',
    comment: 'The monitor asks the kernel for BPN → MPN.',
    body: [
      callStmt('return BusMem_GetMPN(world, bpn);', 'BusMem_GetMPN', (_cx, f) => ({ world: f.locals.world, bpn: f.locals.bpn }), 'mpn'),
      { text: 'return mpn;', silent: true, exec: (_cx, f) => ret(f.locals.mpn) },
    ],
  },
  {
    name: 'BusMem_GetMPN',
    sig: 'MPN BusMem_GetMPN(World *world, BPN bpn)',
    comment: 'Platform-independent entry.',
    body: [
      callStmt('return Platform_BPN2MPN(world, bpn);', 'Platform_BPN2MPN', (_cx, f) => ({ world: f.locals.world, bpn: f.locals.bpn }), 'mpn'),
      { text: 'return mpn;', silent: true, exec: (_cx, f) => ret(f.locals.mpn) },
    ],
  },
  {
    name: 'Platform_BPN2MPN',
    sig: 'MPN Platform_BPN2MPN(World *world, BPN bpn)  // hosted or vmkernel',
    comment: 'Main memory goes through the PFrames; other regions are not modelled.',
    body: [
      { text: 'if (BPN_IsMainMem(bpn)) {', calls: ['BPN_IsMainMem'], exec: (_cx, f) => (f.locals.isMain === undefined ? call('BPN_IsMainMem', { bpn: f.locals.bpn }, 'isMain', true) : f.locals.isMain ? undefined : goto('other')) },
      callStmt('VMKCall_GetPFrameMPN(world, bpn, &mpn);', 'VMKCall_GetPFrameMPN', (_cx, f) => ({ world: f.locals.world, bpn: f.locals.bpn }), 'mpn', { indent: 1 }),
      { text: 'return mpn;', indent: 1, exec: (_cx, f) => ret(f.locals.mpn) },
      close(),
      { text: 'return INVALID_MPN64;  // not main memory', label: 'other', exec: () => ret(INVALID_MPN64) },
    ],
  },
  {
    name: 'BPN_IsMainMem',
    sig: 'Bool BPN_IsMainMem(BPN bpn)',
    comment: `Region ${BPN_MAINMEM_REGION} of the bus address space is guest main memory (model).`,
    body: [{ text: `return BPN_REGION(bpn) == BPN_REGION_MAINMEM;`, exec: (_cx, f) => ret(isMainMemBPN(num(f, 'bpn'))) }],
  },
  {
    name: 'VMKCall_GetPFrameMPN',
    sig: 'VMK_ReturnStatus VMKCall_GetPFrameMPN(World *world, BPN bpn, MPN *mpn)',
    comment: 'The monitor-to-vmkernel call.',
    body: [
      callStmt('return VmMemPf_GetPFrameMPN(world, bpn, mpn);', 'VmMemPf_GetPFrameMPN', (_cx, f) => ({ world: f.locals.world, bpn: f.locals.bpn }), 'mpn'),
      { text: 'return mpn;', silent: true, exec: (_cx, f) => ret(f.locals.mpn) },
    ],
  },
  {
    name: 'VmMemPf_GetPFrameMPN',
    sig: 'VMK_ReturnStatus VmMemPf_GetPFrameMPN(World *world, BPN bpn, MPN *mpn)',
    comment: 'pageNum out of the BPN, the PFrame directory, the PFrame, the MPN out of the PFrame.',
    body: [
      callStmt('pgNum = Alloc_BPNToMainMemPage(world, bpn);', 'Alloc_BPNToMainMemPage', (_cx, f) => ({ world: f.locals.world, bpn: f.locals.bpn }), 'pgNum'),
      callStmt('PFrame_Lock(world, pgNum);  // any access is locked, per VM', 'PFrame_Lock', (_cx, f) => ({ world: f.locals.world, pgNum: f.locals.pgNum })),
      { text: 'status = PFrame_Get(world, pgNum, &pframe);', calls: ['PFrame_Get'], exec: (_cx, f) => ({ call: 'PFrame_Get', args: { world: f.locals.world, pgNum: f.locals.pgNum }, into: (l, v) => { const r = v as { status: string; pframe: Value }; l.status = r.status; l.pframe = r.pframe; } }) },
      { text: 'if (status == VMK_OK)', exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : goto('unlock')) },
      callStmt('*mpn = PFrame_GetMPN(pframe);', 'PFrame_GetMPN', (_cx, f) => ({ pframe: f.locals.pframe }), 'mpn', { indent: 1 }),
      callStmt('PFrame_Unlock(world, pgNum);', 'PFrame_Unlock', (_cx, f) => ({ world: f.locals.world, pgNum: f.locals.pgNum }), undefined, { label: 'unlock' }),
      { text: 'return status;', exec: (_cx, f) => ret(f.locals.status === 'VMK_OK' ? (f.locals.mpn as number) : INVALID_MPN64) },
    ],
  },
  {
    name: 'Alloc_BPNToMainMemPage',
    sig: 'PageNum Alloc_BPNToMainMemPage(World *world, BPN bpn)',
    comment: 'pgNum ← bpn & BPN_MAINMEM_PAGE_MASK',
    body: [{ text: 'return bpn & BPN_MAINMEM_PAGE_MASK;', exec: (_cx, f) => ret(num(f, 'bpn') % TWO_32) }],
  },
  {
    name: 'PFrame_Lock',
    sig: 'void PFrame_Lock(World *world, PageNum pgNum)',
    comment: 'Take the world\'s pdir lock; spins while another actor holds it.',
    body: [
      {
        text: 'SP_Lock(&Alloc_AllocInfo(world)->pframes.pdirLock);',
        wait: (cx, f) => {
          const lock = world(cx, f, 'world').pframes.pdirLock;
          return lock.holder !== null && lock.holder !== cx.rt.currentActorName ? `spinning on ${lock.name} (held by ${lock.holder})` : null;
        },
        exec: (cx, f) => {
          const lock = world(cx, f, 'world').pframes.pdirLock;
          cx.set(lock, 'holder', cx.rt.currentActorName);
          cx.set(lock, 'heldFor', num(f, 'pgNum'));
          cx.set(lock, 'acquisitions', lock.acquisitions + 1);
          return ret(undefined);
        },
      },
    ],
  },
  {
    name: 'PFrame_Unlock',
    sig: 'void PFrame_Unlock(World *world, PageNum pgNum)',
    comment: 'Release the world\'s pdir lock.',
    body: [
      {
        text: 'SP_Unlock(&Alloc_AllocInfo(world)->pframes.pdirLock);',
        exec: (cx, f) => {
          const lock = world(cx, f, 'world').pframes.pdirLock;
          cx.set(lock, 'holder', null);
          cx.set(lock, 'heldFor', null);
          return ret(undefined);
        },
      },
    ],
  },
  {
    name: 'PFrame_Get',
    sig: 'VMK_ReturnStatus PFrame_Get(World *world, PageNum pgNum, PFrame **pframe)',
    comment: 'Find the PFrame of pgNum: look up its directory, map the pdir page, index into it.',
    body: [
      { text: 'status = PFrame_Lookup(world, pgNum, &dirMPN, &pageIndex);', calls: ['PFrame_Lookup'], exec: (_cx, f) => ({ call: 'PFrame_Lookup', args: { world: f.locals.world, pgNum: f.locals.pgNum }, into: (l, v) => Object.assign(l, v as object) }) },
      { text: 'if (status != VMK_OK) return status;', exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : ret({ status: f.locals.status as string, pframe: null })) },
      { text: '*pframe = (PFrame *)Kseg_MapValidMPNFast(dirMPN) + pageIndex;  // dirMPN + DIRECT_MAP_VADDR', exec: (_cx, f) => { set(f, 'pframe', { dirMPN: f.locals.dirMPN, pageIndex: f.locals.pageIndex, pgNum: f.locals.pgNum, world: f.locals.world }); return undefined; } },
      { text: 'return VMK_OK;', exec: (_cx, f) => ret({ status: 'VMK_OK', pframe: f.locals.pframe }) },
    ],
  },
  {
    name: 'PFrame_Lookup',
    sig: 'VMK_ReturnStatus PFrame_Lookup(World *world, PageNum pgNum, MPN *dirMPN, uint32 *pageIndex)',
    comment: 'The first level of the two-level index pgNum → PFrame.',
    body: [
      { text: 'PFrame_Info *pframes = &Alloc_AllocInfo(world)->pframes;' },
      { text: '*pageIndex = PAGE_2_PAGEINDEX(pgNum);', exec: (_cx, f) => { set(f, 'pageIndex', PAGE_2_PAGEINDEX(num(f, 'pgNum'))); return undefined; } },
      { text: '*dirIndex = PAGE_2_DIRINDEX(pgNum);', exec: (_cx, f) => { set(f, 'dirIndex', PAGE_2_DIRINDEX(num(f, 'pgNum'))); return undefined; } },
      { text: '*dirMPN = PTE_2_MPN(pframes->pdirInfo[*dirIndex]);', exec: (cx, f) => { set(f, 'dirMPN', world(cx, f, 'world').dirMPN(num(f, 'dirIndex'))); return undefined; } },
      { text: 'return *dirMPN == INVALID_MPN64 ? VMK_NOT_FOUND : VMK_OK;', exec: (_cx, f) => ret({ status: f.locals.dirMPN === INVALID_MPN64 ? 'VMK_NOT_FOUND' : 'VMK_OK', dirMPN: f.locals.dirMPN, pageIndex: f.locals.pageIndex, dirIndex: f.locals.dirIndex }) },
    ],
  },
  {
    name: 'PFrame_GetMPN',
    sig: 'MPN PFrame_GetMPN(PFrame *f)',
    comment: 'mpn = MPN64_FROM_VAL(PFrame_GetIndex(f)), for COW, REGULAR and SWAP_OUT pages.',
    body: [
      {
        text: 'index = PFrame_GetIndex(f);  // indexHighBits << 32 | indexLowBits',
        exec: (cx, f) => {
          const p = f.locals.pframe as { world: number; pgNum: number };
          const w = cx.readPFrame(cx.machine.world(p.world), p.pgNum)!;
          set(f, 'type', pageTypeName(pfType(w.lo)));
          set(f, 'index', pfIndex(w.lo, w.hi));
          return undefined;
        },
      },
      { text: 'if (f->type == COW || f->type == REGULAR || f->type == SWAP_OUT)', exec: (_cx, f) => (['COW', 'REGULAR', 'SWAP_OUT'].includes(f.locals.type as string) ? undefined : goto('none')) },
      { text: 'return MPN64_FROM_VAL(index);', indent: 1, exec: (_cx, f) => ret(f.locals.index) },
      { text: 'return INVALID_MPN64;', label: 'none', exec: () => ret(INVALID_MPN64) },
    ],
  },

  // ---------------------------------------------------------------- checkpoint and restore (seed 000)
  {
    name: 'FSR_CheckpointStarted',
    sig: 'void FSR_CheckpointStarted(World *srcWorld, FSRInfo *fsr)',
    comment: 'The source suspends its vCPUs and starts the checkpoint.',
    body: [
      { text: 'VMX_StunVcpus(srcWorld);', exec: (cx) => { cx.set(cx.srcVmx, 'migrateState', 'CHECKPOINT'); cx.log('checkpoint started: source vCPUs stunned'); return undefined; } },
      { text: 'return;', exec: () => ret(undefined) },
    ],
  },
  {
    name: 'FSR_WriteCptData',
    sig: 'void FSR_WriteCptData(World *srcWorld, FSRInfo *fsr)',
    comment: 'Write the checkpoint: device state, then the monitor\'s state (with its translation cache).',
    body: [
      { text: 'for (chunk = 0; chunk < cpt->numChunks; chunk++) {', label: 'loop', exec: (cx, f) => { if (f.locals.chunk === undefined) set(f, 'chunk', 0); return num(f, 'chunk') < cx.cpt.numChunks ? undefined : goto('done'); } },
      {
        text: 'Cpt_WriteChunk(cpt, chunk, srcWorld);',
        indent: 1,
        exec: (cx, f) => {
          const c = num(f, 'chunk');
          if (c === cx.cpt.numChunks - 1) cx.set(cx.cpt, 'shadow', [...cx.srcVmx.shadow.entries()]);
          cx.set(cx.cpt, 'written', c + 1);
          set(f, 'chunk', c + 1);
          return goto('loop');
        },
      },
      close(),
      { text: 'return;', label: 'done', exec: (cx) => { cx.log(`checkpoint written: ${cx.cpt.numChunks} chunks`); return ret(undefined); } },
    ],
  },
  {
    name: 'FSR_CheckpointFinished',
    sig: 'void FSR_CheckpointFinished(World *srcWorld, FSRInfo *fsr)',
    comment: 'The checkpoint is complete; the source goes to MIGRATE PAGEIN.',
    body: [
      { text: 'cpt->finished = TRUE;', exec: (cx) => { cx.set(cx.cpt, 'finished', true); return undefined; } },
      { text: 'srcWorld->migrateState = MIGRATE_PAGEIN;', exec: (cx) => { cx.set(cx.srcVmx, 'migrateState', 'MIGRATE_PAGEIN'); cx.log('checkpoint finished; source: MIGRATE PAGEIN'); return ret(undefined); } },
    ],
  },
  {
    name: 'FSR_ReadCptData',
    sig: 'void FSR_ReadCptData(World *dstWorld, FSRInfo *fsr)',
    comment: 'The destination reads the checkpoint as the source writes it.',
    body: [
      { text: 'for (chunk = 0; chunk < cpt->numChunks; chunk++) {', label: 'loop', exec: (cx, f) => { if (f.locals.chunk === undefined) set(f, 'chunk', 0); return num(f, 'chunk') < cx.cpt.numChunks ? undefined : goto('done'); } },
      { text: 'Cpt_WaitForChunk(cpt, chunk);', indent: 1, wait: (cx, f) => (cx.cpt.written > num(f, 'chunk') ? null : `waiting for FSR_WriteCptData to write chunk ${num(f, 'chunk')}`) },
      {
        text: 'Cpt_ReadChunk(cpt, chunk, dstWorld);  // the last chunk restores the monitor, its translation cache too',
        indent: 1,
        exec: (cx, f) => {
          const c = num(f, 'chunk');
          if (c === cx.cpt.numChunks - 1) for (const [pg, mpn] of cx.cpt.shadow ?? []) cx.shadowSet(cx.dstVmx, pg, mpn);
          cx.set(cx.cpt, 'read', c + 1);
          set(f, 'chunk', c + 1);
          return goto('loop');
        },
      },
      close(),
      { text: 'return;', label: 'done', exec: (cx) => { cx.log(`checkpoint read: ${cx.cpt.read} chunks, ${cx.dstVmx.shadow.size} cached translations restored`); return ret(undefined); } },
    ],
  },
  {
    name: 'VmMem_InitPDirs',
    model: true,
    sig: 'void VmMem_InitPDirs(World *dstWorld)',
    comment: 'CPTLOAD gives the destination its own PFrame directory; its pages read as the default type.',
    body: [
      {
        text: 'for (pgNum = 0; pgNum < Alloc_NumMainMemPages(dstWorld); pgNum += ALLOC_PDIR_PAGES) {',
        label: 'loop',
        exec: (cx, f) => (num(f, 'pgNum') < cx.dst.pframes.numMainMemPages ? undefined : goto('done')),
        bulk: {
          until: 'done',
          run: (cx, f) => {
            allocDestDirsFast(cx, PAGE_2_DIRINDEX(num(f, 'pgNum')));
            set(f, 'pgNum', cx.dst.pframes.numMainMemPages);
            return true;
          },
        },
      },
      {
        text: 'PFrame_DirAlloc(dstWorld, pgNum);  // an MPN owned by the pdir, no bytes until written',
        indent: 1,
        exec: (cx, f) => {
          const pg = num(f, 'pgNum');
          if (cx.dst.dirMPN(PAGE_2_DIRINDEX(pg)) !== INVALID_MPN64) {
            // already there: nothing to allocate
          } else if (cx.opts.faults.missingDestPdir === PAGE_2_DIRINDEX(pg)) cx.log(`PFrame_DirAlloc for dir ${PAGE_2_DIRINDEX(pg)} failed (injected fault): the destination has no pdir there`);
          else allocDestDir(cx, pg);
          set(f, 'pgNum', pg + ALLOC_PDIR_PAGES);
          return goto('loop');
        },
      },
      close(),
      { text: 'return;', label: 'done', exec: (cx) => { cx.log(`destination PFrame directory: ${cx.dst.pframes.numPDirEntries} pdirs`); return ret(undefined); } },
    ],
  },
  {
    name: 'FSR_CheckProgress',
    sig: 'void FSR_CheckProgress(World *dstWorld, FSRInfo *fsr)',
    comment: 'The destination waits for the checkpoint to finish.',
    body: [
      { text: 'while (!cpt->finished) CpuSched_Wait(&cpt->finished);', wait: (cx) => (cx.cpt.finished ? null : 'waiting for FSR_CheckpointFinished on the source') },
      { text: 'return;', exec: (cx) => { cx.log(`restore progress: checkpoint complete (${cx.cpt.read}/${cx.cpt.numChunks} chunks)`); return ret(undefined); } },
    ],
  },
  {
    name: 'FSRTransferMiscState',
    sig: 'void FSRTransferMiscState(World *srcWorld, World *dstWorld, FSRInfo *fsr)',
    comment: 'DVS state, filters and load history; all pages remote; the source\'s lpool shared.',
    body: [
      { text: 'dstWorld->DVSState = srcWorld->DVSState;', exec: (cx) => { cx.set(cx.dstVmx, 'DVSState', cx.srcVmx.DVSState); return undefined; } },
      { text: 'dstWorld->DVSFilter = srcWorld->DVSFilter;', exec: (cx) => { cx.set(cx.dstVmx, 'DVSFilter', cx.srcVmx.DVSFilter); return undefined; } },
      { text: 'dstWorld->loadHistory = srcWorld->loadHistory;', exec: (cx) => { cx.set(cx.dstVmx, 'loadHistory', cx.srcVmx.loadHistory); return undefined; } },
      { text: 'dstPFrames->defaultPageTypeIsRemote = TRUE;  // every page is at the source until the handoff', exec: (cx) => { cx.set(cx.dst.pframes, 'defaultPageTypeIsRemote', true); return undefined; } },
      { text: 'dstPFrames->defaultPageTypeIsRemoteMaxPgNum = Alloc_NumMainMemPages(dstWorld);', exec: (cx) => { cx.set(cx.dst.pframes, 'defaultPageTypeIsRemoteMaxPgNum', cx.dst.pframes.numMainMemPages); return undefined; } },
      {
        text: 'dstInfo->lpool = srcInfo->lpool;  // share the source\'s large page pool',
        exec: (cx) => {
          const lp = cx.src.alloc.lpool;
          if (lp) {
            cx.set(cx.dst.alloc, 'lpool', lp);
            cx.rt.journal.push(lp.sharedWith, cx.dst.worldID);
          }
          cx.log('misc state transferred: DVSState, DVSFilter, loadHistory; pages remote; lpool shared');
          return ret(undefined);
        },
      },
    ],
  },
  {
    name: 'FSRStartSwapCopy',
    model: true,
    sig: 'void FSRStartSwapCopy(World *dstWorld, FSRInfo *fsr)',
    comment: 'With an unshared swap file the destination gets its own, copied by FSRSwapCopyHelper.',
    body: [
      { text: 'if (Swap_IsShared(srcSwapFile)) return;  // shared: close and open at switchover', exec: (cx) => (cx.opts.swapShared ? ret(undefined) : undefined) },
      { text: 'fsr->hasSwapCopy = TRUE;', exec: (cx) => { cx.set(cx.fsr, 'hasSwapCopy', true); return undefined; } },
      {
        text: 'fsr->swapCopyWorldID = World_Create(FSRSwapCopyHelper, fsr);',
        exec: (cx) => {
          const helper = cx.rt.actors.find((a) => a.name === 'FSRSwapCopyHelper');
          cx.set(cx.fsr, 'swapCopyWorldID', helper?.worldID ?? 0);
          cx.log(`unshared swap: FSRSwapCopyHelper world ${helper?.worldID} will copy ${cx.src.swap.swapFile.name}`);
          return ret(undefined);
        },
      },
    ],
  },

  // ---------------------------------------------------------------- FSR_ResumeDone and below
  {
    name: 'FSR_ResumeDone',
    sig: 'VMK_ReturnStatus FSR_ResumeDone(FSRInfo *fsr, World *srcWorld, World *dstWorld)',
    comment: 'Invoked by the monitor at the tail end of RESTORE_SYNC: final handshakes and cleanups.',
    body: [
      callStmt('status = FSRPrepareForMemoryTransfer(fsr, srcWorld, dstWorld);', 'FSRPrepareForMemoryTransfer', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), 'status'),
      { text: 'if (status != VMK_OK) goto cancel;', exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : goto('cancel')) },
      callStmt('status = FSRTransferSwapFile(fsr, srcWorld, dstWorld);', 'FSRTransferSwapFile', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), 'status'),
      { text: 'if (status != VMK_OK) goto cancel;', exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : goto('cancel')) },
      callStmt('World_SetPanicNoCore(srcWorld);  // point of no return', 'World_SetPanicNoCore', (_cx, f) => ({ world: f.locals.srcWorld }), undefined, { phase: 'point of no return' }),
      {
        text: 'Atomic_Write(&fsr->resumeState, FSR_RESUME_DEST);  // the destination is the victor',
        phase: 'resume victor',
        exec: (cx) => {
          cx.set(cx.fsr, 'resumeState', 'FSR_RESUME_DEST');
          cx.log('resumeState -> DEST: the destination resumes');
          return undefined;
        },
      },
      callStmt('status = FSRTransferMemoryAndReservations(fsr, srcWorld, dstWorld);', 'FSRTransferMemoryAndReservations', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), 'status'),
      { text: 'return status;', exec: (_cx, f) => ret(f.locals.status) },
      callStmt('FSRCancelPrepareForMemoryTransfer(fsr, srcWorld, dstWorld);', 'FSRCancelPrepareForMemoryTransfer', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), undefined, { label: 'cancel' }),
      { text: 'return status;', exec: (_cx, f) => ret(f.locals.status) },
    ],
  },
  {
    name: 'FSRPrepareForMemoryTransfer',
    sig: 'VMK_ReturnStatus FSRPrepareForMemoryTransfer(FSRInfo *fsr, World *srcWorld, World *dstWorld)',
    comment: 'Check reservations fit, then stop swapping on the source.',
    body: [
      callStmt('status = FSRVerifyReservationsToTransfer(fsr, srcWorld, dstWorld);', 'FSRVerifyReservationsToTransfer', (_cx, f) => ({ dstWorld: f.locals.dstWorld }), 'status'),
      { text: 'if (status != VMK_OK) return status;', exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : ret(f.locals.status)) },
      callStmt('status = VmMemMigrate_PrepareForMemoryTransfer(srcWorld, dstWorld);', 'VmMemMigrate_PrepareForMemoryTransfer', (_cx, f) => ({ srcWorld: f.locals.srcWorld }), 'status'),
      { text: 'return status;', exec: (_cx, f) => ret(f.locals.status) },
    ],
  },
  {
    name: 'FSRVerifyReservationsToTransfer',
    sig: 'VMK_ReturnStatus FSRVerifyReservationsToTransfer(FSRInfo *fsr, World *srcWorld, World *dstWorld)',
    comment: 'The reservations the VM moves must fit the destination group\'s minimums.',
    body: [
      {
        text: 'if (fsr->memMinToTransferMB > MemSched_GroupGetAlloc(dstWorld)->min)',
        calls: ['MemSched_GroupGetAlloc'],
        exec: (cx, f) => (f.locals.memMin === undefined ? call('MemSched_GroupGetAlloc', { world: f.locals.dstWorld }, 'memMin', true) : cx.fsr.memMinToTransferMB > num(f, 'memMin') ? undefined : goto('cpu')),
      },
      { text: 'return VMK_MEM_ADMIT_FAILED;  // FAIL', indent: 1, exec: (cx, f) => ret('VMK_MEM_ADMIT_FAILED', `memMinToTransferMB ${cx.fsr.memMinToTransferMB} > the destination group's min ${num(f, 'memMin')} MB`) },
      {
        text: 'if (fsr->cpuMinToTransferMHz > CpuSched_GroupGetAlloc(dstWorld).min)',
        label: 'cpu',
        calls: ['CpuSched_GroupGetAlloc'],
        exec: (cx, f) => (f.locals.cpuMin === undefined ? call('CpuSched_GroupGetAlloc', { world: f.locals.dstWorld }, 'cpuMin', true) : cx.fsr.cpuMinToTransferMHz > num(f, 'cpuMin') ? undefined : goto('ok')),
      },
      { text: 'return VMK_CPU_ADMIT_FAILED;  // FAIL', indent: 1, exec: (cx, f) => ret('VMK_CPU_ADMIT_FAILED', `cpuMinToTransferMHz ${cx.fsr.cpuMinToTransferMHz} > the destination group's min ${num(f, 'cpuMin')} MHz`) },
      { text: 'return VMK_OK;', label: 'ok', exec: () => ret('VMK_OK') },
    ],
  },
  {
    name: 'MemSched_GroupGetAlloc',
    sig: 'MemSched_Alloc *MemSched_GroupGetAlloc(World *world)',
    comment: 'The memory reservation of the world\'s resource group.',
    body: [{ text: 'return &MemSched_GetGroup(world)->alloc;  // ->min in MB', exec: (cx, f) => ret(cx.vmxOf(world(cx, f, 'world')).group.memMinMB) }],
  },
  {
    name: 'CpuSched_GroupGetAlloc',
    sig: 'CpuSched_Alloc CpuSched_GroupGetAlloc(World *world)',
    comment: 'The CPU reservation of the world\'s resource group.',
    body: [{ text: 'return CpuSched_GetGroup(world)->alloc;  // .min in MHz', exec: (cx, f) => ret(cx.vmxOf(world(cx, f, 'world')).group.cpuMinMHz) }],
  },
  {
    name: 'VmMemMigrate_PrepareForMemoryTransfer',
    sig: 'VMK_ReturnStatus VmMemMigrate_PrepareForMemoryTransfer(World *srcWorld, World *dstWorld)',
    comment: 'Disable swapping on the source and wait for all active swap-outs to complete.',
    body: [
      {
        text: 'if (Swap_HasMigOrCptSwappedPages(srcWorld))',
        calls: ['Swap_HasMigOrCptSwappedPages'],
        exec: (_cx, f) => (f.locals.has === undefined ? call('Swap_HasMigOrCptSwappedPages', { world: f.locals.srcWorld }, 'has', true) : f.locals.has ? undefined : goto('disable')),
      },
      { text: 'return VMK_BUSY;  // FAIL', indent: 1, exec: (cx) => ret('VMK_BUSY', `swapped pages in ${cx.src.swap.migSwapFile.usedSlots ? 'the migration' : 'the checkpoint'} swap file`) },
      callStmt('swapInfo = Swap_GetInfo(srcWorld);', 'Swap_GetInfo', (_cx, f) => ({ world: f.locals.srcWorld }), 'swapInfo', { label: 'disable' }),
      callStmt('Swap_Disable(swapInfo);', 'Swap_Disable', (_cx, f) => ({ world: f.locals.srcWorld })),
      {
        text: 'while (swapInfo->activeSwapOuts > 0) CpuSched_Wait(&swapInfo->activeSwapOuts);',
        wait: (cx) => (cx.src.swap.activeSwapOuts > 0 ? `waiting for ${cx.src.swap.activeSwapOuts} active swap-out(s) to complete` : null),
      },
      { text: 'return VMK_OK;', exec: () => ret('VMK_OK') },
    ],
  },
  {
    name: 'Swap_HasMigOrCptSwappedPages',
    sig: 'Bool Swap_HasMigOrCptSwappedPages(World *world)',
    comment: 'Pages swapped to the migration or checkpoint swap file cannot be handed over.',
    body: [
      { text: 'if (Swap_GetMigSwapFile(world)->usedSlots > 0)', calls: ['Swap_GetMigSwapFile'], exec: (_cx, f) => (f.locals.mig === undefined ? call('Swap_GetMigSwapFile', { world: f.locals.world }, 'mig', true) : num(f, 'mig') > 0 ? undefined : goto('cpt')) },
      { text: 'return TRUE;', indent: 1, exec: () => ret(true) },
      { text: 'if (Swap_GetCptFile(world)->usedSlots > 0)', label: 'cpt', calls: ['Swap_GetCptFile'], exec: (_cx, f) => (f.locals.cpt === undefined ? call('Swap_GetCptFile', { world: f.locals.world }, 'cpt', true) : num(f, 'cpt') > 0 ? undefined : goto('no')) },
      { text: 'return TRUE;', indent: 1, exec: () => ret(true) },
      { text: 'return FALSE;', label: 'no', exec: () => ret(false) },
    ],
  },
  {
    name: 'Swap_GetMigSwapFile',
    sig: 'SwapFile *Swap_GetMigSwapFile(World *world)',
    comment: 'The world\'s migration swap file (its used slots, here).',
    body: [{ text: 'return Swap_GetInfo(world)->migSwapFile;', exec: (cx, f) => ret(world(cx, f, 'world').swap.migSwapFile.usedSlots) }],
  },
  {
    name: 'Swap_GetCptFile',
    sig: 'SwapFile *Swap_GetCptFile(World *world)',
    comment: 'The world\'s checkpoint swap file (its used slots, here).',
    body: [{ text: 'return Swap_GetInfo(world)->cptSwapFile;', exec: (cx, f) => ret(world(cx, f, 'world').swap.cptSwapFile.usedSlots) }],
  },
  {
    name: 'Swap_GetInfo',
    sig: 'Swap_Info *Swap_GetInfo(World *world)',
    comment: 'The world\'s swap state.',
    body: [{ text: 'return &world->swapInfo;', exec: (_cx, f) => ret(f.locals.world) }],
  },
  {
    name: 'Swap_Disable',
    sig: 'void Swap_Disable(Swap_Info *swapInfo)',
    comment: 'Stop the swapper from starting new swap-outs.',
    body: [
      { text: 'swapInfo->swapperEnabled = FALSE;', exec: (cx, f) => { cx.set(world(cx, f, 'world').swap, 'swapperEnabled', false); cx.log('swapping disabled on the source'); return undefined; } },
      { text: 'return;', exec: () => ret(undefined) },
    ],
  },
  {
    name: 'FSRTransferSwapFile',
    sig: 'VMK_ReturnStatus FSRTransferSwapFile(FSRInfo *fsr, World *srcWorld, World *dstWorld)',
    comment: 'Unshared: wake the helper to tear the mirror down. Shared: close, transfer state, open.',
    body: [
      { text: 'if (fsr->hasSwapCopy) {', exec: (cx) => (cx.fsr.hasSwapCopy ? undefined : goto('shared')) },
      { text: 'World_Wakeup(fsr->swapCopyWorldID);  // FSRSwapCopyHelper destroys the mirror node', indent: 1, exec: (cx) => { cx.set(cx.helper, 'wakeup', true); return undefined; } },
      {
        text: 'while (fsr->swapCopyState != FSR_SWAP_COPY_EXITED && fsr->swapCopyState != FSR_SWAP_COPY_FAILED) CpuSched_Wait();',
        indent: 1,
        wait: (cx) => (cx.fsr.swapCopyState === 'FSR_SWAP_COPY_EXITED' || cx.fsr.swapCopyState === 'FSR_SWAP_COPY_FAILED' ? null : `waiting for FSRSwapCopyHelper (${cx.fsr.swapCopyState})`),
      },
      { text: 'if (fsr->swapCopyState == FSR_SWAP_COPY_FAILED) return VMK_IO_ERROR;  // FAIL', indent: 1, exec: (cx) => (cx.fsr.swapCopyState === 'FSR_SWAP_COPY_FAILED' ? ret('VMK_IO_ERROR', 'the swap file copy failed') : undefined) },
      callStmt('status = FSRTransferSwapState(fsr, srcWorld, dstWorld);', 'FSRTransferSwapState', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), 'status', { indent: 1 }),
      { text: '} else {', exec: () => goto('enable') },
      { text: 'Swap_CloseFile(srcWorld);', indent: 1, label: 'shared', exec: (cx) => { cx.set(cx.srcVmx, 'swapOpen', false); cx.set(cx.srcVmx, 'swapExclusive', false); cx.log(`shared swap: ${cx.src.swap.swapFile.name} closed on the source`); return undefined; } },
      callStmt('status = FSRTransferSwapState(fsr, srcWorld, dstWorld);', 'FSRTransferSwapState', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), 'status', { indent: 1 }),
      { text: 'Swap_OpenFile(dstWorld);  // the same file: only metadata moved', indent: 1, exec: (cx) => { cx.set(cx.dstVmx, 'swapOpen', true); cx.log(`shared swap: opened on the destination`); return undefined; } },
      close(),
      { text: 'if (status != VMK_OK) return status;', label: 'enable', exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : ret(f.locals.status)) },
      callStmt('Swap_EnableExclusive(dstWorld);', 'Swap_EnableExclusive', (_cx, f) => ({ world: f.locals.dstWorld })),
      { text: 'return VMK_OK;', exec: () => ret('VMK_OK') },
    ],
  },
  {
    name: 'FSRTransferSwapState',
    sig: 'VMK_ReturnStatus FSRTransferSwapState(FSRInfo *fsr, World *srcWorld, World *dstWorld)',
    comment: 'Compare the files in pages (not bitmap length), grow the destination\'s, copy the bitmap.',
    body: [
      { text: 'srcPages = Swap_GetNumPages(srcSwapFile);  // pages, not bitmap length', exec: (cx, f) => { set(f, 'srcPages', cx.src.swap.swapFile.numSlots); return undefined; } },
      { text: 'dstPages = Swap_GetNumPages(dstSwapFile);', exec: (cx, f) => { set(f, 'dstPages', cx.dst.swap.swapFile.numSlots); return undefined; } },
      { text: 'if (dstPages < srcPages)  // the source file grew', exec: (_cx, f) => (num(f, 'dstPages') < num(f, 'srcPages') ? undefined : goto('bitmap')) },
      callStmt('SwapExtend_Files(dstWorld, srcPages);', 'SwapExtend_Files', (_cx, f) => ({ world: f.locals.dstWorld, numPages: f.locals.srcPages }), undefined, { indent: 1 }),
      callStmt('SwapMigrate_SetSwapBitmap(dstSwapFile, srcSwapFile);', 'SwapMigrate_SetSwapBitmap', () => ({}), undefined, { label: 'bitmap', phase: 'swap bitmap copy' }),
      { text: 'return VMK_OK;', exec: () => ret('VMK_OK') },
    ],
  },
  {
    name: 'SwapExtend_Files',
    sig: 'void SwapExtend_Files(World *world, uint32 numPages)',
    comment: 'Grow the world\'s swap file (and its bitmap) to numPages slots.',
    body: [
      {
        text: 'swapFile->numSlots = numPages;',
        exec: (cx, f) => {
          const file = world(cx, f, 'world').swap.swapFile;
          const before = file.numSlots;
          cx.swapExtend(file, num(f, 'numPages'));
          cx.log(`SwapExtend_Files: ${file.name} ${before} -> ${file.numSlots} slots`);
          return ret(undefined);
        },
      },
    ],
  },
  {
    name: 'SwapMigrate_SetSwapBitmap',
    sig: 'void SwapMigrate_SetSwapBitmap(SwapFile *dst, SwapFile *src)',
    comment: 'Copy the source\'s used-slot bitmap to the destination.',
    body: [
      {
        text: 'memcpy(dst->bitmap, src->bitmap, BITMAP_BYTES(src->numSlots));',
        exec: (cx) => {
          cx.copyBitmap(cx.dst.swap.swapFile, cx.src.swap.swapFile);
          cx.set(cx, 'swapStateCopied', true);
          cx.log(`swap bitmap copied: ${cx.dst.swap.swapFile.usedSlots} used slots`);
          return ret(undefined);
        },
      },
    ],
  },
  {
    name: 'Swap_EnableExclusive',
    sig: 'void Swap_EnableExclusive(World *world)',
    comment: 'The destination swaps to the file, alone.',
    body: [
      { text: 'swapInfo->swapperEnabled = TRUE;', exec: (cx, f) => { cx.set(world(cx, f, 'world').swap, 'swapperEnabled', true); return undefined; } },
      { text: 'swapInfo->exclusive = TRUE;', exec: (cx, f) => { cx.set(cx.vmxOf(world(cx, f, 'world')), 'swapExclusive', true); cx.log('swap enabled, exclusive, on the destination'); return ret(undefined); } },
    ],
  },
  {
    name: 'World_SetPanicNoCore',
    sig: 'void World_SetPanicNoCore(World *world)',
    comment: 'From here on a failure panics the world without a core: there is no way back.',
    body: [
      {
        text: 'world->panicNoCore = TRUE;',
        exec: (cx, f) => {
          cx.set(cx.vmxOf(world(cx, f, 'world')), 'panicNoCore', true);
          recordPointOfNoReturn(cx);
          cx.log('point of no return: World_SetPanicNoCore(source)');
          return ret(undefined);
        },
      },
    ],
  },
  {
    name: 'FSRTransferMemoryAndReservations',
    sig: 'VMK_ReturnStatus FSRTransferMemoryAndReservations(FSRInfo *fsr, World *srcWorld, World *dstWorld)',
    comment: 'Move the reservations, then the memory; on failure, FSRCancelPrepareForMemoryTransfer.',
    body: [
      callStmt('status = FSRTransferReservations(fsr, srcWorld, dstWorld);', 'FSRTransferReservations', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), 'status'),
      { text: 'if (status != VMK_OK) goto fail;', exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : goto('fail')) },
      callStmt('status = VmMemMigrate_TransferMemory(srcWorld, dstWorld);', 'VmMemMigrate_TransferMemory', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), 'status'),
      { text: 'if (status != VMK_OK) goto fail;', exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : goto('fail')) },
      { text: 'return VMK_OK;', exec: () => ret('VMK_OK') },
      callStmt('FSRCancelPrepareForMemoryTransfer(fsr, srcWorld, dstWorld);', 'FSRCancelPrepareForMemoryTransfer', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), undefined, { label: 'fail' }),
      { text: 'return status;', exec: (_cx, f) => ret(f.locals.status) },
    ],
  },
  {
    name: 'FSRTransferReservations',
    sig: 'VMK_ReturnStatus FSRTransferReservations(FSRInfo *fsr, World *srcWorld, World *dstWorld)',
    comment: 'Move the memory and CPU reservations from the source\'s group to the destination\'s.',
    body: [
      {
        text: 'status = MemSched_TransferReservation(srcGroup, dstGroup, fsr->memMinToTransferMB);',
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
      { text: 'if (status != VMK_OK) return status;  // FAIL', exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : ret(f.locals.status, 'the memory reservation could not be moved')) },
      {
        text: 'status = CpuSched_TransferReservation(srcGroup, dstGroup, fsr->cpuMinToTransferMHz);',
        exec: (cx) => {
          const mhz = cx.fsr.cpuMinToTransferMHz;
          cx.set(cx.srcVmx.group, 'cpuMinMHz', cx.srcVmx.group.cpuMinMHz - mhz);
          cx.set(cx.dstVmx.group, 'cpuMinMHz', cx.dstVmx.group.cpuMinMHz + mhz);
          cx.log(`reservations moved: ${cx.fsr.memMinToTransferMB} MB, ${mhz} MHz`);
          return ret('VMK_OK');
        },
      },
    ],
  },
  {
    name: 'VmMemMigrate_TransferMemory',
    sig: 'VMK_ReturnStatus VmMemMigrate_TransferMemory(World *srcWorld, World *dstWorld)',
    comment: 'The memory handoff: redirect every pdir instead of copying memory.',
    body: [
      callStmt('VmMemMigrateMemoryHandoffStarted(srcWorld, dstWorld);', 'VmMemMigrateMemoryHandoffStarted', (_cx, f) => ({ srcWorld: f.locals.srcWorld })),
      callStmt('status = VmMemMigrateTransferMemory(srcWorld, dstWorld);', 'VmMemMigrateTransferMemory', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld, pgNum: 0 }), 'status'),
      { text: 'if (status != VMK_OK) return status;  // FAIL', exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : ret(f.locals.status, `the pdir transfer failed: ${f.locals.status}`)) },
      callStmt('VmMemZip_TransferMemZipInfo(srcWorld, dstWorld);  // compression cache info header', 'VmMemZip_TransferMemZipInfo', () => ({})),
      {
        text: 'Alloc_MarkAllPagesUnmapped(srcWorld);  // mark all pages as unmapped',
        exec: (cx) => {
          cx.set(cx.srcVmx, 'vmxMappedPages', 0);
          cx.set(cx.dst.pframes, 'defaultPageTypeIsRemote', false);
          cx.set(cx.dst.pframes, 'defaultPageTypeIsRemoteMaxPgNum', 0);
          return undefined;
        },
      },
      {
        text: 'LPage_TransferPool(srcWorld, dstWorld);  // ownership of the large page pool',
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
      callStmt('VmMemMigrateMemoryHandoffFinished(srcWorld, dstWorld);', 'VmMemMigrateMemoryHandoffFinished', () => ({})),
      { text: 'return VMK_OK;', exec: () => ret('VMK_OK') },
    ],
  },
  {
    name: 'VmMemMigrateMemoryHandoffStarted',
    sig: 'void VmMemMigrateMemoryHandoffStarted(World *srcWorld, World *dstWorld)',
    comment: 'Set the MemoryHandoff bools and make sure every PCPU has read them.',
    body: [
      { text: 'memHandoff->inProgress = TRUE;  // the MemoryHandoff bools', exec: (cx) => { cx.set(cx.handoff, 'inProgress', true); cx.log('memory handoff started'); return undefined; } },
      {
        text: 'Monitor_InvalidateShadowPT(srcWorld);  // the source\'s cached translations end here',
        exec: (cx) => {
          cx.shadowClear(cx.srcVmx);
          return undefined;
        },
      },
      {
        text: 'while (memHandoff->numAcked < numPCPUs) CpuSched_Wait();  // every PCPU has read the flags',
        wait: (cx) => {
          const missing = cx.handoff.acked.findIndex((a) => !a);
          return missing < 0 ? null : `waiting for PCPU ${missing} to read the MemoryHandoff flags`;
        },
      },
      { text: 'return;', exec: (cx) => { cx.log(`all ${cx.handoff.acked.length} PCPUs acknowledged the handoff`); return ret(undefined); } },
    ],
  },
  {
    name: 'VmMemMigrateTransferMemory',
    sig: 'VMK_ReturnStatus VmMemMigrateTransferMemory(World *srcWorld, World *dstWorld)',
    comment: 'Lock each pdir and hand over all the pages within it, updating the accounting.',
    body: [
      {
        text: 'for (pgNum = 0; pgNum < Alloc_NumMainMemPages(srcWorld); pgNum += ALLOC_PDIR_PAGES) {',
        label: 'loop',
        exec: (cx, f) => (num(f, 'pgNum') < cx.src.pframes.numMainMemPages ? undefined : goto('done')),
        bulk: {
          until: 'done',
          run: (cx, f) => {
            const n = cx.src.pframes.numMainMemPages;
            const next = transferDirsFast(cx, PAGE_2_DIRINDEX(num(f, 'pgNum')), cx.src.numDirs);
            set(f, 'pgNum', Math.min(n, next * ALLOC_PDIR_PAGES));
            return next >= cx.src.numDirs;
          },
        },
      },
      callStmt('PFrame_Lock(srcWorld, pgNum);', 'PFrame_Lock', (_cx, f) => ({ world: f.locals.srcWorld, pgNum: f.locals.pgNum }), undefined, { indent: 1 }),
      callStmt('PFrame_Lock(dstWorld, pgNum);', 'PFrame_Lock', (_cx, f) => ({ world: f.locals.dstWorld, pgNum: f.locals.pgNum }), undefined, { indent: 1 }),
      { text: 'status = PFrame_Lookup(srcWorld, pgNum, &srcMPN, &pageIndex);', indent: 1, calls: ['PFrame_Lookup'], exec: (_cx, f) => ({ call: 'PFrame_Lookup', args: { world: f.locals.srcWorld, pgNum: f.locals.pgNum }, into: (l, v) => { const r = v as { status: string; dirMPN: number; pageIndex: number }; l.status = r.status; l.srcMPN = r.dirMPN; l.pageIndex = r.pageIndex; } }) },
      { text: 'status = PFrame_Lookup(dstWorld, pgNum, &dstMPN, &pageIndex);', indent: 1, calls: ['PFrame_Lookup'], exec: (_cx, f) => (f.locals.status !== 'VMK_OK' ? goto('fail') : { call: 'PFrame_Lookup', args: { world: f.locals.dstWorld, pgNum: f.locals.pgNum }, into: (l, v) => { const r = v as { status: string; dirMPN: number }; l.status = r.status; l.dstMPN = r.dirMPN; } }) },
      { text: 'if (status != VMK_OK) goto fail;', indent: 1, exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : goto('fail')) },
      callStmt('VmMemMigrateTransferPageDir(srcWorld, dstWorld, pgNum, &srcMPN, &dstMPN);', 'VmMemMigrateTransferPageDir', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld, pgNum: f.locals.pgNum, srcMPN: f.locals.srcMPN, dstMPN: f.locals.dstMPN }), undefined, { indent: 1 }),
      callStmt('PFrame_Unlock(dstWorld, pgNum);', 'PFrame_Unlock', (_cx, f) => ({ world: f.locals.dstWorld, pgNum: f.locals.pgNum }), undefined, { indent: 1 }),
      {
        text: 'PFrame_Unlock(srcWorld, pgNum);',
        indent: 1,
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
      { text: 'return VMK_OK;', label: 'done', exec: (cx) => { cx.log(`all ${cx.src.numDirs} pdirs redirected to the destination`); return ret('VMK_OK'); } },
      {
        text: 'PFrame_Unlock(dstWorld, pgNum); PFrame_Unlock(srcWorld, pgNum); return status;',
        label: 'fail',
        exec: (cx, f) => {
          for (const w of [cx.src, cx.dst]) if (w.pframes.pdirLock.holder === cx.rt.currentActorName) { cx.set(w.pframes.pdirLock, 'holder', null); cx.set(w.pframes.pdirLock, 'heldFor', null); }
          cx.log(`PFrame_Lookup failed for pgNum ${num(f, 'pgNum')} (dir ${PAGE_2_DIRINDEX(num(f, 'pgNum'))}): ${f.locals.status}`);
          return ret(f.locals.status);
        },
      },
    ],
  },
  {
    name: 'VmMemMigrateTransferPageDir',
    sig: 'void VmMemMigrateTransferPageDir(World *srcWorld, World *dstWorld, PageNum pgNum, MPN *srcMPN, MPN *dstMPN)',
    comment: 'Take the pdir away from the source and give the destination the source\'s pdir page.',
    body: [
      callStmt('VmMemMigrateRemovePageDirFromSource(srcWorld, pgNum, *srcMPN);', 'VmMemMigrateRemovePageDirFromSource', (_cx, f) => ({ srcWorld: f.locals.srcWorld, pgNum: f.locals.pgNum, srcMPN: f.locals.srcMPN, index: 0 })),
      callStmt('PFrame_DirSet(dstWorld, pgNum, *srcMPN);  // PDIR → redirect the new PDirs to the source PDir MPN', 'PFrame_DirSet', (_cx, f) => ({ world: f.locals.dstWorld, pgNum: f.locals.pgNum, mpn: f.locals.srcMPN }), undefined, { phase: 'pdir redirect' }),
      callStmt('VmMemMigrateAddPageDirToDest(dstWorld, pgNum, *srcMPN, dstMPN, freeSrcPFrame);', 'VmMemMigrateAddPageDirToDest', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld, pgNum: f.locals.pgNum, srcMPN: f.locals.srcMPN, dstMPN: f.locals.dstMPN, freeSrcPFrame: true })),
      { text: 'return;', exec: () => ret(undefined) },
    ],
  },
  {
    name: 'VmMemMigrateRemovePageDirFromSource',
    sig: 'void VmMemMigrateRemovePageDirFromSource(World *srcWorld, PageNum pgNum, MPN srcMPN)',
    comment: 'The source lets go of the pages of one pdir: BackMap, stats, then its directory entry.',
    body: [
      {
        text: 'for (index = 0; index < ALLOC_PDIR_PAGES; index++) {',
        label: 'loop',
        exec: (cx, f) => (num(f, 'index') < Math.min(ALLOC_PDIR_PAGES, world(cx, f, 'srcWorld').pframes.numMainMemPages - num(f, 'pgNum')) ? undefined : goto('done')),
        bulk: {
          until: 'done',
          run: (cx, f) => {
            const w = world(cx, f, 'srcWorld');
            const count = Math.min(ALLOC_PDIR_PAGES, w.pframes.numMainMemPages - num(f, 'pgNum'));
            const stopped = removeDirPagesFast(cx, w, num(f, 'pgNum'), num(f, 'index'));
            set(f, 'index', stopped);
            return stopped >= count;
          },
        },
      },
      {
        text: 'if (!PFrame_IsRegular(&dir[index])) continue;  // only REGULAR pages are the world\'s',
        indent: 1,
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
        exec: (cx, f) => {
          const s = world(cx, f, 'srcWorld').stats;
          cx.set(s, 'allocated', s.allocated - 1);
          cx.set(s, 'frees', s.frees + 1);
          return undefined;
        },
      },
      { text: '}', label: 'next', silent: true, exec: (_cx, f) => { set(f, 'index', num(f, 'index') + 1); return goto('loop'); } },
      callStmt('PFrame_DirSet(srcWorld, pgNum, INVALID_MPN64, INVALID_MPN64);  // PDIR ← map source PDir to nothing', 'PFrame_DirSet', (_cx, f) => ({ world: f.locals.srcWorld, pgNum: f.locals.pgNum, mpn: INVALID_MPN64, mpn2: INVALID_MPN64 }), undefined, { label: 'done' }),
      { text: 'return;', exec: () => ret(undefined) },
    ],
  },
  {
    name: 'PFrame_DirSet',
    sig: 'void PFrame_DirSet(World *world, PageNum pgNum, MPN64 mpn, MPN64 mpn2)',
    comment: 'Point the directory entry of pgNum at mpn (INVALID_MPN64 clears it).',
    body: [
      { text: 'Alloc_Info *info = Alloc_AllocInfo(world);' },
      { text: 'PFrame_Info *pframes = &info->pframes;' },
      { text: 'uint32 dirIndex = PAGE_2_DIRINDEX(pgNum);', exec: (_cx, f) => { set(f, 'dirIndex', PAGE_2_DIRINDEX(num(f, 'pgNum'))); return undefined; } },
      {
        text: 'PTE_SET((uint64 *)&pframes->pdirInfo[dirIndex], PFrameMakePTE(mpn));',
        exec: (cx, f) => {
          const w = world(cx, f, 'world');
          cx.dirSet(w, num(f, 'pgNum'), num(f, 'mpn'), f.locals.mpn2 === undefined ? undefined : num(f, 'mpn2'));
          return ret(undefined);
        },
      },
    ],
  },
  {
    name: 'VmMemMigrateAddPageDirToDest',
    sig: 'void VmMemMigrateAddPageDirToDest(World *dstWorld, PageNum pgNum, MPN srcMPN, MPN *dstMPN, Bool freeSrcPFrame)',
    comment: 'The destination takes the source\'s pdir page; its own pdir page is freed.',
    body: [
      {
        text: 'MemMap_FreeKernelPage(*dstMPN);  // the destination\'s own pdir page: freed, not leaked',
        exec: (cx, f) => {
          const old = num(f, 'dstMPN');
          if (old !== INVALID_MPN64 && old !== num(f, 'srcMPN')) {
            cx.backmapSetRaw(old, 0);
            cx.freeMPN(old);
          }
          return undefined;
        },
      },
      { text: '*dstMPN = srcMPN;', exec: (_cx, f) => { set(f, 'dstMPN', f.locals.srcMPN); return undefined; } },
      {
        text: 'BackMap_SetPDir(srcMPN, dstWorld, PAGE_2_DIRINDEX(pgNum));  // the pdir page changes owner',
        exec: (cx, f) => {
          cx.backmapSetRaw(num(f, 'srcMPN'), entry(world(cx, f, 'dstWorld').owners.pdir, PAGE_2_DIRINDEX(num(f, 'pgNum'))));
          return undefined;
        },
      },
      callStmt('VmMemMigrateInitPageDirsOnDest(srcWorld, dstWorld, pgNum, *dstMPN);', 'VmMemMigrateInitPageDirsOnDest', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld, pgNum: f.locals.pgNum, dstMPN: f.locals.dstMPN, pageIndex: 0 })),
      { text: 'return;', exec: () => ret(undefined) },
    ],
  },
  {
    name: 'VmMemMigrateInitPageDirsOnDest',
    sig: 'void VmMemMigrateInitPageDirsOnDest(World *srcWorld, World *dstWorld, PageNum pgNum, MPN dstMPN)',
    comment: 'Walk the redirected pdir page and account every page to the destination.',
    body: [
      { text: 'dir = Kseg_MapMPN(dstMPN);' },
      {
        text: 'for (pageIndex = 0; pageIndex < ALLOC_PDIR_PAGES; pageIndex++)',
        label: 'loop',
        exec: (cx, f) => (num(f, 'pageIndex') < Math.min(ALLOC_PDIR_PAGES, world(cx, f, 'dstWorld').pframes.numMainMemPages - num(f, 'pgNum')) ? undefined : goto('done')),
        bulk: {
          until: 'done',
          run: (cx, f) => {
            const w = world(cx, f, 'dstWorld');
            const count = Math.min(ALLOC_PDIR_PAGES, w.pframes.numMainMemPages - num(f, 'pgNum'));
            const stopped = addDirPagesFast(cx, w, num(f, 'pgNum'), num(f, 'dstMPN'), num(f, 'pageIndex'));
            set(f, 'pageIndex', stopped);
            return stopped >= count;
          },
        },
      },
      {
        text: 'VmMemMigrateAddPageToDest(dstWorld, &dir[pageIndex], pgNum + pageIndex);',
        indent: 1,
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
      { text: 'return;', label: 'done', exec: () => ret(undefined) },
    ],
  },
  {
    name: 'VmMemMigrateAddPageToDest',
    sig: 'void VmMemMigrateAddPageToDest(World *dstWorld, PFrame *pframe, PageNum pgNum)',
    comment: 'A REGULAR page becomes the destination\'s: PFrame_SetRegular (with its BackMap) and alloc stats.',
    body: [
      {
        text: 'if (pframe->type == MEMSCHED_VMPAGE_REGULAR) {',
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
        exec: (cx, f) => {
          const s = world(cx, f, 'dstWorld').stats;
          cx.set(s, 'allocated', s.allocated + 1);
          cx.set(s, 'allocs', s.allocs + 1);
          return undefined;
        },
      },
      close(),
      { text: 'return;', label: 'done', exec: () => ret(true) },
    ],
  },
  {
    name: 'VmMemZip_TransferMemZipInfo',
    sig: 'void VmMemZip_TransferMemZipInfo(World *srcWorld, World *dstWorld)',
    comment: 'Hand over the compression cache: its info header and its pages.',
    body: [
      {
        text: 'dstInfo->memzip = srcInfo->memzip;  // the compression cache info header',
        exec: (cx) => {
          const s = cx.src.alloc.memzip;
          const d = cx.dst.alloc.memzip;
          const pages = s.cacheMPNs;
          const bm = cx.bm ?? (cx.bm = cx.host.cursor());
          const sSlot = cx.src.owners.memzip.slot;
          const dSlot = cx.dst.owners.memzip.slot;
          bm.moveIndexed(pages, sSlot, dSlot);
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
  },
  {
    name: 'VmMemMigrateMemoryHandoffFinished',
    sig: 'void VmMemMigrateMemoryHandoffFinished(World *srcWorld, World *dstWorld)',
    comment: 'Clear the MemoryHandoff bools. Position on the seeds\' open question: cached translations\nrestored from the checkpoint are flushed here, after the last redirect, before the destination runs.',
    body: [
      { text: 'memHandoff->inProgress = FALSE;  // clears the MemoryHandoff bools', exec: (cx) => { cx.set(cx.handoff, 'inProgress', false); return undefined; } },
      {
        text: 'Monitor_FlushTranslationCache(dstWorld);  // shadow page tables: dropped, rebuilt on demand',
        exec: (cx) => {
          if (!cx.opts.faults.staleShadow) cx.shadowClear(cx.dstVmx);
          return undefined;
        },
      },
      { text: 'memHandoff->done = TRUE;', exec: (cx) => { cx.set(cx.handoff, 'done', true); cx.log('memory handoff finished'); return ret(undefined); } },
    ],
  },
  {
    name: 'FSRCancelPrepareForMemoryTransfer',
    sig: 'void FSRCancelPrepareForMemoryTransfer(FSRInfo *fsr, World *srcWorld, World *dstWorld)',
    comment: 'Undo the preparation so the source can resume — unless it is past the point of no return.',
    body: [
      { text: 'if (srcWorld->panicNoCore) {  // past the point of no return: nothing to go back to', exec: (cx) => (cx.srcVmx.panicNoCore ? undefined : goto('undo')) },
      {
        text: 'World_Panic(srcWorld, "FSR: memory transfer failed after the point of no return");',
        indent: 1,
        exec: (cx) => {
          cx.set(cx.srcVmx, 'migrateState', 'PANIC');
          cx.set(cx.dstVmx, 'migrateState', 'PANIC');
          cx.log('PANIC: memory transfer failed after the point of no return; the VM is lost');
          cx.rt.raise('panic', 'the memory transfer failed after the point of no return (World_SetPanicNoCore): the VM panics');
          return undefined;
        },
      },
      { text: 'return;', indent: 1, exec: () => ret(undefined) },
      close(),
      { text: 'if (fsr->hasSwapCopy) World_Wakeup(fsr->swapCopyWorldID);  // stop the copy', label: 'undo', exec: (cx) => { if (cx.fsr.hasSwapCopy) { cx.set(cx.helper, 'cancel', true); cx.set(cx.helper, 'wakeup', true); } return undefined; } },
      { text: 'Swap_Enable(Swap_GetInfo(srcWorld));  // the source swaps again', exec: (cx) => { cx.set(cx.src.swap, 'swapperEnabled', true); return undefined; } },
      {
        text: 'Atomic_Write(&fsr->resumeState, FSR_RESUME_SOURCE);  // the source is the victor',
        phase: 'resume victor',
        exec: (cx) => {
          cx.set(cx.fsr, 'resumeState', 'FSR_RESUME_SOURCE');
          cx.log('handoff cancelled before the point of no return: resumeState -> SOURCE');
          return ret(undefined);
        },
      },
    ],
  },
  {
    name: 'FSRDestAbort',
    model: true,
    sig: 'void FSRDestAbort(World *dstWorld, FSRInfo *fsr)',
    comment: 'The destination gives up: its own pdir pages are freed, its swap file goes.',
    body: [
      {
        text: 'for (pgNum = 0; pgNum < Alloc_NumMainMemPages(dstWorld); pgNum += ALLOC_PDIR_PAGES)',
        label: 'loop',
        exec: (cx, f) => (num(f, 'pgNum') < cx.dst.pframes.numMainMemPages ? undefined : goto('done')),
        bulk: {
          until: 'done',
          run: (cx, f) => {
            for (let pg = num(f, 'pgNum'); pg < cx.dst.pframes.numMainMemPages; pg += ALLOC_PDIR_PAGES) freeDestDir(cx, pg);
            set(f, 'pgNum', cx.dst.pframes.numMainMemPages);
            return true;
          },
        },
      },
      { text: 'VmMem_FreePDir(dstWorld, pgNum);', indent: 1, exec: (cx, f) => { freeDestDir(cx, num(f, 'pgNum')); set(f, 'pgNum', num(f, 'pgNum') + ALLOC_PDIR_PAGES); return goto('loop'); } },
      { text: 'if (fsr->hasSwapCopy) World_Wakeup(fsr->swapCopyWorldID);  // stop the copy', label: 'done', exec: (cx) => { if (cx.fsr.hasSwapCopy) { cx.set(cx.helper, 'cancel', true); cx.set(cx.helper, 'wakeup', true); } return undefined; } },
      {
        text: 'dstWorld->migrateState = EXITED;',
        exec: (cx) => {
          if (cx.dstVmx.migrateState !== 'PANIC') cx.set(cx.dstVmx, 'migrateState', 'EXITED');
          cx.shadowClear(cx.dstVmx);
          cx.log('destination aborted: its pdir pages are freed');
          return ret(undefined);
        },
      },
    ],
  },
  {
    name: 'FSRSourceResume',
    model: true,
    sig: 'void FSRSourceResume(World *srcWorld, FSRInfo *fsr)',
    comment: 'The source is the victor: it unstuns and runs the guest again, with all its memory.',
    body: [
      { text: 'srcWorld->migrateState = RUNNING;', exec: (cx) => { cx.set(cx.srcVmx, 'migrateState', 'RUNNING'); cx.log('the source resumes the VM'); return undefined; } },
      callStmt('VMX_RunGuest(srcWorld);', 'VMX_RunGuest', (_cx, f) => ({ world: f.locals.srcWorld })),
      { text: 'return;', exec: () => ret(undefined) },
    ],
  },

  // ---------------------------------------------------------------- helpers that run beside the VMXs
  {
    name: 'FSRSwapCopyHelper',
    sig: 'void FSRSwapCopyHelper(FSRInfo *fsr, World *srcWorld, World *dstWorld)  // assistant world',
    comment: 'Copies an unshared swap file through an SVM mirror, sleeps, and tears the mirror down.',
    body: [
      { text: 'while (!fsr->hasSwapCopy && !FSRDone(fsr)) CpuSched_Wait();', wait: (cx) => (cx.fsr.hasSwapCopy || cx.decided || cx.dstVmx.migrateState === 'EXITED' ? null : 'not started (no unshared swap copy yet)') },
      { text: 'if (!fsr->hasSwapCopy) return;  // shared swap: nothing to copy', exec: (cx) => (cx.fsr.hasSwapCopy ? undefined : { exit: 'not needed (shared swap file)' }) },
      { text: 'fsr->swapCopyState = FSR_SWAP_COPY_STARTING;', exec: (cx) => { cx.set(cx.fsr, 'swapCopyState', 'FSR_SWAP_COPY_STARTING'); return undefined; } },
      callStmt('status = FSRSetupSwapMirror(fsr, srcWorld, dstWorld);', 'FSRSetupSwapMirror', () => ({}), 'status'),
      { text: 'fsr->swapCopyState = FSR_SWAP_COPY_IN_PROGRESS;', exec: (cx) => { cx.set(cx.fsr, 'swapCopyState', 'FSR_SWAP_COPY_IN_PROGRESS'); return undefined; } },
      callStmt('status = SVMAsyncDiskCopyStart(mirror, FSRSwapCopyFindExtentCB);', 'SVMAsyncDiskCopyStart', () => ({ offset: 0 }), 'status'),
      { text: 'if (status != VMK_OK) {', exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? goto('done') : undefined) },
      { text: 'fsr->swapCopyState = FSR_SWAP_COPY_FAILED;', indent: 1, exec: (cx) => { cx.set(cx.fsr, 'swapCopyState', 'FSR_SWAP_COPY_FAILED'); return undefined; } },
      { text: 'SVM_DestroyDev(mirror);', indent: 1, exec: (cx) => { cx.set(cx.helper, 'mirrorActive', false); return undefined; } },
      { text: 'return;', indent: 1, exec: (cx, f) => { cx.log(`swap copy ${f.locals.status === 'VMK_ABORTED' ? 'cancelled' : 'FAILED'}: ${f.locals.status}`); if (f.locals.status !== 'VMK_ABORTED') cx.rt.raise('fail', `FSRSwapCopyHelper: the swap file copy failed (${f.locals.status})`); return { exit: `swap copy ${f.locals.status}` }; } },
      close(),
      { text: 'fsr->swapCopyState = FSR_SWAP_COPY_DONE;', label: 'done', exec: (cx) => { cx.set(cx.fsr, 'swapCopyState', 'FSR_SWAP_COPY_DONE'); return undefined; } },
      { text: 'fsr->swapCopyState = FSR_SWAP_COPY_SLEEPING;', exec: (cx) => { cx.set(cx.fsr, 'swapCopyState', 'FSR_SWAP_COPY_SLEEPING'); return undefined; } },
      { text: 'while (!helper->wakeup) CpuSched_Wait();  // until FSRTransferSwapFile wakes it', wait: (cx) => (cx.helper.wakeup ? null : 'sleeping until FSRTransferSwapFile wakes it (the mirror keeps mirroring)') },
      { text: 'fsr->swapCopyState = FSR_SWAP_COPY_STUNNING;', exec: (cx) => { cx.set(cx.fsr, 'swapCopyState', 'FSR_SWAP_COPY_STUNNING'); return undefined; } },
      { text: 'SVM_DestroyDev(mirror);  // destroy the mirror node', exec: (cx) => { cx.set(cx.helper, 'mirrorActive', false); cx.log('swap mirror node destroyed'); return undefined; } },
      { text: 'fsr->swapCopyState = FSR_SWAP_COPY_EXITED;', exec: (cx) => { cx.set(cx.fsr, 'swapCopyState', 'FSR_SWAP_COPY_EXITED'); return { exit: 'done' }; } },
    ],
  },
  {
    name: 'FSRSetupSwapMirror',
    sig: 'VMK_ReturnStatus FSRSetupSwapMirror(FSRInfo *fsr, World *srcWorld, World *dstWorld)',
    comment: 'Create the destination\'s swap file and the mirror that copies into it (SVM_MakeDev, by hand).',
    body: [
      {
        text: 'dstSwapFile = Swap_CreateFile(dstWorld, Swap_GetNumPages(srcSwapFile));',
        exec: (cx) => {
          cx.swapExtend(cx.dst.swap.swapFile, cx.src.swap.swapFile.numSlots);
          return undefined;
        },
      },
      callStmt('mirror = SVM_MakeDev(srcSwapFile, dstSwapFile);  // writes now go to both', 'SVM_MakeDev', () => ({})),
      { text: 'return VMK_OK;', exec: () => ret('VMK_OK') },
    ],
  },
  {
    name: 'SVM_MakeDev',
    sig: 'SVM_Dev *SVM_MakeDev(SwapFile *src, SwapFile *dst)',
    comment: 'A symmirror device: every write to src is mirrored to dst.',
    body: [{ text: 'mirror->active = TRUE;', exec: (cx) => { cx.set(cx.helper, 'mirrorActive', true); cx.log('SVM mirror node created'); return ret(undefined); } }],
  },
  {
    name: 'SVMAsyncDiskCopyStart',
    sig: 'VMK_ReturnStatus SVMAsyncDiskCopyStart(SVM_Dev *mirror, FindExtentCB findExtentCB)',
    comment: 'Copy the source file extent by extent, as the callback finds used extents.',
    body: [
      {
        text: 'for (;;) {',
        label: 'loop',
        exec: (cx) => (cx.helper.cancel ? ret('VMK_ABORTED') : undefined),
      },
      { text: 'extent = findExtentCB(mirror, offset);', indent: 1, calls: ['FSRSwapCopyFindExtentCB'], exec: (_cx, f) => call('FSRSwapCopyFindExtentCB', { offset: f.locals.offset }, 'extent') },
      { text: 'if (extent.length == 0) break;', indent: 1, exec: (_cx, f) => ((f.locals.extent as { length: number }).length === 0 ? goto('done') : undefined) },
      {
        text: 'status = SVMCopyExtent(mirror, extent);',
        indent: 1,
        exec: (cx, f) => {
          const ext = f.locals.extent as { start: number; length: number };
          const k = cx.helper.extents;
          if (cx.opts.faults.swapCopyFailAtExtent === k) {
            set(f, 'status', 'VMK_IO_ERROR');
            return undefined;
          }
          const sf = cx.src.swap.swapFile;
          const df = cx.dst.swap.swapFile;
          if (df.numSlots < ext.start + ext.length) cx.swapExtend(df, sf.numSlots);
          for (let s = ext.start; s < ext.start + ext.length; s++) cx.writeSlotTag(df, s, sf.tags[s]!);
          cx.set(cx.helper, 'extents', k + 1);
          cx.set(cx.helper, 'copiedSlots', cx.helper.copiedSlots + ext.length);
          const pct = Math.min(100, Math.round((100 * (ext.start + ext.length)) / Math.max(1, sf.numSlots)));
          cx.rt.emit({ type: 'progress', id: 'swap-copy', title: 'Swap file copy', percent: pct, done: false });
          set(f, 'status', 'VMK_OK');
          set(f, 'offset', ext.start + ext.length);
          return undefined;
        },
      },
      { text: 'if (status != VMK_OK) return status;', indent: 1, exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? goto('loop') : ret(f.locals.status)) },
      close(),
      { text: 'return VMK_OK;', label: 'done', exec: (cx) => { cx.rt.emit({ type: 'progress', id: 'swap-copy', title: 'Swap file copy', percent: 100, done: true }); cx.log(`swap file copied: ${cx.helper.copiedSlots} slots in ${cx.helper.extents} extents`); return ret('VMK_OK'); } },
    ],
  },
  {
    name: 'FSRSwapCopyFindExtentCB',
    sig: 'SVM_Extent FSRSwapCopyFindExtentCB(SVM_Dev *mirror, uint64 offset)',
    comment: 'FSR\'s own find-extent callback: the next run of used slots in the source bitmap.',
    body: [
      {
        text: 'start = Bitmap_NextSet(srcSwapFile->bitmap, offset);',
        exec: (cx, f) => {
          const sf = cx.src.swap.swapFile;
          let s = num(f, 'offset');
          while (s < sf.numSlots && !sf.isUsed(s)) s++;
          set(f, 'start', s);
          return undefined;
        },
      },
      {
        text: 'return start < numSlots ? (SVM_Extent){start, MIN(Bitmap_NextClear(bitmap, start), start + SVM_MAX_EXTENT) - start} : (SVM_Extent){0, 0};',
        exec: (cx, f) => {
          const sf = cx.src.swap.swapFile;
          const start = num(f, 'start');
          if (start >= sf.numSlots) return ret({ start: 0, length: 0 });
          let e = start;
          while (e < sf.numSlots && e < start + SVM_MAX_EXTENT && sf.isUsed(e)) e++;
          return ret({ start, length: e - start });
        },
      },
    ],
  },
  {
    name: 'Swap_SwapperThread',
    model: true,
    sig: 'void Swap_SwapperThread(World *srcWorld)',
    comment: 'The source\'s swapper reclaims pages of the suspended VM while swapping is enabled.',
    body: [
      { text: 'while (!cpt->finished) CpuSched_Wait();  // reclaims the VM once it is suspended', wait: (cx) => (cx.cpt.finished ? null : 'waiting for the VM to be suspended (checkpoint)') },
      {
        text: 'while (swapInfo->swapperEnabled && Swap_PagesToReclaim(srcWorld) > 0) {',
        label: 'loop',
        exec: (cx) => (cx.src.swap.swapperEnabled && cx.swapOutsLeft > 0 && cx.srcVmx.migrateState !== 'RUNNING' ? undefined : goto('done')),
      },
      {
        text: 'pgNum = Swap_PickVictim(srcWorld);',
        indent: 1,
        exec: (cx, f) => {
          const pg = pickVictim(cx);
          if (pg < 0) {
            cx.set(cx, 'swapOutsLeft', 0);
            return goto('done');
          }
          set(f, 'pgNum', pg);
          return undefined;
        },
      },
      callStmt('Swap_SwapOutPage(srcWorld, pgNum);', 'Swap_SwapOutPage', (_cx, f) => ({ world: f.locals.srcWorld, pgNum: f.locals.pgNum }), undefined, { indent: 1 }),
      back('loop'),
      { text: 'return;', label: 'done', exec: () => ({ exit: 'swapping disabled or nothing to reclaim' }) },
    ],
  },
  {
    name: 'Swap_SwapOutPage',
    model: true,
    sig: 'void Swap_SwapOutPage(World *world, PageNum pgNum)',
    comment: 'One swap-out: SWAP_OUT, write the slot (mirrored while the SVM mirror runs), SWAPPED, free the MPN.',
    body: [
      callStmt('PFrame_Lock(world, pgNum);', 'PFrame_Lock', (_cx, f) => ({ world: f.locals.world, pgNum: f.locals.pgNum })),
      {
        text: 'swapInfo->activeSwapOuts++;',
        exec: (cx, f) => {
          const w = world(cx, f, 'world');
          if (!w.swap.swapperEnabled) return goto('unlock');
          cx.set(w.swap, 'activeSwapOuts', w.swap.activeSwapOuts + 1);
          cx.set(cx, 'swapOutsLeft', cx.swapOutsLeft - 1);
          return undefined;
        },
      },
      {
        text: 'pframe->type = SWAP_OUT; pframe->isInvalGoingOn = 1;  // cached translations of the page go',
        exec: (cx, f) => {
          const w = world(cx, f, 'world');
          const pg = num(f, 'pgNum');
          const pf = cx.readPFrame(w, pg)!;
          set(f, 'mpn', pfIndex(pf.lo, pf.hi));
          cx.writePFrame(w, pg, (pfWithTypeIndex(pf.lo, PageType.SWAP_OUT, num(f, 'mpn')) | 0x40000000) >>> 0, pf.hi);
          cx.shadowDelete(cx.vmxOf(w), pg);
          return undefined;
        },
      },
      {
        text: 'slot = Swap_AllocSlot(swapInfo->swapFile);  // grows the file when it is full',
        exec: (cx, f) => {
          set(f, 'slot', cx.slotAlloc(world(cx, f, 'world').swap.swapFile));
          return undefined;
        },
      },
      {
        text: 'Swap_WriteSlot(swapFile, slot, mpn);  // mirrored to the destination file while the mirror is active',
        exec: (cx, f) => {
          const w = world(cx, f, 'world');
          const tag = cx.host.contentTag(num(f, 'mpn'));
          cx.writeSlotTag(w.swap.swapFile, num(f, 'slot'), tag);
          if (cx.helper.mirrorActive) {
            const df = cx.dst.swap.swapFile;
            if (df.numSlots <= num(f, 'slot')) cx.swapExtend(df, w.swap.swapFile.numSlots);
            cx.writeSlotTag(df, num(f, 'slot'), tag);
          }
          return undefined;
        },
      },
      {
        text: 'PFrame_SetSwapped(pframe, slot);  // SWAPPED, index = slot, vmkSwapped',
        exec: (cx, f) => {
          const w = world(cx, f, 'world');
          const pg = num(f, 'pgNum');
          const pf = cx.readPFrame(w, pg)!;
          const lo = (pfWithTypeIndex(pf.lo, PageType.SWAPPED, num(f, 'slot')) & ~0x4000c000) | 0x4000;
          cx.writePFrame(w, pg, lo >>> 0, pfMakeHi(num(f, 'slot')));
          return undefined;
        },
      },
      {
        text: 'BackMap_Unset(mpn, world, pgNum); VmMem_UpdateFreeStats(world, pgNum, mpn); MemMap_FreePage(mpn);',
        exec: (cx, f) => {
          const w = world(cx, f, 'world');
          const mpn = num(f, 'mpn');
          cx.backmapSetRaw(mpn, 0);
          cx.freeMPN(mpn);
          cx.set(w.stats, 'allocated', w.stats.allocated - 1);
          cx.set(w.stats, 'frees', w.stats.frees + 1);
          return undefined;
        },
      },
      {
        text: 'swapInfo->activeSwapOuts--;',
        exec: (cx, f) => {
          const w = world(cx, f, 'world');
          cx.set(w.swap, 'activeSwapOuts', w.swap.activeSwapOuts - 1);
          cx.log(`swapped out pgNum ${num(f, 'pgNum')} (MPN ${mpnHex(num(f, 'mpn'))}) to slot ${num(f, 'slot')}${cx.helper.mirrorActive ? ', mirrored' : ''}`);
          return undefined;
        },
      },
      callStmt('PFrame_Unlock(world, pgNum);', 'PFrame_Unlock', (_cx, f) => ({ world: f.locals.world, pgNum: f.locals.pgNum }), undefined, { label: 'unlock' }),
      { text: 'return;', exec: () => ret(undefined) },
    ],
  },
  {
    name: 'PCPU_Idle',
    model: true,
    sig: 'void PCPU_Idle(int pcpu)',
    comment: 'Each PCPU must see the MemoryHandoff flags before the handoff goes on.',
    body: [
      { text: 'while (!memHandoff->inProgress && !FSRDone(fsr)) CpuSched_Idle();', wait: (cx) => (cx.handoff.inProgress || cx.decided || cx.dstVmx.migrateState === 'EXITED' || cx.dstVmx.migrateState === 'RUNNING' ? null : 'idle') },
      { text: 'if (!memHandoff->inProgress) return;', exec: (cx) => (cx.handoff.inProgress ? undefined : { exit: 'no handoff on this run' }) },
      callStmt('VmMemMigrateAckHandoff(pcpu);', 'VmMemMigrateAckHandoff', (_cx, f) => ({ pcpu: f.locals.pcpu })),
      { text: 'while (memHandoff->inProgress) CpuSched_Idle();', wait: (cx) => (cx.handoff.inProgress && !cx.decided ? 'idle (handoff in progress)' : null) },
      { text: 'return;', exec: () => ({ exit: 'handoff over' }) },
    ],
  },
  {
    name: 'VmMemMigrateAckHandoff',
    model: true,
    sig: 'void VmMemMigrateAckHandoff(int pcpu)',
    comment: 'The PCPU reads the MemoryHandoff flags and says so.',
    body: [
      {
        text: 'while (pcpu->busy > 0) pcpu->busy--;  // a slow PCPU is busy before it reads the flags',
        label: 'busy',
        exec: (cx, f) => {
          const slow = cx.opts.faults.slowPcpu;
          if (f.locals.busy === undefined) set(f, 'busy', slow && slow.pcpu === num(f, 'pcpu') ? slow.delaySteps : 0);
          if (num(f, 'busy') <= 0) return undefined;
          set(f, 'busy', num(f, 'busy') - 1);
          return goto('busy');
        },
      },
      { text: 'if (Atomic_Read(&memHandoff->inProgress))' },
      {
        text: 'memHandoff->acked[pcpu] = TRUE;',
        indent: 1,
        exec: (cx, f) => {
          const p = num(f, 'pcpu');
          const acked = cx.handoff.acked;
          acked[p] = true;
          cx.rt.journal.record(() => {
            acked[p] = false;
          });
          return ret(undefined);
        },
      },
    ],
  },
];

// ---- pieces the statements share ----------------------------------------------------------------

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

/** VmMem_InitPDirs from directory `from` on, in one step with one undo record. */
function allocDestDirsFast(cx: FsrContext, from: number): void {
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
  for (let d = from; d < dst.numDirs; d++) {
    if (pf.pdirInfo[d] !== 0) continue;
    if (d === skip) {
      cx.log(`PFrame_DirAlloc for dir ${d} failed (injected fault): the destination has no pdir there`);
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
}

function freeDestDir(cx: FsrContext, pgNum: number): void {
  const d = PAGE_2_DIRINDEX(pgNum);
  const mpn = cx.dst.dirMPN(d);
  if (mpn === INVALID_MPN64) return;
  const e = cx.host.backmapEntry(mpn);
  if (e === entry(cx.dst.owners.pdir, d)) {
    cx.backmapSetRaw(mpn, 0);
    cx.freeMPN(mpn);
  }
  cx.dirSet(cx.dst, pgNum, INVALID_MPN64);
}

function describeEntry(cx: FsrContext, e: number): string {
  if (e === 0) return 'no entry';
  const o = cx.host.owner(e >>> BACKMAP_PGNUM_BITS);
  return `${o?.label ?? 'unknown owner'}, ${o?.kind === 'mainmem' ? 'pgNum' : 'index'} ${e & PGNUM_MASK}`;
}

/** A REGULAR page of the source to swap out: the guest's touched pages first, then seeded picks. */
function pickVictim(cx: FsrContext): number {
  const w = cx.src;
  for (const pg of cx.opts.touchedPages) {
    const pf = cx.readPFrame(w, pg);
    if (pf && pfType(pf.lo) === PageType.REGULAR) return pg;
  }
  const n = w.pframes.numMainMemPages;
  const start = cx.random(n);
  for (let k = 0; k < Math.min(n, 4096); k++) {
    const pg = (start + k) % n;
    const pf = cx.readPFrame(w, pg);
    if (pf && pfType(pf.lo) === PageType.REGULAR) return pg;
  }
  return -1;
}

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

export const HANDOFF_FUNCTIONS = FNS;

export const LISTING_HEADER = [
  '// FSR same-host handoff: the simulated functions, in pseudo-C.',
  '// Names, fields and the order of calls follow the two source decks (seeds 000 and 002);',
  '// functions marked "model" are glue the decks do not name. Line numbers are stable.',
];

