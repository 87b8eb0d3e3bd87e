// A hash map from non-negative int32 keys to int32 values, in two typed arrays (open addressing,
// linear probing). It exists for the host's per-MPN bookkeeping of big VMs: a JS Map of tens of
// thousands of entries is garbage-collected heap that the GC copies and promotes as it grows; this
// one is two flat buffers outside the heap. Knows nothing of what its numbers mean.

/**
 * Value 0 means "absent": `get` answers 0 for a key never set, and setting 0 takes a key out (its
 * slot is reclaimed when the table next grows; it never shrinks).
 */
export class IntMap {
  private keys: Int32Array;
  private vals: Int32Array;
  /** Keys that have a slot (set at least once, whatever their value now). */
  private used = 0;
  /** Fibonacci hashing: a key's first slot is the top log2(table size) bits of key · 2^32/φ. */
  private shift: number;

  constructor(capacity = 16) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.keys = new Int32Array(n).fill(-1);
    this.vals = new Int32Array(n);
    this.shift = 32 - Math.log2(n);
  }

  get(key: number): number {
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let i = Math.imul(key, 0x9e3779b1) >>> this.shift; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) return this.vals[i]!;
      if (k === -1) return 0;
    }
  }

  set(key: number, value: number): void {
    if (!(key >= 0 && key <= 0x7fffffff && Number.isInteger(key))) throw new RangeError(`IntMap key must be an int32 ≥ 0, got ${key}`);
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let i = Math.imul(key, 0x9e3779b1) >>> this.shift; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) {
        this.vals[i] = value;
        return;
      }
      if (k === -1) {
        if (value === 0) return; // taking out a key that is not there
        keys[i] = key;
        this.vals[i] = value;
        if (++this.used * 2 > keys.length) this.grow();
        return;
      }
    }
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    this.keys = new Int32Array(oldKeys.length * 2).fill(-1);
    this.vals = new Int32Array(oldKeys.length * 2);
    this.shift--;
    this.used = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      // Keys whose value went back to 0 are dropped here.
      if (oldKeys[i] !== -1 && oldVals[i] !== 0) this.set(oldKeys[i]!, oldVals[i]!);
    }
  }
}
