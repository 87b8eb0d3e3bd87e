// Host machine memory: a sparse space of 4 KiB pages addressed by MPN (up to 38 bits), an MPN
// allocator over scenario-chosen ranges, the BackMap (MPN → owner, pgNum) and free accounting.
// Knows nothing of worlds beyond the owner slots they register, nor of the handoff.

import { BackMapRange } from './backmap';
import { SCAN_MIN_PAGES, SLAB_BYTES, makeScanner, type DirScanner } from './dirscan';
import { IntMap } from './intmap';
import { MAX_MPN, mpnHex } from './pframe';

export const PAGE_SIZE = 4096;
/** Pages per slab of materialized page bytes (1 MiB slabs: fewer, larger allocations; dirscan's size). */
const SLAB_PAGES = SLAB_BYTES / PAGE_SIZE;
const SLAB_SHIFT = 31 - Math.clz32(SLAB_PAGES);

/** What owns an MPN in the BackMap. *model:* pdir and memzip pages are owned like guest pages. */
export type OwnerKind = 'mainmem' | 'pdir' | 'pdir2' | 'memzip' | 'pshare';

export interface Owner {
  readonly slot: number;
  readonly kind: OwnerKind;
  /** The world's ID, or 0 for the host-wide page-sharing pool. */
  readonly worldID: number;
  readonly label: string;
}

/**
 * Which ranges keep their BackMap in WebAssembly memory for the handoff's scan (engine/dirscan.ts):
 * the big ones (the default), all (tests that compare both paths on small hosts) or none.
 */
export type ScanPolicy = 'big' | 'always' | 'never';

/** One contiguous run of host memory. */
export interface MemRange {
  readonly baseMPN: number;
  readonly pages: number;
}

/**
 * A mapped machine page: the same 4096 bytes seen as bytes and as little-endian uint32 words.
 * Each map hands out new views of the page's one place in the slabs, so they stay valid while
 * it is materialized, and again once it is materialized anew (it keeps its place).
 */
export interface PageMapping {
  readonly mpn: number;
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
}

/** How an unmaterialized page reads. Pages not written since boot hold stale bytes made from the seed. */
export type FillFn = (mpn: number, out: Uint8Array) => void;

/** Pages in one range at most: offsets in a range are int32s (8 TiB of 4 KiB pages). */
export const MAX_RANGE_PAGES = 2 ** 31 - 1;
/** BackMap entries pack the owner slot (4 bits) over pgNum (28 bits): 0 means unset. */
export const BACKMAP_PGNUM_BITS = 28;
export const MAX_PGNUM = 2 ** BACKMAP_PGNUM_BITS - 1;
const PGNUM_MASK = MAX_PGNUM;
const MAX_OWNERS = 15;

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error('the engine models little-endian PFrames and needs a little-endian platform');
}

class Region {
  /** BackMap entries for this range, indexed by mpn - baseMPN (untouched parts cost no RSS). */
  readonly backmap: BackMapRange;
  /** Next never-allocated page (bump allocation). */
  cursor = 0;
  /**
   * Materialized pages: offset in the range → 1 + the page's slot in the slabs, negated while its
   * bytes are forgotten (dematerialized): the slot stays the page's; 0 for a page never
   * materialized. In typed arrays: no per-page object lives on the GC's heap.
   */
  readonly slots = new IntMap();
  /** Offsets of the freed MPNs that are on the free stack (value 1). */
  readonly freed = new IntMap();
  /** The range's BackMap words in WebAssembly memory with the handoff's scan over them, or null. */
  readonly scanner: DirScanner | null;
  constructor(readonly baseMPN: number, readonly pages: number, scan: ScanPolicy, arenaBytes: number) {
    this.scanner = scan === 'never' || (scan === 'big' && pages < SCAN_MIN_PAGES) ? null : makeScanner(pages, arenaBytes);
    this.backmap = new BackMapRange(pages, this.scanner?.words);
  }
  get end(): number {
    return this.baseMPN + this.pages;
  }
}

