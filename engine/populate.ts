// Populating a VM world from a description: size, page-type mix, large pages and swap, seeded and
// deterministic. Writes real PFrames into real pdir pages, the BackMap and the stats, as the
// kernel would have left them; the one hot loop of the model, so it works on words directly.

import { grown } from './grown';
import { MAX_PGNUM } from './host';
import { PageType, pfMakeLo } from './pframe';
import { Rng } from './rng';
import { ALLOC_PDIR_PAGES, type Machine, PFrameMakePTE, World } from './world';

/** Relative weights of page types in a populated VM; missing types weigh 0. */
export interface PageMix {
  regular?: number;
  cow?: number;
  swapped?: number;
  zipped?: number;
  ballooned?: number;
  none?: number;
}

export const MIX_TYPES = ['regular', 'cow', 'swapped', 'zipped', 'ballooned', 'none'] as const;
export type MixType = (typeof MIX_TYPES)[number];

export interface VmSpec {
  worldID: number;
  name: string;
  /** Guest main memory in MiB (256 pages per MiB). */
  memMB: number;
  mix?: PageMix;
  seed?: number;
  /** Share of REGULAR pages backed by a large page (isBackedByLPage), 0..1. */
  largePageFraction?: number;
  /** Extra free slots in the swap file beyond the swapped pages. */
  swapHeadroomSlots?: number;
}

export const DEFAULT_MIX: Required<PageMix> = { regular: 80, cow: 6, swapped: 6, zipped: 4, ballooned: 2, none: 2 };
/** COW pages per page-sharing MPN, on average. */
const COW_PAGES_PER_SHARED_MPN = 4;
/** Zipped blocks per MemZip cache page (zipBlock is 2 bits). */
const ZIP_BLOCKS_PER_PAGE = 4;

function validateSpec(spec: VmSpec): { numPages: number; weights: number[] } {
  if (!Number.isInteger(spec.memMB) || spec.memMB <= 0) throw new RangeError(`VM ${spec.name}: memMB must be a positive integer, got ${spec.memMB}`);
  const numPages = spec.memMB * 256;
  if (numPages > MAX_PGNUM + 1) throw new RangeError(`VM ${spec.name}: memMB ${spec.memMB} exceeds the model's ${(MAX_PGNUM + 1) / 256} MiB`);
  const mix = spec.mix ?? DEFAULT_MIX;
  for (const k of Object.keys(mix)) {
    if (!(MIX_TYPES as readonly string[]).includes(k)) throw new RangeError(`VM ${spec.name}: unknown page type "${k}" in mix (allowed: ${MIX_TYPES.join(', ')})`);
  }
  const weights = MIX_TYPES.map((k) => mix[k] ?? 0);
  for (const [i, w] of weights.entries()) {
    if (!(Number.isFinite(w) && w >= 0)) throw new RangeError(`VM ${spec.name}: mix.${MIX_TYPES[i]} must be a non-negative number, got ${w}`);
  }
  if (weights.every((w) => w === 0)) throw new RangeError(`VM ${spec.name}: mix must give at least one page type a weight above 0`);
  const lp = spec.largePageFraction ?? 0;
  if (!(lp >= 0 && lp <= 1)) throw new RangeError(`VM ${spec.name}: largePageFraction must be in 0..1, got ${lp}`);
  return { numPages, weights };
}

