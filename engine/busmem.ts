// The BPN → MPN walk of seed 002, one function per step under the seed's names, each recording
// what it found into an optional trace (crash's `vtop`, step by step). Never throws for a bad
// BPN or an unmapped page: it answers with a status and says why.

import type { HostMemory } from './host';
import { INVALID_MPN64, decodePFrame, hexNumber, extraUnionFor, indexMeaning, mpnHex, pageTypeName, pfIndex, pteHex } from './pframe';
import { PFrame_Get, PFrame_GetMPN, PFrame_Lock, PFrame_Unlock, pframeHi, pframeLo, type VmkStatus } from './vmmem';
import type { World } from './world';

/** *model:* a BPN is `region << 32 | page`; region 1 is guest main memory, others are not. */
export const BPN_REGION_SHIFT = 32;
export const BPN_MAINMEM_REGION = 1;
export const BPN_MAINMEM_PAGE_MASK = 0xffffffff;
const TWO_32 = 4294967296;

export function makeMainMemBPN(pgNum: number): number {
  return BPN_MAINMEM_REGION * TWO_32 + pgNum;
}

export interface WalkStep {
  readonly fn: string;
  readonly depth: number;
  readonly values: Record<string, string | number>;
}
export type WalkTrace = WalkStep[];

export interface WalkResult {
  status: VmkStatus;
  mpn: number;
  /** Why the walk ended without an MPN, in words; empty on success. */
  reason: string;
}

function note(trace: WalkTrace | undefined, fn: string, depth: number, values: Record<string, string | number>): void {
  trace?.push({ fn, depth, values });
}
function fail(status: VmkStatus, reason: string): WalkResult {
  return { status, mpn: INVALID_MPN64, reason };
}

/** `BPN_IsMainMem(bpn)`. */
export function BPN_IsMainMem(bpn: number): boolean {
  return Number.isSafeInteger(bpn) && bpn >= 0 && Math.floor(bpn / TWO_32) === BPN_MAINMEM_REGION;
}

/** `Alloc_BPNToMainMemPage(world, bpn)`: `pgNum ← bpn & BPN_MAINMEM_PAGE_MASK`. */
export function Alloc_BPNToMainMemPage(_world: World, bpn: number): number {
  return bpn % TWO_32;
}

/** `VmMemPf_GetPFrameMPN(bpn, &mpn)`: pgNum, lock, PFrame_Get → PFrame_Lookup, PFrame_GetMPN, unlock. */
export function VmMemPf_GetPFrameMPN(host: HostMemory, world: World, bpn: number, trace?: WalkTrace, depth = 4): WalkResult {
  const pgNum = Alloc_BPNToMainMemPage(world, bpn);
  note(trace, 'Alloc_BPNToMainMemPage', depth + 1, { bpn: hexNumber(bpn), pgNum: hexNumber(pgNum), mask: '0x' + BPN_MAINMEM_PAGE_MASK.toString(16) });
  const numPages = world.pframes.numMainMemPages;
  if (pgNum >= numPages) {
    return fail('VMK_BAD_PARAM', `pgNum ${hexNumber(pgNum)} is beyond the VM's ${numPages} main-memory pages`);
  }
  const holder = 'VmMemPf_GetPFrameMPN';
  if (PFrame_Lock(world, pgNum, holder) !== 'VMK_OK') {
    const lock = world.pframes.pdirLock;
    note(trace, 'PFrame_Lock', depth + 1, { pgNum: hexNumber(pgNum), status: 'VMK_BUSY', holder: lock.holder ?? '' });
    return fail('VMK_BUSY', `${lock.name} is held by ${lock.holder}`);
  }
  note(trace, 'PFrame_Lock', depth + 1, { pgNum: hexNumber(pgNum), lock: world.pframes.pdirLock.name });
  try {
    const got = PFrame_Get(host, world, pgNum);
    const { dirIndex, pageIndex, dirMPN } = got.lookup;
    note(trace, 'PFrame_Lookup', depth + 2, { dirIndex: hexNumber(dirIndex), pageIndex: hexNumber(pageIndex), dirMPN: mpnHex(dirMPN), pdirInfo: pteHex(world.pframes.pdirInfo[dirIndex]! % TWO_32, Math.floor(world.pframes.pdirInfo[dirIndex]! / TWO_32)) });
    if (got.status !== 'VMK_OK' || !got.ref) {
      note(trace, 'PFrame_Get', depth + 1, { status: got.status });
      return fail(got.status, `pdirInfo[${hexNumber(dirIndex)}] is not present: no page directory for pgNum ${hexNumber(pgNum)}`);
    }
    const lo = pframeLo(got.ref);
    const hi = pframeHi(got.ref);
    const f = decodePFrame(lo, hi);
    note(trace, 'PFrame_Get', depth + 1, {
      pframe: `Kseg_MapValidMPNFast(${mpnHex(dirMPN)}) + ${hexNumber(pageIndex)}`,
      pte: pteHex(lo, hi),
      type: pageTypeName(f.type),
      indexHighBits: hexNumber(f.indexHighBits),
      indexLowBits: '0x' + f.indexLowBits.toString(16),
      extra: `${extraUnionFor(f.type)} 0b${f.extra.toString(2).padStart(2, '0')}`,
    });
    const mpn = PFrame_GetMPN(got.ref);
    note(trace, 'PFrame_GetMPN', depth + 1, { index: '0x' + pfIndex(lo, hi).toString(16), mpn: mpnHex(mpn) });
    if (mpn === INVALID_MPN64) {
      const meaning = indexMeaning(f.type);
      const what = meaning === 'none' ? 'no backing' : `its index is a ${meaning} (0x${pfIndex(lo, hi).toString(16)})`;
      return fail('VMK_NOT_FOUND', `page ${hexNumber(pgNum)} is ${pageTypeName(f.type)}: ${what}, not an MPN`);
    }
    return { status: 'VMK_OK', mpn, reason: '' };
  } finally {
    PFrame_Unlock(world, pgNum, holder);
    note(trace, 'PFrame_Unlock', depth + 1, { pgNum: hexNumber(pgNum) });
  }
}