export class HostMemory {
  readonly regions: Region[];
  readonly totalPages: number;
  private readonly owners: Owner[] = [];
  /** Slab k is the SLAB_BYTES of slabBufs[k] from slabOffs[k]: its own buffer, or part of a scanner's memory. */
  private readonly slabBufs: ArrayBuffer[] = [];
  private readonly slabOffs: number[] = [];
  /** The scanner whose memory takes the first slabs (the biggest range's), and how much of its area is used. */
  private readonly arena: DirScanner | null;
  private arenaUsed = 0;
  private slotsUsed = 0;
  private materialized = 0;
  /** Freed MPNs, reused last-in first-out before the bump cursor moves on. */
  private freeStack: number[] = [];
  private regionCursor = 0;
  private lastRegion: Region;
  allocatedPages = 0;
  /** BackMap entries per owner slot (index = slot): the O(1) side of the leak and ownership checks. */
  readonly ownerCounts = new Float64Array(16);
  /** Per-page content of pages not yet written; replaceable for tests. */
  fill: FillFn;
  /** Content of not-yet-written pages by owner (a pdir page reads as its world's default PFrames). */
  private readonly ownerFill = new Map<number, FillFn>();

  constructor(ranges: readonly MemRange[], readonly seed = 1, scan: ScanPolicy = 'big') {
    if (ranges.length === 0) throw new RangeError('host layout needs at least one memory range');
    const sorted = [...ranges].sort((a, b) => a.baseMPN - b.baseMPN);
    let prevEnd = -1;
    for (const r of sorted) {
      if (!Number.isInteger(r.baseMPN) || r.baseMPN < 0) throw new RangeError(`host range baseMPN must be a non-negative integer, got ${r.baseMPN}`);
      if (!Number.isInteger(r.pages) || r.pages <= 0) throw new RangeError(`host range pages must be a positive integer, got ${r.pages}`);
      if (r.pages > MAX_RANGE_PAGES) throw new RangeError(`host range ${mpnHex(r.baseMPN)}+${r.pages} is larger than the model's ${MAX_RANGE_PAGES} pages (8 TiB) per range: split it`);
      if (r.baseMPN + r.pages - 1 > MAX_MPN) throw new RangeError(`host range ${mpnHex(r.baseMPN)}+${r.pages} ends above the 38-bit MPN limit ${mpnHex(MAX_MPN)}`);
      if (r.baseMPN < prevEnd) throw new RangeError(`host ranges overlap at MPN ${mpnHex(r.baseMPN)}`);
      prevEnd = r.baseMPN + r.pages;
    }
    const biggest = sorted.reduce((m, r) => Math.max(m, r.pages), 0);
    // The biggest range's scanner also holds slabs: room for two pdir pages per 512 of its pages
    // (a source VM's and a destination's as large as it can hold) and an eighth of the range's
    // bytes besides, at most 64 MiB.
    const arenaBytes = (pages: number) => Math.ceil(pages / 256) * PAGE_SIZE + Math.min(64 << 20, pages * (PAGE_SIZE / 8));
    const first = sorted.findIndex((r) => r.pages === biggest);
    this.regions = sorted.map((r, i) => new Region(r.baseMPN, r.pages, scan, i === first ? arenaBytes(r.pages) : 0));
    this.arena = this.regions[first]!.scanner;
    this.lastRegion = this.regions[0]!;
    this.totalPages = sorted.reduce((n, r) => n + r.pages, 0);
    this.fill = (mpn, out) => fillStale(this.seed, mpn, out);
  }

  // ---- owners ---------------------------------------------------------------------------------

  registerOwner(kind: OwnerKind, worldID: number, label: string): Owner {
    if (this.owners.length >= MAX_OWNERS) throw new RangeError(`at most ${MAX_OWNERS} BackMap owners`);
    const owner: Owner = { slot: this.owners.length + 1, kind, worldID, label };
    this.owners.push(owner);
    return owner;
  }
  setOwnerFill(owner: Owner, fill: FillFn): void {
    this.ownerFill.set(owner.slot, fill);
  }
  owner(slot: number): Owner | undefined {
    return this.owners[slot - 1];
  }
  allOwners(): readonly Owner[] {
    return this.owners;
  }

  // ---- address space --------------------------------------------------------------------------

