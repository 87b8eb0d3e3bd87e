// The seed's PFrame and VmMem operations, each usable on its own: lock, lookup, get, the MPN of a
// PFrame, pdir set, set-regular, BackMap set/unset, alloc/free stats and Kseg mapping. Each returns
// a vmkernel-style status rather than throwing for what a kernel would report as a status.

import { type HostMemory, type Owner, type PageMapping, BACKMAP_PGNUM_BITS } from './host';
import {
  INVALID_MPN64,
  PageType,
  decodePFrame,
  hexNumber,
  mpnHex,
  pfGetMPN,
  pfMakeHi,
  pfType,
  pfWithTypeIndex,
  type PFrameFields,
} from './pframe';
import { type World, PAGE_2_DIRINDEX, PAGE_2_PAGEINDEX, PFrameMakePTE, pteToMPN } from './world';

export type VmkStatus =
  | 'VMK_OK'
  | 'VMK_BAD_PARAM'
  | 'VMK_NOT_FOUND'
  | 'VMK_BUSY'
  | 'VMK_NOT_SUPPORTED'
  | 'VMK_INVALID_ADDRESS';

// ---- locking ----------------------------------------------------------------------------------

/**
 * `PFrame_Lock(world, pgNum)`: take the world's pdir lock for `holder`. A spin lock is not
 * recursive: VMK_BUSY when anyone holds it (the caller spins; the engine's scheduler shows who).
 */
export function PFrame_Lock(world: World, pgNum: number, holder = 'kernel'): VmkStatus {
  const lock = world.pframes.pdirLock;
  if (lock.holder !== null) return 'VMK_BUSY';
  lock.holder = holder;
  lock.heldFor = pgNum;
  lock.acquisitions++;
  return 'VMK_OK';
}

/** `PFrame_Unlock(world, pgNum)`: releasing a lock `holder` does not hold is a kernel bug: throws. */
export function PFrame_Unlock(world: World, _pgNum: number, holder = 'kernel'): void {
  const lock = world.pframes.pdirLock;
  if (lock.holder !== holder) {
    throw new Error(`PFrame_Unlock: ${lock.name} is held by ${lock.holder ?? 'nobody'}, not ${holder}`);
  }
  lock.holder = null;
  lock.heldFor = null;
}

// ---- lookup and access ------------------------------------------------------------------------

export interface PFrameLookup {
  status: VmkStatus;
  dirIndex: number;
  pageIndex: number;
  /** The pdir MPN, INVALID_MPN64 when the directory entry is not present. */
  dirMPN: number;
}

function validPgNum(world: World, pgNum: number): boolean {
  return Number.isInteger(pgNum) && pgNum >= 0 && pgNum < world.pframes.numMainMemPages;
}

/** `PFrame_Lookup(world, pgNum, &dirMPN, &pageIndex)`: the first level of the index. */
export function PFrame_Lookup(world: World, pgNum: number): PFrameLookup {
  if (!validPgNum(world, pgNum)) return { status: 'VMK_BAD_PARAM', dirIndex: -1, pageIndex: -1, dirMPN: INVALID_MPN64 };
  const dirIndex = PAGE_2_DIRINDEX(pgNum);
  const pageIndex = PAGE_2_PAGEINDEX(pgNum);
  const dirMPN = pteToMPN(world.pframes.pdirInfo[dirIndex]!);
  return { status: dirMPN === INVALID_MPN64 ? 'VMK_NOT_FOUND' : 'VMK_OK', dirIndex, pageIndex, dirMPN };
}

/** A PFrame in place: the mapped pdir page and the word index of its low word. */
export interface PFrameRef {
  readonly world: World;
  readonly pgNum: number;
  readonly dirMPN: number;
  readonly pageIndex: number;
  readonly page: PageMapping;
  /** Index in `page.u32` of the low word; the high word (indexLowBits) follows. */
  readonly word: number;
}

