// A VM world's memory bookkeeping as seed 002 names it: Alloc_Info → PFrame_Info (the two-level
// pgNum → PFrame index, its counters and lock), plus its swap files, MemZip cache, large page pool
// and alloc/free stats. Plain data with a few derived helpers; operations live in vmmem.ts.

import { type HostMemory, type Owner, PAGE_SIZE } from './host';
import { INVALID_MPN64, PageType, pfMakeLo } from './pframe';
import { SwapFile } from './swap';

/** PFrames per pdir page: one 4 KiB page of 8-byte PFrames (*model*). */
export const ALLOC_PDIR_PAGES = 512;
export const PDIR_SHIFT = 9;
/** PDir_Info entries (8-byte PTEs) per xmap page, and xmap pages per L3 page-table page. */
const ENTRIES_PER_PAGE = PAGE_SIZE / 8;

export function PAGE_2_DIRINDEX(pgNum: number): number {
  return Math.floor(pgNum / ALLOC_PDIR_PAGES);
}
export function PAGE_2_PAGEINDEX(pgNum: number): number {
  return pgNum % ALLOC_PDIR_PAGES;
}

/** PTE bits of a PDir_Info entry: present and writable, the MPN from bit 12 up. */
export const PTE_P = 1;
export const PTE_RW = 2;
/** `PFrameMakePTE(mpn)`: exact in a double up to 50 bits (38-bit MPN << 12). */
export function PFrameMakePTE(mpn: number): number {
  return mpn * PAGE_SIZE + PTE_P + PTE_RW;
}
/** The MPN a PDir_Info PTE names, or INVALID_MPN64 when it is not present. */
export function pteToMPN(pte: number): number {
  return pte % 2 === 1 ? Math.floor(pte / PAGE_SIZE) : INVALID_MPN64;
}

/** `SP_SpinLock`: who holds it, for the debugger to show. */
export interface SpinLock {
  readonly name: string;
  holder: string | null;
  heldFor: number | null;
  acquisitions: number;
}

/** `PFrameDomain` (*model*: one domain covers the whole VM). */
export interface PFrameDomain {
  readonly index: number;
  readonly firstPgNum: number;
  readonly numPages: number;
}

export interface PFrame_Info {
  pdirLock: SpinLock;
  domains: PFrameDomain[];
  domainMask: number;
  numMainMemPages: number;
  defaultPageTypeIsRemote: boolean;
  defaultPageTypeIsRemoteMaxPgNum: number;
  /** First level: one PTE per dirIndex naming the pdir MPN (0 = not present). */
  pdirInfo: Float64Array;
  /** Extended (debug) PFrame page per dirIndex, INVALID_MPN64 when none. */
  pages2: Float64Array;
  numPDirEntries: number;
  numXMapPages: number;
  numL3PTPages: number;
  numPDirEntries2: number;
  numXMapPages2: number;
}

/** The MemZip compression cache: its pages hold 4 zipped blocks each; the header moves at handoff. */
export interface MemZipInfo {
  /** The cache pages' MPNs (a typed array: a big VM has ~170,000 of them). */
  cacheMPNs: Float64Array;
  numZipped: number;
  /** The compression-cache info header `VmMemZip_TransferMemZipInfo` hands over. */
  header: { owner: number; numCachePages: number; numZipped: number } | null;
}

/** Large page pool (lpool): shared with the destination during restore, handed over at the end. */
export interface LargePagePool {
  readonly id: number;
  numLargePages: number;
  ownerWorldID: number;
  sharedWith: number[];
}

export interface SwapInfo {
  swapFile: SwapFile;
  migSwapFile: SwapFile;
  cptSwapFile: SwapFile;
  swapperEnabled: boolean;
  activeSwapOuts: number;
}

export interface Alloc_Info {
  pframes: PFrame_Info;
  lpool: LargePagePool | null;
  memzip: MemZipInfo;
}

/** Per-world accounting of `VmMem_UpdateAllocStats` / `VmMem_UpdateFreeStats`. */
export interface VmMemStats {
  /** Pages the world holds an MPN for, by the stats (allocs − frees). */
  allocated: number;
  allocs: number;
  frees: number;
}

export interface WorldOwners {
  mainmem: Owner;
  pdir: Owner;
  pdir2: Owner;
  memzip: Owner;
}

export class World {
  readonly alloc: Alloc_Info;
  readonly swap: SwapInfo;
  readonly stats: VmMemStats = { allocated: 0, allocs: 0, frees: 0 };
  readonly owners: WorldOwners;

