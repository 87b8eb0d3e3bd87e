// Host memory summarized for a picture: the MPN space downsampled to cells coloured by owner and
// page kind, pdir marks, each world's pdirInfo pointers, swap bitmaps, the phase timeline and the
// FSR state machines, as JSON-safe data with deltas. Knows no protocol, no editor and no DOM.

import { BACKMAP_PGNUM_BITS, type HostMemory } from './host';
import { OWNER_SHIFT } from './backmap';
import { INVALID_MPN64, mpnHex } from './pframe';
import type { SwapFile } from './swap';
import { type World, ALLOC_PDIR_PAGES, pteToMPN } from './world';
import { RESUME_STATES, SWAP_COPY_STATES } from './sim/context';
import { type PFrameView, type Session, pframeView } from './sim/session';
import { toBase64 } from './base64';

// ---- cell classes -----------------------------------------------------------------------------

/** A cell's class (low 4 bits of its byte): who owns most of its MPNs, and as what. */
export const CellClass = {
  FREE: 0,
  SRC_MAIN: 1,
  SRC_PDIR: 2,
  SRC_PAGES2: 3,
  SRC_MEMZIP: 4,
  DST_MAIN: 5,
  DST_PDIR: 6,
  DST_PAGES2: 7,
  DST_MEMZIP: 8,
  PSHARE: 9,
  OTHER: 10,
} as const;
export type CellClassCode = (typeof CellClass)[keyof typeof CellClass];

/** Flag bits over the class: the cell holds a source pdir page, a destination pdir page, several owners, free MPNs. */
export const CELL_HAS_SRC_PDIR = 0x10;
export const CELL_HAS_DST_PDIR = 0x20;
export const CELL_MIXED = 0x40;
export const CELL_HAS_FREE = 0x80;
export const CELL_CLASS_MASK = 0x0f;

export const CELL_CLASS_INFO: ReadonlyArray<{ code: number; owner: 'free' | 'source' | 'destination' | 'shared' | 'other'; kind: string; label: string }> = [
  { code: 0, owner: 'free', kind: 'free', label: 'free' },
  { code: 1, owner: 'source', kind: 'mainmem', label: 'source main memory' },
  { code: 2, owner: 'source', kind: 'pdir', label: 'source pdir page' },
  { code: 3, owner: 'source', kind: 'pdir2', label: 'source pages2' },
  { code: 4, owner: 'source', kind: 'memzip', label: 'source MemZip cache' },
  { code: 5, owner: 'destination', kind: 'mainmem', label: 'destination main memory' },
  { code: 6, owner: 'destination', kind: 'pdir', label: 'destination pdir page' },
  { code: 7, owner: 'destination', kind: 'pdir2', label: 'destination pages2' },
  { code: 8, owner: 'destination', kind: 'memzip', label: 'destination MemZip cache' },
  { code: 9, owner: 'shared', kind: 'pshare', label: 'page-sharing pool (COW)' },
  { code: 10, owner: 'other', kind: 'other', label: 'another owner' },
];

/** Cells at most in a map: 128 Ki cells (one byte each), so a full map is ≤ 176 KiB of base64. */
export const MAX_CELLS = 128 * 1024;

export interface MapRegion {
  baseMPN: number;
  pages: number;
  firstCell: number;
  cells: number;
}

export interface MapLayout {
  /** MPNs per cell (the last cell of a region may hold fewer). */
  cellPages: number;
  cells: number;
  regions: MapRegion[];
}

/** Cells never straddle regions; every region gets ceil(pages / cellPages) cells. */
export function mapLayout(host: HostMemory, maxCells = MAX_CELLS): MapLayout {
  let cellPages = Math.max(1, Math.ceil(host.totalPages / maxCells));
  // Rounding per region can push the count over the limit: widen cells until it fits.
  for (;;) {
    let cells = 0;
    const regions: MapRegion[] = [];
    for (const r of host.regions) {
      const n = Math.ceil(r.pages / cellPages);
      regions.push({ baseMPN: r.baseMPN, pages: r.pages, firstCell: cells, cells: n });
      cells += n;
    }
    if (cells <= maxCells) return { cellPages, cells, regions };
    cellPages++;
  }
}

