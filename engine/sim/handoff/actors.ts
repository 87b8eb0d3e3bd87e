// The model's actors: no deck shows them, but the handoff needs someone to run it. The two VMX
// worlds (the source checkpoints and waits for the victor; the destination restores and runs the
// monitor's FSR_ResumeDone), the guest's memory accesses, the source's swapper and the PCPUs.
// A line that states what a deck states says so (seed), however model its function.

import { makeMainMemBPN } from '../../busmem';
import { INVALID_MPN64, PageType, hexNumber, mpnHex, pfIndex, pfMakeHi, pfType, pfWithTypeIndex } from '../../pframe';
import { ALLOC_PDIR_PAGES, PAGE_2_DIRINDEX } from '../../world';
import type { FsrContext } from '../context';
import { type F, type Sec, TWO_32, back, callStmt, close, entry, goto, num, resumeIs, ret, set, world } from './shared';
import { RESUME_MACHINE, enterState } from '../machines';

const VICTOR = 'resumeState; Atomic variable to decide the Victor';

const FSRSourceVMX: F = {
  name: 'FSRSourceVMX',
  model: 'the source VMX world, as a thread of its own',
  sig: 'void FSRSourceVMX(World *srcWorld, FSRInfo *fsr)',
  comment: 'The source VMX: runs the guest, checkpoints it, then waits to learn who resumes.',
  body: [
    callStmt('VMX_RunGuest(srcWorld);', 'VMX_RunGuest', (_cx, f) => ({ world: f.locals.srcWorld })),
    callStmt('FSR_CheckpointStarted(srcWorld, fsr);', 'FSR_CheckpointStarted', (_cx, f) => ({ srcWorld: f.locals.srcWorld }), undefined, { seed: 'FSR_CheckpointStarted()' }),
    callStmt('FSR_WriteCptData(srcWorld, fsr);', 'FSR_WriteCptData', (_cx, f) => ({ srcWorld: f.locals.srcWorld }), undefined, { seed: 'FSR_WriteCptData()' }),
    callStmt('FSR_CheckpointFinished(srcWorld, fsr);', 'FSR_CheckpointFinished', (_cx, f) => ({ srcWorld: f.locals.srcWorld }), undefined, { seed: 'FSR CheckpointFinished on source' }),
    {
      text: 'while (!FSRVictorDecided(fsr)) {',
      label: 'wait',
      wait: (cx) => (cx.decided || (cx.opts.faults.sourceTimeout && cx.cpt.finished && resumeIs(cx, 'FSR_RESUME_NONE', 'FSR_RESUME_DESTVERIFY') && !cx.srcVmx.panicNoCore && !cx.srcTimedOut) ? null : 'waiting for the resume victor (fsr->resumeState)'),
      exec: (cx) => (cx.decided ? goto('decided') : undefined),
    },
    { text: 'if (FSRSourceTimedOut(fsr))', indent: 1, exec: (cx) => (cx.opts.faults.sourceTimeout ? undefined : goto('wait')) },
    {
      text: 'Atomic_CompareExchange(&fsr->resumeState, FSR_RESUME_NONE, FSR_RESUME_SOURCE);',
      indent: 2,
      phase: 'resume victor',
      seed: VICTOR,
      exec: (cx) => {
        cx.set(cx, 'srcTimedOut', true);
        if (cx.fsr.resumeState === 'FSR_RESUME_NONE') {
          enterState(cx, RESUME_MACHINE, 'FSR_RESUME_SOURCE');
          cx.log('source timed out waiting: resumeState NONE -> SOURCE, the source is the victor');
        } else {
          cx.log(`source timed out, but resumeState is already ${cx.fsr.resumeState}: the destination won the race`);
        }
        return goto('wait');
      },
    },
    back('wait'),
    { text: 'if (fsr->resumeState == FSR_RESUME_SOURCE) {', label: 'decided', exec: (cx) => (resumeIs(cx, 'FSR_RESUME_SOURCE') ? undefined : goto('exit')) },
    callStmt('FSRSourceResume(srcWorld, fsr);', 'FSRSourceResume', (_cx, f) => ({ srcWorld: f.locals.srcWorld }), undefined, { indent: 1 }),
    { text: 'return;', indent: 1, exec: (cx) => ({ exit: cx.srcVmx.migrateState === 'PANIC' ? 'panicked (no core)' : 'resumed: the source runs the VM' }) },
    close(),
    {
      text: 'World_Exit(srcWorld);',
      label: 'exit',
      exec: (cx) => {
        const vmx = cx.srcVmx;
        cx.set(vmx, 'migrateState', 'EXITED');
        cx.log('source world exits; the destination owns its memory');
        return { exit: 'exited after the handoff' };
      },
    },
  ],
};

