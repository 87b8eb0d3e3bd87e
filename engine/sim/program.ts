// The shape of a simulated program: functions made of statements, each one line of a pseudo-C
// listing with stable line numbers, and where each line comes from (a source deck, or the model).
// A statement's code runs against the simulation and says where control goes next. Knows nothing
// of FSR; sim/handoff/ writes the handoff in this shape.

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
  /**
   * The statement at pc took a FAIL (or panic) path: the frame stays, on that statement with its
   * locals, so the stop is where the failure happens; the actor's next step completes the return or exit.
   */
  pending?: { ret: Value } | { exit: string } | undefined;
}

export type Into = string | ((locals: Locals, value: Value) => void);

/** Where control goes after a statement: on (undefined), a label, into a call, out with a value. */
export type Outcome =
  | undefined
  | { goto: string }
  | { call: string; args: Locals; into?: Into; stay?: boolean }
  | { ret: Value; fail?: string; filter?: 'fail' | 'panic' }
  | { exit: string; fail?: string; filter?: 'fail' | 'panic' };

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
   * goes as far as it safely can, whole iterations within `clock.budget` fine steps, counting each
   * fine step it stands for on the clock; true means the loop is done and control continues at
   * `until`. The loop head's own last execution (its exit, or the iteration the bulk did not do)
   * is the step's one more fine step.
   */
  bulk?: { until: string; run: (cx: C, f: Frame, clock: BulkClock) => boolean };
  /**
   * Where the decks state this line: `true` when its code (before any `//`) is the decks' own text,
   * whitespace aside; else a quote from a deck that states it. A test checks each against the decks.
   */
  seed?: true | string;
  /**
   * The line is the simulation's own: the decks do not state it. `true`, or why (printed as
   * `// model: why`, always the line's last comment; a model line's text carries no comment of its own).
   */
  model?: true | string;
  /** A note on the decks' own text this line keeps (an inconsistency of theirs): a comment line above it. */
  deck?: string;
  /** Assigned by the listing: the 1-based line of this statement. */
  line?: number;
}

/**
 * The clock a bulk step counts its fine steps on: the run's step numbers do not depend on whether a
 * loop ran in bulk or statement by statement (breakpoints, watches and stepping decide that).
 */
export interface BulkClock {
  /** Fine steps the bulk may still stand for: Infinity, unless the run must land on an exact step. */
  readonly budget: number;
  /** The bulk did `n` more fine steps. */
  advance(n: number): void;
  /** The last fine step counted reached `stmt` of `fn`, which carries a phase label. */
  phase(fn: string, stmt: Stmt<never>): void;
  /**
   * `stmt` of `fn` (which carries a phase label) was reached at each of `steps`, in order, all of
   * them counted already: for a bulk that counts a batch at once instead of each iteration.
   */
  phaseAt(fn: string, stmt: Stmt<never>, steps: Float64Array): void;
}

export interface FnDef<C = unknown> {
  name: string;
  /** The C signature shown in the listing, e.g. `VMK_ReturnStatus FSR_ResumeDone(FSRInfo *fsr, …)`. */
  sig: string;
  /** What it does, one or two lines (shown above it in the listing). */
  comment: string;
  /** Set for a function the decks do not name: why it exists. Every line of it is model. */
  model?: string;
  body: Stmt<C>[];
  firstLine?: number;
  lastLine?: number;
  labels?: Map<string, number>;
}

/** A part of the listing that models one section of a deck, opened by a banner naming it. */
export interface Section<C = unknown> {
  /** The deck, e.g. `seed 000 "SwapFile handoff in FSR"`, or `model` for what no deck shows. */
  deck: string;
  /** The slides this part models, in the deck's order. */
  slides: string[];
  fns: FnDef<C>[];
}

/** Where a listing line comes from. */
export type Provenance = { kind: 'seed'; quote: string } | { kind: 'model'; why: string };

export interface Listing {
  readonly text: string;
  readonly lineCount: number;
  readonly fns: ReadonlyMap<string, AnyFnDef>;
  /** The statement at a 1-based line, if that line is a stop location. */
  stmtAt(line: number): { fn: AnyFnDef; pc: number } | undefined;
  /** Every statement line (silent ones aside) with where it comes from, in listing order. */
  readonly provenance: ReadonlyArray<{ line: number; fn: string; text: string; from: Provenance }>;
  /** Other spellings of function names that the source decks use (a slide's typo → the name). */
  readonly spellings: ReadonlyMap<string, string>;
}

/** The mark a model line ends with in the listing; the editor finds model lines by it. */
export const MODEL_MARK = '// model';

