// The scenario format: one JSON document describes a handoff to simulate (VM size, host layout,
// page-type mix, swap mode, reservations, PCPUs, faults, seed). Validated with zod; a bad file gets
// errors that name the field and what is allowed. The built-in scenarios live in builtins.ts.

import { z } from 'zod';
import { type ParseError, parse as parseJsonc, printParseErrorCode } from 'jsonc-parser';
import { MAX_MPN } from '../pframe';
import { DEFAULT_MIX, MIX_TYPES } from '../populate';
import { didYouMean, nearest } from '../suggest';

// Every message names the field (its path in the document), what is allowed and what was given.
// Numbers say their range in their own error function; the rest comes from scenarioErrors below,
// the error map each parse uses. A name from the document is only ever compared, never a key.

type Issue = { code: string; path?: PropertyKey[]; input?: unknown; [k: string]: unknown };

function pathOf(path: ReadonlyArray<PropertyKey> | undefined): string {
  return (path ?? []).reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}
/** A given value as a message shows it: JSON, at most 60 characters. */
function got(v: unknown): string {
  let j: string;
  try {
    j = JSON.stringify(v) ?? String(v);
  } catch {
    j = String(v);
  }
  return j.length > 60 ? `${j.slice(0, 60)}…` : j;
}
const fieldName = (iss: Issue): string => pathOf(iss.path) || 'the scenario';

/** A number in [min, max] (a whole one with `int`): any problem with it gets the one message that says the range. */
function numberIn(min: number, max: number | undefined, int: boolean) {
  const allowed = `${int ? 'an integer' : 'a number'} ${max === undefined ? `≥ ${min}` : `${min}–${max}`}`;
  const error = (iss: Issue) => (iss.input === undefined ? `${fieldName(iss)} is required (${allowed})` : `${fieldName(iss)} must be ${allowed}, got ${got(iss.input)}`);
  let n = z.number({ error });
  if (int) n = n.int({ error });
  n = n.min(min, { error });
  return max === undefined ? n : n.max(max, { error });
}
const count = () => numberIn(0, undefined, true);
const positive = (max?: number) => numberIn(1, max, true);

/** An MPN as a number or a hex string ("0x100000000"). */
const MPN_ALLOWED = `an MPN: a whole number or a hex string like "0x100000000", at most 0x${MAX_MPN.toString(16)} (38 bits)`;
const mpnError = (iss: Issue) => (iss.input === undefined ? `${fieldName(iss)} is required (${MPN_ALLOWED})` : `${fieldName(iss)} must be ${MPN_ALLOWED}, got ${typeof iss.input === 'number' && Number.isSafeInteger(iss.input) && iss.input > 0xffff ? `0x${iss.input.toString(16)}` : got(iss.input)}`);
const Mpn = z
  .union([z.number({ error: mpnError }).int({ error: mpnError }).min(0, { error: mpnError }), z.string({ error: mpnError }).regex(/^0x[0-9a-fA-F]+$/, { error: mpnError })], { error: mpnError })
  .transform((v) => (typeof v === 'string' ? parseInt(v, 16) : v))
  .refine((v) => v <= MAX_MPN, { error: mpnError });

const Mix = z.strictObject(Object.fromEntries(MIX_TYPES.map((k) => [k, numberIn(0, undefined, false).optional()])) as Record<(typeof MIX_TYPES)[number], z.ZodOptional<z.ZodNumber>>);

export const FAULT_KINDS = ['swapCopyFail', 'reservationTransferFail', 'missingDestPdir', 'sourceTimeout', 'staleShadow', 'slowPcpu'] as const;

const Fault = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('swapCopyFail').describe('the swap copy fails at extent `atExtent`'), atExtent: count().default(0) }),
  z.strictObject({ kind: z.literal('reservationTransferFail').describe('FSRTransferReservations fails after the point of no return') }),
  z.strictObject({ kind: z.literal('missingDestPdir').describe('the destination has no pdir at `dirIndex`: the transfer fails there'), dirIndex: count() }),
  z.strictObject({ kind: z.literal('sourceTimeout').describe('the source gives up waiting and races to resume itself') }),
  z.strictObject({ kind: z.literal('staleShadow').describe('teaching bug: an invariant breaks once the destination runs the guest (the walkthrough\'s last step explains it)') }),
  z.strictObject({ kind: z.literal('slowPcpu').describe('one PCPU reads the MemoryHandoff flags late'), pcpu: count(), delaySteps: positive().default(40) }),
]);

const TYPE_NAMES: ReadonlyMap<string, string> = new Map([['number', 'a number'], ['int', 'an integer'], ['string', 'text'], ['boolean', 'true or false'], ['object', 'an object'], ['array', 'an array'], ['null', 'null']]);

