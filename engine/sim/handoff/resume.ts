// Seed 000, slide "FSR_ResumeDone", and seed 002, slide "FSR memory handoff" (the call tree):
// FSR_ResumeDone and the preparation — reservations verified, swapping stopped on the source. The
// swap-file transfer and the memory transfer it calls are the sections after this one.

import type { FsrContext } from '../context';
import { type F, type Sec, call, callStmt, goto, num, ret, world } from './shared';
import { RESUME_MACHINE, enterState } from '../machines';

const FSR_ResumeDone: F = {
  name: 'FSR_ResumeDone',
  sig: 'VMK_ReturnStatus FSR_ResumeDone(FSRInfo *fsr, World *srcWorld, World *dstWorld)',
  comment: 'Invoked by the monitor at the tail end of RESTORE_SYNC: final handshakes and cleanups.',
  body: [
    callStmt('status = FSRPrepareForMemoryTransfer(fsr, srcWorld, dstWorld);', 'FSRPrepareForMemoryTransfer', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), 'status', { seed: 'FSRPrepareForMemoryTransfer' }),
    { text: 'if (status != VMK_OK) goto cancel;', model: 'the decks do not say what a failed preparation does: it is cancelled, as a failed transfer is', exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : goto('cancel')) },
    callStmt('status = FSRTransferSwapFile(fsr, srcWorld, dstWorld);', 'FSRTransferSwapFile', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), 'status', { seed: 'FSRTransferSwapFile' }),
    { text: 'if (status != VMK_OK) goto cancel;', model: 'as above: a failed swap-file transfer is cancelled', exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : goto('cancel')) },
    callStmt('World_SetPanicNoCore(srcWorld);  // point of no return', 'World_SetPanicNoCore', (_cx, f) => ({ world: f.locals.srcWorld }), undefined, { phase: 'point of no return', seed: 'World_SetPanicNoCore // point of no return' }),
    {
      text: 'Atomic_Write(&fsr->resumeState, FSR_RESUME_DEST);',
      phase: 'resume victor',
      model: 'the decks list FSR_RESUME_DEST, not where it is set: here, once there is no way back',
      exec: (cx) => {
        enterState(cx, RESUME_MACHINE, 'FSR_RESUME_DEST');
        cx.log('resumeState -> DEST: the destination resumes');
        return undefined;
      },
    },
    callStmt('status = FSRTransferMemoryAndReservations(fsr, srcWorld, dstWorld);  // if fail, calls FSRCancelPrepareForMemoryTransfer', 'FSRTransferMemoryAndReservations', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), 'status', { seed: 'FSRTransferMemoryAndReservations // if fail, calls FSRCancelPrepareForMemoryTransfer' }),
    { text: 'return status;', model: true, exec: (_cx, f) => ret(f.locals.status) },
    callStmt('FSRCancelPrepareForMemoryTransfer(fsr, srcWorld, dstWorld);', 'FSRCancelPrepareForMemoryTransfer', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), undefined, { label: 'cancel', model: 'before the point of no return the deck\'s cancel is reused (the deck calls it only when FSRTransferMemoryAndReservations fails)' }),
    { text: 'return status;', model: true, exec: (_cx, f) => ret(f.locals.status) },
  ],
};

const FSRPrepareForMemoryTransfer: F = {
  name: 'FSRPrepareForMemoryTransfer',
  sig: 'VMK_ReturnStatus FSRPrepareForMemoryTransfer(FSRInfo *fsr, World *srcWorld, World *dstWorld)',
  comment: 'Check the reservations can be moved, then stop swapping on the source.',
  body: [
    callStmt('status = FSRVerifyReservationsToTransfer(fsr, srcWorld, dstWorld);', 'FSRVerifyReservationsToTransfer', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), 'status', { seed: 'FSRVerifyReservationsToTransfer' }),
    { text: 'if (status != VMK_OK) return status;', model: true, exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : ret(f.locals.status)) },
    callStmt('status = VmMemMigrate_PrepareForMemoryTransfer(srcWorld, dstWorld);', 'VmMemMigrate_PrepareForMemoryTransfer', (_cx, f) => ({ srcWorld: f.locals.srcWorld }), 'status', { seed: 'VmMemMigrate_PrepareForMemoryTransfer' }),
    { text: 'return status;', model: true, exec: (_cx, f) => ret(f.locals.status) },
  ],
};

const GROUP_NOTE =
  'MemSched_GroupGetAlloc and CpuSched_GroupGetAlloc name no group. The model reads the source\'s: the\n' +
  'reservation the VM moves must be held by its group, so that FSRTransferReservations can move it to\n' +
  'the destination\'s group (checking the destination\'s group and then crediting it would make no sense).';

