// "Nothing lost" (DESIGN.md §5), checked after every step: O(1) accounting, the directories the
// step touched, the running worlds' cached translations; and a full sweep when the run ends.

import { BACKMAP_PGNUM_BITS } from '../host';
import { INVALID_MPN64, PageType, TypeCode, hexNumber, mpnHex, pageTypeName, pfGetMPN, pfIndex, pfType } from '../pframe';
import { ALLOC_PDIR_PAGES, type World } from '../world';
import type { FsrContext, VmxState } from './context';

export interface InvariantBreak {
  name: string;
  message: string;
}

const ownerEntry = (slot: number, pgNum: number) => ((slot << BACKMAP_PGNUM_BITS) | pgNum) >>> 0;

function describeOwner(cx: FsrContext, mpn: number): string {
  const b = cx.host.backmapLookup(mpn);
  return b ? b.owner.label : 'nobody';
}

/** The MPN a world's page translates to right now, without locks (the checker's own walk). */
export function translate(cx: FsrContext, w: World, pgNum: number): number {
  const dir = w.dirMPN(Math.floor(pgNum / ALLOC_PDIR_PAGES));
  if (dir === INVALID_MPN64) return INVALID_MPN64;
  const words = cx.host.peekWords(dir);
  if (!words) return INVALID_MPN64;
  const i = (pgNum % ALLOC_PDIR_PAGES) * 2;
  return pfGetMPN(words[i]!, words[i + 1]!);
}

/** Check one directory of one world, page by page. */
export function checkDir(cx: FsrContext, w: World, d: number, out: InvariantBreak[]): void {
  const host = cx.host;
  const dirMPN = w.dirMPN(d);
  if (dirMPN === INVALID_MPN64) return;
  const other = w === cx.src ? cx.dst : cx.src;
  if (other.dirMPN(d) === dirMPN) {
    out.push({ name: 'one owner per page', message: `pdir ${hexNumber(d)} page ${mpnHex(dirMPN)} is in both ${cx.src.name} and ${cx.dst.name} pdirInfo` });
  }
  const be = host.backmapEntry(dirMPN);
  if (be !== ownerEntry(w.owners.pdir.slot, d)) {
    out.push({ name: 'BackMap agrees with the PFrames', message: `${w.name} pdir ${hexNumber(d)} page ${mpnHex(dirMPN)} is not owned by ${w.name}'s pdir in the BackMap` });
  }
  // A pdir page never written reads as its world's default PFrames (NONE or REMOTE): nothing to check.
  const words = host.peekWords(dirMPN);
  if (!words) return;
  const first = d * ALLOC_PDIR_PAGES;
  const count = Math.min(ALLOC_PDIR_PAGES, w.pframes.numMainMemPages - first);
  const bad = scanPages(cx, w, words, first, count);
  if (bad >= 0) {
    const lo = words[2 * bad]!;
    const index = pfIndex(lo, words[2 * bad + 1]!);
    const t = pfType(lo);
    out.push(t === PageType.REGULAR
      ? { name: 'BackMap agrees with the PFrames', message: `${w.name} pgNum ${hexNumber(first + bad)} is REGULAR at MPN ${mpnHex(index)}, but the BackMap does not name it` }
      : t === PageType.SWAPPED
        ? { name: 'swap bitmaps agree page for page', message: `${w.name} pgNum ${hexNumber(first + bad)} is SWAPPED in slot ${hexNumber(index)}, which ${w.swap.swapFile.name} has free` }
        : { name: 'BackMap agrees with the PFrames', message: `${w.name} pgNum ${hexNumber(first + bad)} is ${pageTypeName(t)} on MPN ${mpnHex(index)}, which the BackMap gives to ${describeOwner(cx, index)}` });
  }
}

/**
 * The first page (index within the directory) whose PFrame disagrees with the BackMap (REGULAR)
 * or the swap bitmap (SWAPPED), or -1. The hot loop of the checker: words and a BackMap cursor.
 */