/** Where a statement of `fn` comes from; throws when it says neither (every line must). */
function provenanceOf(fn: AnyFnDef, st: Stmt<unknown>): Provenance {
  if (st.model !== undefined && st.seed !== undefined) throw new Error(`${fn.name}: "${st.text}" is marked both seed and model`);
  // A line of a model function is model unless it says where a deck states it.
  const own = st.model ?? (fn.model && st.seed === undefined ? true : undefined);
  if (own !== undefined) return { kind: 'model', why: own === true ? (fn.model ?? '') : own };
  if (st.seed === undefined) throw new Error(`${fn.name}: "${st.text}" says neither where the decks state it (seed) nor that it is model`);
  return { kind: 'seed', quote: st.seed === true ? codeOf(st.text) : st.seed };
}

/** A line's code: its text before any `//` comment, trimmed. */
export function codeOf(text: string): string {
  const i = text.indexOf('//');
  return (i < 0 ? text : text.slice(0, i)).trim();
}

/** Lay the sections out as one listing; assigns every statement its line. */
export function buildListing<C>(header: string[], sections: Section<C>[], spellings: ReadonlyMap<string, string> = new Map()): Listing {
  const lines: string[] = [...header, ''];
  const byLine = new Map<number, { fn: AnyFnDef; pc: number }>();
  const byName = new Map<string, AnyFnDef>();
  const provenance: Array<{ line: number; fn: string; text: string; from: Provenance }> = [];
  const rule = '// ' + '='.repeat(96);
  for (const sec of sections) {
    lines.push(rule, `// ${sec.deck}`, ...sec.slides.map((s) => `//   slide: ${s}`), rule, '');
    for (const fn of sec.fns) {
      if (byName.has(fn.name)) throw new Error(`function ${fn.name} is defined twice`);
      byName.set(fn.name, fn as AnyFnDef);
      for (const c of fn.comment.split('\n')) lines.push(`// ${c}`);
      if (fn.model) lines.push(`// model: the decks do not name this function; ${fn.model}`);
      fn.firstLine = lines.length + 1;
      lines.push(fn.sig);
      lines.push('{');
      fn.labels = new Map();
      fn.body.forEach((st, pc) => {
        if (!st.label) return;
        if (fn.labels!.has(st.label)) throw new Error(`${fn.name}: label ${st.label} twice`);
        fn.labels!.set(st.label, pc);
      });
      // A label the listing's own text jumps to (`goto cancel;`) is printed, as C would have it.
      const printed = new Set<string>();
      for (const st of fn.body) for (const m of st.text.matchAll(/\bgoto\s+([A-Za-z_]\w*)/g)) printed.add(m[1]!);
      for (const l of printed) if (!fn.labels.has(l)) throw new Error(`${fn.name}: "goto ${l}" but no statement has label ${l}`);
      fn.body.forEach((st, pc) => {
        const pad = '    '.repeat(1 + (st.indent ?? 0));
        if (st.label && printed.has(st.label)) lines.push('    '.repeat(st.indent ?? 0) + `${st.label}:`);
        if (st.deck) for (const c of st.deck.split('\n')) lines.push(`${pad}// deck: ${c}`);
        let text = st.text;
        // Every line of code says where it comes from; a brace alone is not code.
        if (!/^[{}\s]*(else\s*)?[{}\s]*$/.test(st.text)) {
          const from = provenanceOf(fn as AnyFnDef, st as Stmt<unknown>);
          if (from.kind === 'model') {
            if (st.text.includes('//')) throw new Error(`${fn.name}: model line "${st.text}" carries its own comment; put it in the model reason`);
            text += `  ${MODEL_MARK}${from.why && st.model !== undefined ? `: ${from.why}` : ''}`;
          }
          provenance.push({ line: lines.length + 1, fn: fn.name, text: st.text, from });
        }
        lines.push(pad + text);
        st.line = lines.length;
        if (!st.silent) byLine.set(st.line, { fn: fn as AnyFnDef, pc });
      });
      lines.push('}');
      fn.lastLine = lines.length;
      lines.push('');
    }
  }
  const fns = sections.flatMap((s) => s.fns);
  for (const fn of fns) {
    for (const st of fn.body) {
      for (const c of st.calls ?? []) if (!byName.has(c)) throw new Error(`${fn.name} calls unknown function ${c}`);
      if (st.bulk && !fn.labels!.has(st.bulk.until)) throw new Error(`${fn.name}: bulk target ${st.bulk.until} missing`);
    }
  }
  const text = lines.join('\n') + '\n';
  for (const [other, name] of spellings) if (!byName.has(name)) throw new Error(`spelling ${other} names no function ${name}`);
  return { text, lineCount: lines.length, fns: byName, stmtAt: (line) => byLine.get(line), provenance, spellings };
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