  constructor(
    readonly worldID: number,
    readonly name: string,
    host: HostMemory,
    numMainMemPages: number,
    swapSlots: number,
  ) {
    if (!Number.isInteger(numMainMemPages) || numMainMemPages <= 0) {
      throw new RangeError(`world ${name}: numMainMemPages must be a positive integer, got ${numMainMemPages}`);
    }
    const numDirs = Math.ceil(numMainMemPages / ALLOC_PDIR_PAGES);
    const pages2 = new Float64Array(numDirs).fill(INVALID_MPN64);
    this.alloc = {
      pframes: {
        pdirLock: { name: `${name}.pdirLock`, holder: null, heldFor: null, acquisitions: 0 },
        domains: [{ index: 0, firstPgNum: 0, numPages: numMainMemPages }],
        domainMask: 0x1,
        numMainMemPages,
        defaultPageTypeIsRemote: false,
        defaultPageTypeIsRemoteMaxPgNum: 0,
        pdirInfo: new Float64Array(numDirs),
        pages2,
        numPDirEntries: 0,
        numXMapPages: Math.ceil(numDirs / ENTRIES_PER_PAGE),
        numL3PTPages: Math.ceil(Math.ceil(numDirs / ENTRIES_PER_PAGE) / ENTRIES_PER_PAGE),
        numPDirEntries2: 0,
        numXMapPages2: 0,
      },
      lpool: null,
      memzip: { cacheMPNs: new Float64Array(0), numZipped: 0, header: null },
    };
    this.swap = {
      swapFile: new SwapFile(`${name}.vswp`, swapSlots),
      migSwapFile: new SwapFile(`${name}.mig.vswp`, 0),
      cptSwapFile: new SwapFile(`${name}.cpt.vswp`, 0),
      swapperEnabled: true,
      activeSwapOuts: 0,
    };
    this.owners = {
      mainmem: host.registerOwner('mainmem', worldID, `${name} main memory`),
      pdir: host.registerOwner('pdir', worldID, `${name} pdir`),
      pdir2: host.registerOwner('pdir2', worldID, `${name} pages2`),
      memzip: host.registerOwner('memzip', worldID, `${name} memzip`),
    };
    // A pdir page not yet written reads as PFrames of the world's default type: REMOTE during FSR
    // restore (defaultPageTypeIsRemote) for pgNums below defaultPageTypeIsRemoteMaxPgNum, else NONE.
    host.setOwnerFill(this.owners.pdir, (mpn, out) => {
      const pf = this.alloc.pframes;
      const remote = pfMakeLo(PageType.REMOTE, 0);
      const dir = host.backmapLookup(mpn);
      const first = dir ? dir.pgNum * ALLOC_PDIR_PAGES : 0;
      const words = new Uint32Array(out.buffer, out.byteOffset, out.byteLength >>> 2);
      for (let i = 0; i < words.length; i += 2) {
        words[i] = pf.defaultPageTypeIsRemote && first + (i >>> 1) < pf.defaultPageTypeIsRemoteMaxPgNum ? remote : 0;
        words[i + 1] = 0;
      }
    });
  }

  get pframes(): PFrame_Info {
    return this.alloc.pframes;
  }
  get numDirs(): number {
    return this.alloc.pframes.pdirInfo.length;
  }
  /** The pdir MPN of `dirIndex`, or INVALID_MPN64. */
  dirMPN(dirIndex: number): number {
    return pteToMPN(this.alloc.pframes.pdirInfo[dirIndex]!);
  }
  /** The owner slots of this world, for BackMap checks. */
  ownsSlot(slot: number): boolean {
    const o = this.owners;
    return slot === o.mainmem.slot || slot === o.pdir.slot || slot === o.pdir2.slot || slot === o.memzip.slot;
  }
}

/**
 * The page-sharing pool: COW pages of any world point at its MPNs, refcounted. A shared MPN's
 * BackMap entry is (pool owner, its index here); counts live in typed arrays, not per-MPN objects.
 */
export class PShare {
  readonly owner: Owner;
  private mpns = new Float64Array(64);
  private refs = new Uint32Array(64);
  private n = 0;
  constructor(private readonly host: HostMemory) {
    this.owner = host.registerOwner('pshare', 0, 'page-sharing pool');
  }
  /** Make room for `more` MPNs at once (a VM being populated knows about how many it will share). */
  reserve(more: number): void {
    if (this.n + more <= this.mpns.length) return;
    const m = new Float64Array(this.n + more);
    m.set(this.mpns.subarray(0, this.n));
    this.mpns = m;
    const r = new Uint32Array(this.n + more);
    r.set(this.refs.subarray(0, this.n));
    this.refs = r;
  }
  /** Put `mpn` in the pool (its BackMap entry is set here); returns its pool index. */
  add(mpn: number): number {
    if (this.n === this.mpns.length) {
      const m = new Float64Array(this.n * 2);
      m.set(this.mpns);
      this.mpns = m;
      const r = new Uint32Array(this.n * 2);
      r.set(this.refs);
      this.refs = r;
    }
    this.mpns[this.n] = mpn;
    this.host.backmapSet(mpn, this.owner, this.n);
    return this.n++;
  }
  addRef(index: number, count = 1): void {
    this.refs[index]! += count;
  }
  /** References to a shared MPN (0 for an MPN not in the pool). */
  refCount(mpn: number): number {
    const b = this.host.backmapLookup(mpn);
    return b && b.owner === this.owner ? this.refs[b.pgNum]! : 0;
  }
  /** Shared MPNs in the pool. */
  get size(): number {
    return this.n;
  }
  /** References from all COW pages. */
  totalRefs(): number {
    let t = 0;
    for (let i = 0; i < this.n; i++) t += this.refs[i]!;
    return t;
  }
}

/** The simulated host: memory, the sharing pool and the worlds on it. */
export class Machine {
  readonly pshare: PShare;
  readonly worlds = new Map<number, World>();
  constructor(readonly host: HostMemory) {
    this.pshare = new PShare(host);
  }
  addWorld(world: World): World {
    if (this.worlds.has(world.worldID)) throw new RangeError(`world ID ${world.worldID} is already in use`);
    this.worlds.set(world.worldID, world);
    return world;
  }
  world(worldID: number): World {
    const w = this.worlds.get(worldID);
    if (!w) throw new RangeError(`no world with ID ${worldID} (worlds: ${[...this.worlds.keys()].join(', ') || 'none'})`);
    return w;
  }
}