function scanPages(cx: FsrContext, w: World, words: Uint32Array, first: number, count: number): number {
  const bm = cx.bm ?? (cx.bm = cx.host.cursor());
  const slot = w.owners.mainmem.slot;
  const swap = w.swap.swapFile;
  const checkSwap = w.pframes.pdirLock.holder === null;
  // A zipped page's cache page belongs to a MemZip cache (the source's until VmMemZip_TransferMemZipInfo
  // hands it over); a COW page's MPN belongs to the page-sharing pool.
  const zipA = cx.src.owners.memzip.slot;
  const zipB = cx.dst.owners.memzip.slot;
  const pshare = cx.machine.pshare.owner.slot;
  for (let i = 0; i < count; i++) {
    const lo = words[2 * i]!;
    const t = (lo >>> 4) & 0xf;
    if (t === TypeCode.REGULAR) {
      const mpn = ((lo >>> 8) & 0x3f) * 4294967296 + words[2 * i + 1]!;
      if (!bm.is(mpn, slot, first + i)) return i;
    } else if (t === TypeCode.SWAPPED) {
      if (checkSwap && !swap.isUsed(words[2 * i + 1]!)) return i;
    } else if (t === TypeCode.ZIPPED || t === TypeCode.COW) {
      const e = bm.get(((lo >>> 8) & 0x3f) * 4294967296 + words[2 * i + 1]!);
      const owner = e >>> BACKMAP_PGNUM_BITS;
      if (e <= 0 || (t === TypeCode.COW ? owner !== pshare : owner !== zipA && owner !== zipB)) return i;
    }
  }
  return -1;
}

/** After every step: cheap, and only what the step touched. */
export function checkStep(cx: FsrContext): InvariantBreak[] {
  const out: InvariantBreak[] = [];
  const { host, src, dst } = cx;
  const quiet = src.pframes.pdirLock.holder === null && dst.pframes.pdirLock.holder === null;
  if (quiet) {
    const owned = host.ownedPages;
    if (owned !== host.allocatedPages) {
      out.push({ name: 'no MPN leaked', message: `${host.allocatedPages} MPNs are allocated but ${owned} have an owner in the BackMap` });
    }
    for (let k = 0; k < 2; k++) {
      const w = k === 0 ? src : dst;
      const mapped = host.ownerCounts[w.owners.mainmem.slot]!;
      if (mapped !== w.stats.allocated) {
        out.push({ name: 'alloc/free stats balance', message: `${w.name}: stats say ${w.stats.allocated} pages allocated, the BackMap has ${mapped}` });
      }
      const pdirs = host.ownerCounts[w.owners.pdir.slot]!;
      if (pdirs !== w.pframes.numPDirEntries) {
        out.push({ name: 'pdir pages freed, not leaked', message: `${w.name}: ${pdirs} pdir pages are owned in the BackMap, numPDirEntries is ${w.pframes.numPDirEntries}` });
      }
    }
    if (cx.dirty.length > 0) {
      const seen = new Set<string>();
      for (const { world, dir } of cx.dirty) {
        const key = `${world.worldID}:${dir}`;
        if (seen.has(key)) continue;
        seen.add(key);
        checkDir(cx, world, dir, out);
      }
      cx.dirty = [];
    }
  }
  if (cx.swapDirty) {
    cx.swapDirty = false;
    const a = src.swap.swapFile;
    const b = dst.swap.swapFile;
    if (cx.swapStateCopied && !cx.decidedForSource() && !sameBitmap(a.bitmap, b.bitmap)) {
      out.push({ name: 'swap bitmaps agree page for page', message: `${b.name} (${b.usedSlots} used) and ${a.name} (${a.usedSlots} used) bitmaps differ after SwapMigrate_SetSwapBitmap` });
    }
  }
  checkShadow(cx, cx.srcVmx, out);
  checkShadow(cx, cx.dstVmx, out);
  checkHandedOver(cx, out);
  if (cx.srcVmx.migrateState === 'RUNNING' && cx.handoff.done) {
    out.push({ name: 'one owner per page', message: 'the source runs although the destination owns its memory' });
  }
  return out;
}

/** A running world's cached translations must equal fresh walks. */
function checkShadow(cx: FsrContext, vmx: VmxState, out: InvariantBreak[]): void {
  if (vmx.migrateState !== 'RUNNING') return;
  for (const [pg, mpn] of vmx.shadow) {
    const now = translate(cx, vmx.world, pg);
    if (now !== mpn) {
      const pf = cx.readPFrame(vmx.world, pg);
      const type = pf ? pageTypeName(pfType(pf.lo)) : 'no pdir';
      out.push({ name: 'cached translations match the PFrames', message: `${vmx.world.name} runs with a cached translation pgNum ${hexNumber(pg)} → MPN ${mpnHex(mpn)}, but the page is ${type}${now === INVALID_MPN64 ? '' : ` at MPN ${mpnHex(now)}`}` });
    }
  }
}

/**
 * The source's monitor keeps no cached translation into a pdir it has handed over (model: the
 * product's position on shadow page tables — they are invalidated once every PCPU has seen the
 * MemoryHandoff flags, before the first redirect).
 */
