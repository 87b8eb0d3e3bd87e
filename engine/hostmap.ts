// Host memory summarized for a picture: the MPN space downsampled to cells coloured by owner and
// page kind (kept up to date from the change log, not by scanning the host at every stop), a zoomed
// window at any resolution, each world's pdirInfo pointers as runs, swap bitmaps, the phase timeline
// in lanes, the FSR state machines as graphs, invariant breaks and a page decoded — each the state
// at the step asked about. JSON-safe data with deltas. Knows no protocol, no editor and no DOM.

import { BACKMAP_PGNUM_BITS, type HostMemory } from './host';
import { OWNER_SHIFT } from './backmap';
import {
  INVALID_MPN64,
  MAPPED_IN_VMX_NOTE,
  PFRAME_LAYOUT,
  PFRAME_LAYOUT_NOTES,
  type MpnFormula,
  decodePFrame,
  extraMember,
  hexNumber,
  indexMeaning,
  mpnFormulas,
  mpnHex,
  pageTypeName,
  pfIndex,
  pfType,
  pframeForm,
  pteHex,
} from './pframe';
import type { SwapFile } from './swap';
import { type World, ALLOC_PDIR_PAGES, pteToMPN } from './world';
import { type BackMapMove, ChangeKind, type FieldChange } from './sim/changes';
import { MACHINES, type MachineDef } from './sim/machines';
import type { BulkTrace } from './sim/runtime';
import type { PhaseMark, PhaseRun, Session } from './sim/session';
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

/** Cells at most in the overview: 128 Ki cells (one byte each), so a full map is ≤ 176 KiB of base64. */
export const MAX_CELLS = 128 * 1024;
/** A zoomed window: at most this many cells, and at most this many MPNs looked at per stop. */
export const MAX_WINDOW_CELLS = 64 * 1024;
export const MAX_WINDOW_PAGES = 4 * 1024 * 1024;

