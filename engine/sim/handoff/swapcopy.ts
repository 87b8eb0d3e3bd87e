// Seed 000, slides "Swap file transfer modes", "FSRInfo" (swap variables), "Copy unshared swap file"
// and "FSRSwapCopy statemachine": an unshared swap file is copied to the destination by the
// FSRSwapCopyHelper world through an SVM mirror, extent by extent, while writes are mirrored.

import { type F, type Sec, call, callStmt, close, goto, num, ret, set } from './shared';
import { SWAP_COPY_MACHINE, enterState } from '../machines';

/** Slots per extent that the swap copy moves at once (model). */
export const SVM_MAX_EXTENT = 256;

const FSRStartSwapCopy: F = {
  name: 'FSRStartSwapCopy',
  model: 'the decks do not say who starts the copy of an unshared swap file, or when',
  sig: 'void FSRStartSwapCopy(World *dstWorld, FSRInfo *fsr)',
  comment: 'With an unshared swap file the destination gets its own, copied by FSRSwapCopyHelper.',
  body: [
    { text: 'if (Swap_IsShared(srcSwapFile)) return;', exec: (cx) => (cx.opts.swapShared ? ret(undefined) : undefined) },
    { text: 'fsr->hasSwapCopy = TRUE;', exec: (cx) => { cx.set(cx.fsr, 'hasSwapCopy', true); return undefined; } },
    {
      text: 'fsr->swapCopyWorldID = World_Create(FSRSwapCopyHelper, fsr);  // an assistant world',
      seed: 'FSRSwapCopyHelper() assistant world',
      exec: (cx) => {
        const helper = cx.rt.actors.find((a) => a.name === 'FSRSwapCopyHelper');
        cx.set(cx.fsr, 'swapCopyWorldID', helper?.worldID ?? 0);
        cx.log(`unshared swap: FSRSwapCopyHelper world ${helper?.worldID} will copy ${cx.src.swap.swapFile.name}`);
        return ret(undefined);
      },
    },
  ],
};

const ORDER = 'the states are the deck\'s; the order the helper goes through them is the model\'s (the deck\'s state-machine picture did not survive)';