/** The class of each BackMap owner slot (index = slot), for two worlds. */
export function slotClasses(host: HostMemory, src: World, dst: World): Uint8Array {
  const t = new Uint8Array(16).fill(CellClass.OTHER);
  t[0] = CellClass.FREE;
  const side = (w: World, main: number) => {
    t[w.owners.mainmem.slot] = main;
    t[w.owners.pdir.slot] = main + 1;
    t[w.owners.pdir2.slot] = main + 2;
    t[w.owners.memzip.slot] = main + 3;
  };
  for (const o of host.allOwners()) if (o.kind === 'pshare') t[o.slot] = CellClass.PSHARE;
  side(src, CellClass.SRC_MAIN);
  side(dst, CellClass.DST_MAIN);
  return t;
}

/**
 * Fill `out` (one byte per cell) from the BackMap's owner slots: the class of the most common owner plus
 * the flag bits. One pass over the words; a uniform cell costs one compare per MPN.
 */
export function summarizeCells(host: HostMemory, layout: MapLayout, classes: Uint8Array, out: Uint8Array): void {
  const counts = new Uint32Array(16);
  const S = OWNER_SHIFT;
  const cp = layout.cellPages;
  let srcPdirSlot = -1;
  let dstPdirSlot = -1;
  for (let s = 0; s < 16; s++) {
    if (classes[s] === CellClass.SRC_PDIR) srcPdirSlot = s;
    if (classes[s] === CellClass.DST_PDIR) dstPdirSlot = s;
  }
  for (let ri = 0; ri < host.regions.length; ri++) {
    const bm = host.regions[ri]!.backmap.words; // owner slot = word >>> OWNER_SHIFT
    const reg = layout.regions[ri]!;
    const n = reg.pages;
    for (let c = 0; c < reg.cells; c++) {
      const start = c * cp;
      const end = Math.min(start + cp, n);
      const first = bm[start]! >>> S;
      let i = start + 1;
      while (i < end && bm[i]! >>> S === first) i++;
      if (i === end) {
        out[reg.firstCell + c] = classes[first]! | (first === 0 ? CELL_HAS_FREE : 0) | (first === srcPdirSlot ? CELL_HAS_SRC_PDIR : 0) | (first === dstPdirSlot ? CELL_HAS_DST_PDIR : 0);
        continue;
      }
      counts.fill(0);
      counts[first] = i - start;
      for (; i < end; i++) counts[bm[i]! >>> S]!++;
      // The most common owner names the cell, free counting only when nothing owns the rest.
      let best = 0;
      for (let s = 1; s < 16; s++) if (counts[s]! > counts[best]! || (best === 0 && counts[s]! > 0)) best = s;
      let v = classes[best]! | CELL_MIXED;
      if (counts[0]! > 0) v |= CELL_HAS_FREE;
      if (srcPdirSlot >= 0 && counts[srcPdirSlot]! > 0) v |= CELL_HAS_SRC_PDIR;
      if (dstPdirSlot >= 0 && counts[dstPdirSlot]! > 0) v |= CELL_HAS_DST_PDIR;
      out[reg.firstCell + c] = v;
    }
  }
}

/** The cell holding `mpn`, or -1 outside host memory. */
export function cellOf(layout: MapLayout, mpn: number): number {
  for (const r of layout.regions) if (mpn >= r.baseMPN && mpn < r.baseMPN + r.pages) return r.firstCell + Math.floor((mpn - r.baseMPN) / layout.cellPages);
  return -1;
}

/** The first MPN of a cell and how many it spans, or null for a cell out of range. */
export function cellRange(layout: MapLayout, cell: number): { firstMPN: number; pages: number } | null {
  for (const r of layout.regions) {
    if (cell >= r.firstCell && cell < r.firstCell + r.cells) {
      const off = (cell - r.firstCell) * layout.cellPages;
      return { firstMPN: r.baseMPN + off, pages: Math.min(layout.cellPages, r.pages - off) };
    }
  }
  return null;
}

