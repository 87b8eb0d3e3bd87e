// The scenario format: one JSON document describes a handoff to simulate (VM size, host layout,
// page-type mix, swap mode, reservations, PCPUs, faults, seed). Validated with zod; a bad file gets
// errors that name the field and what is allowed. The built-in scenarios live in builtins.ts.

import { z } from 'zod';
import { MAX_MPN } from '../pframe';
import { DEFAULT_MIX, MIX_TYPES } from '../populate';

const count = (what: string) => z.number({ error: `${what} must be a number` }).int(`${what} must be a whole number`).min(0, `${what} must be 0 or more`);
const positive = (what: string) => z.number({ error: `${what} must be a number` }).int(`${what} must be a whole number`).min(1, `${what} must be 1 or more`);

/** An MPN as a number or a hex string ("0x100000000"). */
const Mpn = z
  .union([z.number().int().min(0), z.string().regex(/^0x[0-9a-fA-F]+$/, 'an MPN string must be hex, like "0x100000000"')])
  .transform((v) => (typeof v === 'string' ? parseInt(v, 16) : v))
  .refine((v) => v <= MAX_MPN, { message: `MPNs are at most 38 bits (≤ 0x${MAX_MPN.toString(16)})` });

const Mix = z.strictObject(Object.fromEntries(MIX_TYPES.map((k) => [k, z.number().min(0, `mix.${k} must be 0 or more`).optional()])) as Record<(typeof MIX_TYPES)[number], z.ZodOptional<z.ZodNumber>>);

export const FAULT_KINDS = ['swapCopyFail', 'reservationTransferFail', 'missingDestPdir', 'sourceTimeout', 'staleShadow', 'slowPcpu'] as const;

const Fault = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('swapCopyFail').describe('the swap copy fails at extent `atExtent`'), atExtent: count('atExtent').default(0) }),
  z.strictObject({ kind: z.literal('reservationTransferFail').describe('FSRTransferReservations fails after the point of no return') }),
  z.strictObject({ kind: z.literal('missingDestPdir').describe('the destination has no pdir at `dirIndex`: the transfer fails there'), dirIndex: count('dirIndex') }),
  z.strictObject({ kind: z.literal('sourceTimeout').describe('the source gives up waiting and races to resume itself') }),
  z.strictObject({ kind: z.literal('staleShadow').describe('teaching bug: the destination keeps the cached translations restored from the checkpoint') }),
  z.strictObject({ kind: z.literal('slowPcpu').describe('one PCPU reads the MemoryHandoff flags late'), pcpu: count('pcpu'), delaySteps: positive('delaySteps').default(40) }),
], { error: (iss) => (iss.code === 'invalid_union' ? `faults[].kind must be one of: ${FAULT_KINDS.join(', ')}` : undefined) });

export const ScenarioSchema = z.strictObject({
  name: z.string().min(1, 'name must not be empty'),
  description: z.string().default(''),
  /** One line on what the scenario teaches (shown by the extension's snippets). */
  teaches: z.string().default(''),
  seed: count('seed').default(1),
  host: z.strictObject({
    ranges: z.array(z.strictObject({ baseMPN: Mpn, pages: positive('pages').max(2 ** 31 - 1, 'pages must be at most 2147483647 (8 TiB) per range: split a bigger one') })).min(1, 'host.ranges needs at least one range'),
  }),
  vm: z.strictObject({
    memMB: positive('vm.memMB').max(1024 * 1024, 'vm.memMB is at most 1048576 (1 TiB)'),
    mix: Mix.refine((m) => Object.values(m).some((w) => (w ?? 0) > 0), {
      message: `must give at least one page type (${MIX_TYPES.join(', ')}) a weight above 0`,
      when: (payload) => payload.issues.length === 0,
    }).optional(),
    largePageFraction: z.number().min(0).max(1, 'largePageFraction is a fraction in 0..1').default(0.25),
    touchedPages: count('vm.touchedPages').max(64, 'vm.touchedPages is at most 64').default(4),
  }),
  swap: z.strictObject({
    mode: z.enum(['shared', 'unshared']),
    swapOuts: count('swap.swapOuts').default(4),
    migSwapUsedSlots: count('swap.migSwapUsedSlots').default(0),
    cptSwapUsedSlots: count('swap.cptSwapUsedSlots').default(0),
  }),
  reservations: z
    .strictObject({
      memMinToTransferMB: count('memMinToTransferMB').default(0),
      cpuMinToTransferMHz: count('cpuMinToTransferMHz').default(0),
      // The source group's reservation (default: exactly what the VM moves). FSRVerifyReservationsToTransfer
      // FAILs when the VM would move more than its group holds (model: the deck names no group).
      sourceGroupMemMinMB: count('sourceGroupMemMinMB').optional(),
      sourceGroupCpuMinMHz: count('sourceGroupCpuMinMHz').optional(),
      // The destination group's reservation before FSRTransferReservations adds the VM's to it.
      destGroupMemMinMB: count('destGroupMemMinMB').default(0),
      destGroupCpuMinMHz: count('destGroupCpuMinMHz').default(0),
    })
    .default({ memMinToTransferMB: 0, cpuMinToTransferMHz: 0, destGroupMemMinMB: 0, destGroupCpuMinMHz: 0 }),
  pcpus: positive('pcpus').max(64, 'pcpus is at most 64').default(4),
  checkpointChunks: positive('checkpointChunks').max(1000).default(4),
  faults: z.array(Fault).default([]),
});

