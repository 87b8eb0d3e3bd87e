// What the memory handoff's bulk steps did, fine step by fine step, computed from what they kept
// (the pdirs, each one's REGULAR count) and the pdir pages as they were: the function entries and
// the BackMap changes each fine step made, at the steps the fine path makes them (the offsets below
// are the ones TRANSFER_DIR_STEPS adds up; test/engine/sim-history.test.ts holds them to a fine run).

import { BACKMAP_PGNUM_BITS } from '../../host';
import { TypeCode, pfIndex } from '../../pframe';
import { ALLOC_PDIR_PAGES, PFrameMakePTE } from '../../world';
import type { FsrContext } from '../context';
import type { Stmt } from '../program';
import type { BulkTrace, TraceRow } from '../runtime';
import { wordsAt } from '../changes';

type Site = { fn: string; line: number };

/** The statements of the fine path a bulk step's rows and phases name. */
export interface TraceSites {
  redirect: Stmt<never>;
  pteSet: Site;
  freeKernelPage: Site;
  setPDir: Site;
  unset: Site;
  setRegular: Site;
  freeStats: number;
  allocStats: number;
}

const REMOVE_LOOP = 21; // offset before VmMemMigrateRemovePageDirFromSource's first loop head
const addLoop = (c: number, r: number): number => 2 * c + 2 * r + 41; // before VmMemMigrateInitPageDirsOnDest's first loop head

/** Fine-step offsets, within one iteration of VmMemMigrateTransferMemory's loop, of each function entry. */
function fixedEntries(fn: string, c: number, r: number): number[] {
  switch (fn) {
    case 'PFrame_Lock': return [2, 4];
    case 'PFrame_Lookup': return [6, 13];
    case 'VmMemMigrateTransferPageDir': return [20];
    case 'VmMemMigrateRemovePageDirFromSource': return [21];
    case 'PFrame_DirSet': return [2 * c + 2 * r + 23, 2 * c + 2 * r + 30];
    case 'VmMemMigrateAddPageDirToDest': return [2 * c + 2 * r + 36];
    case 'VmMemMigrateInitPageDirsOnDest': return [2 * c + 2 * r + 40];
    case 'PFrame_Unlock': return [7 * c + 4 * r + 46, 7 * c + 4 * r + 48];
    default: return [];
  }
}

const isRegular = (words: Uint32Array, i: number): boolean => ((words[2 * i]! >>> 4) & 0xf) === TypeCode.REGULAR;

/**
 * Directories `from`.. that VmMemMigrateTransferMemory's bulk form redirected in one step starting
 * after step `at`: their source pdir pages and REGULAR counts.
 */
export class TransferTrace implements BulkTrace {
  private starts: Float64Array | null = null;
  constructor(
    private readonly cx: FsrContext,
    private readonly at: number,
    private readonly from: number,
    private readonly pages: Float64Array,
    private readonly dstPages: Float64Array,
    private readonly regs: Uint16Array,
    private readonly k: number,
    private readonly lines: TraceSites,
  ) {}

  /** The source's entry goes at its PFrame_DirSet's PTE_SET; the destination's takes the source's page at its own. */
  pdir(worldSlot: number, dir: number): TraceRow[] {
    const j = dir - this.from;
    if (j < 0 || j >= this.k) return [];
    const q = 2 * this.count(j) + 2 * this.regs[j]!;
    const b = this.base(j);
    if (worldSlot === this.cx.src.owners.pdir.slot) return [{ step: b + q + 27, old: PFrameMakePTE(this.pages[j]!), new: 0, ...this.lines.pteSet }];
    if (worldSlot === this.cx.dst.owners.pdir.slot) return [{ step: b + q + 34, old: PFrameMakePTE(this.dstPages[j]!), new: PFrameMakePTE(this.pages[j]!), ...this.lines.pteSet }];
    return [];
  }

