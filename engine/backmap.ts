// The BackMap's storage for one range of host memory: 2 bytes per MPN instead of 4. Callers see
// raw 32-bit entries (owner slot << 28 | pgNum, 0 = unset); how they are packed is this file's
// business alone. Knows nothing of worlds, PFrames or the handoff.
//
// An MPN's 16 bits hold its owner slot (4 bits) over a 12-bit delta. The pgNum is the delta plus
// a base kept per block of BLOCK_MPNS MPNs and per owner slot: a VM's MPNs are handed out in runs,
// so one owner's pgNums within a block lie close together (populating a VM puts ~600 consecutive
// pgNums in a block of 512 MPNs; the handoff rewrites each entry with the same pgNum and only a
// new owner). An entry that does not fit first rebases its (block, owner) — every entry keeps its
// pgNum — and, if the block's pgNums for that owner are too far apart for any base, is kept whole
// in a per-block side array (delta ESCAPE). The owner slot is always in the 16 bits, so a reader
// that wants only owners (the host map) reads one word per MPN.

/**
 * The packed word and block layout, as a const enum so that a bundler writes the numbers into hot
 * loops that work on `words` themselves (the handoff's): module constants would be variables there.
 */
export const enum Packed {
  /** The owner slot of a word is `word >>> OWNER_SHIFT`, its delta `word & DELTA_MASK`. */
  OWNER_SHIFT = 12,
  DELTA_MASK = 0xfff,
  /** MPN offsets are in the same block when `off >>> BLOCK_SHIFT` is the same. */
  BLOCK_SHIFT = 9,
  BLOCK_MPNS = 512,
}
export const OWNER_SHIFT = Packed.OWNER_SHIFT;
const SLOT_SHIFT_RAW = 28;
const PGNUM_MASK_RAW = 2 ** SLOT_SHIFT_RAW - 1;
const DELTA_MASK = Packed.DELTA_MASK;
/** The delta that says "the whole entry is in the block's side array". */
const ESCAPE = Packed.DELTA_MASK;
const BLOCK_SHIFT = Packed.BLOCK_SHIFT;
const BLOCK_MPNS = Packed.BLOCK_MPNS;
const BLOCK_MASK = BLOCK_MPNS - 1;
/** Owner slots per block in `bases` (4 bits of slot). */
const SLOT_BITS = 4;
const SLOTS = 1 << SLOT_BITS;

export class BackMapRange {
  /** Per MPN (offset in the range): owner slot << OWNER_SHIFT | delta; 0 = no entry. */
  readonly words: Uint16Array;
  /**
   * Per (block, owner slot): 1 + the pgNum that delta 0 stands for; 0 = not yet chosen (so the
   * buffer needs no fill, and the parts of a range that nothing owns cost no RSS).
   */
  private readonly bases: Int32Array;
  /** Blocks with escaped entries: the raw entry of each escaped offset in the block. */
  private readonly wide = new Map<number, Uint32Array>();

  /** `words`, when given, is zeroed storage for `pages` words that the caller placed (a scanner's). */
  constructor(readonly pages: number, words?: Uint16Array) {
    if (words && words.length !== pages) throw new RangeError(`BackMap words for ${pages} pages, got ${words.length}`);
    // Explicit buffers: always outside the JS heap, however small (see BackmapCursor).
    this.words = words ?? new Uint16Array(new ArrayBuffer(pages * 2));
    this.bases = new Int32Array(new ArrayBuffer(Math.ceil(pages / BLOCK_MPNS) * SLOTS * 4));
  }

  /** The raw entry at `off` (owner slot << 28 | pgNum), 0 when unset. */
  get(off: number): number {
    const w = this.words[off]!;
    if (w === 0) return 0;
    const d = w & DELTA_MASK;
    if (d === ESCAPE) return this.wide.get(off >>> BLOCK_SHIFT)![off & BLOCK_MASK]!;
    const slot = w >>> OWNER_SHIFT;
    return ((slot << SLOT_SHIFT_RAW) | (this.bases[((off >>> BLOCK_SHIFT) << SLOT_BITS) + slot]! - 1 + d)) >>> 0;
  }

  /** Store a raw entry (0 clears it). */
  set(off: number, entry: number): void {
    if (entry === 0) {
      this.words[off] = 0;
      return;
    }
    const slot = entry >>> SLOT_SHIFT_RAW;
    const pgNum = entry & PGNUM_MASK_RAW;
    const bi = ((off >>> BLOCK_SHIFT) << SLOT_BITS) + slot;
    if (slot === 0) throw new RangeError(`BackMap entry 0x${entry.toString(16)} has no owner slot`);
    let base = this.bases[bi]! - 1;
    if (base < 0) {
      base = pgNum;
      this.bases[bi] = pgNum + 1;
    }
    const d = pgNum - base;
    if (d >= 0 && d < ESCAPE) this.words[off] = (slot << OWNER_SHIFT) | d;
    else this.setFar(off, slot, pgNum, entry);
  }

