// Seed 002, slide "BPN to MPN" (shown three times in the deck): the monitor asks the kernel for the
// MPN behind a BPN — pageNum out of the BPN, the VM's PFrame directory, the PFrame, the MPN out of
// the PFrame. The same functions serve the handoff's own PFrame_Lookup and locking.

import { BPN_MAINMEM_REGION, BPN_IsMainMem as isMainMemBPN } from '../../busmem';
import { INVALID_MPN64, pageTypeName, pfIndex, pfType } from '../../pframe';
import { PAGE_2_DIRINDEX, PAGE_2_PAGEINDEX } from '../../world';
import type { Value } from '../expr';
import { type F, type Sec, TWO_32, call, callStmt, close, goto, num, ret, set, world } from './shared';

const BusMem_TranslateBPN: F = {
  name: 'BusMem_TranslateBPN',
  sig: 'MPN BusMem_TranslateBPN(World *world, BPN bpn)',
  comment: 'The monitor asks the kernel for BPN → MPN.',
  body: [
    callStmt('mpn = BusMem_GetMPN(world, bpn);', 'BusMem_GetMPN', (_cx, f) => ({ world: f.locals.world, bpn: f.locals.bpn }), 'mpn', { seed: 'BusMem_GetMPN(bpn)' }),
    { text: 'return mpn;', silent: true, seed: 'BusMem_TranslateBPN(bpn) → returns MPN', exec: (_cx, f) => ret(f.locals.mpn) },
  ],
};

const BusMem_GetMPN: F = {
  name: 'BusMem_GetMPN',
  sig: 'MPN BusMem_GetMPN(World *world, BPN bpn)',
  comment: 'Platform-independent entry.',
  body: [
    callStmt('mpn = Platform_BPN2MPN(world, bpn);  // hosted or vmkernel', 'Platform_BPN2MPN', (_cx, f) => ({ world: f.locals.world, bpn: f.locals.bpn }), 'mpn', { seed: 'Platform_BPN2MPN // hosted or vmkernel' }),
    { text: 'return mpn;', silent: true, model: true, exec: (_cx, f) => ret(f.locals.mpn) },
  ],
};

const Platform_BPN2MPN: F = {
  name: 'Platform_BPN2MPN',
  sig: 'MPN Platform_BPN2MPN(World *world, BPN bpn)',
  comment: 'Main memory goes through the PFrames; other regions are not modelled.',
  body: [
    { text: 'if (BPN_IsMainMem(bpn)) {', seed: true, calls: ['BPN_IsMainMem'], exec: (_cx, f) => (f.locals.isMain === undefined ? call('BPN_IsMainMem', { bpn: f.locals.bpn }, 'isMain', true) : f.locals.isMain ? undefined : goto('other')) },
    callStmt('VMKCall_GetPFrameMPN(world, bpn, &mpn);', 'VMKCall_GetPFrameMPN', (_cx, f) => ({ world: f.locals.world, bpn: f.locals.bpn }), 'mpn', { indent: 1, seed: 'VMKCall_GetPFrameMPN' }),
    { text: 'return mpn;', indent: 1, model: true, exec: (_cx, f) => ret(f.locals.mpn) },
    close(),
    { text: 'return INVALID_MPN64;', label: 'other', model: 'regions other than main memory are not modelled', exec: () => ret(INVALID_MPN64) },
  ],
};

const BPN_IsMainMem: F = {
  name: 'BPN_IsMainMem',
  sig: 'Bool BPN_IsMainMem(BPN bpn)',
  comment: 'Is the BPN in guest main memory?',
  body: [{ text: 'return BPN_REGION(bpn) == BPN_REGION_MAINMEM;', model: `a BPN is region << 32 | page; region ${BPN_MAINMEM_REGION} is main memory`, exec: (_cx, f) => ret(isMainMemBPN(num(f, 'bpn'))) }],
};