/** `VMKCall_GetPFrameMPN`: the monitor's call into the vmkernel. */
export function VMKCall_GetPFrameMPN(host: HostMemory, world: World, bpn: number, trace?: WalkTrace, depth = 3): WalkResult {
  note(trace, 'VMKCall_GetPFrameMPN', depth, { world: world.worldID, bpn: hexNumber(bpn) });
  note(trace, 'VmMemPf_GetPFrameMPN', depth + 1, { bpn: hexNumber(bpn) });
  return VmMemPf_GetPFrameMPN(host, world, bpn, trace, depth + 1);
}

/** `Platform_BPN2MPN` (vmkernel flavour): main memory goes through the PFrames; other regions are not modelled. */
export function Platform_BPN2MPN(host: HostMemory, world: World, bpn: number, trace?: WalkTrace, depth = 2): WalkResult {
  const isMain = BPN_IsMainMem(bpn);
  note(trace, 'Platform_BPN2MPN', depth, { bpn: hexNumber(bpn) });
  note(trace, 'BPN_IsMainMem', depth + 1, { region: Number.isSafeInteger(bpn) && bpn >= 0 ? Math.floor(bpn / TWO_32) : 'invalid', result: String(isMain) });
  if (!isMain) {
    if (!Number.isSafeInteger(bpn) || bpn < 0) return fail('VMK_BAD_PARAM', `BPN ${String(bpn)} is not a non-negative integer`);
    return fail('VMK_NOT_SUPPORTED', `BPN ${hexNumber(bpn)} is in region ${Math.floor(bpn / TWO_32)}, not main memory (region ${BPN_MAINMEM_REGION})`);
  }
  return VMKCall_GetPFrameMPN(host, world, bpn, trace, depth + 1);
}

/** `BusMem_GetMPN(bpn)`. */
export function BusMem_GetMPN(host: HostMemory, world: World, bpn: number, trace?: WalkTrace, depth = 1): WalkResult {
  note(trace, 'BusMem_GetMPN', depth, { bpn: Number.isFinite(bpn) ? hexNumber(bpn) : String(bpn) });
  return Platform_BPN2MPN(host, world, bpn, trace, depth + 1);
}

/** `BusMem_TranslateBPN(bpn)` → MPN: the whole walk; pass a trace to see every step. */
export function BusMem_TranslateBPN(host: HostMemory, world: World, bpn: number, trace?: WalkTrace): WalkResult {
  note(trace, 'BusMem_TranslateBPN', 0, { world: world.worldID, bpn: Number.isFinite(bpn) ? hexNumber(bpn) : String(bpn) });
  const r = BusMem_GetMPN(host, world, bpn, trace, 1);
  note(trace, 'result', 0, r.status === 'VMK_OK' ? { status: r.status, mpn: mpnHex(r.mpn) } : { status: r.status, reason: r.reason });
  return r;
}

/** The trace as text, one indented line per step (the Debug Console's `vtop`). */
export function formatWalk(trace: WalkTrace): string {
  return trace
    .map((s) => `${'  '.repeat(s.depth)}${s.fn}${Object.keys(s.values).length ? ': ' : ''}${Object.entries(s.values).map(([k, v]) => `${k}=${v}`).join(' ')}`)
    .join('\n');
}