  /** The region holding `mpn`, or undefined for an MPN outside host memory. */
  region(mpn: number): Region | undefined {
    const last = this.lastRegion;
    if (mpn >= last.baseMPN && mpn < last.baseMPN + last.pages) return last;
    for (const r of this.regions) {
      if (mpn >= r.baseMPN && mpn < r.baseMPN + r.pages) {
        this.lastRegion = r;
        return r;
      }
    }
    return undefined;
  }
  isValidMPN(mpn: number): boolean {
    return Number.isInteger(mpn) && this.region(mpn) !== undefined;
  }
  private requireRegion(mpn: number, what: string): Region {
    const r = Number.isInteger(mpn) ? this.region(mpn) : undefined;
    if (!r) throw new RangeError(`${what}: MPN ${typeof mpn === 'number' ? mpnHex(mpn) : String(mpn)} is not in host memory`);
    return r;
  }

  // ---- allocator ------------------------------------------------------------------------------

  /** Allocate one MPN; throws when the host is out of memory. */
  allocMPN(): number {
    const freed = this.freeStack.pop();
    if (freed !== undefined) {
      this.markFree(freed, 0);
      this.allocatedPages++;
      return freed;
    }
    while (this.regionCursor < this.regions.length) {
      const r = this.regions[this.regionCursor]!;
      if (r.cursor < r.pages) {
        this.allocatedPages++;
        return r.baseMPN + r.cursor++;
      }
      this.regionCursor++;
    }
    throw new RangeError(`host out of memory: all ${this.totalPages} pages are allocated`);
  }

  /**
   * Allocate up to `max` MPNs that are contiguous (one from the free stack, else a run of fresh
   * pages in one range), for bulk paths. Returns the first MPN and the count; throws when out.
   */
  allocRun(max: number): { start: number; count: number } {
    if (this.freeStack.length > 0) return { start: this.allocMPN(), count: 1 };
    while (this.regionCursor < this.regions.length) {
      const r = this.regions[this.regionCursor]!;
      const count = Math.min(max, r.pages - r.cursor);
      if (count > 0) {
        const start = r.baseMPN + r.cursor;
        r.cursor += count;
        this.allocatedPages += count;
        return { start, count };
      }
      this.regionCursor++;
    }
    throw new RangeError(`host out of memory: all ${this.totalPages} pages are allocated`);
  }

  /** Give back the unused tail of the last run from allocRun (nothing may have been allocated since). */
  returnRun(start: number, count: number): void {
    if (count === 0) return;
    const r = this.requireRegion(start, 'returnRun');
    if (r.baseMPN + r.cursor !== start + count) throw new Error(`returnRun: ${mpnHex(start)}+${count} is not the end of the last run`);
    r.cursor -= count;
    this.allocatedPages -= count;
    const idx = this.regions.indexOf(r);
    if (idx < this.regionCursor) this.regionCursor = idx;
  }

  /** A BackMap reader/writer that caches the last range: for loops over many MPNs. */
  cursor(): BackmapCursor {
    return new BackmapCursor(this);
  }

  /** The BackMap storage of the range holding `mpn` and that range's base, for bulk paths. */
  backmapRange(mpn: number): { range: BackMapRange; baseMPN: number } {
    const r = this.requireRegion(mpn, 'BackMap');
    return { range: r.backmap, baseMPN: r.baseMPN };
  }

  /** Return an MPN to the allocator. Its BackMap entry must already be unset. */
  freeMPN(mpn: number): void {
    const r = this.requireRegion(mpn, 'freeMPN');
    if (r.backmap.slot(mpn - r.baseMPN) !== 0) throw new Error(`freeMPN: MPN ${mpnHex(mpn)} still has a BackMap entry`);
    if (!this.isAllocated(mpn)) throw new Error(`freeMPN: MPN ${mpnHex(mpn)} is not allocated`);
    this.freeStack.push(mpn);
    this.markFree(mpn, 1);
    this.allocatedPages--;
  }

  /** Free MPNs that the caller knows were allocated and whose BackMap entries it has cleared (bulk paths). */
  freeOwnedBatch(mpns: ArrayLike<number>): void {
    for (let i = 0; i < mpns.length; i++) {
      const mpn = mpns[i]!;
      this.freeStack.push(mpn);
      this.markFree(mpn, 1);
    }
    this.allocatedPages -= mpns.length;
  }