/** Populate a new world on `machine` from `spec`. Deterministic in (host layout, spec, seed). */
export function populateVM(machine: Machine, spec: VmSpec): World {
  const { numPages, weights } = validateSpec(spec);
  const total = weights.reduce((a, b) => a + b, 0);
  // Cumulative thresholds over the uint32 range, in MIX_TYPES order.
  const thresholds = new Float64Array(weights.length);
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i]!;
    thresholds[i] = i === weights.length - 1 ? 4294967296 : Math.floor((acc / total) * 4294967296);
  }
  const [tReg, tCow, tSwap, tZip, tBal] = thresholds as unknown as number[];
  const expectedSwapped = Math.ceil((numPages * weights[2]!) / total);
  const swapSlots = Math.ceil(expectedSwapped * 1.1) + 64 + (spec.swapHeadroomSlots ?? 0);

  const host = machine.host;
  const world = machine.addWorld(new World(spec.worldID, spec.name, host, numPages, swapSlots));
  const pf = world.pframes;
  // xorshift32 inline: the loop draws one number per page (seeded through Rng, never 0).
  let x = new Rng(spec.seed ?? 1).next() | 1;
  const lpThreshold = Math.floor((spec.largePageFraction ?? 0) * 256);
  const swapFile = world.swap.swapFile;
  const seedTag = Math.imul((spec.seed ?? 1) + 0x51, 0x85ebca6b);
  const memzip = world.alloc.memzip;

  const mainSlot = world.owners.mainmem.slot << 28;
  const pshare = machine.pshare;
  const expectedCow = Math.ceil((numPages * weights[1]!) / total);
  const poolSize = Math.max(1, Math.ceil(expectedCow / COW_PAGES_PER_SHARED_MPN));
  const poolMPN = new Float64Array(poolSize).fill(-1);
  const poolIdx = new Uint32Array(poolSize);
  pshare.reserve(poolSize);
  // The MemZip cache pages, in a typed array grown by doubling (its expected size first).
  let zipPages = new Float64Array(Math.ceil((numPages * weights[3]!) / total / ZIP_BLOCKS_PER_PAGE) + 16);
  let zipCount = 0;
  let cowSeen = 0;
  let zipBlocks = 0;
  let zipLo = 0;
  let backed = 0;
  let lpages = 0;

  const loREG = pfMakeLo(PageType.REGULAR, 0);
  const loCOW = pfMakeLo(PageType.COW, 0);
  const loSWAPPED = pfMakeLo(PageType.SWAPPED, 0, 1); // extra.swapped.vmkSwapped = 1
  const loBALLOONED = pfMakeLo(PageType.BALLOONED, 0, 1); // extra.pshared.isBallooned = 1

  // Every MPN comes from contiguous runs (the unused tail goes back at the end); regular pages'
  // BackMap entries are written straight into the run's BackMap range. The run's cursor lives in
  // a Float64Array, not in variables the helpers close over: a closure's variable holding an MPN
  // above 2^31 would box a new heap number on every write, millions of times.
  const run = new Float64Array(4); // [next MPN, pages left, the BackMap range's base MPN, the current MemZip page]
  let bm = host.backmapRange(host.regions[0]!.baseMPN).range;
  const RUN = 1 << 16;
  const refill = (): void => {
    const r = host.allocRun(RUN);
    run[0] = r.start;
    run[1] = r.count;
    const w = host.backmapRange(r.start);
    bm = w.range;
    run[2] = w.baseMPN;
  };
  const take = (): number => {
    if (run[1] === 0) refill();
    run[1]--;
    return run[0]++;
  };

  for (let d = 0; d < world.numDirs; d++) {
    const dirMPN = take();
    host.backmapSet(dirMPN, world.owners.pdir, d);
    const words = host.mapForOverwrite(dirMPN).u32;
    pf.pdirInfo[d] = PFrameMakePTE(dirMPN);
    pf.numPDirEntries++;
    const first = d * ALLOC_PDIR_PAGES;
    const count = Math.min(ALLOC_PDIR_PAGES, numPages - first);
    for (let i = 0; i < count; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      const r = x >>> 0;
      let lo = 0;
      let index = 0;
      if (r < tReg!) {
        // take(), inlined: the hot path returns no MPN through a call (above 2^31 it would be boxed).
        if (run[1] === 0) refill();
        run[1]--;
        index = run[0]!;
        run[0] = index + 1;
        bm.set(index - run[2]!, (mainSlot | (first + i)) >>> 0);
        lo = loREG | ((r & 0xff) < lpThreshold ? 0x8000 : 0) | ((r >>> 8) & 1 ? 0x8 : 0);
        if (lo & 0x8000) lpages++;
        backed++;
      } else if (r < tCow!) {
        // Share locally (about COW_PAGES_PER_SHARED_MPN pages per MPN), a quarter with the first (zero) page.
        const k = (r & 3) === 0 ? 0 : (cowSeen++ >>> 2) % poolSize;
        if (poolMPN[k] === -1) {
          poolMPN[k] = take();
          poolIdx[k] = pshare.add(poolMPN[k]!);
        }
        index = poolMPN[k]!;
        pshare.addRef(poolIdx[k]!);
        lo = loCOW | 0x8; // COW pages are owned by the sharing pool, not counted in the world's stats
      } else if (r < tSwap!) {
        index = swapFile.allocSlot();
        swapFile.tags[index] = (Math.imul(first + i + 1, 0x9e3779b1) ^ seedTag) >>> 0 || 1;
        lo = loSWAPPED;
      } else if (r < tZip!) {
        const block = zipBlocks++ % ZIP_BLOCKS_PER_PAGE;
        if (block === 0) {
          const zipMPN = (run[3] = take());
          host.backmapSet(zipMPN, world.owners.memzip, zipCount);
          if (zipCount === zipPages.length) zipPages = grown(zipPages);
          zipPages[zipCount++] = zipMPN;
          zipLo = pfMakeLo(PageType.ZIPPED, zipMPN);
        }
        index = run[3]!;
        lo = zipLo | (block << 14); // extra.zipped.zipBlock
      } else if (r < tBal!) {
        lo = loBALLOONED;
      }
      if (index >= 4294967296) lo |= (Math.floor(index / 4294967296) & 0x3f) << 8;
      words[2 * i] = lo >>> 0;
      words[2 * i + 1] = index >>> 0;
    }
    for (let i = count; i < ALLOC_PDIR_PAGES; i++) {
      words[2 * i] = 0;
      words[2 * i + 1] = 0;
    }
  }

  host.returnRun(run[0]!, run[1]!);
  host.adjustOwnerCount(world.owners.mainmem.slot, backed);
  memzip.numZipped = zipBlocks;
  memzip.cacheMPNs = zipPages.slice(0, zipCount);
  memzip.header = { owner: world.worldID, numCachePages: zipCount, numZipped: zipBlocks };
  world.stats.allocated = backed;
  world.stats.allocs = backed;
  world.alloc.lpool = { id: world.worldID, numLargePages: Math.ceil(lpages / ALLOC_PDIR_PAGES), ownerWorldID: world.worldID, sharedWith: [] };
  return world;
}