function checkHandedOver(cx: FsrContext, out: InvariantBreak[]): void {
  const vmx = cx.srcVmx;
  if (vmx.shadow.size === 0 || vmx.migrateState === 'RUNNING') return;
  for (const [pg, mpn] of vmx.shadow) {
    const d = Math.floor(pg / ALLOC_PDIR_PAGES);
    if (cx.src.dirMPN(d) === INVALID_MPN64 && cx.dst.dirMPN(d) !== INVALID_MPN64) {
      out.push({ name: 'handed-over pages have no cached translations', message: `${cx.src.name}'s monitor still caches pgNum ${hexNumber(pg)} → MPN ${mpnHex(mpn)}, but pdir ${hexNumber(d)} is ${cx.dst.name}'s now` });
      return;
    }
  }
}

/** The first used slot of bitmap word `w` whose content differs (the bitmaps are known equal). */
function countBits(bits: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < bits.length; i++) {
    let v = bits[i]!;
    while (v) {
      v &= v - 1;
      n++;
    }
  }
  return n;
}

function sameBitmap(a: Uint32Array, b: Uint32Array): boolean {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return false;
  return true;
}

/**
 * When the run has ended: the outcome's own promises, and with `sweep` every page again. The sweep
 * is redundant by construction — every change was checked after its step, and the bulk paths check
 * each BackMap entry before they rewrite it — so it is for tests that police those paths.
 */
export function checkEnd(cx: FsrContext, sweep = false): InvariantBreak[] {
  const out: InvariantBreak[] = [];
  const { src, dst } = cx;
  if (sweep) for (const w of [src, dst]) for (let d = 0; d < w.numDirs; d++) checkDir(cx, w, d, out);
  if (cx.handoff.done && cx.srcVmx.migrateState !== 'PANIC') {
    if (src.pframes.numPDirEntries !== 0) out.push({ name: 'the source reaches no page', message: `${src.name} still has ${src.pframes.numPDirEntries} pdirs after the handoff` });
    const dirs = cx.pnrDirs;
    if (dirs) {
      for (let d = 0; d < dirs.length; d++) {
        if (dst.pframes.pdirInfo[d] !== dirs[d]) {
          out.push({ name: 'the destination reaches every page', message: `${dst.name} pdir ${hexNumber(d)} is ${mpnHex(dst.dirMPN(d))}, the source's was ${mpnHex(Math.floor(dirs[d]! / 4096))}` });
          break;
        }
      }
    }
    if (cx.host.ownerCounts[src.owners.memzip.slot]! !== 0) {
      out.push({ name: 'the source reaches no page', message: `${cx.host.ownerCounts[src.owners.memzip.slot]} MemZip cache pages are still the source's after the handoff` });
    }
    const swap = cx.pnrSwap;
    if (swap && !sameBitmap(swap.bitmap, dst.swap.swapFile.bitmap)) {
      out.push({ name: 'swap bitmaps agree page for page', message: `${dst.swap.swapFile.name} has ${dst.swap.swapFile.usedSlots} used slots; the source had ${countBits(swap.bitmap)} at the point of no return, in other places` });
    }
    if (swap && sameBitmap(swap.bitmap, dst.swap.swapFile.bitmap)) {
      // Same used slots: compare what each holds.
      const f = dst.swap.swapFile;
      const bad = swap.tags.firstDifference(f.tags, swap.bitmap);
      if (bad >= 0) {
        out.push({ name: 'swapped pages keep their content', message: `${f.name} slot ${hexNumber(bad)}: ${f.isUsed(bad) ? `content ${f.tags[bad]!.toString(16)} ≠ the source's ${swap.tags.at(bad).toString(16)}` : 'not in use, but the source had a page there'}` });
      }
    }
  }
  if (cx.fsr.resumeState === 'FSR_RESUME_SOURCE' && cx.srcVmx.migrateState !== 'PANIC' && !cx.srcVmx.panicNoCore) {
    if (src.pframes.numPDirEntries !== src.numDirs) out.push({ name: 'a failed handoff leaves the source intact', message: `${src.name} has ${src.pframes.numPDirEntries} of its ${src.numDirs} pdirs` });
    if (dst.pframes.numPDirEntries !== 0) out.push({ name: 'pdir pages freed, not leaked', message: `${dst.name} still holds ${dst.pframes.numPDirEntries} pdir pages after it gave up` });
    if (!src.swap.swapperEnabled) out.push({ name: 'a failed handoff leaves the source intact', message: `${src.name} resumes with swapping disabled` });
  }
  return out;
}
