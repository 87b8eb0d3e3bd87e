// The built-in scenarios, by name: each is a scenario document (scenario.ts) with a line on what
// it teaches. Small VMs so that stepping stays readable; `big-vm` is the 64 GiB one.

import { type Scenario, type ScenarioInput, parseScenario } from './scenario';
import { didYouMean } from '../suggest';

const small = { ranges: [{ baseMPN: '0x100000', pages: 65536 }] };

const BUILTIN_LIST: Record<string, ScenarioInput> = {
  'shared-swap': {
    name: 'shared-swap',
    description: 'A 16 MB VM hands over on a shared swap file: close on the source, open on the destination.',
    teaches: 'the whole handoff with a shared swap file: only swap metadata moves; 8 pdirs are redirected',
    seed: 7,
    host: small,
    vm: { memMB: 16 },
    swap: { mode: 'shared', swapOuts: 3 },
  },
  'unshared-swap': {
    name: 'unshared-swap',
    description: 'The destination gets its own swap file, copied by FSRSwapCopyHelper through an SVM mirror while the swapper keeps swapping.',
    teaches: 'FSRSwapCopyHelper, the SVM mirror and the swap-copy state machine, with swap-outs racing the copy',
    seed: 11,
    host: small,
    vm: { memMB: 16, mix: { regular: 70, cow: 6, swapped: 16, zipped: 4, ballooned: 2, none: 2 } },
    swap: { mode: 'unshared', swapOuts: 6 },
  },
  'reservation-fail': {
    name: 'reservation-fail',
    description: 'The VM would move more reservation than its group holds: FSRVerifyReservationsToTransfer fails.',
    teaches: 'a FAIL before the point of no return: FSRCancelPrepareForMemoryTransfer, and the source resumes intact',
    seed: 3,
    host: small,
    vm: { memMB: 16 },
    swap: { mode: 'shared', swapOuts: 2 },
    reservations: { memMinToTransferMB: 512, cpuMinToTransferMHz: 1000, sourceGroupMemMinMB: 256, sourceGroupCpuMinMHz: 4000 },
  },
  'swap-in-use': {
    name: 'swap-in-use',
    description: 'Pages sit in the migration swap file: Swap_HasMigOrCptSwappedPages makes the preparation fail.',
    teaches: 'VmMemMigrate_PrepareForMemoryTransfer refusing swapped pages in the migration/checkpoint swap files',
    seed: 5,
    host: small,
    vm: { memMB: 16 },
    swap: { mode: 'shared', swapOuts: 2, migSwapUsedSlots: 3 },
  },
  'swap-copy-fail': {
    name: 'swap-copy-fail',
    description: 'The unshared swap copy hits an I/O error: FSR_SWAP_COPY_FAILED, and FSRTransferSwapFile fails.',
    teaches: 'the swap-copy state machine ending in FAILED, and the source resuming',
    seed: 13,
    host: small,
    vm: { memMB: 16, mix: { regular: 70, cow: 6, swapped: 16, zipped: 4, ballooned: 2, none: 2 } },
    swap: { mode: 'unshared', swapOuts: 2 },
    faults: [{ kind: 'swapCopyFail', atExtent: 2 }],
  },
  'transfer-fail': {
    name: 'transfer-fail',
    description: 'The destination lacks a pdir: the transfer fails half way, after World_SetPanicNoCore.',
    teaches: 'why World_SetPanicNoCore is the point of no return: a failure after it panics the VM',
    seed: 17,
    host: small,
    vm: { memMB: 16 },
    swap: { mode: 'shared', swapOuts: 2 },
    faults: [{ kind: 'missingDestPdir', dirIndex: 5 }],
  },
  'high-mpn': {
    name: 'high-mpn',
    description: 'Host memory straddles 2^32 and continues above 2^37: MPNs need indexHighBits, and change them mid-VM.',
    teaches: 'MPN = indexHighBits << 32 | indexLowBits, beside the slides\' two wrong forms: indexLowBits alone, and low + high << 32 (C: (low + high) << 32)',
    seed: 19,
    host: { ranges: [{ baseMPN: '0xfffff000', pages: 6144 }, { baseMPN: '0x2000000000', pages: 65536 }] },
    vm: { memMB: 32 },
    swap: { mode: 'shared', swapOuts: 2 },
  },
  'resume-race': {
    name: 'resume-race',
    description: 'The source times out while the destination restores: both race to set resumeState.',
    teaches: 'resumeState as the atomic victor: Atomic_CompareExchange on both sides, one wins',
    seed: 2,
    host: small,
    vm: { memMB: 16 },
    swap: { mode: 'shared', swapOuts: 1 },
    faults: [{ kind: 'sourceTimeout' }],
  },
  'big-vm': {
    name: 'big-vm',
    description: 'A 64 GiB VM (16 Mi pages, 32768 pdirs) on a host above 2^32: the redirect at scale.',
    teaches: 'that the handoff redirects 32768 pdirs instead of copying 64 GiB',
    seed: 23,
    host: { ranges: [{ baseMPN: '0xff000000', pages: 17 * 1024 * 1024 + 65536 }] },
    vm: { memMB: 65536 },
    swap: { mode: 'shared', swapOuts: 4 },
  },
  'stale-shadow': {
    name: 'stale-shadow',
    description: 'Teaching bug: the handoff completes, then an invariant breaks once the destination runs the guest.',
    teaches: 'find the bug: why does an invariant break after a handoff that succeeded?',
    seed: 29,
    host: small,
    vm: { memMB: 16, touchedPages: 6 },
    swap: { mode: 'shared', swapOuts: 3 },
    faults: [{ kind: 'staleShadow' }],
  },
};

/** By name, in a Map: a name typed by a user is never looked up as an object key. */
const BUILTINS: ReadonlyMap<string, ScenarioInput> = new Map(Object.entries(BUILTIN_LIST));

export const BUILTIN_NAMES = [...BUILTINS.keys()];

/** A built-in scenario by name; throws naming the names there are (and the nearest). */
export function builtinScenario(name: string): Scenario {
  const s = BUILTINS.get(name);
  if (!s) throw new RangeError(`no built-in scenario ${JSON.stringify(name)} (built-ins: ${BUILTIN_NAMES.join(', ')})${didYouMean(name, BUILTIN_NAMES)}`);
  return parseScenario(s, `built-in scenario ${name}`);
}