  /** Undo a free (time travel): take `mpn` back off the free stack. */
  unfreeMPN(mpn: number): void {
    const top = this.freeStack[this.freeStack.length - 1];
    if (top !== mpn) throw new Error(`unfreeMPN: ${mpnHex(mpn)} is not the last freed MPN`);
    this.freeStack.pop();
    this.markFree(mpn, 0);
    this.allocatedPages++;
  }

  /** Undo an allocation (time travel): the most recent allocation must be `mpn`. */
  unallocMPN(mpn: number, fromFreeStack: boolean): void {
    if (fromFreeStack) {
      this.freeStack.push(mpn);
      this.markFree(mpn, 1);
    } else {
      const r = this.requireRegion(mpn, 'unallocMPN');
      if (r.baseMPN + r.cursor - 1 !== mpn) throw new Error(`unallocMPN: ${mpnHex(mpn)} is not the last bump allocation`);
      r.cursor--;
      const idx = this.regions.indexOf(r);
      if (idx < this.regionCursor) this.regionCursor = idx;
    }
    this.allocatedPages--;
  }

  isAllocated(mpn: number): boolean {
    const r = this.region(mpn);
    if (!r) return false;
    if (mpn - r.baseMPN >= r.cursor) return false;
    return r.freed.get(mpn - r.baseMPN) === 0;
  }
  private markFree(mpn: number, on: 0 | 1): void {
    const r = this.requireRegion(mpn, 'free stack');
    r.freed.set(mpn - r.baseMPN, on);
  }
  get freePages(): number {
    return this.totalPages - this.allocatedPages;
  }
  /** The number of MPNs on the free stack (reused before fresh pages). */
  get freeStackDepth(): number {
    return this.freeStack.length;
  }

  // ---- BackMap --------------------------------------------------------------------------------

  /** Raw BackMap entry (owner slot << 28 | pgNum), 0 when unset. */
  backmapEntry(mpn: number): number {
    const r = this.region(mpn);
    return r ? r.backmap.get(mpn - r.baseMPN) : 0;
  }
  backmapSet(mpn: number, owner: Owner, pgNum: number): void {
    this.requireRegion(mpn, 'BackMap_Set');
    if (pgNum < 0 || pgNum > MAX_PGNUM) throw new RangeError(`BackMap pgNum ${pgNum} exceeds ${MAX_PGNUM}`);
    this.backmapSetRaw(mpn, ((owner.slot << BACKMAP_PGNUM_BITS) | pgNum) >>> 0);
  }
  /** Write a raw entry (used by undo and by bulk paths that computed the entry themselves). */
  backmapSetRaw(mpn: number, entry: number): void {
    const r = this.requireRegion(mpn, 'BackMap');
    const off = mpn - r.baseMPN;
    const old = r.backmap.slot(off);
    if (old !== 0) this.ownerCounts[old]!--;
    if (entry !== 0) this.ownerCounts[entry >>> BACKMAP_PGNUM_BITS]!++;
    r.backmap.set(off, entry);
  }
  /** Bulk paths that write BackMap words directly keep the per-owner counts with this. */
  adjustOwnerCount(slot: number, delta: number): void {
    this.ownerCounts[slot]! += delta;
  }
  /** Pages with a BackMap entry (owned by some owner). */
  get ownedPages(): number {
    let n = 0;
    for (let i = 1; i < this.ownerCounts.length; i++) n += this.ownerCounts[i]!;
    return n;
  }

  /**
   * A 32-bit identity of a page's content (FNV-1a of its bytes once written; of the seed and MPN
   * before): what a swap slot remembers of the page written to it.
   */
  contentTag(mpn: number): number {
    const slot = this.slotOf(mpn);
    if (slot < 0) return (Math.imul(this.seed ^ 0x2545f491, 0x9e3779b1) ^ Math.imul((mpn >>> 0) + 1, 0x85ebca6b) ^ Math.floor(mpn / 4294967296)) >>> 0 || 1;
    const u8 = this.mapping(mpn, slot).u8;
    let h = 0x811c9dc5;
    for (let i = 0; i < u8.length; i++) h = Math.imul(h ^ u8[i]!, 0x01000193);
    return h >>> 0 || 1;
  }
  backmapLookup(mpn: number): { owner: Owner; pgNum: number } | undefined {
    const e = this.backmapEntry(mpn);
    if (e === 0) return undefined;
    return { owner: this.owner(e >>> BACKMAP_PGNUM_BITS)!, pgNum: e & PGNUM_MASK };
  }