const FSRDestVMX: F = {
  name: 'FSRDestVMX',
  model: 'the destination VMX world and its monitor, as a thread of its own',
  sig: 'void FSRDestVMX(World *dstWorld, World *srcWorld, FSRInfo *fsr)',
  comment: 'The destination VMX and its monitor: the restore phase, then the final handshake.',
  body: [
    callStmt('FSRStartSwapCopy(dstWorld, fsr);', 'FSRStartSwapCopy', (_cx, f) => ({ dstWorld: f.locals.dstWorld })),
    { text: 'while (!cpt->finished) CpuSched_Wait(&cpt->finished);', wait: (cx) => (cx.cpt.finished ? null : 'waiting for FSR_CheckpointFinished on the source (RestorePhase)') },
    { text: 'dstWorld->migrateState = MIGRATE_CPTLOAD;', seed: 'dest: MIGRATE CPTLOAD', exec: (cx) => { cx.set(cx.dstVmx, 'migrateState', 'MIGRATE_CPTLOAD'); cx.log('destination: MIGRATE CPTLOAD'); return undefined; } },
    callStmt('FSR_ReadCptData(dstWorld, fsr);', 'FSR_ReadCptData', (_cx, f) => ({ dstWorld: f.locals.dstWorld }), undefined, { seed: 'FSR_ReadCptData()' }),
    callStmt('VmMem_InitPDirs(dstWorld);', 'VmMem_InitPDirs', (_cx, f) => ({ dstWorld: f.locals.dstWorld, pgNum: 0 })),
    callStmt('FSR_CheckProgress(dstWorld, fsr);', 'FSR_CheckProgress', (_cx, f) => ({ dstWorld: f.locals.dstWorld }), undefined, { seed: 'FSR_CheckProgress on destination' }),
    callStmt('FSRTransferMiscState(srcWorld, dstWorld, fsr);', 'FSRTransferMiscState', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), undefined, { seed: 'FSRTransferMiscState' }),
    {
      text: 'if (!Atomic_CompareExchange(&fsr->resumeState, FSR_RESUME_NONE, FSR_RESUME_DESTVERIFY)) {',
      phase: 'resume victor',
      seed: 'Set resumeState; to decide the Victor',
      exec: (cx) => {
        if (cx.fsr.resumeState === 'FSR_RESUME_NONE') {
          enterState(cx, RESUME_MACHINE, 'FSR_RESUME_DESTVERIFY');
          cx.log('resumeState NONE -> DESTVERIFY: the destination goes on to verify and resume');
          return goto('pagein');
        }
        cx.log(`destination lost the resume race: resumeState is ${cx.fsr.resumeState}`);
        return undefined;
      },
    },
    callStmt('FSRDestAbort(dstWorld, fsr);', 'FSRDestAbort', (_cx, f) => ({ dstWorld: f.locals.dstWorld, pgNum: 0 }), undefined, { indent: 1 }),
    { text: 'return;', indent: 1, exec: () => ({ exit: 'lost the resume race' }) },
    close(),
    { text: 'dstWorld->migrateState = MIGRATE_PAGEIN;', label: 'pagein', seed: 'dest: MIGRATE PAGEIN', exec: (cx) => { cx.set(cx.dstVmx, 'migrateState', 'MIGRATE_PAGEIN'); cx.log('destination: MIGRATE PAGEIN'); return undefined; } },
    callStmt('status = FSR_ResumeDone(fsr, srcWorld, dstWorld);  // the monitor, at the tail end of RESTORE_SYNC', 'FSR_ResumeDone', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), 'status', { seed: 'Invoked by monitor at the tail end of RESTORE_SYNC' }),
    { text: 'if (status != VMK_OK) {', exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? goto('resume') : undefined) },
    { text: 'if (!srcWorld->panicNoCore)', indent: 1, exec: (cx) => (cx.srcVmx.panicNoCore ? goto('lost') : undefined) },
    callStmt('FSRDestAbort(dstWorld, fsr);', 'FSRDestAbort', (_cx, f) => ({ dstWorld: f.locals.dstWorld, pgNum: 0 }), undefined, { indent: 2 }),
    { text: 'return;', indent: 1, label: 'lost', exec: (cx) => ({ exit: cx.srcVmx.panicNoCore ? 'the VM was lost after the point of no return' : 'aborted: the source resumes' }) },
    close(),
    {
      text: 'VMX_Resume(dstWorld);',
      label: 'resume',
      exec: (cx) => {
        cx.set(cx.dstVmx, 'migrateState', 'RUNNING');
        cx.log('destination resumes the VM');
        return undefined;
      },
    },
    callStmt('VMX_RunGuest(dstWorld);', 'VMX_RunGuest', (_cx, f) => ({ world: f.locals.dstWorld })),
    { text: 'return;', exec: () => ({ exit: 'the destination runs the VM' }) },
  ],
};