const VMKCall_GetPFrameMPN: F = {
  name: 'VMKCall_GetPFrameMPN',
  sig: 'VMK_ReturnStatus VMKCall_GetPFrameMPN(World *world, BPN bpn, MPN *mpn)',
  comment: 'The monitor-to-vmkernel call.',
  body: [
    callStmt('status = VmMemPf_GetPFrameMPN(world, bpn, mpn);', 'VmMemPf_GetPFrameMPN', (_cx, f) => ({ world: f.locals.world, bpn: f.locals.bpn }), 'mpn', { seed: 'VmMemPf_GetPFrameMPN(bpn, &mpn)' }),
    { text: 'return status;', silent: true, model: true, exec: (_cx, f) => ret(f.locals.mpn) },
  ],
};

const VmMemPf_GetPFrameMPN: F = {
  name: 'VmMemPf_GetPFrameMPN',
  sig: 'VMK_ReturnStatus VmMemPf_GetPFrameMPN(World *world, BPN bpn, MPN *mpn)',
  comment: 'pageNum out of the BPN, the PFrame directory, the PFrame, the MPN out of the PFrame.',
  body: [
    callStmt('pgNum = Alloc_BPNToMainMemPage(world, bpn);', 'Alloc_BPNToMainMemPage', (_cx, f) => ({ world: f.locals.world, bpn: f.locals.bpn }), 'pgNum', {
      seed: true,
      deck: 'two of the deck\'s three copies of this slide spell it Alloc_BPNTToMainMemPage; the debugger accepts both',
    }),
    callStmt('PFrame_Lock(world, pgNum);  // any access should be locked, per VM', 'PFrame_Lock', (_cx, f) => ({ world: f.locals.world, pgNum: f.locals.pgNum }), undefined, { seed: true }),
    {
      text: 'status = PFrame_Get(world, pgNum, &pframe);',
      seed: 'PFrame_Get(world, pgNum, &pframe);',
      calls: ['PFrame_Get'],
      exec: (_cx, f) => ({ call: 'PFrame_Get', args: { world: f.locals.world, pgNum: f.locals.pgNum }, into: (l, v) => { const r = v as { status: string; pframe: Value }; l.status = r.status; l.pframe = r.pframe; } }),
    },
    { text: 'if (status == VMK_OK)', model: true, exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : goto('unlock')) },
    callStmt('*mpn = PFrame_GetMPN(pframe);', 'PFrame_GetMPN', (_cx, f) => ({ pframe: f.locals.pframe }), 'mpn', { indent: 1, seed: true }),
    callStmt('PFrame_Unlock(world, pgNum);', 'PFrame_Unlock', (_cx, f) => ({ world: f.locals.world, pgNum: f.locals.pgNum }), undefined, { label: 'unlock', seed: true }),
    { text: 'return status;', model: true, exec: (_cx, f) => ret(f.locals.status === 'VMK_OK' ? (f.locals.mpn as number) : INVALID_MPN64) },
  ],
};

const Alloc_BPNToMainMemPage: F = {
  name: 'Alloc_BPNToMainMemPage',
  sig: 'PageNum Alloc_BPNToMainMemPage(World *world, BPN bpn)',
  comment: 'The page number within main memory.',
  body: [{ text: 'return bpn & BPN_MAINMEM_PAGE_MASK;', seed: 'pgNum ← bpn & BPN_MAINMEM_PAGE_MASK', exec: (_cx, f) => ret(num(f, 'bpn') % TWO_32) }],
};