const FSRSwapCopyHelper: F = {
  name: 'FSRSwapCopyHelper',
  sig: 'void FSRSwapCopyHelper(FSRInfo *fsr, World *srcWorld, World *dstWorld)  // assistant world',
  comment: 'Copies an unshared swap file through an SVM mirror, sleeps, and tears the mirror down.',
  body: [
    { text: 'while (!fsr->hasSwapCopy && !FSRDone(fsr)) CpuSched_Wait();', model: 'the helper world is there from the start and waits until it is needed', wait: (cx) => (cx.fsr.hasSwapCopy || cx.decided || cx.dstVmx.migrateState === 'EXITED' ? null : 'not started (no unshared swap copy yet)') },
    { text: 'if (!fsr->hasSwapCopy) return;', model: 'shared swap: nothing to copy', exec: (cx) => (cx.fsr.hasSwapCopy ? undefined : { exit: 'not needed (shared swap file)' }) },
    { text: 'fsr->swapCopyState = FSR_SWAP_COPY_STARTING;', model: ORDER, exec: (cx) => { enterState(cx, SWAP_COPY_MACHINE, 'FSR_SWAP_COPY_STARTING'); return undefined; } },
    callStmt('status = FSRSetupSwapMirror(fsr, srcWorld, dstWorld);', 'FSRSetupSwapMirror', () => ({}), 'status', { seed: 'FSRSetupSwapMirror() manually calls SVM_MakeDev()' }),
    { text: 'fsr->swapCopyState = FSR_SWAP_COPY_IN_PROGRESS;', model: true, exec: (cx) => { enterState(cx, SWAP_COPY_MACHINE, 'FSR_SWAP_COPY_IN_PROGRESS'); return undefined; } },
    callStmt('status = SVMAsyncDiskCopyStart(mirror, FSRSwapCopyFindExtentCB);', 'SVMAsyncDiskCopyStart', () => ({ offset: 0 }), 'status', { seed: "SVMAsyncDiskCopyStart() with it's own findExtentCB" }),
    { text: 'if (status != VMK_OK) {', model: true, exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? goto('done') : undefined) },
    { text: 'fsr->swapCopyState = FSR_SWAP_COPY_FAILED;', indent: 1, model: true, exec: (cx) => { enterState(cx, SWAP_COPY_MACHINE, 'FSR_SWAP_COPY_FAILED'); return undefined; } },
    { text: 'SVM_DestroyDev(mirror);', indent: 1, model: true, exec: (cx) => { cx.set(cx.helper, 'mirrorActive', false); return undefined; } },
    {
      text: 'return;',
      indent: 1,
      model: true,
      exec: (cx, f) => {
        cx.log(`swap copy ${f.locals.status === 'VMK_ABORTED' ? 'cancelled' : 'FAILED'}: ${f.locals.status}`);
        return f.locals.status === 'VMK_ABORTED' ? { exit: `swap copy ${f.locals.status}` } : { exit: `swap copy ${f.locals.status}`, fail: `the swap file copy failed (${f.locals.status})` };
      },
    },
    close(),
    { text: 'fsr->swapCopyState = FSR_SWAP_COPY_DONE;', label: 'done', model: true, exec: (cx) => { enterState(cx, SWAP_COPY_MACHINE, 'FSR_SWAP_COPY_DONE'); return undefined; } },
    { text: 'fsr->swapCopyState = FSR_SWAP_COPY_SLEEPING;', model: true, exec: (cx) => { enterState(cx, SWAP_COPY_MACHINE, 'FSR_SWAP_COPY_SLEEPING'); return undefined; } },
    { text: 'while (!helper->wakeup) CpuSched_Wait();', model: 'sleeps, the mirror still mirroring, until FSRTransferSwapFile wakes it', wait: (cx) => (cx.helper.wakeup ? null : 'sleeping until FSRTransferSwapFile wakes it (the mirror keeps mirroring)') },
    { text: 'fsr->swapCopyState = FSR_SWAP_COPY_STUNNING;', model: true, exec: (cx) => { enterState(cx, SWAP_COPY_MACHINE, 'FSR_SWAP_COPY_STUNNING'); return undefined; } },
    { text: 'SVM_DestroyDev(mirror);', model: 'the deck: the helper is woken "to destroy mirror node"; SVM_DestroyDev is the model\'s name for it', exec: (cx) => { cx.set(cx.helper, 'mirrorActive', false); cx.log('swap mirror node destroyed'); return undefined; } },
    { text: 'fsr->swapCopyState = FSR_SWAP_COPY_EXITED;', model: true, exec: (cx) => { enterState(cx, SWAP_COPY_MACHINE, 'FSR_SWAP_COPY_EXITED'); return { exit: 'done' }; } },
  ],
};

const FSRSetupSwapMirror: F = {
  name: 'FSRSetupSwapMirror',
  sig: 'VMK_ReturnStatus FSRSetupSwapMirror(FSRInfo *fsr, World *srcWorld, World *dstWorld)',
  comment: 'Create the destination\'s swap file and the mirror that copies into it (SVM_MakeDev, by hand).',
  body: [
    { text: 'dstSwapFile = Swap_CreateFile(dstWorld, Swap_GetNumPages(srcSwapFile));', seed: 'Create and copy swap file on destination', exec: (cx) => { cx.swapExtend(cx.dst.swap.swapFile, cx.src.swap.swapFile.numSlots); return undefined; } },
    callStmt('mirror = SVM_MakeDev(srcSwapFile, dstSwapFile);', 'SVM_MakeDev', () => ({}), undefined, { seed: 'manually calls SVM_MakeDev()' }),
    { text: 'return VMK_OK;', model: true, exec: () => ret('VMK_OK') },
  ],
};

const SVM_MakeDev: F = {
  name: 'SVM_MakeDev',
  sig: 'SVM_Dev *SVM_MakeDev(SwapFile *src, SwapFile *dst)',
  comment: 'A symmirror device: from now on every write to src is mirrored to dst.',
  body: [{ text: 'mirror->active = TRUE;', model: 'the deck says the copy uses symmirror; the device\'s insides are the model\'s', exec: (cx) => { cx.set(cx.helper, 'mirrorActive', true); cx.log('SVM mirror node created'); return ret(undefined); } }],
};