const VMX_RunGuest: F = {
  name: 'VMX_RunGuest',
  model: 'the guest\'s memory accesses, which fill the monitor\'s translation cache (its shadow page tables)',
  sig: 'void VMX_RunGuest(World *world)',
  comment: 'The guest touches a few pages; each access translates its BPN and caches the MPN in the monitor.',
  body: [
    { text: 'for (i = 0; i < numTouched; i++) {', label: 'loop', exec: (cx, f) => { if (f.locals.i === undefined) set(f, 'i', 0); return num(f, 'i') < cx.opts.touchedPages.length ? undefined : goto('done'); } },
    { text: 'bpn = BPN_MAINMEM(touched[i]);', indent: 1, exec: (cx, f) => { set(f, 'bpn', makeMainMemBPN(cx.opts.touchedPages[num(f, 'i')]!)); return undefined; } },
    callStmt('mpn = BusMem_TranslateBPN(world, bpn);', 'BusMem_TranslateBPN', (_cx, f) => ({ world: f.locals.world, bpn: f.locals.bpn }), 'mpn', { indent: 1, seed: 'BusMem_TranslateBPN(bpn) → returns MPN' }),
    {
      text: 'if (mpn != INVALID_MPN64) monitor->shadow[bpn] = mpn;',
      indent: 1,
      exec: (cx, f) => {
        const w = world(cx, f, 'world');
        const pg = num(f, 'bpn') % TWO_32;
        if (num(f, 'mpn') !== INVALID_MPN64) cx.shadowSet(cx.vmxOf(w), pg, num(f, 'mpn'));
        set(f, 'i', num(f, 'i') + 1);
        return goto('loop');
      },
    },
    close(),
    { text: 'return;', label: 'done', exec: () => ret(undefined) },
  ],
};

const FSRSourceResume: F = {
  name: 'FSRSourceResume',
  model: 'the source taking the VM back',
  sig: 'void FSRSourceResume(World *srcWorld, FSRInfo *fsr)',
  comment: 'The source is the victor: it unstuns and runs the guest again, with all its memory. Past the\npoint of no return it cannot: its World_SetPanicNoCore flag makes it panic, without a core.',
  body: [
    { text: 'if (srcWorld->panicNoCore) {', exec: (cx) => (cx.srcVmx.panicNoCore ? undefined : goto('run')) },
    {
      text: 'World_Panic(srcWorld, "FSR: the handoff failed after the point of no return");',
      indent: 1,
      model: 'World_Panic does not return: the world dies here, without a core',
      exec: (cx) => {
        cx.set(cx.srcVmx, 'migrateState', 'PANIC');
        cx.set(cx.dstVmx, 'migrateState', 'PANIC');
        cx.log('PANIC (no core): the source cannot resume past World_SetPanicNoCore; the VM is lost');
        return { ret: undefined, fail: 'the handoff failed after the point of no return: World_SetPanicNoCore makes the source panic (no core)', filter: 'panic' as const };
      },
    },
    close(),
    { text: 'srcWorld->migrateState = RUNNING;', label: 'run', exec: (cx) => { cx.set(cx.srcVmx, 'migrateState', 'RUNNING'); cx.log('the source resumes the VM'); return undefined; } },
    callStmt('VMX_RunGuest(srcWorld);', 'VMX_RunGuest', (_cx, f) => ({ world: f.locals.srcWorld })),
    { text: 'return;', exec: () => ret(undefined) },
  ],
};