  private count(j: number): number {
    return Math.min(ALLOC_PDIR_PAGES, this.cx.src.pframes.numMainMemPages - (this.from + j) * ALLOC_PDIR_PAGES);
  }
  /** The step before iteration j's first fine step. */
  private base(j: number): number {
    if (!this.starts) {
      const s = new Float64Array(this.k);
      let t = this.at;
      for (let q = 0; q < this.k; q++) {
        s[q] = t;
        const c = this.count(q);
        t += 7 * c + 4 * this.regs[q]! + 50;
      }
      this.starts = s;
    }
    return this.starts[j]!;
  }
  /** The source pdir page of iteration j as it was when the step ran. */
  private words(j: number): Uint32Array {
    return wordsAt(this.cx.rt.changes, this.cx.host, this.pages[j]!, this.at);
  }

  entries(fn: string): number[] {
    const out: number[] = [];
    for (let j = 0; j < this.k; j++) {
      const c = this.count(j);
      const r = this.regs[j]!;
      const b = this.base(j);
      for (const o of fixedEntries(fn, c, r)) out.push(b + o);
      if (fn === 'VmMemMigrateAddPageToDest') {
        const w = this.words(j);
        let o = addLoop(c, r);
        for (let i = 0; i < c; i++) {
          out.push(b + o + 2);
          o += isRegular(w, i) ? 7 : 5;
        }
      }
    }
    return out.sort((x, y) => x - y);
  }

  /** Both pdir pages of each directory, and the REGULAR pages each one named. */
  touched(max: number): number[] | null {
    let n = 0;
    for (let j = 0; j < this.k; j++) n += 2 + this.regs[j]!;
    if (n > max) return null;
    const out: number[] = [];
    for (let j = 0; j < this.k; j++) {
      out.push(this.pages[j]!);
      if (this.dstPages[j]! >= 0) out.push(this.dstPages[j]!);
      const w = this.words(j);
      const c = this.count(j);
      for (let i = 0; i < c; i++) if (isRegular(w, i)) out.push(pfIndex(w[2 * i]!, w[2 * i + 1]!));
    }
    return out;
  }

  backmap(mpn: number): TraceRow[] {
    const src = this.cx.src.owners.mainmem.slot << BACKMAP_PGNUM_BITS;
    const dst = this.cx.dst.owners.mainmem.slot << BACKMAP_PGNUM_BITS;
    // A pdir page: the destination's own is freed (MemMap_FreeKernelPage), the source's changes owner (BackMap_SetPDir).
    const srcPdir = this.cx.src.owners.pdir.slot << BACKMAP_PGNUM_BITS;
    const dstPdir = this.cx.dst.owners.pdir.slot << BACKMAP_PGNUM_BITS;
    for (let j = 0; j < this.k; j++) {
      if (this.pages[j] !== mpn && this.dstPages[j] !== mpn) continue;
      const d = this.from + j;
      const b = this.base(j) + 2 * this.count(j) + 2 * this.regs[j]!;
      if (this.dstPages[j] === mpn) return [{ step: b + 37, old: (dstPdir | d) >>> 0, new: 0, ...this.lines.freeKernelPage }];
      return [{ step: b + 39, old: (srcPdir | d) >>> 0, new: (dstPdir | d) >>> 0, ...this.lines.setPDir }];
    }
    for (let j = 0; j < this.k; j++) {
      const w = this.words(j);
      const c = this.count(j);
      let i = 0;
      while (i < c && !(isRegular(w, i) && pfIndex(w[2 * i]!, w[2 * i + 1]!) === mpn)) i++;
      if (i === c) continue;
      const b = this.base(j);
      let ro = REMOVE_LOOP;
      let ao = addLoop(c, this.regs[j]!);
      for (let q = 0; q < i; q++) {
        ro += isRegular(w, q) ? 4 : 2;
        ao += isRegular(w, q) ? 7 : 5;
      }
      const pg = (this.from + j) * ALLOC_PDIR_PAGES + i;
      return [
        { step: b + ro + 3, old: (src | pg) >>> 0, new: 0, ...this.lines.unset },
        { step: b + ao + 4, old: 0, new: (dst | pg) >>> 0, ...this.lines.setRegular },
      ];
    }
    return [];
  }
}

/**
 * Pages `i0`.. of one pdir that an inner loop's bulk form (VmMemMigrateRemovePageDirFromSource's or
 * VmMemMigrateInitPageDirsOnDest's) handled in one step starting after step `at`.
 */
