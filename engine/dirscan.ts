// The handoff's hottest loop in WebAssembly: over the 512 PFrames of one pdir page, move the
// BackMap entry of each REGULAR page from owner `from` to owner `to` where it is the plain case
// (owner `from`, the block's shared base, a delta that fits), and stop at the first page that is
// not. The caller (moveDirEntries in sim/handoff/memory.ts) does what it stops for; the same loop in
// JavaScript, moveDirEntriesFrom, runs wherever WebAssembly is not there (a CSP that forbids it).
//
// Why: a VM's page types are a random mix, so a loop that branches on the type mispredicts on
// about a fifth of its pages, and V8 re-checks typed arrays on every iteration. Here the type is
// a mask (a non-REGULAR page reads and rewrites a scratch word), there is one branch per page that
// almost never goes, and the 64 GiB handoff takes about half the time it took in JavaScript.
//
// The module is a few hundred bytes, written out below by a small encoder; `WebAssembly.validate`
// and the property test against the JavaScript loop (test/engine/dirscan.test.ts) police it. It
// imports its memory, one per big BackMap range: a scratch copy of a pdir page, a scratch word,
// the range's 2-byte BackMap words, then (for the host's biggest range) an area for the host's
// page slabs, so that pdir pages living there are scanned in place.

import { Packed } from './backmap';
import { TypeCode } from './pframe';

/** The parts of the WebAssembly JS API used here (the engine's lib has no such types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (desc: { initial: number; maximum?: number }) => { buffer: ArrayBuffer };
  validate(bytes: Uint8Array): boolean;
}

/** Byte offsets in a scanner's memory: the pdir page, one scratch word, then the BackMap words. */
const PFRAMES_AT = 0;
const SCRATCH_AT = 4096;
const WORDS_AT = 4112;
const WASM_PAGE = 65536;
/**
 * wasm32 memories end at 4 GiB; ours stop 64 KiB short, so that no address the scan computes (a
 * page's end: its address + 4096) wraps past 2^32.
 */
const MAX_WASM_PAGES = 65535;

/** Ranges of at least this many pages (4 GiB of host memory) get a scanner; smaller ones stay plain. */
export const SCAN_MIN_PAGES = 1 << 20;

// ---- the module ---------------------------------------------------------------------------------

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

const I32 = 0x7f;
// Instructions, by their names in the text format.
const get = (l: number) => [0x20, l];
const set = (l: number) => [0x21, l];
const tee = (l: number) => [0x22, l];
const i32 = (v: number) => [0x41, ...sleb(v)];
const load = (offset: number) => [0x28, 2, ...uleb(offset)];
const load16u = [0x2f, 1, 0];
const store16 = [0x3b, 1, 0];
const [eq, ltU, geU] = [[0x46], [0x49], [0x4f]];
const [add, sub, and, or, xor, shl, shrU] = [[0x6a], [0x6b], [0x71], [0x72], [0x73], [0x74], [0x76]];
const select = [0x1b];
const brIf = (depth: number) => [0x0d, depth];
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = [0x0b];

// scan(pf, i, count, d, blkOff, blkLo, hiBits, srcBits, flip) → n << 16 | i
const [pPf, pI, pCount, pD, pBlkOff, pBlkLo, pHiBits, pSrcBits, pFlip] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const PARAMS = 9;
const [lP, lEnd, lN, lLo, lO, lReg, lOut, lAddr, lX, lWords] = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
const LOCALS = 10;

/**
 * One block of one range at a time: the BackMap words of the block's MPNs, from the one whose low
 * 32 bits are blkLo (its high bits are hiBits >> 8, as PFrame words hold them), at offset blkOff.
 * The caller never passes a block that crosses a multiple of 2^32 (o would wrap for MPNs below it).
 * For page i from `i` while i < count (PFrame i at pf + 8i: words lo, hi), with d = its
 * pgNum minus the block's base (the caller passes page i's; it counts up by one a page):
 *   reg  = type(lo) == REGULAR
 *   o    = hi - blkLo
 *   out  = ((lo & 0x3f00) ^ hiBits) | (o >> BLOCK_SHIFT)      nonzero: another block or range
 *   addr = out | !reg ? SCRATCH_AT : WORDS_AT + 2·(blkOff + o)
 *   x    = load16_u(addr)
 *   if reg && (out | (x - srcBits) ^ d | d >=u ESCAPE): stop  the caller looks at page i
 *   store16(addr, x ^ (reg ? flip : 0));  n += reg
 * No page branches on its type: a non-REGULAR page reads and writes back the scratch word. The
 * words past a range's last page, up to its last block's end, are padding that stays 0: no entry
 * matches it, so a page there stops the scan like any MPN outside the range. (ESCAPE is
 * Packed.DELTA_MASK: the largest plain delta is one less.)
 */
