// A swap file: slots of 4 KiB and a used-slot bitmap; it may grow (`SwapExtend_Files`). Knows
// nothing of worlds or PFrames: the PFrame of a SWAPPED page names its slot.

/** What a storage's tags were when `SwapStorage.snapshot` was taken, read later. */
export class TagSnapshot {
  /** For each slot written since: its tag at the snapshot (first write only). */
  readonly before = new Map<number, number>();
  constructor(private readonly storage: SwapStorage) {}
  at(slot: number): number {
    const b = this.before.size !== 0 ? this.before.get(slot) : undefined;
    return b ?? this.storage.tags[slot] ?? 0;
  }
  /** The first slot set in `bitmap` whose tag in `tags` is not the snapshot's, or -1. */
  firstDifference(tags: Uint32Array, bitmap: Uint32Array): number {
    const now = this.storage.tags;
    // Nothing written since, and the same blocks on disk (a shared swap file): nothing can differ.
    if (this.before.size === 0 && tags === now) return -1;
    for (let w = 0; w < bitmap.length; w++) {
      const word = bitmap[w]!;
      if (word === 0) continue;
      for (let b = 0; b < 32; b++) {
        if ((word & (1 << b)) === 0) continue;
        const s = w * 32 + b;
        if (tags[s] !== this.at(s)) return s;
      }
    }
    return -1;
  }
  /** Stop remembering (the snapshot is no longer needed). */
  close(): void {
    this.storage.closeSnapshot(this);
  }
}

/** The blocks on disk: one content tag per slot (0 = never written). Two handles may share it. */
export class SwapStorage {
  tags: Uint32Array;
  /** Open snapshots: each remembers the old tag of a slot written since it was taken. */
  private open: TagSnapshot[] = [];
  constructor(slots: number) {
    this.tags = new Uint32Array(slots);
  }
  /** Write a slot's tag (the way every write after populating goes, so that snapshots see it). */
  write(slot: number, tag: number): void {
    this.ensure(slot + 1);
    for (const snap of this.open) if (!snap.before.has(slot)) snap.before.set(slot, this.tags[slot]!);
    this.tags[slot] = tag;
  }
  /**
   * The tags as they are now, without copying them: later writes remember the old tag instead (a
   * handoff writes few or none after its point of no return; a 64 GiB VM has a million slots).
   */
  snapshot(): TagSnapshot {
    const snap = new TagSnapshot(this);
    this.open.push(snap);
    return snap;
  }
  closeSnapshot(snap: TagSnapshot): void {
    this.open = this.open.filter((s) => s !== snap);
  }
  ensure(slots: number): void {
    if (slots <= this.tags.length) return;
    const t = new Uint32Array(Math.max(slots, this.tags.length * 2));
    t.set(this.tags);
    this.tags = t;
  }
}

export class SwapFile {
  private bits: Uint32Array;
  readonly storage: SwapStorage;
  private slots: number;
  private used = 0;
  /** Where the next allocation starts looking (keeps allocation O(1) amortized). */
  private hint = 0;

  constructor(readonly name: string, numSlots: number, storage?: SwapStorage) {
    if (!Number.isInteger(numSlots) || numSlots < 0) throw new RangeError(`swap file ${name}: numSlots must be a non-negative integer, got ${numSlots}`);
    this.slots = numSlots;
    this.bits = new Uint32Array(Math.ceil(numSlots / 32));
    this.storage = storage ?? new SwapStorage(numSlots);
    this.storage.ensure(numSlots);
  }
  /** Content tags of the slots (shared with every handle on the same storage). */
  get tags(): Uint32Array {
    return this.storage.tags;
  }

  get numSlots(): number {
    return this.slots;
  }
  get usedSlots(): number {
    return this.used;
  }
  /** The bitmap words (bit i of word w is slot 32·w + i). Read-only view for display and compare. */
  get bitmap(): Uint32Array {
    return this.bits;
  }

  isUsed(slot: number): boolean {
    return slot >= 0 && slot < this.slots && (this.bits[slot >>> 5]! & (1 << (slot & 31))) !== 0;
  }

  /** Take the first free slot at or after the hint; throws when the file is full. */
  allocSlot(): number {
    for (let pass = 0; pass < 2; pass++) {
      for (let w = this.hint >>> 5; w < this.bits.length; w++) {
        const word = this.bits[w]!;
        if (word === 0xffffffff) continue;
        const bit = 31 - Math.clz32(~word & (word + 1));
        const slot = w * 32 + bit;
        if (slot >= this.slots) break;
        this.setUsed(slot);
        this.hint = slot + 1;
        return slot;
      }
      this.hint = 0;
    }
    throw new RangeError(`swap file ${this.name} is full (${this.slots} slots)`);
  }

  setUsed(slot: number): void {
    this.check(slot);
    const m = 1 << (slot & 31);
    if ((this.bits[slot >>> 5]! & m) === 0) {
      this.bits[slot >>> 5] |= m;
      this.used++;
    }
  }

  freeSlot(slot: number): void {
    this.check(slot);
    const m = 1 << (slot & 31);
    if ((this.bits[slot >>> 5]! & m) !== 0) {
      this.bits[slot >>> 5] &= ~m;
      this.used--;
      if (slot < this.hint) this.hint = slot;
    }
  }

  /** `SwapExtend_Files`: grow to at least `numSlots` (never shrinks). */
  extend(numSlots: number): void {
    if (numSlots <= this.slots) return;
    const bits = new Uint32Array(Math.ceil(numSlots / 32));
    bits.set(this.bits);
    this.bits = bits;
    this.slots = numSlots;
    this.storage.ensure(numSlots);
  }

  /** Undo of extend (time travel): shrink back; only slots beyond the new size must be free. */
  truncate(numSlots: number): void {
    for (let s = numSlots; s < this.slots; s++) if (this.isUsed(s)) throw new Error(`swap file ${this.name}: slot ${s} is in use`);
    this.bits = this.bits.slice(0, Math.ceil(numSlots / 32));
    this.slots = numSlots;
  }

  /** Copy another file's bitmap into this one (`SwapMigrate_SetSwapBitmap`); sizes must match in slots. */
  setBitmapFrom(src: SwapFile): void {
    if (src.numSlots > this.slots) throw new RangeError(`swap file ${this.name} has ${this.slots} slots, fewer than ${src.name}'s ${src.numSlots}`);
    this.bits.fill(0);
    this.bits.set(src.bits);
    this.used = src.used;
    this.hint = 0;
  }

  /** Restore a saved bitmap (time travel). */
  restoreBitmap(bits: Uint32Array, used: number): void {
    this.bits = bits.slice();
    this.used = used;
    this.hint = 0;
  }

  /** Used slots as inclusive ranges [first, last], for a readable display instead of a wall of bits. */
  usedRanges(limit = Infinity): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let start = -1;
    for (let w = 0; w < this.bits.length && out.length < limit; w++) {
      const word = this.bits[w]!;
      if ((word === 0 && start < 0) || (word === 0xffffffff && start >= 0)) continue;
      for (let b = 0; b < 32; b++) {
        const s = w * 32 + b;
        if (s >= this.slots) break;
        const on = (word & (1 << b)) !== 0;
        if (on && start < 0) start = s;
        else if (!on && start >= 0) {
          out.push([start, s - 1]);
          start = -1;
          if (out.length >= limit) break;
        }
      }
    }
    if (start >= 0 && out.length < limit) out.push([start, this.slots - 1]);
    return out;
  }

  private check(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.slots) throw new RangeError(`swap file ${this.name}: slot ${slot} is outside 0..${this.slots - 1}`);
  }
}
