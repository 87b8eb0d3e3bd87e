// The change log: every change a step makes to simulated state, as data (what, where, old, new, at
// which step), beside the journal's undo closures. History queries ("when did this value change,
// and who changed it") read it instead of re-running the program. Typed columns, no object per
// change but for the rare field change; truncated with the history it belongs to.

import { grown } from '../grown';
import type { HostMemory } from '../host';

export const enum ChangeKind {
  /** A PFrame's two words: key = MPN · 1024 + word index (the lo word); a = old lo, hi; b = new lo, hi. */
  WORDS = 1,
  /** A pdirInfo entry: key = world slot · 2^32 + dirIndex; a0 = old PTE, b0 = new PTE. */
  PDIR = 2,
  /** A BackMap entry: key = MPN; a0 = old entry, b0 = new entry. */
  BACKMAP = 3,
  /** A field of a state object (FSRInfo, stats, …): `obj`, `field`, `old`, `new` in the side table. */
  FIELD = 4,
  /** A swap slot's used bit: key = file id · 2^32 + slot; a0 = old bit, b0 = new bit. */
  SLOT = 5,
  /** A whole swap bitmap replaced (the bitmap copy): the side table holds the file and both bitmaps. */
  BITMAP = 6,
  /**
   * Many BackMap entries moved to another owner at once (the MemZip cache's pages): the side table
   * holds the MPNs and their new entries (old = new − `flip`), two numbers a page instead of an entry
   * of the log each.
   */
  BACKMAP_MOVE = 7,
}

export interface FieldChange {
  obj: object;
  field: string;
  old: unknown;
  new: unknown;
  /** A bulk step's many changes summed up: the first and last step they were made at. */
  span?: [number, number];
}
export interface BitmapChange {
  fileId: number;
  old: Uint32Array;
  new: Uint32Array;
}
export interface BackMapMove {
  mpns: Float64Array;
  /** Each MPN's entry after the move. */
  entries: Float64Array;
  /** New entry − old entry (the owner slot's difference, in place). */
  flip: number;
}

const TWO_32 = 4294967296;

export class ChangeLog {
  /** Entries dropped from the front (with history evicted past them): index i of the log is entry base + i. */
  private base = 0;
  private n = 0;
  kind = new Uint8Array(1024);
  step = new Float64Array(1024);
  key = new Float64Array(1024);
  a0 = new Float64Array(1024);
  a1 = new Float64Array(1024);
  b0 = new Float64Array(1024);
  b1 = new Float64Array(1024);
  /** The listing line of the statement that made a change inside a bulk step (0: the step's own statement). */
  site = new Int32Array(1024);
  /** Side objects of FIELD and BITMAP entries, by entry index (holes elsewhere). */
  side: Array<FieldChange | BitmapChange | BackMapMove | undefined> = [];
  /**
   * The site an entry gets when its maker names none: 0, or the line of the statement a bulk form is
   * doing the work of while it makes changes through the usual helpers (so a row names that line, as
   * the fine path's would, not the loop head).
   */
  siteNow = 0;

  /** The absolute index the next entry gets (a step remembers it, to truncate back to it). */
  get end(): number {
    return this.base + this.n;
  }
  /** The absolute index of the oldest entry kept. */
  get start(): number {
    return this.base;
  }
  /** The entries, as local indices 0..count-1 (local = absolute − start). */
  get count(): number {
    return this.n;
  }

  push(kind: ChangeKind, step: number, key: number, a0: number, a1: number, b0: number, b1: number, side?: FieldChange | BitmapChange | BackMapMove, site = this.siteNow): void {
    if (this.n === this.kind.length) {
      this.kind = grown(this.kind);
      this.step = grown(this.step);
      this.key = grown(this.key);
      this.a0 = grown(this.a0);
      this.a1 = grown(this.a1);
      this.b0 = grown(this.b0);
      this.b1 = grown(this.b1);
      this.site = grown(this.site);
    }
    const i = this.n++;
    this.kind[i] = kind;
    this.step[i] = step;
    this.key[i] = key;
    this.a0[i] = a0;
    this.a1[i] = a1;
    this.b0[i] = b0;
    this.b1[i] = b1;
    this.site[i] = site;
    if (side) this.side[i] = side;
  }

  /** Forget the entries from absolute index `end` on (their steps were undone). */
  truncate(end: number): void {
    const n = Math.max(0, end - this.base);
    if (n >= this.n) return;
    this.n = n;
    if (this.side.length > n) this.side.length = n;
  }

  /** Forget the entries before absolute index `start` (history no longer reaches their steps). */
  dropBefore(start: number): void {
    const k = Math.min(this.n, start - this.base);
    if (k <= 0) return;
    for (const col of [this.kind, this.step, this.key, this.a0, this.a1, this.b0, this.b1, this.site] as const) col.copyWithin(0, k, this.n);
    this.side = this.side.slice(k);
    this.n -= k;
    this.base += k;
  }
}

/**
 * A page's words as they were after step `step`: its bytes now, with every later change to it taken
 * back from the log (newest first). A copy.
 */
export function wordsAt(log: ChangeLog, host: HostMemory, mpn: number, step: number): Uint32Array {
  const b = host.read(mpn);
  const w = new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + 4096));
  const lo = mpn * 1024;
  for (let i = log.count - 1; i >= 0 && log.step[i]! > step; i--) {
    if (log.kind[i] !== ChangeKind.WORDS) continue;
    const k = log.key[i]! - lo;
    if (k < 0 || k >= 1024) continue;
    w[k] = log.a0[i]!;
    w[k + 1] = log.a1[i]!;
  }
  return w;
}

export const pdirKey = (worldSlot: number, dirIndex: number): number => worldSlot * TWO_32 + dirIndex;
export const wordsKey = (mpn: number, word: number): number => mpn * 1024 + word;
export const slotKey = (fileId: number, slot: number): number => fileId * TWO_32 + slot;
