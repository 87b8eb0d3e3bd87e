// Checks for DAP request arguments: each names the argument, what is allowed and what was given, so
// a wrong type or range is an error a person can act on, never a TypeError from deep inside. No Node.

/** A request argument that is missing or wrong; the message names it and what is allowed. */
export class ArgError extends Error {}

export type Args = Record<string, unknown>;

/** A value as it is shown back in a message: JSON, at most 40 characters. */
export function shown(v: unknown): string {
  let s: string;
  try {
    s = v === undefined ? 'nothing' : typeof v === 'number' && !Number.isFinite(v) ? String(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** The arguments object of a request (absent counts as empty). */
export function argsOf(v: unknown, command: string): Args {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ArgError(`${command}: arguments must be an object, got ${shown(v)}`);
  return v as Args;
}

/** An object nested in the arguments (a breakpoint, a source), as Args; `what` names it in messages. */
export function objectAt(v: unknown, what: string): Args {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ArgError(`${what} must be an object, got ${shown(v)}`);
  return v as Args;
}

interface IntOpts {
  min?: number;
  max?: number;
  /** What the number is, for the message ("a thread id from threads"). */
  what?: string;
}

function range(o: IntOpts): string {
  const min = o.min ?? -Infinity;
  const max = o.max ?? Infinity;
  if (min > -Infinity && max < Infinity) return ` in ${min}..${max}`;
  if (min > -Infinity) return ` ≥ ${min}`;
  if (max < Infinity) return ` ≤ ${max}`;
  return '';
}

/** A whole-number argument within bounds; throws naming it. */
export function int(v: unknown, name: string, o: IntOpts = {}): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < (o.min ?? -Infinity) || v > (o.max ?? Infinity)) {
    throw new ArgError(`${name} must be ${o.what ?? 'a whole number'}${range(o)}, got ${shown(v)}`);
  }
  return v;
}
export function optInt(v: unknown, name: string, o: IntOpts = {}): number | undefined {
  return v === undefined ? undefined : int(v, name, o);
}

export function text(v: unknown, name: string, what = 'text'): string {
  if (typeof v !== 'string') throw new ArgError(`${name} must be ${what}, got ${shown(v)}`);
  return v;
}
export function optText(v: unknown, name: string, what = 'text'): string | undefined {
  return v === undefined ? undefined : text(v, name, what);
}

export function optBool(v: unknown, name: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new ArgError(`${name} must be true or false, got ${shown(v)}`);
  return v;
}

export function list(v: unknown, name: string, what = 'an array'): unknown[] {
  if (!Array.isArray(v)) throw new ArgError(`${name} must be ${what}, got ${shown(v)}`);
  return v;
}

export function oneOf<T extends string>(v: unknown, name: string, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new ArgError(`${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${shown(v)}`);
  return v as T;
}