export class PageLoopTrace implements BulkTrace {
  constructor(
    private readonly cx: FsrContext,
    private readonly kind: 'remove' | 'add',
    private readonly at: number,
    private readonly dirMPN: number,
    private readonly pgNum: number,
    private readonly i0: number,
    private readonly i1: number,
    private readonly line: { fn: string; line: number },
  ) {}

  private words(): Uint32Array {
    return wordsAt(this.cx.rt.changes, this.cx.host, this.dirMPN, this.at);
  }

  entries(fn: string): number[] {
    if (this.kind !== 'add' || fn !== 'VmMemMigrateAddPageToDest') return [];
    const w = this.words();
    const out: number[] = [];
    let o = 0;
    for (let i = this.i0; i < this.i1; i++) {
      out.push(this.at + o + 2);
      o += isRegular(w, i) ? 7 : 5;
    }
    return out;
  }

  pdir(): TraceRow[] {
    return [];
  }

  /** The REGULAR pages of the loop's range. */
  touched(max: number): number[] | null {
    if (this.i1 - this.i0 > max) return null;
    const w = this.words();
    const out: number[] = [];
    for (let i = this.i0; i < this.i1; i++) if (isRegular(w, i)) out.push(pfIndex(w[2 * i]!, w[2 * i + 1]!));
    return out;
  }

  backmap(mpn: number): TraceRow[] {
    const w = this.words();
    let o = 0;
    for (let i = this.i0; i < this.i1; i++) {
      const reg = isRegular(w, i);
      if (reg && pfIndex(w[2 * i]!, w[2 * i + 1]!) === mpn) {
        const pg = this.pgNum + i;
        if (this.kind === 'remove') return [{ step: this.at + o + 3, old: ((this.cx.src.owners.mainmem.slot << BACKMAP_PGNUM_BITS) | pg) >>> 0, new: 0, ...this.line }];
        return [{ step: this.at + o + 4, old: 0, new: ((this.cx.dst.owners.mainmem.slot << BACKMAP_PGNUM_BITS) | pg) >>> 0, ...this.line }];
      }
      o += this.kind === 'remove' ? (reg ? 4 : 2) : reg ? 7 : 5;
    }
    return [];
  }
}

/**
 * Directories VmMem_InitPDirs' bulk form gave the destination in one step starting after step `at`:
 * directory dirs[j] got page mpns[j] at its PFrame_DirAlloc step.
 */
export class InitDirsTrace implements BulkTrace {
  constructor(
    private readonly cx: FsrContext,
    private readonly at: number,
    private readonly from: number,
    private readonly dirs: Int32Array,
    private readonly mpns: Float64Array,
    private readonly k: number,
    private readonly site: Site,
  ) {}
  private find(test: (j: number) => boolean): number {
    for (let j = 0; j < this.k; j++) if (test(j)) return j;
    return -1;
  }
  /** Each iteration is the loop head and PFrame_DirAlloc: directory d's allocation is the second. */
  private step(j: number): number {
    return this.at + 2 * (this.dirs[j]! - this.from) + 2;
  }
  entries(): number[] {
    return [];
  }
  /** The pdir pages it allocated. */
  touched(max: number): number[] | null {
    return this.k > max ? null : Array.from(this.mpns.subarray(0, this.k));
  }
  pdir(worldSlot: number, dir: number): TraceRow[] {
    if (worldSlot !== this.cx.dst.owners.pdir.slot) return [];
    const j = this.find((q) => this.dirs[q] === dir);
    return j < 0 ? [] : [{ step: this.step(j), old: 0, new: PFrameMakePTE(this.mpns[j]!), ...this.site }];
  }
  backmap(mpn: number): TraceRow[] {
    const j = this.find((q) => this.mpns[q] === mpn);
    return j < 0 ? [] : [{ step: this.step(j), old: 0, new: ((this.cx.dst.owners.pdir.slot << BACKMAP_PGNUM_BITS) | this.dirs[j]!) >>> 0, ...this.site }];
  }
}
