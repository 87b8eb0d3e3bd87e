// The FSR same-host handoff as a program, laid out like the two source decks: one module per
// section, in the decks' order, each opening with the slides it models. Every line says where it
// comes from (a deck, or the model). Statements change state only through the context's journaled
// helpers; the per-page loops have bulk forms beside them that reach the same state in one step.

import type { FsrContext } from '../context';
import type { Section } from '../program';
import { MODEL_ACTORS } from './actors';
import { BPN_TO_MPN } from './bpn-to-mpn';
import { CHECKPOINT_AND_RESTORE } from './checkpoint';
import { MEMORY_HANDOFF } from './memory';
import { RESUME_DONE_AND_PREPARATION } from './resume';
import { SWAP_COPY_HELPER } from './swapcopy';
import { SWAP_FILE_TRANSFER } from './swapfile';

export { SVM_MAX_EXTENT } from './swapcopy';
export { cptChunkPages } from './checkpoint';

/** The decks' own misspellings of function names, accepted wherever a function name is. */
export const SEED_SPELLINGS: ReadonlyMap<string, string> = new Map([['Alloc_BPNTToMainMemPage', 'Alloc_BPNToMainMemPage']]);

/** The sections of the listing, in the decks' order; the model's actors last. */
export const HANDOFF_SECTIONS: Section<FsrContext>[] = [
  CHECKPOINT_AND_RESTORE,
  RESUME_DONE_AND_PREPARATION,
  SWAP_FILE_TRANSFER,
  SWAP_COPY_HELPER,
  BPN_TO_MPN,
  MEMORY_HANDOFF,
  MODEL_ACTORS,
];

export const LISTING_HEADER = [
  '// FSR same-host handoff: the simulated functions, in pseudo-C, in the order of the two source decks',
  '// (seed 000 "SwapFile handoff in FSR", seed 002 "FSR memory handoff"). Line numbers are stable.',
  '//',
  '// Where each line comes from:',
  '//   no mark               the decks state it (names, fields, calls, their order, their comments);',
  '//   ... // model: why     the simulation\'s own: the decks do not state it (the bodies of functions',
  '//                         they only name, waits, the model\'s choices). "// model" alone: see the',
  '//                         function, or the line speaks for itself;',
  '//   // deck: ...          a note on the decks\' own text, which the next line keeps as they wrote it;',
  '//   label:                a goto target.',
  '// Functions the decks do not name say so above their signature. Signatures carry the decks\' names;',
  '// parameter lists the decks do not show are the model\'s, and so are the status names (VMK_OK,',
  '// VMK_BUSY, ...) given to the decks\' success and FAIL. Each part opens with a banner naming the deck',
  '// and the slides it models.',
];