const PFrame_Lock: F = {
  name: 'PFrame_Lock',
  sig: 'void PFrame_Lock(World *world, PageNum pgNum)',
  comment: 'Take the world\'s pdir lock; spins while another actor holds it.',
  body: [
    {
      text: 'SP_Lock(&Alloc_AllocInfo(world)->pframes.pdirLock);',
      model: 'the deck: "any access should be locked, per VM"; that the lock is PFrame_Info\'s pdirLock is the model\'s reading',
      wait: (cx, f) => {
        const lock = world(cx, f, 'world').pframes.pdirLock;
        return lock.holder !== null && lock.holder !== cx.rt.currentActorName ? `spinning on ${lock.name} (held by ${lock.holder})` : null;
      },
      exec: (cx, f) => {
        const lock = world(cx, f, 'world').pframes.pdirLock;
        cx.set(lock, 'holder', cx.rt.currentActorName);
        cx.set(lock, 'heldFor', num(f, 'pgNum'));
        cx.set(lock, 'acquisitions', lock.acquisitions + 1);
        return ret(undefined);
      },
    },
  ],
};

const PFrame_Unlock: F = {
  name: 'PFrame_Unlock',
  sig: 'void PFrame_Unlock(World *world, PageNum pgNum)',
  comment: 'Release the world\'s pdir lock.',
  body: [
    {
      text: 'SP_Unlock(&Alloc_AllocInfo(world)->pframes.pdirLock);',
      model: true,
      exec: (cx, f) => {
        const lock = world(cx, f, 'world').pframes.pdirLock;
        cx.set(lock, 'holder', null);
        cx.set(lock, 'heldFor', null);
        return ret(undefined);
      },
    },
  ],
};

const PFrame_Get: F = {
  name: 'PFrame_Get',
  sig: 'VMK_ReturnStatus PFrame_Get(World *world, PageNum pgNum, PFrame **pframe)',
  comment: 'Find the PFrame of pgNum: look up its directory, map the pdir page, index into it.',
  body: [
    { text: 'status = PFrame_Lookup(world, pgNum, &dirMPN, &pageIndex);', seed: 'PFrame_Lookup(world, pgNum, &dirMPN, &pageIndex)', calls: ['PFrame_Lookup'], exec: (_cx, f) => ({ call: 'PFrame_Lookup', args: { world: f.locals.world, pgNum: f.locals.pgNum }, into: (l, v) => Object.assign(l, v as object) }) },
    { text: 'if (status != VMK_OK) return status;', model: true, exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : ret({ status: f.locals.status as string, pframe: null })) },
    {
      text: '*pframe = (PFrame *)Kseg_MapValidMPNFast(dirMPN) + pageIndex;  // need to map the MPN to be able to access that memory',
      seed: 'pframe = (PFrame)Kseg_MapValidMPNFast(dirMPN) + pageIndex;',
      deck: 'the slide glosses this as pframe ← (void*)(dirMPN + DIRECT_MAP_VADDR), which adds a page number to an\naddress; the direct map is at the page\'s machine address: MPN_2_MA(dirMPN) (dirMPN << 12) + DIRECT_MAP_VADDR',
      exec: (_cx, f) => { set(f, 'pframe', { dirMPN: f.locals.dirMPN, pageIndex: f.locals.pageIndex, pgNum: f.locals.pgNum, world: f.locals.world }); return undefined; },
    },
    { text: 'return VMK_OK;', model: true, exec: (_cx, f) => ret({ status: 'VMK_OK', pframe: f.locals.pframe }) },
  ],
};