// ---- pdirInfo pointers ------------------------------------------------------------------------

/** Pointer buckets per world at most: enough arrows to see the redirect, few enough to draw. */
export const MAX_POINTER_BUCKETS = 256;

/**
 * A world's pdirInfo downsampled to buckets of consecutive dirIndexes. Flat, 6 numbers a bucket:
 * firstDir, dirs, present (PTEs with P set), target cell (of the first present pdir page, -1 none),
 * lowest and highest target cell.
 */
export function pdirPointers(world: World, layout: MapLayout, maxBuckets = MAX_POINTER_BUCKETS): number[] {
  const info = world.pframes.pdirInfo;
  const n = info.length;
  const buckets = Math.min(n, maxBuckets);
  const out: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * n) / buckets);
    const hi = Math.floor(((b + 1) * n) / buckets);
    let present = 0;
    let target = -1;
    let cmin = Infinity;
    let cmax = -1;
    for (let d = lo; d < hi; d++) {
      const mpn = pteToMPN(info[d]!);
      if (mpn === INVALID_MPN64) continue;
      present++;
      const c = cellOf(layout, mpn);
      if (target < 0) target = c;
      if (c < cmin) cmin = c;
      if (c > cmax) cmax = c;
    }
    out.push(lo, hi - lo, present, target, present ? cmin : -1, cmax);
  }
  return out;
}

// ---- swap bitmaps -----------------------------------------------------------------------------

export const MAX_SWAP_BUCKETS = 2048;

export interface SwapSummary {
  name: string;
  numSlots: number;
  usedSlots: number;
  /** Slots per bucket. */
  bucketSlots: number;
  /** base64 of one byte per bucket: 0 = all free, 1..255 = share used (any use is at least 1). */
  buckets: string;
}

export function swapSummary(file: SwapFile, maxBuckets = MAX_SWAP_BUCKETS): SwapSummary {
  const n = file.numSlots;
  const bucketSlots = Math.max(1, Math.ceil(n / maxBuckets));
  const nb = Math.ceil(n / bucketSlots);
  const out = new Uint8Array(nb);
  const bits = file.bitmap;
  for (let b = 0; b < nb; b++) {
    const lo = b * bucketSlots;
    const hi = Math.min(lo + bucketSlots, n);
    let used = 0;
    for (let s = lo; s < hi; s++) if ((bits[s >>> 5]! >>> (s & 31)) & 1) used++;
    out[b] = used === 0 ? 0 : Math.max(1, Math.round((used / (hi - lo)) * 255));
  }
  return { name: file.name, numSlots: n, usedSlots: file.usedSlots, bucketSlots, buckets: toBase64(out) };
}

// ---- the whole view -----------------------------------------------------------------------------

export interface PhaseSpan {
  name: string;
  /** First and last step this phase was reached at (a phase hit once per pdir is one span). */
  firstStep: number;
  lastStep: number;
  count: number;
  actor: string;
}

export interface WorldSide {
  name: string;
  worldID: number;
  numDirs: number;
  /** PTEs with P set. */
  presentDirs: number;
  /** Flat buckets from pdirPointers, or null when unchanged since the snapshot asked about. */
  pointers: number[] | null;
  /** `Alloc_Info` counters worth a glance. */
  numPDirEntries: number;
  statsAllocated: number;
  swap: SwapSummary | null;
  migSwapUsed: number;
  cptSwapUsed: number;
  swapperEnabled: boolean;
}