const FSRVerifyReservationsToTransfer: F = {
  name: 'FSRVerifyReservationsToTransfer',
  sig: 'VMK_ReturnStatus FSRVerifyReservationsToTransfer(FSRInfo *fsr, World *srcWorld, World *dstWorld)',
  comment: 'The reservations the VM moves must be held by the source\'s group (model: see the note).',
  body: [
    {
      text: 'if (fsr->memMinToTransferMB > MemSched_GroupGetAlloc(srcWorld)->min)',
      deck: GROUP_NOTE,
      seed: 'if (fsr->memMinToTransferMB > MemSched_GroupGetAlloc->min) FAIL',
      calls: ['MemSched_GroupGetAlloc'],
      exec: (cx, f) => (f.locals.memMin === undefined ? call('MemSched_GroupGetAlloc', { world: f.locals.srcWorld }, 'memMin', true) : cx.fsr.memMinToTransferMB > num(f, 'memMin') ? undefined : goto('cpu')),
    },
    { text: 'return VMK_MEM_ADMIT_FAILED;  // FAIL', indent: 1, seed: 'if (fsr->memMinToTransferMB > MemSched_GroupGetAlloc->min) FAIL', exec: (cx, f) => ret('VMK_MEM_ADMIT_FAILED', `memMinToTransferMB ${cx.fsr.memMinToTransferMB} > the source group's min ${num(f, 'memMin')} MB`) },
    {
      text: 'if (fsr->cpuMinToTransferMHz > CpuSched_GroupGetAlloc(srcWorld).min)',
      label: 'cpu',
      seed: 'if (fsr->cpuMinToTransferMHz > CpuSched_GroupGetAlloc.min) FAIL',
      calls: ['CpuSched_GroupGetAlloc'],
      exec: (cx, f) => (f.locals.cpuMin === undefined ? call('CpuSched_GroupGetAlloc', { world: f.locals.srcWorld }, 'cpuMin', true) : cx.fsr.cpuMinToTransferMHz > num(f, 'cpuMin') ? undefined : goto('ok')),
    },
    { text: 'return VMK_CPU_ADMIT_FAILED;  // FAIL', indent: 1, seed: 'if (fsr->cpuMinToTransferMHz > CpuSched_GroupGetAlloc.min) FAIL', exec: (cx, f) => ret('VMK_CPU_ADMIT_FAILED', `cpuMinToTransferMHz ${cx.fsr.cpuMinToTransferMHz} > the source group's min ${num(f, 'cpuMin')} MHz`) },
    { text: 'return VMK_OK;', label: 'ok', model: true, exec: () => ret('VMK_OK') },
  ],
};

const MemSched_GroupGetAlloc: F = {
  name: 'MemSched_GroupGetAlloc',
  sig: 'MemSched_Alloc *MemSched_GroupGetAlloc(World *world)',
  comment: 'The memory reservation of the world\'s resource group (->min in MB).',
  body: [{ text: 'return &MemSched_GetGroup(world)->alloc;', model: 'the deck reads MemSched_GroupGetAlloc->min only', exec: (cx, f) => ret(cx.vmxOf(world(cx, f, 'world')).group.memMinMB) }],
};

const CpuSched_GroupGetAlloc: F = {
  name: 'CpuSched_GroupGetAlloc',
  sig: 'CpuSched_Alloc CpuSched_GroupGetAlloc(World *world)',
  comment: 'The CPU reservation of the world\'s resource group (.min in MHz).',
  body: [{ text: 'return CpuSched_GetGroup(world)->alloc;', model: 'the deck reads CpuSched_GroupGetAlloc.min only', exec: (cx, f) => ret(cx.vmxOf(world(cx, f, 'world')).group.cpuMinMHz) }],
};

const VmMemMigrate_PrepareForMemoryTransfer: F = {
  name: 'VmMemMigrate_PrepareForMemoryTransfer',
  sig: 'VMK_ReturnStatus VmMemMigrate_PrepareForMemoryTransfer(World *srcWorld, World *dstWorld)',
  comment: 'Disable swapping on the source and wait for all active swap-outs to complete.',
  body: [
    {
      text: 'if (Swap_HasMigOrCptSwappedPages(srcWorld))',
      seed: 'Swap_HasMigOrCptSwappedPages',
      calls: ['Swap_HasMigOrCptSwappedPages'],
      exec: (_cx, f) => (f.locals.has === undefined ? call('Swap_HasMigOrCptSwappedPages', { world: f.locals.srcWorld }, 'has', true) : f.locals.has ? undefined : goto('disable')),
    },
    { text: 'return VMK_BUSY;  // FAIL', indent: 1, seed: 'has used slots FAIL', exec: (cx: FsrContext) => ret('VMK_BUSY', `swapped pages in ${cx.src.swap.migSwapFile.usedSlots ? 'the migration' : 'the checkpoint'} swap file`) },
    callStmt('swapInfo = Swap_GetInfo(srcWorld);', 'Swap_GetInfo', (_cx, f) => ({ world: f.locals.srcWorld }), 'swapInfo', { label: 'disable', seed: 'Swap_Disable(Swap_GetInfo(srcWorld))' }),
    callStmt('Swap_Disable(swapInfo);', 'Swap_Disable', (_cx, f) => ({ world: f.locals.srcWorld }), undefined, { seed: 'Swap_Disable(Swap_GetInfo(srcWorld))' }),
    {
      text: 'while (swapInfo->activeSwapOuts > 0) CpuSched_Wait(&swapInfo->activeSwapOuts);',
      seed: 'waits for all active swapouts to complete',
      wait: (cx) => (cx.src.swap.activeSwapOuts > 0 ? `waiting for ${cx.src.swap.activeSwapOuts} active swap-out(s) to complete` : null),
    },
    { text: 'return VMK_OK;', model: true, exec: () => ret('VMK_OK') },
  ],
};

