// Seed 000, slides "FSR_ResumeDone" (FSRTransferSwapFile) and "FSRTransferSwapState": the swap file
// changes hands — the mirror torn down (unshared) or closed and reopened (shared) — and the swap
// state follows, compared in pages, grown, and the bitmap copied; then swapping resumes, exclusive.

import { type F, type Sec, callStmt, close, goto, num, ret, set, world } from './shared';

const FSRTransferSwapFile: F = {
  name: 'FSRTransferSwapFile',
  sig: 'VMK_ReturnStatus FSRTransferSwapFile(FSRInfo *fsr, World *srcWorld, World *dstWorld)',
  comment: 'Unshared: wake the helper to tear the mirror down. Shared: close, transfer the state, open.',
  body: [
    { text: 'if (fsr->hasSwapCopy) {', seed: 'if hasSwapCopy', exec: (cx) => (cx.fsr.hasSwapCopy ? undefined : goto('shared')) },
    { text: 'World_Wakeup(fsr->swapCopyWorldID);  // FSRSwapCopyHelper destroys the mirror node', indent: 1, seed: 'wakeup FSRSwapCopyHelper to destroy mirror node', exec: (cx) => { cx.set(cx.helper, 'wakeup', true); return undefined; } },
    {
      text: 'while (fsr->swapCopyState != FSR_SWAP_COPY_EXITED && fsr->swapCopyState != FSR_SWAP_COPY_FAILED) CpuSched_Wait();',
      indent: 1,
      model: 'the decks do not say that FSRTransferSwapFile waits for the helper',
      wait: (cx) => (cx.fsr.swapCopyState === 'FSR_SWAP_COPY_EXITED' || cx.fsr.swapCopyState === 'FSR_SWAP_COPY_FAILED' ? null : `waiting for FSRSwapCopyHelper (${cx.fsr.swapCopyState})`),
    },
    {
      text: 'if (fsr->swapCopyState == FSR_SWAP_COPY_FAILED) return VMK_IO_ERROR;',
      indent: 1,
      model: 'FAIL: the decks list FSR_SWAP_COPY_FAILED, not what it does to the transfer',
      exec: (cx) => (cx.fsr.swapCopyState === 'FSR_SWAP_COPY_FAILED' ? ret('VMK_IO_ERROR', 'the swap file copy failed') : undefined),
    },
    callStmt('status = FSRTransferSwapState(fsr, srcWorld, dstWorld);', 'FSRTransferSwapState', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), 'status', { indent: 1, seed: 'FSRTransferSwapState(); details in next slide' }),
    { text: '} else {', seed: 'else: Close swap file on source', exec: () => goto('enable') },
    {
      text: 'Swap_CloseFile(srcWorld);',
      indent: 1,
      label: 'shared',
      seed: 'Close swap file on source',
      exec: (cx) => { cx.set(cx.srcVmx, 'swapOpen', false); cx.set(cx.srcVmx, 'swapExclusive', false); cx.log(`shared swap: ${cx.src.swap.swapFile.name} closed on the source`); return undefined; },
    },
    callStmt('status = FSRTransferSwapState(fsr, srcWorld, dstWorld);', 'FSRTransferSwapState', (_cx, f) => ({ srcWorld: f.locals.srcWorld, dstWorld: f.locals.dstWorld }), 'status', { indent: 1, seed: 'FSRTransferSwapState() then open swap file on dest' }),
    { text: 'Swap_OpenFile(dstWorld);  // only metadata transfer', indent: 1, seed: 'FSRTransferSwapState() then open swap file on dest', exec: (cx) => { cx.set(cx.dstVmx, 'swapOpen', true); cx.log('shared swap: opened on the destination'); return undefined; } },
    close(),
    { text: 'if (status != VMK_OK) return status;', label: 'enable', model: true, exec: (_cx, f) => (f.locals.status === 'VMK_OK' ? undefined : ret(f.locals.status)) },
    callStmt('Swap_EnableExclusive(dstWorld);', 'Swap_EnableExclusive', (_cx, f) => ({ world: f.locals.dstWorld }), undefined, { seed: 'Swap_EnableExclusive() on destination' }),
    { text: 'return VMK_OK;', model: true, exec: () => ret('VMK_OK') },
  ],
};