const SVMAsyncDiskCopyStart: F = {
  name: 'SVMAsyncDiskCopyStart',
  sig: 'VMK_ReturnStatus SVMAsyncDiskCopyStart(SVM_Dev *mirror, FindExtentCB findExtentCB)',
  comment: 'Copy the source file extent by extent, as the callback finds used extents.',
  body: [
    { text: 'for (;;) {', label: 'loop', model: 'the copy loop is the model\'s; a cancelled copy stops here', exec: (cx) => (cx.helper.cancel ? ret('VMK_ABORTED') : undefined) },
    { text: 'extent = findExtentCB(mirror, offset);', indent: 1, seed: "with it's own findExtentCB", calls: ['FSRSwapCopyFindExtentCB'], exec: (_cx, f) => call('FSRSwapCopyFindExtentCB', { offset: f.locals.offset }, 'extent') },
    { text: 'if (extent.length == 0) break;', indent: 1, model: true, exec: (_cx, f) => ((f.locals.extent as { length: number }).length === 0 ? goto('done') : undefined) },
    {
      text: 'status = SVMCopyExtent(mirror, extent);',
      indent: 1,
      model: true,
      exec: (cx, f) => {
        const ext = f.locals.extent as { start: number; length: number };
        const k = cx.helper.extents;
        if (cx.opts.faults.swapCopyFailAtExtent === k) {
          set(f, 'status', 'VMK_IO_ERROR');
          return undefined;
        }
        const sf = cx.src.swap.swapFile;
        const df = cx.dst.swap.swapFile;
        if (df.numSlots < ext.start + ext.length) cx.swapExtend(df, sf.numSlots);
        for (let s = ext.start; s < ext.start + ext.length; s++) cx.writeSlotTag(df, s, sf.tags[s]!);
        cx.set(cx.helper, 'extents', k + 1);
        cx.set(cx.helper, 'copiedSlots', cx.helper.copiedSlots + ext.length);
        const pct = Math.min(100, Math.round((100 * (ext.start + ext.length)) / Math.max(1, sf.numSlots)));
        cx.rt.emit({ type: 'progress', id: 'swap-copy', title: 'Swap file copy', percent: pct, done: false });
        set(f, 'status', 'VMK_OK');
        set(f, 'offset', ext.start + ext.length);
        return undefined;
      },
    },
    { text: 'if (status != VMK_OK) return status;', indent: 1, model: true, exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? goto('loop') : ret(f.locals.status)) },
    close(),
    { text: 'return VMK_OK;', label: 'done', model: true, exec: (cx) => { cx.rt.emit({ type: 'progress', id: 'swap-copy', title: 'Swap file copy', percent: 100, done: true }); cx.log(`swap file copied: ${cx.helper.copiedSlots} slots in ${cx.helper.extents} extents`); return ret('VMK_OK'); } },
  ],
};

const FSRSwapCopyFindExtentCB: F = {
  name: 'FSRSwapCopyFindExtentCB',
  model: 'the deck says SVMAsyncDiskCopyStart takes FSR\'s own findExtentCB; its name and body are the model\'s',
  sig: 'SVM_Extent FSRSwapCopyFindExtentCB(SVM_Dev *mirror, uint64 offset)',
  comment: 'The next run of used slots in the source bitmap, at most SVM_MAX_EXTENT long.',
  body: [
    {
      text: 'start = Bitmap_NextSet(srcSwapFile->bitmap, offset);',
      exec: (cx, f) => {
        const sf = cx.src.swap.swapFile;
        let s = num(f, 'offset');
        while (s < sf.numSlots && !sf.isUsed(s)) s++;
        set(f, 'start', s);
        return undefined;
      },
    },
    {
      text: 'return start < numSlots ? (SVM_Extent){start, MIN(Bitmap_NextClear(bitmap, start), start + SVM_MAX_EXTENT) - start} : (SVM_Extent){0, 0};',
      exec: (cx, f) => {
        const sf = cx.src.swap.swapFile;
        const start = num(f, 'start');
        if (start >= sf.numSlots) return ret({ start: 0, length: 0 });
        let e = start;
        while (e < sf.numSlots && e < start + SVM_MAX_EXTENT && sf.isUsed(e)) e++;
        return ret({ start, length: e - start });
      },
    },
  ],
};

export const SWAP_COPY_HELPER: Sec = {
  deck: 'seed 000 "SwapFile handoff in FSR": the swap-copy helper',
  slides: ['Swap file transfer modes: Unshared', 'FSRInfo: hasSwapCopy, swapCopyWorldID, swapCopyState', 'Copy unshared swap file', 'FSRSwapCopy statemachine'],
  fns: [FSRStartSwapCopy, FSRSwapCopyHelper, FSRSetupSwapMirror, SVM_MakeDev, SVMAsyncDiskCopyStart, FSRSwapCopyFindExtentCB],
};