/** `PFrame_Get(world, pgNum, &pframe)`: look up and map the pdir page (`Kseg_MapValidMPNFast`). */
export function PFrame_Get(host: HostMemory, world: World, pgNum: number): { status: VmkStatus; lookup: PFrameLookup; ref: PFrameRef | null } {
  const lookup = PFrame_Lookup(world, pgNum);
  if (lookup.status !== 'VMK_OK') return { status: lookup.status, lookup, ref: null };
  const page = Kseg_MapValidMPNFast(host, lookup.dirMPN);
  return { status: 'VMK_OK', lookup, ref: { world, pgNum, dirMPN: lookup.dirMPN, pageIndex: lookup.pageIndex, page, word: lookup.pageIndex * 2 } };
}

export function pframeLo(ref: PFrameRef): number {
  return ref.page.u32[ref.word]!;
}
export function pframeHi(ref: PFrameRef): number {
  return ref.page.u32[ref.word + 1]!;
}
export function pframeFields(ref: PFrameRef): PFrameFields {
  return decodePFrame(pframeLo(ref), pframeHi(ref));
}
export function pframeWrite(ref: PFrameRef, lo: number, hi: number): void {
  ref.page.u32[ref.word] = lo >>> 0;
  ref.page.u32[ref.word + 1] = hi >>> 0;
}

/** `PFrame_GetMPN(pframe)`: `MPN64_FROM_VAL(PFrame_GetIndex(f))` for COW, REGULAR, SWAP_OUT; else INVALID. */
export function PFrame_GetMPN(ref: PFrameRef): number {
  return pfGetMPN(pframeLo(ref), pframeHi(ref));
}

/**
 * `PFrame_DirSet(world, pgNum, mpn[, mpn2])`: point the directory entry of pgNum's dir at `mpn`
 * (INVALID_MPN64 clears it), and the extended-PFrame page at `mpn2` when given. Keeps the counters.
 */
export function PFrame_DirSet(world: World, pgNum: number, mpn: number, mpn2?: number): VmkStatus {
  if (!validPgNum(world, pgNum)) return 'VMK_BAD_PARAM';
  const pf = world.pframes;
  const dirIndex = PAGE_2_DIRINDEX(pgNum);
  const wasPresent = pteToMPN(pf.pdirInfo[dirIndex]!) !== INVALID_MPN64;
  pf.pdirInfo[dirIndex] = mpn === INVALID_MPN64 ? 0 : PFrameMakePTE(mpn);
  pf.numPDirEntries += (mpn !== INVALID_MPN64 ? 1 : 0) - (wasPresent ? 1 : 0);
  if (mpn2 !== undefined) {
    const had2 = pf.pages2[dirIndex] !== INVALID_MPN64;
    pf.pages2[dirIndex] = mpn2;
    pf.numPDirEntries2 += (mpn2 !== INVALID_MPN64 ? 1 : 0) - (had2 ? 1 : 0);
  }
  return 'VMK_OK';
}

/**
 * Allocate and install the pdir page of pgNum's directory (what the kernel does on first touch):
 * an MPN owned by the world's pdir owner, reading as PFrames of the world's default type until
 * written (REMOTE during FSR restore, NONE otherwise) — so it costs no page bytes until used.
 */
export function PFrame_DirAlloc(host: HostMemory, world: World, pgNum: number): { status: VmkStatus; mpn: number } {
  const lookup = PFrame_Lookup(world, pgNum);
  if (lookup.status !== 'VMK_NOT_FOUND') return { status: lookup.status === 'VMK_OK' ? 'VMK_BUSY' : lookup.status, mpn: lookup.dirMPN };
  const mpn = host.allocMPN();
  host.backmapSet(mpn, world.owners.pdir, lookup.dirIndex);
  host.dematerialize(mpn); // a reused MPN must not keep its old bytes: it reads as the owner's fill
  PFrame_DirSet(world, pgNum, mpn);
  return { status: 'VMK_OK', mpn };
}

