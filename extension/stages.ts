// The handoff's stages in the order they run, each with its phase label (a place to break) and the
// simulated functions it calls: what the FSR Phases tree lists. Names only; knows no vscode and no engine internals.

export interface Stage {
  name: string;
  /** A phase label of the listing (a function breakpoint on it stops where the phase is reached). */
  phase?: string;
  what: string;
  functions: string[];
}

export const STAGES: readonly Stage[] = [
  {
    name: 'Checkpoint',
    what: 'The source writes its checkpoint; the destination reads it.',
    functions: ['FSR_CheckpointStarted', 'FSR_WriteCptData', 'FSR_CheckpointFinished', 'FSR_ReadCptData'],
  },
  {
    name: 'Restore',
    phase: 'resume victor',
    what: 'After FSR_CheckpointFinished the destination restores (MIGRATE CPTLOAD → PAGEIN), marks all pages remote and sets resumeState.',
    functions: ['VmMem_InitPDirs', 'FSR_CheckProgress', 'FSRTransferMiscState', 'FSRStartSwapCopy'],
  },
  {
    name: 'Swap copy (unshared)',
    what: 'FSRSwapCopyHelper copies the swap file through an SVM mirror.',
    functions: ['FSRSwapCopyHelper', 'FSRSetupSwapMirror', 'SVM_MakeDev', 'SVMAsyncDiskCopyStart', 'FSRSwapCopyFindExtentCB'],
  },
  {
    name: 'Prepare for memory transfer',
    what: 'FSR_ResumeDone checks reservations and that no page sits in the migration or checkpoint swap files.',
    functions: ['FSR_ResumeDone', 'FSRPrepareForMemoryTransfer', 'FSRVerifyReservationsToTransfer', 'MemSched_GroupGetAlloc', 'CpuSched_GroupGetAlloc', 'VmMemMigrate_PrepareForMemoryTransfer', 'Swap_HasMigOrCptSwappedPages', 'Swap_GetMigSwapFile', 'Swap_GetCptFile', 'Swap_GetInfo', 'Swap_Disable'],
  },
  {
    name: 'Swap file transfer',
    phase: 'swap bitmap copy',
    what: 'Mirror teardown or close/open, the swap bitmap copied, exclusive swap on the destination.',
    functions: ['FSRTransferSwapFile', 'FSRTransferSwapState', 'SwapExtend_Files', 'SwapMigrate_SetSwapBitmap', 'Swap_EnableExclusive'],
  },
  {
    name: 'Point of no return',
    phase: 'point of no return',
    what: 'After World_SetPanicNoCore a failure panics the VM instead of resuming the source.',
    functions: ['World_SetPanicNoCore'],
  },
  {
    name: 'Memory handoff',
    phase: 'pdir redirect',
    what: "Each destination pdir is redirected to the source's pdir page instead of copying memory.",
    functions: [
      'FSRTransferMemoryAndReservations',
      'FSRTransferReservations',
      'VmMemMigrate_TransferMemory',
      'VmMemMigrateMemoryHandoffStarted',
      'VmMemMigrateTransferMemory',
      'VmMemMigrateTransferPageDir',
      'VmMemMigrateRemovePageDirFromSource',
      'PFrame_DirSet',
      'VmMemMigrateAddPageDirToDest',
      'VmMemMigrateInitPageDirsOnDest',
      'VmMemMigrateAddPageToDest',
      'VmMemZip_TransferMemZipInfo',
      'VmMemMigrateMarkAllPagesUnmapped',
      'VmMemMigrateMemoryHandoffFinished',
    ],
  },
  {
    name: 'Failure paths',
    what: 'FSRCancelPrepareForMemoryTransfer hands the VM back to the source; past World_SetPanicNoCore the source panics (no core) instead of resuming.',
    functions: ['FSRCancelPrepareForMemoryTransfer', 'FSRDestAbort', 'FSRSourceResume'],
  },
  {
    name: 'BPN → MPN walk',
    what: "How a guest page is found: the seed 002 call chain the guest's accesses take.",
    functions: ['BusMem_TranslateBPN', 'BusMem_GetMPN', 'Platform_BPN2MPN', 'BPN_IsMainMem', 'VMKCall_GetPFrameMPN', 'VmMemPf_GetPFrameMPN', 'Alloc_BPNToMainMemPage', 'PFrame_Lock', 'PFrame_Get', 'PFrame_Lookup', 'PFrame_GetMPN', 'PFrame_Unlock'],
  },
  {
    name: 'Actors',
    what: 'The threads: both VMXs, the guest, the swapper and the PCPUs.',
    functions: ['FSRSourceVMX', 'FSRDestVMX', 'VMX_RunGuest', 'Swap_SwapperThread', 'Swap_SwapOutPage', 'PCPU_Idle', 'VmMemMigrateAckHandoff'],
  },
];
