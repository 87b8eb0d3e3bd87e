// The two FSR state machines as data: `resumeState` and `swapCopyState`, their states (the deck's
// enums) and every transition the model makes, with the function that makes it. The handoff changes
// these fields only through `enterState`, which refuses a transition the table does not hold: the
// graph the Host memory view draws is the one the program runs, and cannot drift from it.

import { type FSRInfo, type FsrContext, RESUME_STATES, SWAP_COPY_STATES } from './context';

export interface Transition {
  readonly from: string;
  readonly to: string;
  /** The function of the listing that makes it. */
  readonly by: string;
  /** When it happens (model: the decks list the states, not the transitions). */
  readonly when: string;
}

export interface MachineDef {
  readonly field: 'resumeState' | 'swapCopyState';
  readonly states: readonly string[];
  readonly initial: string;
  readonly transitions: readonly Transition[];
  /** Where the machine comes from: the states are the deck's, the transitions the model's. */
  readonly provenance: string;
}

export const RESUME_MACHINE: MachineDef = {
  field: 'resumeState',
  states: RESUME_STATES,
  initial: 'FSR_RESUME_NONE',
  provenance: 'states: seed 000 "resumeState; Atomic variable to decide the Victor"; transitions: model',
  transitions: [
    { from: 'FSR_RESUME_NONE', to: 'FSR_RESUME_DESTVERIFY', by: 'FSRDestVMX', when: 'the destination claims the victory (Atomic_CompareExchange) once its restore is done' },
    { from: 'FSR_RESUME_NONE', to: 'FSR_RESUME_SOURCE', by: 'FSRSourceVMX', when: 'the source gave up waiting and claims the victory first (the sourceTimeout fault)' },
    { from: 'FSR_RESUME_DESTVERIFY', to: 'FSR_RESUME_DEST', by: 'FSR_ResumeDone', when: 'after World_SetPanicNoCore: there is no way back' },
    { from: 'FSR_RESUME_DESTVERIFY', to: 'FSR_RESUME_SOURCE', by: 'FSRCancelPrepareForMemoryTransfer', when: 'the preparation or the swap-file transfer failed, before the point of no return' },
    { from: 'FSR_RESUME_DEST', to: 'FSR_RESUME_SOURCE', by: 'FSRCancelPrepareForMemoryTransfer', when: 'FSRTransferMemoryAndReservations failed after the point of no return: the source panics' },
  ],
};

/** `none`: no swap-copy helper has started (the field's value before FSRSwapCopyHelper sets it; not a deck state). */
export const SWAP_COPY_MACHINE: MachineDef = {
  field: 'swapCopyState',
  states: ['none', ...SWAP_COPY_STATES],
  initial: 'none',
  provenance: 'states: seed 000 (the FSRSwapCopy state machine slide lost its picture); transitions and their order: model',
  transitions: [
    { from: 'none', to: 'FSR_SWAP_COPY_STARTING', by: 'FSRSwapCopyHelper', when: 'an unshared swap file is to be copied' },
    { from: 'FSR_SWAP_COPY_STARTING', to: 'FSR_SWAP_COPY_IN_PROGRESS', by: 'FSRSwapCopyHelper', when: 'the mirror is set up (FSRSetupSwapMirror)' },
    { from: 'FSR_SWAP_COPY_IN_PROGRESS', to: 'FSR_SWAP_COPY_DONE', by: 'FSRSwapCopyHelper', when: 'SVMAsyncDiskCopyStart copied every extent' },
    { from: 'FSR_SWAP_COPY_IN_PROGRESS', to: 'FSR_SWAP_COPY_FAILED', by: 'FSRSwapCopyHelper', when: 'the copy failed or was cancelled' },
    { from: 'FSR_SWAP_COPY_DONE', to: 'FSR_SWAP_COPY_SLEEPING', by: 'FSRSwapCopyHelper', when: 'the helper sleeps; the mirror keeps mirroring' },
    { from: 'FSR_SWAP_COPY_SLEEPING', to: 'FSR_SWAP_COPY_STUNNING', by: 'FSRSwapCopyHelper', when: 'FSRTransferSwapFile woke it to destroy the mirror node' },
    { from: 'FSR_SWAP_COPY_STUNNING', to: 'FSR_SWAP_COPY_EXITED', by: 'FSRSwapCopyHelper', when: 'the mirror node is destroyed' },
  ],
};

export const MACHINES: readonly MachineDef[] = [RESUME_MACHINE, SWAP_COPY_MACHINE];

/** The transition from → to of a machine, or undefined when the model has none. */
export function transitionOf(m: MachineDef, from: string, to: string): Transition | undefined {
  return m.transitions.find((t) => t.from === from && t.to === to);
}

/**
 * Move a machine to `to` (journaled, like every change a statement makes). A transition the table
 * does not hold throws, naming it: the statement's step is then taken back (a debugger edit of the
 * field is the usual way to get there).
 */
export function enterState<K extends MachineDef['field']>(cx: FsrContext, m: MachineDef & { field: K }, to: FSRInfo[K]): void {
  const from = cx.fsr[m.field] as string;
  if (!transitionOf(m, from, to as string)) {
    const out = m.transitions.filter((t) => t.from === from).map((t) => t.to);
    throw new Error(`${m.field} ${from} → ${String(to)} is not a transition of the model's state machine (from ${from}: ${out.join(', ') || 'none'}; engine/sim/machines.ts)`);
  }
  cx.set(cx.fsr, m.field, to);
}