  // ---- page bytes -----------------------------------------------------------------------------

  isMaterialized(mpn: number): boolean {
    return this.slotOf(mpn) >= 0;
  }
  /** Map a page for reading and writing; its bytes become real (materialized) on first map. */
  map(mpn: number): PageMapping {
    const slot = this.slotOf(mpn);
    if (slot >= 0) return this.mapping(mpn, slot);
    const fresh = this.mapping(mpn, this.materialize(this.requireRegion(mpn, 'Kseg_MapMPN'), mpn));
    this.fillPage(mpn, fresh.u8);
    return fresh;
  }
  /** Map a page whose every byte the caller is about to write (skips the fill). */
  mapForOverwrite(mpn: number): PageMapping {
    const slot = this.slotOf(mpn);
    return this.mapping(mpn, slot >= 0 ? slot : this.materialize(this.requireRegion(mpn, 'Kseg_MapMPN'), mpn));
  }
  /** The words of a materialized page, or null for a page that still reads as its fill. */
  peekWords(mpn: number): Uint32Array | null {
    const slot = this.slotOf(mpn);
    return slot < 0 ? null : new Uint32Array(this.slabBufs[slot >>> SLAB_SHIFT]!, this.slotOffset(slot), PAGE_SIZE / 4);
  }
  /** The page's 4096 bytes as they read now, without materializing it. */
  read(mpn: number): Uint8Array {
    const slot = this.slotOf(mpn);
    if (slot >= 0) return this.mapping(mpn, slot).u8.slice();
    this.requireRegion(mpn, 'read');
    const out = new Uint8Array(PAGE_SIZE);
    this.fillPage(mpn, out);
    return out;
  }

  private fillPage(mpn: number, out: Uint8Array): void {
    const e = this.backmapEntry(mpn);
    const byOwner = e === 0 ? undefined : this.ownerFill.get(e >>> BACKMAP_PGNUM_BITS);
    (byOwner ?? this.fill)(mpn, out);
  }
  /** Forget a page's bytes: it reads as its fill again (undo of its first materialization, a reused pdir page). */
  dematerialize(mpn: number): void {
    const r = this.region(mpn);
    if (!r) return;
    const s = r.slots.get(mpn - r.baseMPN);
    if (s > 0) {
      r.slots.set(mpn - r.baseMPN, -s);
      this.materialized--;
    }
  }
  materializedCount(): number {
    return this.materialized;
  }

  /** The slab slot of a materialized page, or -1. */
  private slotOf(mpn: number): number {
    const r = this.region(mpn);
    if (!r) return -1;
    const s = r.slots.get(mpn - r.baseMPN);
    return s > 0 ? s - 1 : -1;
  }
  /** Give `mpn` its bytes: its old slot if it had one, else a new one. Answers the slot. */
  private materialize(r: Region, mpn: number): number {
    const old = r.slots.get(mpn - r.baseMPN);
    let slot: number;
    if (old !== 0) {
      slot = -old - 1;
    } else {
      if ((this.slotsUsed & (SLAB_PAGES - 1)) === 0) this.addSlab();
      slot = this.slotsUsed++;
    }
    r.slots.set(mpn - r.baseMPN, slot + 1);
    this.materialized++;
    return slot;
  }
  /** A new slab: in the arena while it has room (there the handoff's scan reads pdir pages in place), else its own buffer. */
  private addSlab(): void {
    const a = this.arena;
    if (a && this.arenaUsed + SLAB_BYTES <= a.slabBytes) {
      this.slabBufs.push(a.buffer);
      this.slabOffs.push(a.slabsAt + this.arenaUsed);
      this.arenaUsed += SLAB_BYTES;
    } else {
      this.slabBufs.push(new ArrayBuffer(SLAB_BYTES));
      this.slabOffs.push(0);
    }
  }
  private mapping(mpn: number, slot: number): PageMapping {
    const buf = this.slabBufs[slot >>> SLAB_SHIFT]!;
    const off = this.slotOffset(slot);
    return { mpn, u8: new Uint8Array(buf, off, PAGE_SIZE), u32: new Uint32Array(buf, off, PAGE_SIZE / 4) };
  }
  /** Where slot's bytes start in its slab's buffer. */
  private slotOffset(slot: number): number {
    return this.slabOffs[slot >>> SLAB_SHIFT]! + (slot & (SLAB_PAGES - 1)) * PAGE_SIZE;
  }
}

