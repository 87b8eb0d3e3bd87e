// Small pieces every section of the handoff uses: the statement builders, frame-local access and the
// BackMap entry helpers. Knows the program shape (program.ts) and the context, nothing of a debugger.

import { BACKMAP_PGNUM_BITS, type Owner } from '../../host';
import type { World } from '../../world';
import type { Value } from '../expr';
import type { FsrContext } from '../context';
import type { FnDef, Frame, Locals, Outcome, Section, Stmt } from '../program';

export type S = Stmt<FsrContext>;
export type F = FnDef<FsrContext>;
export type Sec = Section<FsrContext>;

export const TWO_32 = 4294967296;
export const PGNUM_MASK = 2 ** BACKMAP_PGNUM_BITS - 1;

export const num = (f: Frame, k: string): number => f.locals[k] as number;
export const world = (cx: FsrContext, f: Frame, k: string): World => cx.machine.world(num(f, k));
export const call = (fn: string, args: Locals, into?: string, stay?: boolean): Outcome => ({ call: fn, args, into, stay });
export const ret = (v: Value, fail?: string): Outcome => (fail ? { ret: v, fail } : { ret: v });
export const goto = (label: string): Outcome => ({ goto: label });
export const set = (f: Frame, k: string, v: Value): void => {
  f.locals[k] = v;
};

/** A BackMap entry: (owner, pgNum or index). */
export function entry(owner: Owner, pgNum: number): number {
  return ((owner.slot << BACKMAP_PGNUM_BITS) | pgNum) >>> 0;
}

/** What a BackMap entry names, for messages. */
export function describeEntry(cx: FsrContext, e: number): string {
  if (e === 0) return 'no entry';
  const o = cx.host.owner(e >>> BACKMAP_PGNUM_BITS);
  return `${o?.label ?? 'unknown owner'}, ${o?.kind === 'mainmem' ? 'pgNum' : 'index'} ${e & PGNUM_MASK}`;
}

export function resumeIs(cx: FsrContext, ...states: string[]): boolean {
  return states.includes(cx.fsr.resumeState);
}

/** A closing brace that loops back to `label` (silent: part of the step before it). */
export const back = (label: string, indent = 0): S => ({ text: '}', indent, silent: true, exec: () => goto(label) });
export const close = (indent = 0): S => ({ text: '}', indent, silent: true });

/** A call statement whose value (if any) lands in local `into`; `more` adds provenance, indent, label… */
export function callStmt(text: string, fn: string, args: (cx: FsrContext, f: Frame) => Locals, into?: string, more: Partial<S> = {}): S {
  return { text, calls: [fn], exec: (cx, f) => call(fn, args(cx, f), into), ...more };
}
