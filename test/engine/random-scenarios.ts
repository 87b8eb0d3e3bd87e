// Random scenario choices for property tests, and the valid scenario documents made from them.

import fc from 'fast-check';
import { FAULT_KINDS, MIX_TYPES, type ScenarioInput } from '../../engine/index';

type Fault = NonNullable<ScenarioInput['faults']>[number];

/** Random raw choices; `toScenario` turns them into a valid document (fault parameters fitted to the VM). */
export const arbChoices = fc.record({
  memMB: fc.integer({ min: 1, max: 16 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  mode: fc.constantFrom('shared' as const, 'unshared' as const),
  layout: fc.constantFrom('low', 'straddle-2^32', 'high', 'split'),
  swapOuts: fc.integer({ min: 0, max: 8 }),
  migSwapUsedSlots: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) }),
  cptSwapUsedSlots: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) }),
  pcpus: fc.integer({ min: 1, max: 8 }),
  checkpointChunks: fc.integer({ min: 1, max: 6 }),
  touchedPages: fc.integer({ min: 0, max: 8 }),
  largePageFraction: fc.constantFrom(0, 0.25, 0.5, 1),
  mix: fc.option(fc.tuple(...MIX_TYPES.map(() => fc.integer({ min: 0, max: 10 }))), { nil: undefined }),
  reservations: fc.option(
    fc.record({
      memMinToTransferMB: fc.constantFrom(0, 8, 64),
      cpuMinToTransferMHz: fc.constantFrom(0, 100, 3000),
      sourceGroupMemMinMB: fc.option(fc.constantFrom(16, 1 << 20), { nil: undefined }),
      sourceGroupCpuMinMHz: fc.option(fc.constantFrom(1000, 1 << 20), { nil: undefined }),
    }),
    { nil: undefined },
  ),
  faults: fc.subarray([...FAULT_KINDS], { maxLength: 3 }),
  faultParam: fc.integer({ min: 0, max: 1000 }),
});
export type Choices = typeof arbChoices extends fc.Arbitrary<infer T> ? T : never;

export function toScenario(c: Choices): ScenarioInput {
  const vmPages = c.memMB * 256;
  const numDirs = Math.ceil(vmPages / 512);
  const pages = vmPages * 2 + 1024;
  const ranges = {
    low: [{ baseMPN: 0x100000, pages }],
    'straddle-2^32': [{ baseMPN: 2 ** 32 - Math.floor(pages / 2), pages }],
    high: [{ baseMPN: 0x3f0000000, pages }],
    // The VM spills from a small low range into one above 2^36.
    split: [{ baseMPN: 0x80000, pages: Math.floor(pages / 3) }, { baseMPN: 2 ** 36 + 7, pages }],
  }[c.layout]!;
  const faults: Fault[] = [];
  for (const kind of c.faults) {
    if (kind === 'swapCopyFail') {
      if (c.mode === 'unshared') faults.push({ kind, atExtent: c.faultParam % 4 });
    } else if (kind === 'missingDestPdir') faults.push({ kind, dirIndex: c.faultParam % numDirs });
    else if (kind === 'slowPcpu') faults.push({ kind, pcpu: c.faultParam % c.pcpus, delaySteps: 1 + (c.faultParam % 80) });
    else faults.push({ kind });
  }
  const mix = c.mix && c.mix.some((w) => w > 0) ? Object.fromEntries(MIX_TYPES.map((k, i) => [k, c.mix![i]!])) : undefined;
  return {
    name: 'random',
    seed: c.seed,
    host: { ranges },
    vm: { memMB: c.memMB, largePageFraction: c.largePageFraction, touchedPages: c.touchedPages, ...(mix ? { mix } : {}) },
    swap: { mode: c.mode, swapOuts: c.swapOuts, migSwapUsedSlots: c.migSwapUsedSlots, cptSwapUsedSlots: c.cptSwapUsedSlots },
    ...(c.reservations ? { reservations: c.reservations } : {}),
    pcpus: c.pcpus,
    checkpointChunks: c.checkpointChunks,
    faults,
  };
}