/**
 * Reads and writes BackMap entries for MPNs that mostly fall in the same range as the last one,
 * without a range lookup per MPN. Hot loops use its public fields directly: the entry of the MPN
 * `hiBits · 2^32 + low` is `range.get(off)` with `off = low - baseLo + (hiBits - baseHi) · 2^32`,
 * valid when `0 ≤ off < range.pages`; otherwise call `seek`. Writes through it do not keep the
 * per-owner counts: callers adjust them in bulk (HostMemory.adjustOwnerCount).
 */
export class BackmapCursor {
  range!: BackMapRange;
  /** The range's scanner (engine/dirscan.ts), or null: the JavaScript loop does its work. */
  scanner: DirScanner | null = null;
  baseHi = 0;
  baseLo = 0;
  private base = 0;
  private end = 0;
  constructor(private readonly host: HostMemory) {
    // Start at a real range, never at a placeholder: a hot loop that once saw another kind of
    // typed array (a tiny one lives on the JS heap) gets slower code for every access after.
    this.seek(host.regions[0]!.baseMPN);
  }
  /** Point at the range holding `mpn`; false if the MPN is outside host memory. */
  seek(mpn: number): boolean {
    const r = this.host.region(mpn);
    if (!r) return false;
    this.range = r.backmap;
    this.scanner = r.scanner;
    this.base = r.baseMPN;
    this.end = r.baseMPN + r.pages;
    this.baseHi = Math.floor(r.baseMPN / 4294967296);
    this.baseLo = r.baseMPN % 4294967296;
    return true;
  }
  /** The raw entry, or -1 for an MPN outside host memory. */
  get(mpn: number): number {
    if ((mpn < this.base || mpn >= this.end) && !this.seek(mpn)) return -1;
    return this.range.get(mpn - this.base);
  }
  /**
   * `mpns[i]` becomes (to, i) for every i: by moving the owner bits where the entry is (from, i),
   * else by writing the entry (a MemZip cache changing hands). Outside host memory: skipped.
   */
  moveIndexed(mpns: Float64Array, from: number, to: number): void {
    const toBase = (to << BACKMAP_PGNUM_BITS) >>> 0;
    for (let i = 0; i < mpns.length; i++) {
      const mpn = mpns[i]!;
      if ((mpn < this.base || mpn >= this.end) && !this.seek(mpn)) continue;
      const off = mpn - this.base;
      if (!this.range.move(off, from, to, i)) this.range.set(off, toBase + i);
    }
  }
  /** Whether the entry of `mpn` is (slot, pgNum); false for an MPN outside host memory. */
  is(mpn: number, slot: number, pgNum: number): boolean {
    if ((mpn < this.base || mpn >= this.end) && !this.seek(mpn)) return false;
    return this.range.is(mpn - this.base, slot, pgNum);
  }
  /** Write a raw entry; false for an MPN outside host memory. */
  set(mpn: number, entry: number): boolean {
    if ((mpn < this.base || mpn >= this.end) && !this.seek(mpn)) return false;
    this.range.set(mpn - this.base, entry);
    return true;
  }
}

/** Stale bytes of a never-written page: a xorshift stream seeded by (host seed, MPN). */
export function fillStale(seed: number, mpn: number, out: Uint8Array): void {
  let x = (seed ^ Math.imul(mpn >>> 0, 0x9e3779b1) ^ Math.imul(Math.floor(mpn / 4294967296), 0x85ebca6b)) | 1;
  const words = new Uint32Array(out.buffer, out.byteOffset, out.byteLength >>> 2);
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
}