/** `PFrame_SetRegular(world, pframe, pgNum, mpn)`: the page is REGULAR and backed by `mpn`. */
export function PFrame_SetRegular(world: World, ref: PFrameRef, pgNum: number, mpn: number): VmkStatus {
  if (ref.world !== world || ref.pgNum !== pgNum) return 'VMK_BAD_PARAM';
  const lo = pframeLo(ref);
  // Keep pinCount and flags; the regular extra bits stay only if the page was already regular.
  let next = pfWithTypeIndex(lo, PageType.REGULAR, mpn);
  if (pfType(lo) !== PageType.REGULAR) next &= ~0xc000;
  pframeWrite(ref, next, pfMakeHi(mpn));
  return 'VMK_OK';
}

// ---- BackMap and stats ------------------------------------------------------------------------

/** `BackMap_Set(mpn, owner, pgNum)`: VMK_BUSY if the MPN already has an owner (two owners is a bug). */
export function BackMap_Set(host: HostMemory, mpn: number, owner: Owner, pgNum: number): VmkStatus {
  if (!host.isValidMPN(mpn)) return 'VMK_INVALID_ADDRESS';
  if (host.backmapEntry(mpn) !== 0) return 'VMK_BUSY';
  host.backmapSet(mpn, owner, pgNum);
  return 'VMK_OK';
}

/** `BackMap_Unset(mpn, world, pgNum)`: VMK_BAD_PARAM unless the entry is exactly (owner, pgNum). */
export function BackMap_Unset(host: HostMemory, mpn: number, owner: Owner, pgNum: number): VmkStatus {
  if (!host.isValidMPN(mpn)) return 'VMK_INVALID_ADDRESS';
  const e = host.backmapEntry(mpn);
  if (e === 0) return 'VMK_NOT_FOUND';
  if (e >>> BACKMAP_PGNUM_BITS !== owner.slot || (e & ((1 << BACKMAP_PGNUM_BITS) - 1)) !== pgNum) return 'VMK_BAD_PARAM';
  host.backmapSetRaw(mpn, 0);
  return 'VMK_OK';
}

/** `BackMap_Lookup(mpn)` in words a person reads: who owns the MPN and as which page. */
export function BackMap_Describe(host: HostMemory, mpn: number): string {
  if (!host.isValidMPN(mpn)) return `MPN ${mpnHex(mpn)} is not in host memory`;
  const b = host.backmapLookup(mpn);
  if (!b) return `MPN ${mpnHex(mpn)}: no BackMap entry (${host.isAllocated(mpn) ? 'allocated, unowned' : 'free'})`;
  return `MPN ${mpnHex(mpn)}: ${b.owner.label} (world ${b.owner.worldID}), ${b.owner.kind === 'mainmem' ? 'pgNum' : 'index'} ${hexNumber(b.pgNum)}`;
}

/** `VmMem_UpdateAllocStats(world, pgNum, mpn, count)`: the world gained `count` backed pages. */
export function VmMem_UpdateAllocStats(world: World, _pgNum: number, _mpn: number, count = 1): void {
  world.stats.allocated += count;
  world.stats.allocs += count;
}

/** `VmMem_UpdateFreeStats(world, pgNum, mpn)`: the world gave up one backed page. */
export function VmMem_UpdateFreeStats(world: World, _pgNum: number, _mpn: number, count = 1): void {
  world.stats.allocated -= count;
  world.stats.frees += count;
}

// ---- mapping ----------------------------------------------------------------------------------

/** `Kseg_MapMPN(mpn)`: map a machine page; throws RangeError for an MPN outside host memory. */
export function Kseg_MapMPN(host: HostMemory, mpn: number): PageMapping {
  return host.map(mpn);
}

/** `Kseg_MapValidMPNFast(mpn)`: the direct map (`mpn + DIRECT_MAP_VADDR`); the MPN must be valid. */
export function Kseg_MapValidMPNFast(host: HostMemory, mpn: number): PageMapping {
  return host.map(mpn);
}