const Swap_HasMigOrCptSwappedPages: F = {
  name: 'Swap_HasMigOrCptSwappedPages',
  sig: 'Bool Swap_HasMigOrCptSwappedPages(World *world)',
  comment: 'Pages swapped to the migration or checkpoint swap file cannot be handed over.',
  body: [
    { text: 'if (Swap_GetMigSwapFile(world)->usedSlots > 0)', seed: 'if Swap_GetMigSwapFile(world) has used slots FAIL', calls: ['Swap_GetMigSwapFile'], exec: (_cx, f) => (f.locals.mig === undefined ? call('Swap_GetMigSwapFile', { world: f.locals.world }, 'mig', true) : num(f, 'mig') > 0 ? undefined : goto('cpt')) },
    { text: 'return TRUE;', indent: 1, seed: 'if Swap_GetMigSwapFile(world) has used slots FAIL', exec: () => ret(true) },
    { text: 'if (Swap_GetCptFile(world)->usedSlots > 0)', label: 'cpt', seed: 'if Swap_GetCptFile(world) has used slots FAIL', calls: ['Swap_GetCptFile'], exec: (_cx, f) => (f.locals.cpt === undefined ? call('Swap_GetCptFile', { world: f.locals.world }, 'cpt', true) : num(f, 'cpt') > 0 ? undefined : goto('no')) },
    { text: 'return TRUE;', indent: 1, seed: 'if Swap_GetCptFile(world) has used slots FAIL', exec: () => ret(true) },
    { text: 'return FALSE;', label: 'no', model: true, exec: () => ret(false) },
  ],
};

const Swap_GetMigSwapFile: F = {
  name: 'Swap_GetMigSwapFile',
  sig: 'SwapFile *Swap_GetMigSwapFile(World *world)',
  comment: 'The world\'s migration swap file (its used slots, here).',
  body: [{ text: 'return Swap_GetInfo(world)->migSwapFile;', model: true, exec: (cx, f) => ret(world(cx, f, 'world').swap.migSwapFile.usedSlots) }],
};

const Swap_GetCptFile: F = {
  name: 'Swap_GetCptFile',
  sig: 'SwapFile *Swap_GetCptFile(World *world)',
  comment: 'The world\'s checkpoint swap file (its used slots, here).',
  body: [{ text: 'return Swap_GetInfo(world)->cptSwapFile;', model: true, exec: (cx, f) => ret(world(cx, f, 'world').swap.cptSwapFile.usedSlots) }],
};

const Swap_GetInfo: F = {
  name: 'Swap_GetInfo',
  sig: 'Swap_Info *Swap_GetInfo(World *world)',
  comment: 'The world\'s swap state.',
  body: [{ text: 'return &world->swapInfo;', model: true, exec: (_cx, f) => ret(f.locals.world) }],
};

const Swap_Disable: F = {
  name: 'Swap_Disable',
  sig: 'void Swap_Disable(Swap_Info *swapInfo)',
  comment: 'Stop the swapper from starting new swap-outs.',
  body: [
    { text: 'swapInfo->swapperEnabled = FALSE;', seed: true, exec: (cx, f) => { cx.set(world(cx, f, 'world').swap, 'swapperEnabled', false); cx.log('swapping disabled on the source'); return undefined; } },
    { text: 'return;', model: true, exec: () => ret(undefined) },
  ],
};

export const RESUME_DONE_AND_PREPARATION: Sec = {
  deck: 'seed 000 "SwapFile handoff in FSR" and seed 002 "FSR memory handoff": FSR_ResumeDone and the preparation',
  slides: ['FSR_ResumeDone (seed 000)', 'FSR memory handoff: FSR_ResumeDone, FSRPrepareForMemoryTransfer … Swap_Disable (seed 002)'],
  fns: [FSR_ResumeDone, FSRPrepareForMemoryTransfer, FSRVerifyReservationsToTransfer, MemSched_GroupGetAlloc, CpuSched_GroupGetAlloc, VmMemMigrate_PrepareForMemoryTransfer, Swap_HasMigOrCptSwappedPages, Swap_GetMigSwapFile, Swap_GetCptFile, Swap_GetInfo, Swap_Disable],
};