export interface MapRegion {
  baseMPN: number;
  pages: number;
  firstCell: number;
  cells: number;
  /** The region's first page in the index space (the host's ranges one after another). */
  firstIndex: number;
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
    let index = 0;
    const regions: MapRegion[] = [];
    for (const r of host.regions) {
      const n = Math.ceil(r.pages / cellPages);
      regions.push({ baseMPN: r.baseMPN, pages: r.pages, firstCell: cells, cells: n, firstIndex: index });
      cells += n;
      index += r.pages;
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

/** Counts the owner slots of BackMap words [start, end) into `counts` (one compare per MPN where they agree). */
function countOwners(words: Uint16Array, start: number, end: number, counts: Uint32Array): void {
  if (start >= end) return;
  const S = OWNER_SHIFT;
  const first = words[start]! >>> S;
  let i = start + 1;
  while (i < end && words[i]! >>> S === first) i++;
  counts[first]! += i - start;
  for (; i < end; i++) counts[words[i]! >>> S]!++;
}

/** Why one cell is the colour it is: the most common owner (free only when nothing owns the rest) and the flags. */
class CellSummarizer {
  readonly counts = new Uint32Array(16);
  private srcPdir = -1;
  private dstPdir = -1;
  constructor(readonly classes: Uint8Array) {
    for (let s = 0; s < 16; s++) {
      if (classes[s] === CellClass.SRC_PDIR) this.srcPdir = s;
      if (classes[s] === CellClass.DST_PDIR) this.dstPdir = s;
    }
  }
  /** The byte for the counts gathered (and clears them). */
  byte(): number {
    const c = this.counts;
    let best = 0;
    let owners = 0;
    for (let s = 0; s < 16; s++) {
      if (c[s] === 0) continue;
      owners++;
      if (s > 0 && (best === 0 || c[s]! > c[best]!)) best = s;
    }
    let v = this.classes[best]!;
    if (owners > 1) v |= CELL_MIXED;
    if (c[0]! > 0) v |= CELL_HAS_FREE;
    if (this.srcPdir >= 0 && c[this.srcPdir]! > 0) v |= CELL_HAS_SRC_PDIR;
    if (this.dstPdir >= 0 && c[this.dstPdir]! > 0) v |= CELL_HAS_DST_PDIR;
    c.fill(0);
    return v;
  }
}

/** Fill `out` (one byte per cell) from the BackMap's owner slots: one pass over the words. */
export function summarizeCells(host: HostMemory, layout: MapLayout, classes: Uint8Array, out: Uint8Array): void {
  const sum = new CellSummarizer(classes);
  for (let ri = 0; ri < host.regions.length; ri++) {
    const words = host.regions[ri]!.backmap.words;
    const reg = layout.regions[ri]!;
    for (let c = 0; c < reg.cells; c++) {
      const start = c * layout.cellPages;
      countOwners(words, start, Math.min(start + layout.cellPages, reg.pages), sum.counts);
      out[reg.firstCell + c] = sum.byte();
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

/** The MPN at a position of the index space (the host's ranges one after another), or -1. */
export function indexToMPN(layout: MapLayout, index: number): number {
  for (const r of layout.regions) if (index >= r.firstIndex && index < r.firstIndex + r.pages) return r.baseMPN + (index - r.firstIndex);
  return -1;
}

/** The index-space position of an MPN, or -1 outside host memory. */
export function mpnToIndex(layout: MapLayout, mpn: number): number {
  for (const r of layout.regions) if (mpn >= r.baseMPN && mpn < r.baseMPN + r.pages) return r.firstIndex + (mpn - r.baseMPN);
  return -1;
}

// ---- a zoomed window --------------------------------------------------------------------------

/** A stretch of the index space at `cellPages` MPNs per cell (a cell may straddle two ranges). */
export interface ViewWindow {
  firstIndex: number;
  cells: number;
  cellPages: number;
}

export interface WindowCells extends ViewWindow {
  /** base64, one byte per cell, as the overview's. */
  bytes: string;
  /** Each world's pdirInfo entries that name a page in the window: flat [dirIndex, MPN, …]; null when more than MAX_WINDOW_POINTERS. */
  srcPointers: number[] | null;
  dstPointers: number[] | null;
}

export const MAX_WINDOW_POINTERS = 1024;

/** Checks a window a viewer asks for; throws a RangeError naming what is wrong. */
export function checkWindow(layout: MapLayout, w: ViewWindow): void {
  const total = layout.regions.reduce((n, r) => n + r.pages, 0);
  const int = (v: number) => Number.isSafeInteger(v);
  if (!int(w.firstIndex) || w.firstIndex < 0 || w.firstIndex >= total) throw new RangeError(`window.firstIndex must be in 0..${total - 1}, got ${w.firstIndex}`);
  if (!int(w.cellPages) || w.cellPages < 1) throw new RangeError(`window.cellPages must be a whole number ≥ 1, got ${w.cellPages}`);
  if (!int(w.cells) || w.cells < 1 || w.cells > MAX_WINDOW_CELLS) throw new RangeError(`window.cells must be in 1..${MAX_WINDOW_CELLS}, got ${w.cells}`);
  if (w.cells * w.cellPages > MAX_WINDOW_PAGES) throw new RangeError(`a window covers at most ${MAX_WINDOW_PAGES} MPNs (${w.cells} cells of ${w.cellPages} is ${w.cells * w.cellPages}); coarser views come from the overview`);
}

function windowCells(host: HostMemory, layout: MapLayout, classes: Uint8Array, w: ViewWindow, src: World, dst: World): WindowCells {
  const sum = new CellSummarizer(classes);
  const out = new Uint8Array(w.cells);
  const total = layout.regions.reduce((n, r) => n + r.pages, 0);
  for (let c = 0; c < w.cells; c++) {
    const a = w.firstIndex + c * w.cellPages;
    const b = Math.min(total, a + w.cellPages);
    if (a >= total) {
      out[c] = 0;
      continue;
    }
    for (let ri = 0; ri < layout.regions.length; ri++) {
      const r = layout.regions[ri]!;
      const lo = Math.max(a, r.firstIndex);
      const hi = Math.min(b, r.firstIndex + r.pages);
      if (lo < hi) countOwners(host.regions[ri]!.backmap.words, lo - r.firstIndex, hi - r.firstIndex, sum.counts);
    }
    out[c] = sum.byte();
  }
  const end = w.firstIndex + w.cells * w.cellPages;
  const pointers = (world: World): number[] | null => {
    const info = world.pframes.pdirInfo;
    const list: number[] = [];
    for (let d = 0; d < info.length; d++) {
      const mpn = pteToMPN(info[d]!);
      if (mpn === INVALID_MPN64) continue;
      const i = mpnToIndex(layout, mpn);
      if (i < w.firstIndex || i >= end) continue;
      if (list.length >= 2 * MAX_WINDOW_POINTERS) return null;
      list.push(d, mpn);
    }
    return list;
  };
  return { ...w, bytes: toBase64(out), srcPointers: pointers(src), dstPointers: pointers(dst) };
}

// ---- pdirInfo pointers ------------------------------------------------------------------------

/** Pointer entries per world at most: runs, merged into bundles beyond that. */
export const MAX_POINTER_RUNS = 512;
/** Numbers per pointer entry: firstDir, dirs, present, lowest target MPN, highest target MPN, stride (0: a bundle). */
export const POINTER_STRIDE = 6;

/**
 * A world's pdirInfo as runs: consecutive present directories whose pdir pages are evenly spaced MPNs
 * (dir d of a run names `lowest + (d − firstDir) · stride`), flat, POINTER_STRIDE numbers each. A VM
 * built page directory by page directory is one run (stride 513 when each pdir page precedes its 512
 * pages); the redirect splits the destination's into the source's pages and its own. Beyond `maxRuns`,
 * neighbours are merged into bundles (stride 0: the targets lie between lowest and highest).
 */
export function pdirPointers(world: World, maxRuns = MAX_POINTER_RUNS): number[] {
  const info = world.pframes.pdirInfo;
  // One pass into a typed array (a run per directory at most), no object per run.
  const runs = new Float64Array(Math.max(1, info.length) * POINTER_STRIDE);
  let n = 0;
  let start = -1;
  let first = 0;
  let prev = 0;
  let stride = 0;
  for (let d = 0; d <= info.length; d++) {
    const pte = d < info.length ? info[d]! : 0;
    // PTE: P is bit 0, the MPN from bit 12 (pteToMPN, inlined).
    const present = pte % 2 === 1;
    const mpn = present ? Math.floor(pte / 4096) : -1;
    if (present && start >= 0 && (stride === 0 ? mpn > prev : mpn - prev === stride)) {
      stride = mpn - prev;
      prev = mpn;
      continue;
    }
    if (start >= 0) {
      const o = n++ * POINTER_STRIDE;
      runs[o] = start;
      runs[o + 1] = d - start;
      runs[o + 2] = d - start;
      runs[o + 3] = first;
      runs[o + 4] = prev;
      runs[o + 5] = stride || 1;
      start = -1;
    }
    if (present) {
      start = d;
      first = prev = mpn;
      stride = 0;
    }
  }
  const out = Array.from(runs.subarray(0, n * POINTER_STRIDE));
  if (n <= maxRuns) return out;
  // Too many: every k neighbouring runs become one bundle (one pass).
  const k = Math.ceil(n / maxRuns);
  const merged: number[] = [];
  for (let r = 0; r < n; r += k) {
    const last = Math.min(n, r + k) - 1;
    if (last === r) {
      for (let j = 0; j < POINTER_STRIDE; j++) merged.push(out[r * POINTER_STRIDE + j]!);
      continue;
    }
    let present = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let q = r; q <= last; q++) {
      present += out[q * POINTER_STRIDE + 2]!;
      lo = Math.min(lo, out[q * POINTER_STRIDE + 3]!);
      hi = Math.max(hi, out[q * POINTER_STRIDE + 4]!);
    }
    const first = out[r * POINTER_STRIDE]!;
    merged.push(first, out[last * POINTER_STRIDE]! + out[last * POINTER_STRIDE + 1]! - first, present, lo, hi, 0);
  }
  return merged;
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

// ---- the timeline -----------------------------------------------------------------------------

/** Marks per lane at most; a lane with more (big-vm's 32,768 redirects) sends evenly spaced ones and its count. */
export const MAX_LANE_MARKS = 512;

/** One lane of the timeline: a phase, or FAILs, panics or invariant breaks, with the steps they happened at. */
export interface TimelineLane {
  kind: 'phase' | 'fail' | 'panic' | 'invariant';
  name: string;
  /** How many times, in all (also those ahead of `step`, seen before a step back). */
  count: number;
  firstStep: number;
  lastStep: number;
  /** Steps, ascending: every one, or MAX_LANE_MARKS of them spaced evenly (first and last kept). */
  marks: number[];
  /** For exceptions: the message of each mark. */
  messages: string[] | null;
}

function sampleSteps(sources: Array<number | Float64Array>, total: number, max: number): number[] {
  const out: number[] = [];
  const stride = total <= max ? 1 : Math.ceil(total / max);
  let k = 0;
  for (const src of sources) {
    if (typeof src === 'number') {
      if (k++ % stride === 0) out.push(src);
      continue;
    }
    for (let i = 0; i < src.length; i++) if (k++ % stride === 0 || i === 0 || i === src.length - 1) out.push(src[i]!);
  }
  out.sort((a, b) => a - b);
  return out;
}

// ---- the whole view -----------------------------------------------------------------------------

export interface WorldSide {
  name: string;
  worldID: number;
  numDirs: number;
  /** PTEs with P set. */
  presentDirs: number;
  /** Runs from pdirPointers, or null when unchanged since the snapshot asked about. */
  pointers: number[] | null;
  /** `Alloc_Info` counters worth a glance. */
  numPDirEntries: number;
  statsAllocated: number;
  swap: SwapSummary | null;
  migSwapUsed: number;
  cptSwapUsed: number;
  swapperEnabled: boolean;
}

/** A state machine as its graph, with this run's path through it so far. */
export interface MachineView {
  field: 'resumeState' | 'swapCopyState';
  provenance: string;
  states: readonly string[];
  initial: string;
  transitions: ReadonlyArray<{ from: string; to: string; by: string; when: string }>;
  current: string;
  /** States this run has been in up to `step`, in order of first visit. */
  visited: string[];
  /** Transitions made up to `step`: from, to, the step. */
  taken: Array<{ from: string; to: string; step: number }>;
  /** Set when history no longer reaches the first transitions (the first visits may be missing). */
  beyondHorizon: boolean;
}

export interface HostMapView {
  /** This snapshot's id; pass it as `since` to get a delta next time. */
  id: number;
  /** The step this snapshot shows: everything in it is the state after this step. */
  step: number;
  scenario: string;
  layout: MapLayout;
  /** Full map (base64, one byte per cell), or null when `delta` is given. */
  cells: string | null;
  /** Changes since `since`: flat [cell, byte, cell, byte, …]. */
  delta: number[] | null;
  /** The snapshot id the delta applies to. */
  since: number | null;
  /** The window asked for, at its resolution (null when none was asked). */
  window: WindowCells | null;
  source: WorldSide;
  destination: WorldSide;
  /** The timeline's lanes (marks after `step` were seen before a step back: ahead). */
  lanes: TimelineLane[];
  /** The furthest step seen on this run. */
  maxStep: number;
  machines: MachineView[];
  invariants: Array<{ message: string; step: number | null; cell: number; mpn: string | null }>;
  stop: { reason: string; description: string; exception: string | null } | null;
  finished: boolean;
  victor: string;
  /** The page asked for, decoded at `step` (null when none was asked). */
  page: PageInfo | null;
}

/** One field of a decoded PFrame as Variables shows it: the text is the same. */
export interface PFrameFieldRow {
  name: string;
  /** Its declaration (`uint64 type : 4`), and the bits it takes. */
  decl: string;
  bits: string;
  value: string;
  note: string | null;
}

/** A PFrame decoded for the page panel (the same text as Variables). */
export interface PFrameDecode {
  world: 'source' | 'destination';
  pgNum: number;
  pgNumHex: string;
  dirIndexHex: string;
  pageIndexHex: string;
  dirMPNHex: string;
  pte: string;
  form: string;
  /** Set for PFrameMappedInVMX: what of the layout is model. */
  formNote: string | null;
  type: string;
  fields: PFrameFieldRow[];
  extra: { path: string; fields: PFrameFieldRow[] };
  /** The MPN (hex) for types whose index is one, else null; `index` says what the index is. */
  mpnHex: string | null;
  index: string;
  formulas: MpnFormula[] | null;
}

/** What a page is, for the panel that opens on a click. */
export interface PageInfo {
  step: number;
  mpn: number;
  mpnHex: string;
  cell: number;
  cellFirstMPN: string;
  cellPages: number;
  owner: string;
  ownerKind: string;
  worldID: number;
  pgNum: number | null;
  /** pgNum (main memory) or directory index (pdir page) in hex. */
  indexHex: string | null;
  allocated: boolean;
  /** For a main-memory page: the owning world's PFrame of pgNum; for a pdir page, the PFrame of its first page. */
  pframe: PFrameDecode | null;
  /** For a pdir page: which dirIndex of which world points at it, and its first PFrames. */
  pdir: { pointedBy: Array<{ world: string; dirIndexHex: string }>; firstPFrames: Array<{ pgNumHex: string; type: string; mpnHex: string; pte: string }> } | null;
  note: string;
}

/** How Variables and the page panel show a PFrame field's value (hex for indices, the type by name). */
export function pframeFieldText(name: string, v: number): string {
  if (name === 'type') return `${pageTypeName(v)} (${v})`;
  if (name === 'indexLowBits' || name === 'indexHighBits') return hexNumber(v);
  return String(v);
}

/** The rows of a PFrame's decode, as Variables shows them. */
export function pframeDecode(lo: number, hi: number): Pick<PFrameDecode, 'pte' | 'form' | 'formNote' | 'type' | 'fields' | 'extra' | 'mpnHex' | 'index' | 'formulas'> {
  const f = decodePFrame(lo, hi);
  const mapped = (lo & 1) === 1;
  const bits = (b: number, w: number) => (w === 1 ? String(b) : `${b}–${b + w - 1}`);
  const fields: PFrameFieldRow[] = [];
  for (const fd of PFRAME_LAYOUT) {
    if (fd.name === 'extra') continue;
    const model = mapped && fd.bit > 0 ? ' (model: PFrameMappedInVMX)' : '';
    fields.push({
      name: fd.name,
      decl: fd.ctype === 'uint32' ? `uint32 ${fd.name}` : `${fd.ctype} ${fd.name} : ${fd.width}`,
      bits: bits(fd.bit, fd.width) + model,
      value: pframeFieldText(fd.name, f[fd.name as keyof typeof f]),
      note: PFRAME_LAYOUT_NOTES[fd.name] ?? null,
    });
  }
  const ex = extraMember(lo);
  const t = pfType(lo);
  const meaning = indexMeaning(t);
  return {
    pte: pteHex(lo, hi),
    form: pframeForm(lo),
    formNote: mapped ? MAPPED_IN_VMX_NOTE : null,
    type: pageTypeName(t),
    fields,
    extra: {
      path: ex.path,
      fields: ex.fields.map((x) => ({ name: x.name, decl: `uint8 ${x.name} : ${x.width}`, bits: x.bits, value: x.name === 'indexHighBits' ? hexNumber(x.value) : String(x.value), note: null })),
    },
    mpnHex: meaning === 'MPN' ? mpnHex(pfIndex(lo, hi)) : null,
    index: meaning === 'MPN' ? 'an MPN' : meaning === 'none' ? 'not used' : `a ${meaning}: ${hexNumber(pfIndex(lo, hi))}`,
    formulas: meaning === 'MPN' ? mpnFormulas(lo, hi) : null,
  };
}

const swapFileOf = (w: World): SwapFile => w.swap.swapFile;

/** What the tracker asks of one stop. */
export interface ViewRequest {
  /** The snapshot the viewer holds: the overview comes as a delta against it when possible. */
  since?: number;
  /** A stretch of the map at a finer resolution than the overview's. */
  window?: ViewWindow;
  /** An MPN to decode. */
  page?: number;
  /** What stopped the run here, as the debugger said it (else the runtime's last stop, which a goto does not set). */
  stop?: { reason: string; description: string; exception: string | null } | null;
}

/** Integrated BackMap changes at most kept for going back (older ones need a rescan). */
const KEEP_CHANGES = 1 << 22;
/** A bulk step that changed more BackMap entries than this is followed by a rescan. */
const TRACE_TOUCH_MAX = 1 << 16;

/**
 * Follows one session for one viewer. The overview's cells are kept current from the change log:
 * at each view only the cells of MPNs whose BackMap entry changed since the last view (steps run,
 * steps undone, bulk steps through their traces) are summarized again. Also remembers the phases and
 * exceptions seen (also those ahead after stepping back) and the transitions made.
 */
export class HostMapTracker {
  readonly layout: MapLayout;
  private readonly classes: Uint8Array;
  private readonly sum: CellSummarizer;
  private cells: Uint8Array;
  private lastId = 0;
  /** Snapshots kept for deltas (the newest two). */
  private kept: Array<{ id: number; cells: Uint8Array; pointers: [number[], number[]]; swap: [SwapSummary, SwapSummary] }> = [];
  /** The step the cells show (-1: not summarized yet). */
  private cellsStep = -1;
  /** The change log's absolute index up to which changes are integrated. */
  private logEnd = 0;
  /** Integrated BackMap changes (step, MPN), oldest first, so that undone ones can be found. */
  private bmSteps = new Float64Array(1024);
  private bmMPNs = new Float64Array(1024);
  private bmCount = 0;
  /** Integrated bulk steps (their changes are not in the log). */
  private bulk: Array<{ from: number; to: number; trace: BulkTrace | null }> = [];
  /** Integrated transitions of the state machines. */
  private transitions: Array<{ step: number; field: string; from: string; to: string }> = [];
  private transitionsIncomplete = false;
  /** The lowest step the run went back to since the last view (Infinity: none). */
  private rewound = Infinity;
  private swapKeys: [string, string] = ['', ''];
  private swapLast: [SwapSummary | null, SwapSummary | null] = [null, null];
  private swapDirty = true;
  /** Each world's pointer runs as last computed, and whether a pdirInfo entry changed since. */
  private pointers: [number[], number[]] | null = null;
  private pointersDirty = true;
  /** Steps of the integrated pdirInfo and swap changes (going back past one makes the pointers or bitmaps stale). */
  private pdirSteps: number[] = [];
  private swapSteps: number[] = [];
  /** The phases as known at the furthest step seen (ahead ones stay after a step back). */
  private knownPhases: Array<PhaseMark | PhaseRun> = [];
  private maxStep = 0;
  /** FAILs, panics and invariant breaks seen (key: step|filter|message). */
  private raised = new Map<string, { step: number; filter: string; message: string }>();
  private dirtyMark: Uint8Array;
  /** The listing's phases, in listing order (lanes for phases not reached yet too). */
  private readonly phaseNames: string[];

  constructor(readonly session: Session) {
    this.layout = mapLayout(session.machine.host);
    this.classes = slotClasses(session.machine.host, session.src, session.dst);
    this.sum = new CellSummarizer(this.classes);
    this.cells = new Uint8Array(this.layout.cells);
    this.dirtyMark = new Uint8Array(this.layout.cells);
    session.onEvent((e) => {
      if (e.type !== 'exception') return;
      const key = `${e.step}|${e.filter}|${e.message}`;
      if (!this.raised.has(key)) this.raised.set(key, { step: e.step, filter: e.filter, message: e.message });
    });
    session.rt.onRewind((step) => {
      if (step < this.rewound) this.rewound = step;
    });
    const names: string[] = [];
    for (const fn of session.listing.fns.values()) for (const st of fn.body) if (st.phase && !names.includes(st.phase)) names.push(st.phase);
    this.phaseNames = names;
    this.logEnd = session.rt.changes.end;
  }

  /** The cells as of now: a full scan the first time (or when history cannot say), else the changed cells only. */
  private updateCells(): { rescanned: boolean; changed: number } {
    const s = this.session;
    const rt = s.rt;
    const log = rt.changes;
    const now = rt.stepCount;
    const host = s.machine.host;
    const first = this.cellsStep < 0;
    // Entries dropped from the log before they were looked at: what they changed is unknown.
    const lost = log.start > this.logEnd;
    if (lost || (first && log.start > 0)) this.transitionsIncomplete = true;
    // Everything after `back` is new to the cells: steps run since the last view, after any undone ones.
    const back = first ? -Infinity : Math.min(this.rewound, this.cellsStep);
    let full = first || lost || back < this.forgetBefore;
    const dirty: number[] = [];
    const mark = (mpn: number) => {
      const c = cellOf(this.layout, mpn);
      if (c >= 0 && !this.dirtyMark[c]) {
        this.dirtyMark[c] = 1;
        dirty.push(c);
      }
    };
    if (!first && this.rewound !== Infinity) {
      // Steps undone since the last view: the entries they changed are as before them again.
      while (this.bmCount > 0 && this.bmSteps[this.bmCount - 1]! > back) mark(this.bmMPNs[--this.bmCount]!);
      while (this.bulk.length && this.bulk[this.bulk.length - 1]!.to > back) {
        const b = this.bulk.pop()!;
        if (full || !b.trace) continue;
        const t = b.trace.touched(TRACE_TOUCH_MAX);
        if (t === null) full = true;
        else for (const m of t) mark(m);
      }
      while (this.transitions.length && this.transitions[this.transitions.length - 1]!.step > back) this.transitions.pop();
      while (this.pdirSteps.length && this.pdirSteps[this.pdirSteps.length - 1]! > back) {
        this.pdirSteps.pop();
        this.pointersDirty = true;
      }
      while (this.swapSteps.length && this.swapSteps[this.swapSteps.length - 1]! > back) {
        this.swapSteps.pop();
        this.swapDirty = true;
      }
    }
    let i = log.count - 1;
    while (i >= 0 && log.step[i]! > back) i--;
    for (let k = i + 1; k < log.count; k++) {
      const kind = log.kind[k]!;
      if (kind === ChangeKind.BACKMAP) {
        const mpn = log.key[k]!;
        if (!full) mark(mpn);
        this.pushBM(log.step[k]!, mpn);
      } else if (kind === ChangeKind.BACKMAP_MOVE) {
        const mpns = (log.side[k] as BackMapMove).mpns;
        for (let j = 0; j < mpns.length; j++) {
          if (!full) mark(mpns[j]!);
          this.pushBM(log.step[k]!, mpns[j]!);
        }
      } else if (kind === ChangeKind.FIELD) {
        const c = log.side[k] as FieldChange;
        if (c.obj === s.cx.fsr && (c.field === 'resumeState' || c.field === 'swapCopyState')) this.transitions.push({ step: log.step[k]!, field: c.field, from: String(c.old), to: String(c.new) });
      } else if (kind === ChangeKind.SLOT || kind === ChangeKind.BITMAP) {
        this.swapDirty = true;
        if (this.swapSteps[this.swapSteps.length - 1] !== log.step[k]) this.swapSteps.push(log.step[k]!);
      } else if (kind === ChangeKind.PDIR) {
        this.pointersDirty = true;
        if (this.pdirSteps[this.pdirSteps.length - 1] !== log.step[k]) this.pdirSteps.push(log.step[k]!);
      }
    }
    // Going back before what the lists remember (the log's start moved on): assume the worst.
    if (!first && back < this.forgetBefore) {
      this.pointersDirty = true;
      this.swapDirty = true;
    }
    // Bulk steps: their BackMap changes are in their traces, not in the log.
    for (const b of rt.bulkStepsAfter(back)) {
      this.bulk.push(b);
      if (full || !b.trace) continue;
      const t = b.trace.touched(TRACE_TOUCH_MAX);
      if (t === null) full = true;
      else for (const m of t) mark(m);
    }
    // Bulk steps older than history can no longer be undone: forget them.
    while (this.bulk.length && this.bulk[0]!.to <= rt.historyHorizon) this.bulk.shift();
    this.logEnd = log.end;
    this.rewound = Infinity;
    this.cellsStep = now;
    for (const c of dirty) this.dirtyMark[c] = 0;
    if (full) {
      summarizeCells(host, this.layout, this.classes, this.cells);
      return { rescanned: true, changed: this.cells.length };
    }
    const cp = this.layout.cellPages;
    const regions = this.layout.regions;
    for (const c of dirty) {
      let ri = 0;
      while (c >= regions[ri]!.firstCell + regions[ri]!.cells) ri++;
      const r = regions[ri]!;
      const start = (c - r.firstCell) * cp;
      countOwners(host.regions[ri]!.backmap.words, start, Math.min(start + cp, r.pages), this.sum.counts);
      this.cells[c] = this.sum.byte();
    }
    return { rescanned: false, changed: dirty.length };
  }

  /** How the last view's cells were made (for tests and the benchmark). */
  lastUpdate: { rescanned: boolean; changed: number } = { rescanned: false, changed: 0 };

  private pushBM(step: number, mpn: number): void {
    if (this.bmCount === this.bmSteps.length) {
      if (this.bmCount >= KEEP_CHANGES) {
        // Keep the newest half: going back before them rescans.
        const half = this.bmCount >>> 1;
        this.forgetBefore = this.bmSteps[half - 1]!;
        this.bmSteps.copyWithin(0, half);
        this.bmMPNs.copyWithin(0, half);
        this.bmCount -= half;
      } else {
        const grow = (a: Float64Array) => {
          const b = new Float64Array(a.length * 2);
          b.set(a);
          return b;
        };
        this.bmSteps = grow(this.bmSteps);
        this.bmMPNs = grow(this.bmMPNs);
      }
    }
    this.bmSteps[this.bmCount] = step;
    this.bmMPNs[this.bmCount++] = mpn;
  }
  /** BackMap changes up to this step were forgotten (going back to it or before rescans). */
  private forgetBefore = -Infinity;

  /** The state at this step for the viewer: a delta against `since` when that snapshot is still known. */
  view(req: ViewRequest | number = {}): HostMapView {
    const r: ViewRequest = typeof req === 'number' ? { since: req } : req;
    const s = this.session;
    const step = s.rt.stepCount;
    if (r.window) checkWindow(this.layout, r.window);
    if (r.page !== undefined && cellOf(this.layout, r.page) < 0) throw new RangeError(`MPN ${mpnHex(r.page)} is not in host memory`);
    this.lastUpdate = this.updateCells();
    this.maxStep = Math.max(this.maxStep, step);
    const id = ++this.lastId;
    // The runs change only with a pdirInfo entry (every change to one is in the log, bulk steps' too).
    if (!this.pointers || this.pointersDirty || this.lastUpdate.rescanned) this.pointers = [pdirPointers(s.src), pdirPointers(s.dst)];
    this.pointersDirty = false;
    const [srcPtr, dstPtr] = this.pointers;
    const swaps = this.swaps();
    const base = r.since === undefined ? undefined : this.kept.find((k) => k.id === r.since);

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
    this.kept.push({ id, cells: this.cells.slice(), pointers: [srcPtr, dstPtr], swap: swaps });
    if (this.kept.length > 2) this.kept.shift();

    const same = (a: number[], b: number[]) => a === b || (a.length === b.length && a.every((x, i) => x === b[i]));
    const side = (w: World, ptr: number[], swap: SwapSummary, i: 0 | 1): WorldSide => {
      let present = 0;
      for (let d = 0; d < ptr.length; d += POINTER_STRIDE) present += ptr[d + 2]!;
      return {
        name: w.name,
        worldID: w.worldID,
        numDirs: w.numDirs,
        presentDirs: present,
        pointers: base && same(base.pointers[i], ptr) ? null : ptr,
        numPDirEntries: w.pframes.numPDirEntries,
        statsAllocated: w.stats.allocated,
        swap: base && base.swap[i] === swap ? null : swap,
        migSwapUsed: w.swap.migSwapFile.usedSlots,
        cptSwapUsed: w.swap.cptSwapFile.usedSlots,
        swapperEnabled: w.swap.swapperEnabled,
      };
    };
    const stop = s.rt.lastStop;
    const outcome = s.outcome();
    const breakStep = new Map<string, number>();
    for (const x of this.raised.values()) if (x.filter === 'invariant' && !breakStep.has(x.message)) breakStep.set(x.message, x.step);
    return {
      id,
      step,
      scenario: s.scenario.name,
      layout: this.layout,
      cells,
      delta,
      since: delta ? r.since! : null,
      window: r.window ? windowCells(s.machine.host, this.layout, this.classes, r.window, s.src, s.dst) : null,
      source: side(s.src, srcPtr, swaps[0], 0),
      destination: side(s.dst, dstPtr, swaps[1], 1),
      lanes: this.lanes(step),
      maxStep: this.maxStep,
      machines: MACHINES.map((m) => this.machine(m)),
      invariants: s.rt.invariantBreaks.map((message) => {
        const m = /(?:MPN|page) (0x[0-9a-f]+)/.exec(message);
        const mpn = m ? parseInt(m[1]!, 16) : null;
        return { message, step: breakStep.get(message) ?? null, cell: mpn === null ? -1 : cellOf(this.layout, mpn), mpn: m ? m[1]! : null };
      }),
      stop: r.stop !== undefined ? r.stop : stop ? { reason: stop.reason, description: stop.description, exception: stop.exception ? `${stop.exception.filter}: ${stop.exception.message}` : null } : null,
      finished: outcome.finished,
      victor: outcome.victor,
      page: r.page === undefined ? null : this.page({ mpn: r.page }),
    };
  }

  /** Both swap summaries, recomputed only when a slot or bitmap changed (or the file did). */
  private swaps(): [SwapSummary, SwapSummary] {
    const s = this.session;
    const files = [swapFileOf(s.src), swapFileOf(s.dst)];
    const out = files.map((f, i) => {
      const key = `${f.name}|${f.numSlots}|${f.usedSlots}`;
      const last = this.swapLast[i];
      if (last && !this.swapDirty && key === this.swapKeys[i]) return last;
      this.swapKeys[i] = key;
      const fresh = swapSummary(f);
      // The same picture keeps its identity, so the message says "unchanged".
      const keep = last && last.buckets === fresh.buckets && last.numSlots === fresh.numSlots && last.usedSlots === fresh.usedSlots && last.name === fresh.name ? last : fresh;
      this.swapLast[i] = keep;
      return keep;
    }) as [SwapSummary, SwapSummary];
    this.swapDirty = false;
    return out;
  }

  /** The timeline's lanes: one per phase of the listing, then FAILs, panics and invariant breaks seen. */
  private lanes(step: number): TimelineLane[] {
    const s = this.session;
    const now = s.phaseRuns();
    if (step >= this.maxStep || this.knownPhases.length === 0) this.knownPhases = now;
    // Before the furthest step: what is known then, plus anything new below now (a different path).
    const marks = step >= this.maxStep ? now : this.knownPhases;
    const byName = new Map<string, { sources: Array<number | Float64Array>; count: number; first: number; last: number }>();
    for (const m of marks) {
      let l = byName.get(m.name);
      if (!l) byName.set(m.name, (l = { sources: [], count: 0, first: Infinity, last: -Infinity }));
      if ('steps' in m) {
        if (m.steps.length === 0) continue;
        l.sources.push(m.steps);
        l.count += m.steps.length;
        l.first = Math.min(l.first, m.steps[0]!);
        l.last = Math.max(l.last, m.steps[m.steps.length - 1]!);
      } else {
        l.sources.push(m.step);
        l.count++;
        l.first = Math.min(l.first, m.step);
        l.last = Math.max(l.last, m.step);
      }
    }
    const names = [...this.phaseNames];
    for (const n of byName.keys()) if (!names.includes(n)) names.push(n);
    // Phases reached, in the order they were first reached; then the ones not reached yet.
    names.sort((a, b) => (byName.get(a)?.first ?? Infinity) - (byName.get(b)?.first ?? Infinity));
    const lanes: TimelineLane[] = names.map((name) => {
      const l = byName.get(name);
      if (!l) return { kind: 'phase', name, count: 0, firstStep: -1, lastStep: -1, marks: [], messages: null };
      return { kind: 'phase', name, count: l.count, firstStep: l.first, lastStep: l.last, marks: sampleSteps(l.sources, l.count, MAX_LANE_MARKS), messages: null };
    });
    const raised = [...this.raised.values()].sort((a, b) => a.step - b.step);
    for (const [kind, name] of [['fail', 'FAIL'], ['panic', 'panic'], ['invariant', 'invariant broken']] as const) {
      const xs = raised.filter((x) => x.filter === kind).slice(0, MAX_LANE_MARKS);
      if (xs.length === 0) continue;
      lanes.push({ kind, name, count: xs.length, firstStep: xs[0]!.step, lastStep: xs[xs.length - 1]!.step, marks: xs.map((x) => x.step), messages: xs.map((x) => x.message) });
    }
    return lanes;
  }

  /** A machine's graph with this run's path through it up to now. */
  private machine(m: MachineDef): MachineView {
    const current = String(this.session.cx.fsr[m.field]);
    const taken = this.transitions.filter((t) => t.field === m.field).map((t) => ({ from: t.from, to: t.to, step: t.step }));
    const visited: string[] = [];
    const visit = (x: string) => {
      if (!visited.includes(x)) visited.push(x);
    };
    visit(taken.length ? taken[0]!.from : m.initial);
    for (const t of taken) visit(t.to);
    visit(current);
    return { field: m.field, provenance: m.provenance, states: m.states, initial: m.initial, transitions: m.transitions, current, visited, taken, beyondHorizon: this.transitionsIncomplete };
  }

  /** What the page at `mpn` is (or, given a cell, its most telling page: a pdir page if any), at this step. */
  page(where: { mpn?: number; cell?: number; pages?: number }): PageInfo {
    const s = this.session;
    const host = s.machine.host;
    let mpn: number;
    let r: { firstMPN: number; pages: number } | null = null;
    if (where.mpn !== undefined) {
      mpn = where.mpn;
      if (cellOf(this.layout, mpn) < 0) throw new RangeError(`MPN ${mpnHex(mpn)} is not in host memory`);
      if (where.pages !== undefined && where.pages > 1) {
        // A stretch of pages (a map cell): the region's end bounds it.
        const reg = host.region(mpn)!;
        r = { firstMPN: mpn, pages: Math.min(where.pages, reg.baseMPN + reg.pages - mpn) };
      }
    } else {
      r = cellRange(this.layout, where.cell ?? -1);
      if (!r) throw new RangeError(`cell ${where.cell} is outside 0..${this.layout.cells - 1}`);
      mpn = r.firstMPN;
    }
    if (r) {
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
      step: s.rt.stepCount,
      mpn,
      mpnHex: mpnHex(mpn),
      cell,
      cellFirstMPN: mpnHex(range.firstMPN),
      cellPages: range.pages,
      owner: bm ? bm.owner.label : 'free',
      ownerKind: bm ? bm.owner.kind : 'free',
      worldID: bm ? bm.owner.worldID : 0,
      pgNum: bm ? bm.pgNum : null,
      indexHex: bm ? hexNumber(bm.pgNum) : null,
      allocated: host.isAllocated(mpn),
      pframe: null,
      pdir: null,
      note: '',
    };
    const world = bm ? [s.src, s.dst].find((w) => w.worldID === bm.owner.worldID) : undefined;
    const decode = (w: World, pgNum: number): PFrameDecode | string => {
      const v = s.pframe(w, pgNum);
      if ('error' in v) return v.error;
      const words = host.read(v.dirMPN);
      const u32 = new Uint32Array(words.buffer, words.byteOffset, 1024);
      const lo = u32[2 * v.pageIndex]!;
      const hi = u32[2 * v.pageIndex + 1]!;
      return {
        world: w === s.src ? 'source' : 'destination',
        pgNum,
        pgNumHex: hexNumber(pgNum),
        dirIndexHex: hexNumber(Math.floor(pgNum / ALLOC_PDIR_PAGES)),
        pageIndexHex: hexNumber(v.pageIndex),
        dirMPNHex: mpnHex(v.dirMPN),
        ...pframeDecode(lo, hi),
      };
    };
    if (!bm) info.note = info.allocated ? 'allocated, but no BackMap entry' : 'free: not allocated';
    else if (bm.owner.kind === 'mainmem' && world) {
      const d = decode(world, bm.pgNum);
      if (typeof d === 'string') info.note = d;
      else {
        info.pframe = d;
        info.note = `${world.name} pgNum ${hexNumber(bm.pgNum)}`;
      }
    } else if (bm.owner.kind === 'pdir') {
      const pointedBy: Array<{ world: string; dirIndex: number }> = [];
      for (const w of [s.src, s.dst]) for (let d = 0; d < w.numDirs; d++) if (w.dirMPN(d) === mpn) pointedBy.push({ world: w.name, dirIndex: d });
      const words = host.read(mpn);
      const u32 = new Uint32Array(words.buffer, words.byteOffset, 1024);
      const dir = pointedBy[0]?.dirIndex ?? bm.pgNum;
      const firstPFrames = [];
      for (let i = 0; i < 8; i++) {
        const lo = u32[2 * i]!;
        const hi = u32[2 * i + 1]!;
        const t = pfType(lo);
        firstPFrames.push({ pgNumHex: hexNumber(dir * ALLOC_PDIR_PAGES + i), type: pageTypeName(t), mpnHex: indexMeaning(t) === 'MPN' ? mpnHex(pfIndex(lo, hi)) : '—', pte: pteHex(lo, hi) });
      }
      info.pdir = { pointedBy: pointedBy.map((p) => ({ world: p.world, dirIndexHex: hexNumber(p.dirIndex) })), firstPFrames };
      info.note = pointedBy.length ? `pdir page of ${pointedBy.map((p) => `${p.world} pdirInfo[${hexNumber(p.dirIndex)}]`).join(' and ')}` : 'a pdir page no pdirInfo entry points at';
      if (world) {
        // The first of its PFrames that names an MPN (else its first): the one with most to show.
        const first = dir * ALLOC_PDIR_PAGES;
        const count = Math.min(ALLOC_PDIR_PAGES, world.pframes.numMainMemPages - first);
        let i = 0;
        while (i < count && indexMeaning(pfType(u32[2 * i]!)) !== 'MPN') i++;
        if (count > 0) {
          const d = decode(world, first + (i < count ? i : 0));
          if (typeof d !== 'string') info.pframe = d;
        }
      }
    } else if (bm.owner.kind === 'pshare') info.note = `shared (COW) page, ${s.machine.pshare.refCount(mpn)} references`;
    else if (bm.owner.kind === 'memzip') info.note = 'MemZip compression cache page: four 1 KiB zipped blocks';
    else info.note = `${bm.owner.label}, index ${hexNumber(bm.pgNum)}`;
    return info;
  }
}

export { fromBase64, toBase64 } from './base64';