  /** Whether the entry at `off` is (slot, pgNum): the checker's question, without building the entry. */
  is(off: number, slot: number, pgNum: number): boolean {
    const w = this.words[off]!;
    if (w >>> OWNER_SHIFT !== slot || w === 0) return false;
    const d = w & DELTA_MASK;
    if (d === ESCAPE) return this.wide.get(off >>> BLOCK_SHIFT)![off & BLOCK_MASK]! === (((slot << SLOT_SHIFT_RAW) | pgNum) >>> 0);
    return this.bases[((off >>> BLOCK_SHIFT) << SLOT_BITS) + slot]! - 1 + d === pgNum;
  }

  /** If the entry at `off` is (from, pgNum), make it (to, pgNum) and answer true; else change nothing. */
  move(off: number, from: number, to: number, pgNum: number): boolean {
    const x = this.words[off]!;
    if (x >>> OWNER_SHIFT !== from) return false;
    const base = this.sharedBase(off, from, to);
    if (base >= 0 && (x & DELTA_MASK) + base === pgNum) {
      this.words[off] = x ^ ((from ^ to) << OWNER_SHIFT);
      return true;
    }
    if (!this.is(off, from, pgNum)) return false;
    this.set(off, ((to << SLOT_SHIFT_RAW) | pgNum) >>> 0);
    return true;
  }

  /**
   * For a hot loop that moves many entries from owner `from` to owner `to` keeping their pgNums
   * (the handoff): the base both owners share in the block of `off`, or -1 when they do not or the
   * block has escaped entries (then use `move`). `to` takes `from`'s base the first time it
   * appears in a block, so they usually share it; then an entry (from, pgNum) is exactly the word
   * `from << OWNER_SHIFT | (pgNum - base)`, and moving it flips only the owner bits:
   * `word ^ (from ^ to) << OWNER_SHIFT`.
   */
  sharedBase(off: number, from: number, to: number): number {
    const blk = off >>> BLOCK_SHIFT;
    if (this.wide.size > 0 && this.wide.has(blk)) return -1;
    const bi = blk << SLOT_BITS;
    const stored = this.bases[bi + from]!;
    if (stored === 0) return -1;
    const bt = this.bases[bi + to]!;
    if (bt === 0) this.bases[bi + to] = stored;
    else if (bt !== stored) return -1;
    return stored - 1;
  }

  /** The owner slot at `off` (0 = unset), without decoding the pgNum. */
  slot(off: number): number {
    return this.words[off]! >>> OWNER_SHIFT;
  }

  /** Escaped entries (for tests and the curious: how often the packing gives up). */
  get escapedBlocks(): number {
    return this.wide.size;
  }

  /**
   * `pgNum` is too far from its (block, owner) base: move the base so that it and every other
   * entry of that owner in the block fit, else keep this entry whole in the block's side array.
   */
  private setFar(off: number, slot: number, pgNum: number, entry: number): void {
    const blk = off >>> BLOCK_SHIFT;
    const bi = (blk << SLOT_BITS) + slot;
    const first = blk << BLOCK_SHIFT;
    const end = Math.min(first + BLOCK_MPNS, this.pages);
    const w = this.words;
    const base = this.bases[bi]! - 1;
    let min = pgNum;
    let max = pgNum;
    for (let o = first; o < end; o++) {
      const x = w[o]!;
      if (o === off || x >>> OWNER_SHIFT !== slot || (x & DELTA_MASK) === ESCAPE) continue;
      const p = base + (x & DELTA_MASK);
      if (p < min) min = p;
      if (p > max) max = p;
    }
    if (max - min < ESCAPE) {
      for (let o = first; o < end; o++) {
        const x = w[o]!;
        if (o === off || x >>> OWNER_SHIFT !== slot || (x & DELTA_MASK) === ESCAPE) continue;
        w[o] = (slot << OWNER_SHIFT) | (base + (x & DELTA_MASK) - min);
      }
      this.bases[bi] = min + 1;
      w[off] = (slot << OWNER_SHIFT) | (pgNum - min);
      return;
    }
    let side = this.wide.get(blk);
    if (!side) this.wide.set(blk, (side = new Uint32Array(BLOCK_MPNS)));
    side[off & BLOCK_MASK] = entry;
    w[off] = (slot << OWNER_SHIFT) | ESCAPE;
  }
}