const FSRDestAbort: F = {
  name: 'FSRDestAbort',
  model: 'the destination giving up when the source resumes',
  sig: 'void FSRDestAbort(World *dstWorld, FSRInfo *fsr)',
  comment: 'The destination gives up: its own pdir pages are freed, its swap copy stopped.',
  body: [
    {
      text: 'for (pgNum = 0; pgNum < Alloc_NumMainMemPages(dstWorld); pgNum += ALLOC_PDIR_PAGES)',
      label: 'loop',
      exec: (cx, f) => (num(f, 'pgNum') < cx.dst.pframes.numMainMemPages ? undefined : goto('done')),
      bulk: {
        until: 'done',
        run: (cx, f, clock) => {
          // Each iteration is two fine steps: the loop head and VmMem_FreePDir (whose line its changes name).
          const n = cx.dst.pframes.numMainMemPages;
          let pg = num(f, 'pgNum');
          cx.rt.changes.siteNow = FSRDestAbort.body[1]!.line!;
          try {
            for (; pg < n && clock.budget >= 2; pg += ALLOC_PDIR_PAGES) {
              clock.advance(2);
              freeDestDir(cx, pg);
            }
          } finally {
            cx.rt.changes.siteNow = 0;
          }
          set(f, 'pgNum', Math.min(n, pg));
          return pg >= n;
        },
      },
    },
    { text: 'VmMem_FreePDir(dstWorld, pgNum);', indent: 1, exec: (cx, f) => { freeDestDir(cx, num(f, 'pgNum')); set(f, 'pgNum', num(f, 'pgNum') + ALLOC_PDIR_PAGES); return goto('loop'); } },
    { text: 'if (fsr->hasSwapCopy) World_Wakeup(fsr->swapCopyWorldID);', label: 'done', exec: (cx) => { if (cx.fsr.hasSwapCopy) { cx.set(cx.helper, 'cancel', true); cx.set(cx.helper, 'wakeup', true); } return undefined; } },
    {
      text: 'dstWorld->migrateState = EXITED;',
      exec: (cx) => {
        if (cx.dstVmx.migrateState !== 'PANIC') cx.set(cx.dstVmx, 'migrateState', 'EXITED');
        cx.shadowClear(cx.dstVmx);
        cx.log('destination aborted: its pdir pages are freed');
        return ret(undefined);
      },
    },
  ],
};

/** VmMem_FreePDir: the destination's own pdir page of pgNum's directory, freed (a redirected one is not its own). */
function freeDestDir(cx: FsrContext, pgNum: number): void {
  const d = PAGE_2_DIRINDEX(pgNum);
  const mpn = cx.dst.dirMPN(d);
  if (mpn === INVALID_MPN64) return;
  const e = cx.host.backmapEntry(mpn);
  if (e === entry(cx.dst.owners.pdir, d)) {
    cx.backmapSetRaw(mpn, 0);
    cx.freeMPN(mpn);
  }
  cx.dirSet(cx.dst, pgNum, INVALID_MPN64);
}

const Swap_SwapperThread: F = {
  name: 'Swap_SwapperThread',
  model: 'the source\'s swapper, whose swap-outs race the preparation and the mirrored copy',
  sig: 'void Swap_SwapperThread(World *srcWorld)',
  comment: 'The source\'s swapper reclaims pages of the suspended VM while swapping is enabled.',
  body: [
    { text: 'while (!cpt->finished) CpuSched_Wait();', wait: (cx) => (cx.cpt.finished ? null : 'waiting for the VM to be suspended (checkpoint)') },
    {
      text: 'while (swapInfo->swapperEnabled && Swap_PagesToReclaim(srcWorld) > 0) {',
      label: 'loop',
      exec: (cx) => (cx.src.swap.swapperEnabled && cx.swapOutsLeft > 0 && cx.srcVmx.migrateState !== 'RUNNING' ? undefined : goto('done')),
    },
    {
      text: 'pgNum = Swap_PickVictim(srcWorld);',
      indent: 1,
      exec: (cx, f) => {
        const pg = pickVictim(cx);
        if (pg < 0) {
          cx.set(cx, 'swapOutsLeft', 0);
          return goto('done');
        }
        set(f, 'pgNum', pg);
        return undefined;
      },
    },
    callStmt('Swap_SwapOutPage(srcWorld, pgNum);', 'Swap_SwapOutPage', (_cx, f) => ({ world: f.locals.srcWorld, pgNum: f.locals.pgNum }), undefined, { indent: 1 }),
    back('loop'),
    { text: 'return;', label: 'done', exec: () => ({ exit: 'swapping disabled or nothing to reclaim' }) },
  ],
};