/** The error map every scenario parse uses: a message for each kind of problem zod finds. */
function scenarioErrors(iss: Issue): string | undefined {
  const at = fieldName(iss);
  switch (iss.code) {
    case 'invalid_type': {
      const expected = TYPE_NAMES.get(String(iss.expected)) ?? `a ${String(iss.expected)}`;
      if (iss.input === undefined) return `${at} is required (${expected})`;
      return `${at} must be ${expected}, got ${got(iss.input)}`;
    }
    case 'unrecognized_keys': {
      const shape = ((iss.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape) ?? {};
      const known = Object.keys(shape);
      const keys = iss.keys as string[];
      if (keys.length === 1) return `${at} has unknown field ${got(keys[0])}${didYouMean(keys[0]!, known)} (fields: ${known.join(', ')})`;
      const named = keys.map((k) => {
        const near = nearest(k, known);
        return `${got(k)}${near ? ` (did you mean ${near}?)` : ''}`;
      });
      return `${at} has unknown fields ${named.join(', ')} (fields: ${known.join(', ')})`;
    }
    case 'invalid_value': {
      const values = (iss.values as unknown[]).map(String);
      return `${at} must be one of: ${values.map((v) => JSON.stringify(v)).join(', ')}, got ${got(iss.input)}${typeof iss.input === 'string' ? didYouMean(iss.input, values) : ''}`;
    }
    case 'invalid_union': {
      // The fault union, picked by "kind".
      if (iss.discriminator === 'kind' || /faults\[\d+\]/.test(at)) {
        const kind = typeof iss.input === 'object' && iss.input !== null && Object.hasOwn(iss.input, 'kind') ? (iss.input as { kind: unknown }).kind : undefined;
        const where = at.endsWith('.kind') ? at : `${at}.kind`;
        if (kind === undefined) return `${where} is required: one of ${FAULT_KINDS.join(', ')}`;
        return `${where} must be one of: ${FAULT_KINDS.join(', ')}, got ${got(kind)}${typeof kind === 'string' ? didYouMean(kind, FAULT_KINDS) : ''}`;
      }
      return undefined;
    }
    case 'too_small':
      if (iss.origin === 'array') return `${at} needs at least ${String(iss.minimum)} entr${iss.minimum === 1 ? 'y' : 'ies'}`;
      if (iss.origin === 'string') return `${at} must not be empty`;
      return undefined;
    case 'too_big':
      if (iss.origin === 'array') return `${at} takes at most ${String(iss.maximum)} entries`;
      return undefined;
    default:
      return undefined;
  }
}

export const ScenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  /** One line on what the scenario teaches (shown by the extension's snippets). */
  teaches: z.string().default(''),
  seed: count().default(1),
  host: z.strictObject({
    ranges: z.array(z.strictObject({ baseMPN: Mpn, pages: positive(2 ** 31 - 1) })).min(1),
  }),
  vm: z.strictObject({
    memMB: positive(1024 * 1024),
    mix: Mix.refine((m) => Object.values(m).some((w) => (w ?? 0) > 0), {
      error: (iss) => `${fieldName(iss)} must give at least one page type (${MIX_TYPES.join(', ')}) a weight above 0, got ${got(iss.input)}`,
      when: (payload) => payload.issues.length === 0,
    }).optional(),
    largePageFraction: numberIn(0, 1, false).default(0.25),
    touchedPages: numberIn(0, 64, true).default(4),
  }),
  swap: z.strictObject({
    mode: z.enum(['shared', 'unshared']),
    swapOuts: count().default(4),
    migSwapUsedSlots: count().default(0),
    cptSwapUsedSlots: count().default(0),
  }),
  reservations: z
    .strictObject({
      memMinToTransferMB: count().default(0),
      cpuMinToTransferMHz: count().default(0),
      // The source group's reservation (default: exactly what the VM moves). FSRVerifyReservationsToTransfer
      // FAILs when the VM would move more than its group holds (model: the deck names no group).
      sourceGroupMemMinMB: count().optional(),
      sourceGroupCpuMinMHz: count().optional(),
      // The destination group's reservation before FSRTransferReservations adds the VM's to it.
      destGroupMemMinMB: count().default(0),
      destGroupCpuMinMHz: count().default(0),
    })
    .default({ memMinToTransferMB: 0, cpuMinToTransferMHz: 0, destGroupMemMinMB: 0, destGroupCpuMinMHz: 0 }),
  pcpus: positive(64).default(4),
  checkpointChunks: positive(1000).default(4),
  faults: z.array(Fault).default([]),
});

export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type Scenario = z.output<typeof ScenarioSchema>;

export class ScenarioError extends Error {
  constructor(readonly problems: string[], source: string) {
    super(`${source}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  - ${problems.join('\n  - ')}`}`);
  }
}

/** Validate a parsed JSON value as a scenario; throws ScenarioError naming each bad field. */
export function parseScenario(value: unknown, source = 'scenario'): Scenario {
  const r = ScenarioSchema.safeParse(value, { error: scenarioErrors });
  if (r.success) return check(r.data, source);
  throw new ScenarioError(r.error.issues.map((iss) => iss.message), source);
}

/**
 * A scenario file's text: a leading byte-order mark is fine; a JSON syntax error says its line and
 * column (found by jsonc-parser, made for the job); then parseScenario.
 */
export function parseScenarioText(text: string, source = 'scenario'): Scenario {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let json: unknown;
  try {
    json = JSON.parse(t);
  } catch (e) {
    throw new ScenarioError([jsonSyntaxError(t, e as Error)], source);
  }
  return parseScenario(json, source);
}

function jsonSyntaxError(text: string, e: Error): string {
  if (text.trim() === '') return 'the file is empty: a scenario is one JSON object, like {"name": …}';
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  // JSON.parse and jsonc-parser agree on what is JSON; if they ever do not, JSON.parse's own words.
  if (!first) return `not valid JSON: ${e.message}`;
  const before = text.slice(0, first.offset);
  const line = before.split('\n').length;
  const column = first.offset - before.lastIndexOf('\n');
  const near = text.slice(first.offset, first.offset + 20).split('\n')[0]!;
  const what = printParseErrorCode(first.error).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return `not valid JSON at line ${line}, column ${column}: ${what}${near ? ` at ${JSON.stringify(near)}` : ' at the end'}`;
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

/**
 * `b` over `a`, field by field. Keys are data: only own fields are merged into, and every field is
 * defined, never assigned, so a key such as "__proto__" is one more (unknown) field for the schema
 * to name, not a way into any object's prototype.
 */
function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(b)) {
    const cur = Object.hasOwn(a, k) ? a[k] : undefined;
    const next = v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur) ? deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>) : v;
    Object.defineProperty(a, k, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return a;
}