export interface HostMapView {
  /** This snapshot's id; pass it as `since` to get a delta next time. */
  id: number;
  /** The step (history length) this snapshot shows. */
  step: number;
  scenario: string;
  layout: MapLayout;
  /** Full map (base64, one byte per cell), or null when `delta` is given. */
  cells: string | null;
  /** Changes since `since`: flat [cell, byte, cell, byte, …]. */
  delta: number[] | null;
  /** The snapshot id the delta applies to. */
  since: number | null;
  source: WorldSide;
  destination: WorldSide;
  /** Phases seen on this run (also ahead of `step` after stepping back), collapsed into spans. */
  phases: PhaseSpan[];
  /** The furthest step seen on this run. */
  maxStep: number;
  fsr: {
    resumeState: string;
    resumeStates: readonly string[];
    swapCopyState: string;
    swapCopyStates: readonly string[];
    hasSwapCopy: boolean;
    /** States each machine has been in so far on this run (in order of first visit). */
    resumeVisited: string[];
    swapCopyVisited: string[];
  };
  invariants: Array<{ message: string; step: number | null; cell: number; mpn: string | null }>;
  stop: { reason: string; description: string; exception: string | null } | null;
  finished: boolean;
  victor: string;
}

/** What a page is, for the panel that opens on a click. */
export interface PageInfo {
  mpn: number;
  mpnHex: string;
  cell: number;
  cellFirstMPN: string;
  cellPages: number;
  owner: string;
  ownerKind: string;
  worldID: number;
  pgNum: number | null;
  allocated: boolean;
  /** For a main-memory page: the owning world's PFrame of pgNum, decoded. */
  pframe: (PFrameView & { world: 'source' | 'destination'; pgNum: number }) | null;
  /** For a pdir page: which dirIndex of which world points at it, and its first PFrames. */
  pdir: { pointedBy: Array<{ world: string; dirIndex: number }>; firstPFrames: Array<{ pgNum: number; type: string; mpnHex: string; pte: string }> } | null;
  note: string;
}

const swapFileOf = (w: World): SwapFile => w.swap.swapFile;

/**
 * Follows one session for one viewer: remembers the last map sent (for deltas), the phases and
 * invariant breaks seen (also those ahead after stepping back) and the states visited.
 */
export class HostMapTracker {
  readonly layout: MapLayout;
  private readonly classes: Uint8Array;
  private cells: Uint8Array;
  private lastId = 0;
  /** Snapshots kept for deltas: id → cells (the newest two). */
  private kept: Array<{ id: number; cells: Uint8Array; pointers: [string, string]; swap: [string, string] }> = [];
  private phaseSeen = new Map<string, { step: number; name: string; actor: string }>();
  private maxStep = 0;
  private breakSteps = new Map<string, number>();
  private resumeVisited: string[] = [];
  private swapCopyVisited: string[] = [];

  constructor(readonly session: Session) {
    this.layout = mapLayout(session.machine.host);
    this.classes = slotClasses(session.machine.host, session.src, session.dst);
    this.cells = new Uint8Array(this.layout.cells);
    session.onEvent((e) => {
      if (e.type === 'exception' && e.filter === 'invariant' && !this.breakSteps.has(e.message)) this.breakSteps.set(e.message, e.step);
    });
  }

  /** A snapshot of the view; a delta against `since` when that snapshot is still known. */
  view(since?: number): HostMapView {
    const s = this.session;
    const host = s.machine.host;
    const step = s.rt.stepCount;
    this.maxStep = Math.max(this.maxStep, step);
    summarizeCells(host, this.layout, this.classes, this.cells);
    const id = ++this.lastId;
    const srcPtr = pdirPointers(s.src, this.layout);
    const dstPtr = pdirPointers(s.dst, this.layout);
    const srcSwap = swapSummary(swapFileOf(s.src));
    const dstSwap = swapSummary(swapFileOf(s.dst));
    const ptrKeys: [string, string] = [srcPtr.join(','), dstPtr.join(',')];
    const swapKeys: [string, string] = [JSON.stringify(srcSwap), JSON.stringify(dstSwap)];
    const base = since === undefined ? undefined : this.kept.find((k) => k.id === since);

    let cells: string | null = null;
    let delta: number[] | null = null;
    if (base) {
      delta = [];
      const a = base.cells;
      const b = this.cells;
      for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) delta.push(i, b[i]!);
      // A delta larger than a third of the map costs more than the map itself.
      if (delta.length / 2 > b.length / 3) delta = null;
    }
    if (!delta) cells = toBase64(this.cells);
    this.kept.push({ id, cells: this.cells.slice(), pointers: ptrKeys, swap: swapKeys });
    if (this.kept.length > 2) this.kept.shift();