const Swap_SwapOutPage: F = {
  name: 'Swap_SwapOutPage',
  model: 'one swap-out, for the swapper above',
  sig: 'void Swap_SwapOutPage(World *world, PageNum pgNum)',
  comment: 'One swap-out: SWAP_OUT, write the slot (mirrored while the SVM mirror runs), SWAPPED, free the MPN.',
  body: [
    callStmt('PFrame_Lock(world, pgNum);', 'PFrame_Lock', (_cx, f) => ({ world: f.locals.world, pgNum: f.locals.pgNum })),
    {
      text: 'swapInfo->activeSwapOuts++;',
      exec: (cx, f) => {
        const w = world(cx, f, 'world');
        if (!w.swap.swapperEnabled) return goto('unlock');
        cx.set(w.swap, 'activeSwapOuts', w.swap.activeSwapOuts + 1);
        cx.set(cx, 'swapOutsLeft', cx.swapOutsLeft - 1);
        return undefined;
      },
    },
    {
      text: 'pframe->type = SWAP_OUT; pframe->isInvalGoingOn = 1;',
      model: 'the page\'s cached translations go with it',
      exec: (cx, f) => {
        const w = world(cx, f, 'world');
        const pg = num(f, 'pgNum');
        const pf = cx.readPFrame(w, pg)!;
        set(f, 'mpn', pfIndex(pf.lo, pf.hi));
        cx.writePFrame(w, pg, (pfWithTypeIndex(pf.lo, PageType.SWAP_OUT, num(f, 'mpn')) | 0x40000000) >>> 0, pf.hi);
        // The page's cached translations go with it.
        cx.shadowDelete(cx.vmxOf(w), pg);
        return undefined;
      },
    },
    {
      text: 'slot = Swap_AllocSlot(swapInfo->swapFile);',
      model: 'the file grows when it is full',
      exec: (cx, f) => {
        set(f, 'slot', cx.slotAlloc(world(cx, f, 'world').swap.swapFile));
        return undefined;
      },
    },
    {
      text: 'Swap_WriteSlot(swapFile, slot, mpn);',
      model: 'mirrored to the destination\'s file while the SVM mirror is active',
      exec: (cx, f) => {
        const w = world(cx, f, 'world');
        const tag = cx.host.contentTag(num(f, 'mpn'));
        cx.writeSlotTag(w.swap.swapFile, num(f, 'slot'), tag);
        // Mirrored to the destination's file while the SVM mirror is active.
        if (cx.helper.mirrorActive) {
          const df = cx.dst.swap.swapFile;
          if (df.numSlots <= num(f, 'slot')) cx.swapExtend(df, w.swap.swapFile.numSlots);
          cx.writeSlotTag(df, num(f, 'slot'), tag);
        }
        return undefined;
      },
    },
    {
      text: 'PFrame_SetSwapped(pframe, slot);',
      model: 'SWAPPED, index = slot, extra.swapped.vmkSwapped = 1',
      exec: (cx, f) => {
        const w = world(cx, f, 'world');
        const pg = num(f, 'pgNum');
        const pf = cx.readPFrame(w, pg)!;
        // SWAPPED, index = slot, extra.swapped.vmkSwapped = 1, isInvalGoingOn cleared.
        const lo = (pfWithTypeIndex(pf.lo, PageType.SWAPPED, num(f, 'slot')) & ~0x4000c000) | 0x4000;
        cx.writePFrame(w, pg, lo >>> 0, pfMakeHi(num(f, 'slot')));
        return undefined;
      },
    },
    {
      text: 'BackMap_Unset(mpn, world, pgNum); VmMem_UpdateFreeStats(world, pgNum, mpn); MemMap_FreePage(mpn);',
      exec: (cx, f) => {
        const w = world(cx, f, 'world');
        const mpn = num(f, 'mpn');
        cx.backmapSetRaw(mpn, 0);
        cx.freeMPN(mpn);
        cx.set(w.stats, 'allocated', w.stats.allocated - 1);
        cx.set(w.stats, 'frees', w.stats.frees + 1);
        return undefined;
      },
    },
    {
      text: 'swapInfo->activeSwapOuts--;',
      exec: (cx, f) => {
        const w = world(cx, f, 'world');
        cx.set(w.swap, 'activeSwapOuts', w.swap.activeSwapOuts - 1);
        cx.log(`swapped out pgNum ${hexNumber(num(f, 'pgNum'))} (MPN ${mpnHex(num(f, 'mpn'))}) to slot ${hexNumber(num(f, 'slot'))}${cx.helper.mirrorActive ? ', mirrored' : ''}`);
        return undefined;
      },
    },
    callStmt('PFrame_Unlock(world, pgNum);', 'PFrame_Unlock', (_cx, f) => ({ world: f.locals.world, pgNum: f.locals.pgNum }), undefined, { label: 'unlock' }),
    { text: 'return;', exec: () => ret(undefined) },
  ],
};