const FSRTransferSwapState: F = {
  name: 'FSRTransferSwapState',
  sig: 'VMK_ReturnStatus FSRTransferSwapState(FSRInfo *fsr, World *srcWorld, World *dstWorld)',
  comment: 'Compare the files in pages (not bitmap length), grow the destination\'s, copy the bitmap.',
  body: [
    { text: 'srcPages = Swap_GetNumPages(srcSwapFile);  // pages, not bitmap length', seed: 'Compare swap files in terms of pages and not bitmap length', exec: (cx, f) => { set(f, 'srcPages', cx.src.swap.swapFile.numSlots); return undefined; } },
    { text: 'dstPages = Swap_GetNumPages(dstSwapFile);', seed: 'Compare swap files in terms of pages and not bitmap length', exec: (cx, f) => { set(f, 'dstPages', cx.dst.swap.swapFile.numSlots); return undefined; } },
    { text: 'if (dstPages < srcPages)  // the source file grew', seed: 'Support dynamically growing swap files', exec: (_cx, f) => (num(f, 'dstPages') < num(f, 'srcPages') ? undefined : goto('bitmap')) },
    callStmt('SwapExtend_Files(dstWorld, srcPages);', 'SwapExtend_Files', (_cx, f) => ({ world: f.locals.dstWorld, numPages: f.locals.srcPages }), undefined, { indent: 1, seed: 'SwapExtend_Files() to adjust to source swap file size' }),
    callStmt('SwapMigrate_SetSwapBitmap(dstSwapFile, srcSwapFile);', 'SwapMigrate_SetSwapBitmap', () => ({}), undefined, { label: 'bitmap', phase: 'swap bitmap copy', seed: 'SwapMigrate_SetSwapBitmap() to copy source bitmap to destination bitmap' }),
    { text: 'return VMK_OK;', model: true, exec: () => ret('VMK_OK') },
  ],
};

const SwapExtend_Files: F = {
  name: 'SwapExtend_Files',
  sig: 'void SwapExtend_Files(World *world, uint32 numPages)',
  comment: 'Grow the world\'s swap file (and its bitmap) to numPages slots.',
  body: [
    {
      text: 'swapFile->numSlots = numPages;',
      model: 'the deck names SwapExtend_Files; how the file grows is the model\'s',
      exec: (cx, f) => {
        const file = world(cx, f, 'world').swap.swapFile;
        const before = file.numSlots;
        cx.swapExtend(file, num(f, 'numPages'));
        cx.log(`SwapExtend_Files: ${file.name} ${before} -> ${file.numSlots} slots`);
        return ret(undefined);
      },
    },
  ],
};

const SwapMigrate_SetSwapBitmap: F = {
  name: 'SwapMigrate_SetSwapBitmap',
  sig: 'void SwapMigrate_SetSwapBitmap(SwapFile *dst, SwapFile *src)',
  comment: 'Copy the source\'s used-slot bitmap to the destination\'s.',
  body: [
    {
      text: 'memcpy(dst->bitmap, src->bitmap, BITMAP_BYTES(src->numSlots));',
      seed: 'to copy source bitmap to destination bitmap',
      exec: (cx) => {
        cx.copyBitmap(cx.dst.swap.swapFile, cx.src.swap.swapFile);
        cx.set(cx, 'swapStateCopied', true);
        cx.log(`swap bitmap copied: ${cx.dst.swap.swapFile.usedSlots} used slots`);
        return ret(undefined);
      },
    },
  ],
};

const Swap_EnableExclusive: F = {
  name: 'Swap_EnableExclusive',
  sig: 'void Swap_EnableExclusive(World *world)',
  comment: 'The destination swaps to the file, alone.',
  body: [
    { text: 'swapInfo->swapperEnabled = TRUE;', model: 'the deck names Swap_EnableExclusive only', exec: (cx, f) => { cx.set(world(cx, f, 'world').swap, 'swapperEnabled', true); return undefined; } },
    { text: 'swapInfo->exclusive = TRUE;', model: true, exec: (cx, f) => { cx.set(cx.vmxOf(world(cx, f, 'world')), 'swapExclusive', true); cx.log('swap enabled, exclusive, on the destination'); return ret(undefined); } },
  ],
};

export const SWAP_FILE_TRANSFER: Sec = {
  deck: 'seed 000 "SwapFile handoff in FSR": the swap-file transfer',
  slides: ['Swap file transfer modes', 'FSR_ResumeDone: FSRTransferSwapFile()', 'FSRTransferSwapState'],
  fns: [FSRTransferSwapFile, FSRTransferSwapState, SwapExtend_Files, SwapMigrate_SetSwapBitmap, Swap_EnableExclusive],
};
