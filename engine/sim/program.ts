// The shape of a simulated program: functions made of statements, each one line of a pseudo-C
// listing with stable line numbers. A statement's code runs against the simulation and says where
// control goes next. Knows nothing of FSR; fsr.ts writes the handoff in this shape.

import type { Value } from './expr';

export type Locals = Record<string, Value>;

/** A function of any context type (frames and listings do not care which). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFnDef = FnDef<any>;

/** One activation: the function, the statement about to run (pc) and its locals. */
export interface Frame {
  fn: AnyFnDef;
  pc: number;
  locals: Locals;
  /** When this frame called another: where the callee's return value goes (a local, or a function). */
  into?: Into | undefined;
  /** When this frame called another: stay on the calling statement after the return (run it again). */
  stay?: boolean | undefined;
}

export type Into = string | ((locals: Locals, value: Value) => void);

/** Where control goes after a statement: on (undefined), a label, into a call, out with a value. */
export type Outcome =
  | undefined
  | { goto: string }
  | { call: string; args: Locals; into?: Into; stay?: boolean }
  | { ret: Value; fail?: string }
  | { exit: string };

export interface Stmt<C = unknown> {
  text: string;
  /** Extra indentation levels in the listing. */
  indent?: number;
  /** A goto target. */
  label?: string;
  /** Reaching this statement reports this phase label (a place to break). */
  phase?: string;
  /** Functions this statement may call: the static call graph. */
  calls?: string[];
  /** Runs as part of the previous step and is never a stop location (closing braces, back-edges). */
  silent?: boolean;
  /** Non-null: the actor must wait here, for the reason given. */
  wait?: (cx: C, f: Frame) => string | null;
  exec?: (cx: C, f: Frame) => Outcome;
  /**
   * A loop head that can run its iterations in one step when nothing could stop inside. `run`
   * goes as far as it safely can; true means the loop is done and control continues at `until`.
   */
  bulk?: { until: string; run: (cx: C, f: Frame) => boolean };
  /** Assigned by the listing: the 1-based line of this statement. */
  line?: number;
}

export interface FnDef<C = unknown> {
  name: string;
  /** The C signature shown in the listing, e.g. `VMK_ReturnStatus FSR_ResumeDone(FSRInfo *fsr, …)`. */
  sig: string;
  /** What it does, one or two lines (shown above it in the listing). */
  comment: string;
  /** True for glue the seeds do not name (marked so in the listing). */
  model?: boolean;
  body: Stmt<C>[];
  firstLine?: number;
  lastLine?: number;
  labels?: Map<string, number>;
}

export interface Listing {
  readonly text: string;
  readonly lineCount: number;
  readonly fns: ReadonlyMap<string, AnyFnDef>;
  /** The statement at a 1-based line, if that line is a stop location. */
  stmtAt(line: number): { fn: AnyFnDef; pc: number } | undefined;
}

/** Lay the functions out as one listing; assigns every statement its line. */
export function buildListing<C>(header: string[], fns: FnDef<C>[]): Listing {
  const lines: string[] = [...header, ''];
  const byLine = new Map<number, { fn: AnyFnDef; pc: number }>();
  const byName = new Map<string, AnyFnDef>();
  for (const fn of fns) {
    if (byName.has(fn.name)) throw new Error(`function ${fn.name} is defined twice`);
    byName.set(fn.name, fn as AnyFnDef);
    for (const c of fn.comment.split('\n')) lines.push(`// ${c}`);
    if (fn.model) lines.push('// (model: glue the seeds do not name)');
    fn.firstLine = lines.length + 1;
    lines.push(fn.sig);
    lines.push('{');
    fn.labels = new Map();
    fn.body.forEach((st, pc) => {
      if (st.label) {
        if (fn.labels!.has(st.label)) throw new Error(`${fn.name}: label ${st.label} twice`);
        fn.labels!.set(st.label, pc);
      }
      lines.push('    '.repeat(1 + (st.indent ?? 0)) + st.text);
      st.line = lines.length;
      if (!st.silent) byLine.set(st.line, { fn: fn as AnyFnDef, pc });
    });
    lines.push('}');
    fn.lastLine = lines.length;
    lines.push('');
  }
  for (const fn of fns) {
    for (const st of fn.body) {
      for (const c of st.calls ?? []) if (!byName.has(c)) throw new Error(`${fn.name} calls unknown function ${c}`);
      if (st.bulk && !fn.labels!.has(st.bulk.until)) throw new Error(`${fn.name}: bulk target ${st.bulk.until} missing`);
    }
  }
  const text = lines.join('\n') + '\n';
  return { text, lineCount: lines.length, fns: byName, stmtAt: (line) => byLine.get(line) };
}

/** Every function reachable from `roots` through statements' `calls` (the roots included). */
export function reachable(listing: Listing, roots: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const todo = [...roots];
  while (todo.length) {
    const n = todo.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const st of listing.fns.get(n)?.body ?? []) for (const c of st.calls ?? []) todo.push(c);
  }
  return seen;
}