/**
 * A REGULAR page of the source to swap out: the guest's touched pages first, then seeded picks.
 * A page the VMX has mapped (isMappedInVMX) is never taken.
 */
function pickVictim(cx: FsrContext): number {
  const w = cx.src;
  const ok = (pg: number): boolean => {
    const pf = cx.readPFrame(w, pg);
    return pf !== null && pfType(pf.lo) === PageType.REGULAR && (pf.lo & 1) === 0;
  };
  for (const pg of cx.opts.touchedPages) if (ok(pg)) return pg;
  const n = w.pframes.numMainMemPages;
  const start = cx.random(n);
  for (let k = 0; k < Math.min(n, 4096); k++) {
    const pg = (start + k) % n;
    if (ok(pg)) return pg;
  }
  return -1;
}

const PCPU_Idle: F = {
  name: 'PCPU_Idle',
  model: 'the PCPUs that must read the MemoryHandoff bools, as threads',
  sig: 'void PCPU_Idle(int pcpu)',
  comment: 'Each PCPU must see the MemoryHandoff flags before the handoff goes on.',
  body: [
    { text: 'while (!memHandoff->inProgress && !FSRDone(fsr)) CpuSched_Idle();', wait: (cx) => (cx.handoff.inProgress || cx.decided || cx.dstVmx.migrateState === 'EXITED' || cx.dstVmx.migrateState === 'RUNNING' ? null : 'idle') },
    { text: 'if (!memHandoff->inProgress) return;', exec: (cx) => (cx.handoff.inProgress ? undefined : { exit: 'no handoff on this run' }) },
    callStmt('VmMemMigrateAckHandoff(pcpu);', 'VmMemMigrateAckHandoff', (_cx, f) => ({ pcpu: f.locals.pcpu })),
    { text: 'while (memHandoff->inProgress) CpuSched_Idle();', wait: (cx) => (cx.handoff.inProgress && !cx.decided ? 'idle (handoff in progress)' : null) },
    { text: 'return;', exec: () => ({ exit: 'handoff over' }) },
  ],
};

const VmMemMigrateAckHandoff: F = {
  name: 'VmMemMigrateAckHandoff',
  model: 'how a PCPU reads the MemoryHandoff bools and says so',
  sig: 'void VmMemMigrateAckHandoff(int pcpu)',
  comment: 'The PCPU reads the MemoryHandoff flags and says so; a slow one is busy first.',
  body: [
    {
      text: 'while (pcpu->busy > 0) pcpu->busy--;',
      label: 'busy',
      exec: (cx, f) => {
        const slow = cx.opts.faults.slowPcpu;
        if (f.locals.busy === undefined) set(f, 'busy', slow && slow.pcpu === num(f, 'pcpu') ? slow.delaySteps : 0);
        if (num(f, 'busy') <= 0) return undefined;
        set(f, 'busy', num(f, 'busy') - 1);
        return goto('busy');
      },
    },
    { text: 'if (Atomic_Read(&memHandoff->inProgress))', seed: 'ensures all PCPUs have read this value' },
    {
      text: 'memHandoff->acked[pcpu] = TRUE;',
      indent: 1,
      exec: (cx, f) => {
        const p = num(f, 'pcpu');
        const acked = cx.handoff.acked;
        acked[p] = true;
        cx.rt.journal.record(() => {
          acked[p] = false;
        });
        return ret(undefined);
      },
    },
  ],
};

export const MODEL_ACTORS: Sec = {
  deck: 'model: the actors that run the handoff (no deck shows them)',
  slides: ['the source and destination VMX worlds, the guest, the source\'s swapper, the PCPUs'],
  fns: [FSRSourceVMX, FSRDestVMX, VMX_RunGuest, FSRSourceResume, FSRDestAbort, Swap_SwapperThread, Swap_SwapOutPage, PCPU_Idle, VmMemMigrateAckHandoff],
};