const body: number[][] = [
  get(pPf), get(pI), i32(3), shl, add, set(lP),
  get(pPf), get(pCount), i32(3), shl, add, set(lEnd),
  i32(WORDS_AT), get(pBlkOff), i32(1), shl, add, set(lWords),
  BLOCK,
  get(lP), get(lEnd), geU, brIf(0),
  LOOP,
  get(lP), load(0), set(lLo),
  get(lP), load(4), get(pBlkLo), sub, set(lO),
  get(lLo), i32(0xf0), and, i32(TypeCode.REGULAR << 4), eq, set(lReg),
  get(lLo), i32(0x3f00), and, get(pHiBits), xor, get(lO), i32(Packed.BLOCK_SHIFT), shrU, or, set(lOut),
  i32(SCRATCH_AT), get(lWords), get(lO), i32(1), shl, add, get(lOut), get(lReg), i32(1), xor, or, select, tee(lAddr),
  load16u, set(lX),
  get(lOut), get(lX), get(pSrcBits), sub, get(pD), xor, or, get(pD), i32(Packed.DELTA_MASK), geU, or,
  i32(0), get(lReg), select, brIf(1),
  get(lAddr), get(lX), get(pFlip), i32(0), get(lReg), select, xor, store16,
  get(lN), get(lReg), add, set(lN),
  get(pD), i32(1), add, set(pD),
  get(lP), i32(8), add, tee(lP), get(lEnd), ltU, brIf(0),
  END,
  END,
  get(lN), i32(16), shl, get(lP), get(pPf), sub, i32(3), shrU, or,
  END,
];

function moduleBytes(): Uint8Array {
  const code = [...vec([[LOCALS, I32]]), ...body.flat()];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(Array.from({ length: PARAMS }, () => [I32])), ...vec([[I32]])]])),
    ...section(2, vec([[...name('m'), ...name('mem'), 0x02, 0x00, 0x00]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('scan'), 0x00, 0]])),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
}

let compiled: object | null | undefined;
/** The compiled module, or null where WebAssembly is missing or refused. */
function wasmModule(): object | null {
  if (compiled !== undefined) return compiled;
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  compiled = null;
  if (api) {
    try {
      const bytes = moduleBytes();
      if (api.validate(bytes)) compiled = new api.Module(bytes);
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

// ---- scanners -----------------------------------------------------------------------------------

export type ScanFn = (pf: number, i: number, count: number, d: number, blkOff: number, blkLo: number, hiBits: number, srcBits: number, flip: number) => number;

/**
 * One BackMap range's words in a WebAssembly memory, with the scan over them, and after them room
 * for the host's page slabs: a pdir page that lives there is scanned where it is, not copied.
 */
export interface DirScanner {
  /** The range's BackMap words (the memory's, after the scratch area). */
  readonly words: Uint16Array;
  /** The memory's buffer (never detached: the memory never grows). */
  readonly buffer: ArrayBuffer;
  /** Where in `buffer` the slab area starts, and its size in bytes (a multiple of SLAB_BYTES). */
  readonly slabsAt: number;
  readonly slabBytes: number;
  /** The address `scan` reads a pdir page's PFrames at: its own when it is in this memory, else a copy's. */
  place(pframes: Uint32Array): number;
  /** The loop above: answers (pages moved) << 16 | the first page not done. */
  readonly scan: ScanFn;
}

/** The host's slabs are 1 MiB; the slab area holds whole ones. */
export const SLAB_BYTES = 1 << 20;

/**
 * A scanner with room for `pages` BackMap words and up to `slabBytes` of slabs, or null where
 * WebAssembly is not available, the words do not fit in a wasm32 memory, or the memory cannot be
 * had. The slab area shrinks to what fits (to none, if need be). A memory's pages that nothing
 * touches cost no RSS.
 */
export function makeScanner(pages: number, slabBytes = 0): DirScanner | null {
  const mod = wasmModule();
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!mod || !api) return null;
  // Words up to the end of the last block (the padding above), then the slabs on a slab boundary.
  const slabsAt = Math.ceil((WORDS_AT + Math.ceil(pages / Packed.BLOCK_MPNS) * Packed.BLOCK_MPNS * 2) / SLAB_BYTES) * SLAB_BYTES;
  const limit = MAX_WASM_PAGES * WASM_PAGE;
  if (slabsAt > limit) return null;
  // No maximum and never grown: the buffer, and every view of it, stays valid. Without room for
  // slabs if a memory that large cannot be had.
  const memory = (area: number): { buffer: ArrayBuffer } | null => {
    try {
      return new api.Memory({ initial: (slabsAt + area) / WASM_PAGE });
    } catch {
      return null;
    }
  };
  let area = Math.min(Math.floor(slabBytes / SLAB_BYTES) * SLAB_BYTES, limit - slabsAt);
  let mem = memory(area);
  if (!mem && area > 0) mem = memory((area = 0));
  if (!mem) return null;
  const scan = new api.Instance(mod, { m: { mem } }).exports.scan as ScanFn;
  const buffer = mem.buffer;
  const pf = new Uint32Array(buffer, PFRAMES_AT, 1024);
  return {
    words: new Uint16Array(buffer, WORDS_AT, pages),
    buffer,
    slabsAt,
    slabBytes: area,
    place: (pframes) => {
      if (pframes.buffer === buffer) return pframes.byteOffset;
      pf.set(pframes);
      return PFRAMES_AT;
    },
    scan,
  };
}

/** Whether this platform runs the scan in WebAssembly (tests report which path they covered). */
export function wasmScanAvailable(): boolean {
  return wasmModule() !== null;
}