const PFrame_Lookup: F = {
  name: 'PFrame_Lookup',
  sig: 'VMK_ReturnStatus PFrame_Lookup(World *world, PageNum pgNum, MPN *dirMPN, uint32 *pageIndex)',
  comment: 'The first level of the two-level index pgNum → PFrame.',
  body: [
    { text: 'PFrame_Info *pframes = &Alloc_AllocInfo(world)->pframes;', seed: true },
    { text: '*pageIndex = PAGE_2_PAGEINDEX(pgNum);', seed: true, exec: (_cx, f) => { set(f, 'pageIndex', PAGE_2_PAGEINDEX(num(f, 'pgNum'))); return undefined; } },
    {
      text: '*dirIndex = PAGE_2_DIRINDEX(pgNum);',
      seed: true,
      deck: 'writes *dirIndex, but dirIndex is not among PFrame_Lookup\'s parameters (world, pgNum, &dirMPN, &pageIndex)',
      exec: (_cx, f) => { set(f, 'dirIndex', PAGE_2_DIRINDEX(num(f, 'pgNum'))); return undefined; },
    },
    { text: '*dirMPN = PTE_2_MPN(pframes->pdirInfo[*dirIndex]);', model: 'the deck does not show how dirMPN comes out of pdirInfo', exec: (cx, f) => { set(f, 'dirMPN', world(cx, f, 'world').dirMPN(num(f, 'dirIndex'))); return undefined; } },
    { text: 'return *dirMPN == INVALID_MPN64 ? VMK_NOT_FOUND : VMK_OK;', model: true, exec: (_cx, f) => ret({ status: f.locals.dirMPN === INVALID_MPN64 ? 'VMK_NOT_FOUND' : 'VMK_OK', dirMPN: f.locals.dirMPN, pageIndex: f.locals.pageIndex, dirIndex: f.locals.dirIndex }) },
  ],
};

export const MPN_FORMULA_NOTE =
  'the slides gloss this two ways, both wrong: mpn ← f->unmappedInVMX.indexLowBits drops indexHighBits (wrong for every\n' +
  'MPN ≥ 2^32); mpn ← f->indexLowBits + f->indexHighBits << 32 is (low + high) << 32 in C (wrong whenever indexLowBits\n' +
  'is not 0, small MPNs too), and f is a PFrame union: f->unmappedInVMX.extra.<member>.indexHighBits, f->unmappedInVMX.indexLowBits.\n' +
  'Right: MPN = indexHighBits << 32 | indexLowBits';

const PFrame_GetMPN: F = {
  name: 'PFrame_GetMPN',
  sig: 'MPN PFrame_GetMPN(PFrame *f)',
  comment: 'The MPN a PFrame holds, for COW, REGULAR and SWAP_OUT pages.',
  body: [
    {
      text: 'if (f->type == COW || f->type == REGULAR || f->type == SWAP_OUT)  // for COW, REGULAR, SWAP_OUT',
      seed: '// for COW, REGULAR, SWAP_OUT',
      exec: (cx, f) => {
        const p = f.locals.pframe as { world: number; pgNum: number };
        const w = cx.readPFrame(cx.machine.world(p.world), p.pgNum)!;
        set(f, 'type', pageTypeName(pfType(w.lo)));
        set(f, 'index', pfIndex(w.lo, w.hi));
        return ['COW', 'REGULAR', 'SWAP_OUT'].includes(f.locals.type as string) ? undefined : goto('none');
      },
    },
    { text: 'return MPN64_FROM_VAL(PFrame_GetIndex(f));', indent: 1, seed: 'mpn = MPN64_FROM_VAL(PFrame_GetIndex(f));', deck: MPN_FORMULA_NOTE, exec: (_cx, f) => ret(f.locals.index) },
    { text: 'return INVALID_MPN64;', label: 'none', model: true, exec: () => ret(INVALID_MPN64) },
  ],
};

export const BPN_TO_MPN: Sec = {
  deck: 'seed 002 "FSR memory handoff": BPN to MPN',
  slides: ['BPN to MPN (1. monitor asks kernel for BPN → MPN … 5. get MPN out of PFrame)', 'BusMem_TranslateBPN(bpn) → returns MPN'],
  fns: [BusMem_TranslateBPN, BusMem_GetMPN, Platform_BPN2MPN, BPN_IsMainMem, VMKCall_GetPFrameMPN, VmMemPf_GetPFrameMPN, Alloc_BPNToMainMemPage, PFrame_Lock, PFrame_Unlock, PFrame_Get, PFrame_Lookup, PFrame_GetMPN],
};