export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type Scenario = z.output<typeof ScenarioSchema>;

export class ScenarioError extends Error {
  constructor(readonly problems: string[], source: string) {
    super(`${source}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  - ${problems.join('\n  - ')}`}`);
  }
}

function pathOf(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

/** Validate a parsed JSON value as a scenario; throws ScenarioError naming each bad field. */
export function parseScenario(value: unknown, source = 'scenario'): Scenario {
  const r = ScenarioSchema.safeParse(value, { reportInput: true });
  if (r.success) return check(r.data, source);
  const problems = r.error.issues.map((iss) => {
    const at = pathOf(iss.path) || '(top level)';
    if (iss.code === 'invalid_value') return `${at} must be one of: ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`;
    if (iss.code === 'unrecognized_keys') return `${at === '(top level)' ? 'the scenario' : at} has unknown field(s) ${iss.keys.map((k) => `"${k}"`).join(', ')}`;
    if (iss.code === 'invalid_type') return iss.input === undefined ? `${at} is required` : `${at} must be ${iss.expected === 'object' ? 'an object' : iss.expected === 'array' ? 'an array' : `a ${iss.expected}`}, got ${JSON.stringify(iss.input)}`;
    return iss.message.startsWith(`${at} `) ? iss.message : `${at}: ${iss.message}`;
  });
  throw new ScenarioError(problems, source);
}

/** Cross-field checks zod's shapes cannot say. */
function check(s: Scenario, source: string): Scenario {
  const problems: string[] = [];
  const pages = s.host.ranges.reduce((n, r) => n + r.pages, 0);
  // MPNs the VM takes: its REGULAR pages, a page per ~4 COW or zipped pages, both worlds' pdirs.
  const mix = { ...DEFAULT_MIX, ...(s.vm.mix ? Object.fromEntries(MIX_TYPES.map((k) => [k, s.vm.mix![k] ?? 0])) : {}) };
  const total = MIX_TYPES.reduce((n, k) => n + mix[k], 0) || 1;
  const vmPages = s.vm.memMB * 256;
  const need = vmPages * ((mix.regular + (mix.cow + mix.zipped) / 4) / total) * 1.02 + 2 * Math.ceil(vmPages / 512) + 256;
  if (pages < need) problems.push(`host.ranges hold ${pages} pages, too few for a ${s.vm.memMB} MB VM and its pdirs (need about ${Math.ceil(need)})`);
  const sorted = [...s.host.ranges].sort((a, b) => a.baseMPN - b.baseMPN);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.baseMPN < sorted[i - 1]!.baseMPN + sorted[i - 1]!.pages) problems.push(`host.ranges overlap at MPN 0x${sorted[i]!.baseMPN.toString(16)}`);
  }
  for (const r of s.host.ranges) if (r.baseMPN + r.pages - 1 > MAX_MPN) problems.push(`host range 0x${r.baseMPN.toString(16)}+${r.pages} ends above the 38-bit MPN limit`);
  for (const [i, f] of s.faults.entries()) {
    if (f.kind === 'slowPcpu' && f.pcpu >= s.pcpus) problems.push(`faults[${i}].pcpu is ${f.pcpu}, but there are only ${s.pcpus} PCPUs (0..${s.pcpus - 1})`);
    if (f.kind === 'missingDestPdir' && f.dirIndex >= Math.ceil((s.vm.memMB * 256) / 512)) problems.push(`faults[${i}].dirIndex is ${f.dirIndex}, but the VM has ${Math.ceil((s.vm.memMB * 256) / 512)} pdirs`);
    if (f.kind === 'swapCopyFail' && s.swap.mode !== 'unshared') problems.push(`faults[${i}] (swapCopyFail) needs swap.mode "unshared": a shared swap file is not copied`);
  }
  if (problems.length) throw new ScenarioError(problems, source);
  return s;
}

/** Apply launch-time overrides (a partial scenario) on top of a scenario, then validate again. */
export function withOverrides(base: Scenario, overrides: Record<string, unknown>, source = 'overrides'): Scenario {
  const merged = deepMerge(JSON.parse(JSON.stringify(base)) as Record<string, unknown>, overrides);
  return parseScenario(merged, source);
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(b)) {
    const cur = a[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)) a[k] = deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>);
    else a[k] = v;
  }
  return a;
}