    for (const p of s.phases()) {
      const key = `${p.step}:${p.name}`;
      if (!this.phaseSeen.has(key)) this.phaseSeen.set(key, { step: p.step, name: p.name, actor: p.actor });
    }
    const fsr = s.cx.fsr;
    if (!this.resumeVisited.includes(fsr.resumeState)) this.resumeVisited.push(fsr.resumeState);
    if (fsr.swapCopyState !== 'none' && !this.swapCopyVisited.includes(fsr.swapCopyState)) this.swapCopyVisited.push(fsr.swapCopyState);

    const side = (w: World, ptr: number[], swap: SwapSummary, i: 0 | 1): WorldSide => {
      let present = 0;
      for (let d = 0; d < w.numDirs; d++) if (w.pframes.pdirInfo[d]! % 2 === 1) present++;
      return {
        name: w.name,
        worldID: w.worldID,
        numDirs: w.numDirs,
        presentDirs: present,
        pointers: base && base.pointers[i] === ptrKeys[i] ? null : ptr,
        numPDirEntries: w.pframes.numPDirEntries,
        statsAllocated: w.stats.allocated,
        swap: base && base.swap[i] === swapKeys[i] ? null : swap,
        migSwapUsed: w.swap.migSwapFile.usedSlots,
        cptSwapUsed: w.swap.cptSwapFile.usedSlots,
        swapperEnabled: w.swap.swapperEnabled,
      };
    };
    const stop = s.rt.lastStop;
    const outcome = s.outcome();
    return {
      id,
      step,
      scenario: s.scenario.name,
      layout: this.layout,
      cells,
      delta,
      since: delta ? since! : null,
      source: side(s.src, srcPtr, srcSwap, 0),
      destination: side(s.dst, dstPtr, dstSwap, 1),
      phases: collapsePhases([...this.phaseSeen.values()]),
      maxStep: this.maxStep,
      fsr: {
        resumeState: fsr.resumeState,
        resumeStates: RESUME_STATES,
        swapCopyState: fsr.swapCopyState,
        swapCopyStates: SWAP_COPY_STATES,
        hasSwapCopy: fsr.hasSwapCopy,
        resumeVisited: [...this.resumeVisited],
        swapCopyVisited: [...this.swapCopyVisited],
      },
      invariants: s.rt.invariantBreaks.map((message) => {
        const m = /(?:MPN|page) (0x[0-9a-f]+)/.exec(message);
        const mpn = m ? parseInt(m[1]!, 16) : null;
        return { message, step: this.breakSteps.get(message) ?? null, cell: mpn === null ? -1 : cellOf(this.layout, mpn), mpn: m ? m[1]! : null };
      }),
      stop: stop ? { reason: stop.reason, description: stop.description, exception: stop.exception ? `${stop.exception.filter}: ${stop.exception.message}` : null } : null,
      finished: outcome.finished,
      victor: outcome.victor,
    };
  }

  /** What the page at `mpn` is (or, given a cell, its most telling page: a pdir page if any). */
  page(where: { mpn?: number; cell?: number }): PageInfo {
    const s = this.session;
    const host = s.machine.host;
    let mpn: number;
    if (where.mpn !== undefined) {
      mpn = where.mpn;
      if (cellOf(this.layout, mpn) < 0) throw new RangeError(`MPN ${mpnHex(mpn)} is not in host memory`);
    } else {
      const r = cellRange(this.layout, where.cell ?? -1);
      if (!r) throw new RangeError(`cell ${where.cell} is outside 0..${this.layout.cells - 1}`);
      mpn = r.firstMPN;
      let pick = -1;
      for (let m = r.firstMPN; m < r.firstMPN + r.pages; m++) {
        const k = this.classes[host.backmapEntry(m) >>> BACKMAP_PGNUM_BITS]!;
        if (k === CellClass.SRC_PDIR || k === CellClass.DST_PDIR) {
          pick = m;
          break;
        }
        if (pick < 0 && k !== CellClass.FREE) pick = m;
      }
      if (pick >= 0) mpn = pick;
    }
    const cell = cellOf(this.layout, mpn);
    const range = cellRange(this.layout, cell)!;
    const bm = host.backmapLookup(mpn);
    const info: PageInfo = {
      mpn,
      mpnHex: mpnHex(mpn),
      cell,
      cellFirstMPN: mpnHex(range.firstMPN),
      cellPages: range.pages,
      owner: bm ? bm.owner.label : 'free',
      ownerKind: bm ? bm.owner.kind : 'free',
      worldID: bm ? bm.owner.worldID : 0,
      pgNum: bm ? bm.pgNum : null,
      allocated: host.isAllocated(mpn),
      pframe: null,
      pdir: null,
      note: '',
    };
    const world = bm ? [s.src, s.dst].find((w) => w.worldID === bm.owner.worldID) : undefined;
    const side = world === s.src ? 'source' : 'destination';
    if (!bm) info.note = info.allocated ? 'allocated, but no BackMap entry' : 'free: not allocated';
    else if (bm.owner.kind === 'mainmem' && world) {
      const v = s.pframe(world, bm.pgNum);
      if ('error' in v) info.note = v.error;
      else info.pframe = { ...v, world: side, pgNum: bm.pgNum };
    } else if (bm.owner.kind === 'pdir') {
      const pointedBy: Array<{ world: string; dirIndex: number }> = [];
      for (const w of [s.src, s.dst]) for (let d = 0; d < w.numDirs; d++) if (w.dirMPN(d) === mpn) pointedBy.push({ world: w.name, dirIndex: d });
      const words = host.read(mpn);
      const u32 = new Uint32Array(words.buffer, words.byteOffset, 1024);
      const dir = pointedBy[0]?.dirIndex ?? bm.pgNum;
      const firstPFrames = [];
      for (let i = 0; i < 8; i++) {
        const v = pframeView(u32[2 * i]!, u32[2 * i + 1]!, mpn, i);
        firstPFrames.push({ pgNum: dir * ALLOC_PDIR_PAGES + i, type: v.type, mpnHex: v.mpnHex, pte: v.pte });
      }
      info.pdir = { pointedBy, firstPFrames };
      info.note = pointedBy.length ? `pdir page of ${pointedBy.map((p) => `${p.world} dir ${p.dirIndex}`).join(' and ')}` : 'a pdir page no pdirInfo entry points at';
      if (world) {
        const first = (pointedBy[0]?.dirIndex ?? bm.pgNum) * ALLOC_PDIR_PAGES;
        if (first < world.pframes.numMainMemPages) {
          const v = s.pframe(world, first);
          if (!('error' in v)) info.pframe = { ...v, world: side, pgNum: first };
        }
      }
    } else if (bm.owner.kind === 'pshare') info.note = `shared (COW) page, ${s.machine.pshare.refCount(mpn)} references`;
    else if (bm.owner.kind === 'memzip') info.note = 'MemZip compression cache page: four 1 KiB zipped blocks';
    else info.note = `${bm.owner.label}, pgNum ${bm.pgNum}`;
    return info;
  }
}

function collapsePhases(marks: Array<{ step: number; name: string; actor: string }>): PhaseSpan[] {
  marks.sort((a, b) => a.step - b.step);
  const out: PhaseSpan[] = [];
  for (const m of marks) {
    const last = out[out.length - 1];
    if (last && last.name === m.name && last.actor === m.actor) {
      last.lastStep = m.step;
      last.count++;
    } else out.push({ name: m.name, firstStep: m.step, lastStep: m.step, count: 1, actor: m.actor });
  }
  return out;
}

export { fromBase64, toBase64 } from './base64';
