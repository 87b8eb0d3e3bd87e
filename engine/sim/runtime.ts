// Runs a program (program.ts) as actors with their own call stacks under a seeded scheduler, one
// statement per step, with history for going backwards, breakpoints, watches and stops. One clock
// per run: a step number is a function of the run alone (a bulk step counts the fine steps it stands
// for), so a moment can be quoted, gone to and compared. Knows no FSR and no protocol.

import { type Expr, ExprError, type Resolver, type Value, evalExpr, interpolate, parseExpr, truthy } from './expr';
import { Journal, NO_UNDO, type Undo } from './journal';
import { ChangeLog } from './changes';
import { grown } from '../grown';
import { type BulkClock, type Frame, type Listing, type Locals, type Outcome, type Stmt, reachable } from './program';
import { Rng } from '../rng';
import { didYouMean } from '../suggest';

export interface ActorSpec {
  name: string;
  entry: string;
  args: Locals;
  cpu: number;
  worldID: number;
}

export interface Actor {
  readonly id: number;
  readonly name: string;
  readonly cpu: number;
  readonly worldID: number;
  stack: Frame[];
  done: boolean;
  exitReason: string | null;
}

export type BreakpointKind = 'line' | 'function' | 'phase';
export interface BreakpointSpec {
  kind: BreakpointKind;
  /** Function name or phase label (function and phase kinds). */
  name?: string;
  /** 1-based listing line (line kind). */
  line?: number;
  condition?: string;
  /** `N` (stop at the Nth hit), `>= N`, `> N`, `== N`, `% N` (every Nth). */
  hitCondition?: string;
  /** A logpoint: print this (with `{expr}` parts) instead of stopping. */
  logMessage?: string;
}
export interface BreakpointResult {
  id: number;
  verified: boolean;
  message?: string;
  /** The lines it resolved to (a function breakpoint: the function's first line). */
  lines: number[];
  /** Said of a verified breakpoint: e.g. that its name is a slide's spelling of another. */
  note?: string;
}

interface Bp extends BreakpointSpec {
  id: number;
  hits: number;
  cond: Expr | null;
  hit: ((n: number) => boolean) | null;
  lines: Set<number>;
  fn: string | null;
}

export type ExceptionFilter = 'fail' | 'panic' | 'invariant';

export type StopReason = 'entry' | 'step' | 'breakpoint' | 'function breakpoint' | 'data breakpoint' | 'exception' | 'pause' | 'end' | 'deadlock' | 'goto';

export interface StopInfo {
  reason: StopReason;
  actorId: number | null;
  description: string;
  breakpointIds?: number[];
  exception?: { filter: ExceptionFilter; message: string };
}

export interface Watch {
  id: number;
  description: string;
  /** Who set it: the debugger's data breakpoints and other clients (a webview) come and go apart. */
  owner: string;
  read: () => Value;
  last: Value;
}

/** What the program layer supplies: invariants, condition scopes and its own events. */
export interface RuntimeHost {
  /** Check invariants after a step; each break is reported once as it appears. */
  checkInvariants(): Array<{ name: string; message: string }>;
  /** The names a condition or logpoint sees in `frame` of `actor`. */
  resolver(actor: Actor, frame: Frame | undefined): Resolver;
  /** A statement's text with its locals, for log lines. */
  onStep?(actor: Actor): void;
}

/**
 * What the run tells its listeners. `step` is the step number of the moment it happened (the state
 * after that step); `fn` and `line` where in the listing. A phase or log line inside a bulk step carries
 * the fine step it stands for, so events read the same whether the user ran through or stopped everywhere.
 */
export type RuntimeEvent =
  | { type: 'output'; line: string; category: 'console' | 'stdout' | 'stderr'; step: number }
  | { type: 'phase'; name: string; actorId: number; step: number; fn: string; line: number }
  /** The same phase reached at each of `steps`, in order: a bulk step's iterations (one event, not one each). */
  | { type: 'phases'; name: string; actorId: number; steps: Float64Array; fn: string; line: number }
  | { type: 'exception'; filter: ExceptionFilter; message: string; actorId: number; step: number; fn: string; line: number }
  | { type: 'progress'; id: string; title: string; percent: number; done: boolean };

/** An exception a step raised (FAIL, panic, invariant break), with where it stood. */
interface Raised {
  filter: ExceptionFilter;
  message: string;
}

type Mode =
  | { kind: 'idle' }
  | { kind: 'continue' }
  | { kind: 'step'; actor: number; how: 'in' | 'over' | 'out'; depth: number };

/** A frame's fields as they were before a step changed them. */
interface SavedFrame {
  f: Frame;
  pc: number;
  locals: Locals;
  into: Frame['into'];
  stay: Frame['stay'];
  pending: Frame['pending'];
}

interface StepRecord {
  actor: number;
  /**
   * The actor's stack before the step (the frames themselves, not copies), taken when the step first
   * changes its shape (a call, a return, an exit); null when it did not (most steps: pc and locals only)…
   */
  frames: Frame[] | null;
  /** …and copies of the frames the step changed: the top one, and each caller it returned into. */
  saved: SavedFrame[];
  done: boolean;
  exitReason: string | null;
  rng: number;
  undo: Undo[];
  logLen: number;
  /** The step number before this step (the moment it starts from)… */
  at: number;
  /** …and how many fine steps it stands for: 1, or a bulk step's count. It ends at `at + ticks`. */
  ticks: number;
  /** The actor's stack depth before the step (reverse step over/out look for it). */
  depth: number;
  /** The function the step entered (a call), if any. */
  enter: string | null;
  /** Exceptions the step raised (rare: null when none). */
  raised: Raised[] | null;
  /** The loop head a bulk step ran (null for a fine step). */
  bulk: Stmt<unknown> | null;
  /** What a bulk step did, for history queries that look inside it (see BulkTrace). */
  trace: BulkTrace | null;
  /** The statement the step ran (where the actor stood before it). */
  fromFn: string;
  fromLine: number;
  /** Where the step's changes begin in the change log. */
  changeStart: number;
}

/**
 * What a bulk step did, kept so that history queries can answer for each fine step it stands for
 * without running it again: the function entries and the changes it made, each at its own step.
 */
export interface BulkTrace {
  /** The steps at which `fn` was entered. */
  entries(fn: string): number[];
  /** The changes to BackMap entry `mpn`: step, old, new, and the statement that made each. */
  backmap(mpn: number): TraceRow[];
  /** The changes to a pdirInfo entry (the world's pdir owner slot, the directory): old and new PTEs. */
  pdir(worldSlot: number, dir: number): TraceRow[];
  /**
   * The MPNs whose BackMap entries the step changed (views that follow the BackMap update just
   * those), or null when there are more than `max` (the caller looks at everything instead).
   */
  touched(max: number): number[] | null;
}
/** One change a bulk step made, at the fine step and statement that makes it. */
export interface TraceRow {
  step: number;
  old: number;
  new: number;
  fn: string;
  line: number;
}


export class Runtime<C> {
  readonly journal = new Journal();
  /** Every change the retained steps made, as data (for history queries). */
  readonly changes = new ChangeLog();
  readonly actors: Actor[];
  readonly log: string[] = [];
  /** Undo records of the most recent steps (at most `historyLimit` records, oldest evicted). */
  private history: StepRecord[] = [];
  /** The step number now: fine steps since the start of the run. */
  private clock = 0;
  /** The oldest step one can go back to (0 until history outgrows its limit). */
  private horizon = 0;
  /** Steps (records) executed since the session began, forwards: work done, for budgets that guard against a stuck run. */
  workDone = 0;
  /** A bulk step must not pass this step number (a run landing on an exact step). */
  private bulkLimit = Infinity;
  /** No bulk steps at all (a run that must produce fine records). */
  private noBulk = false;
  private readonly historyLimit: number;
  private readonly rng: Rng;
  private mode: Mode = { kind: 'idle' };
  private bps: Bp[] = [];
  private nextBpId = 1;
  private watches: Watch[] = [];
  private nextWatchId = 1;
  private filters = new Set<ExceptionFilter>(['fail', 'panic', 'invariant']);
  private pending: StopInfo | null = null;
  private pauseRequested = false;
  private listeners: Array<(e: RuntimeEvent) => void> = [];
  private rewindListeners: Array<(stepCount: number) => void> = [];
  /** Lines, functions and phases reachable inside each bulk statement, and whether it may run bulk. */
  private bulkInner = new Map<Stmt<C>, { lines: Set<number>; fns: Set<string>; phases: Set<string> }>();
  private bulkAllowed = new Map<Stmt<C>, boolean>();
  /** Invariant breaks already reported (message → the step that first saw it), so each is reported once. */
  private reportedBreaks = new Map<string, number>();
  eventCount = 0;
  /** The scheduler's scratch list of runnable actors (reused every step). */
  private readonly runnable: Actor[] = [];
  /** The record of the step being executed (null between steps). */
  private recording: StepRecord | null = null;
  /** The actor whose statement is running (for statements that log). */
  currentActor: Actor | null = null;
  get currentActorName(): string {
    return this.currentActor?.name ?? 'kernel';
  }
  /** Set by statements (through the context) to make the step stop after it: FAIL, panic. */
  private stepExceptions: Raised[] = [];
  private stepPhases: Array<{ name: string; step: number; fn: string; line: number }> = [];
  /** A bulk step's phases: one run of steps per (phase, line), kept in a typed array as it grows. */
  private bulkPhases: { name: string; fn: string; line: number; steps: Float64Array; n: number } | null = null;
  /** Continue stops at the next phase reached (the "next phase" command). */
  private stopAtPhase = false;
  /** The runs of phases the last bulk step reached, to emit after it. */
  private readonly phaseRuns: Array<{ name: string; fn: string; line: number; steps: Float64Array; n: number }> = [];
  private flushBulkPhases(): void {
    if (this.bulkPhases) this.phaseRuns.push(this.bulkPhases);
    this.bulkPhases = null;
  }
  /**
   * Steps carrying what running them again would not redo: a debugger's edit, a counted hit of a
   * breakpoint with a hit condition. A look into the past (arrivalsAt) does not go back across them.
   */
  private readonly unreplayable = new WeakSet<StepRecord>();
  /** A bulk step's trace, handed over by the bulk form (traceBulk) while it runs. */
  private pendingTrace: BulkTrace | null = null;
  /** Called by a bulk form while it runs: what it did, for history queries. */
  traceBulk(trace: BulkTrace): void {
    this.pendingTrace = trace;
  }
  /** The clock a bulk step counts on (one object, bound to the step being recorded). */
  private readonly bulkClock: StepClock;
  /** The step at which each actor first ran (-1: not yet); an actor about to start may stop at its entry function. */
  private readonly firstStep: number[];
  /**
   * The scheduler picked an actor that had not run yet and a breakpoint stopped it before its first
   * statement (as gdb stops at a thread's start routine): the next run goes on with that pick.
   */
  private pendingPick: { actor: number; rng: number; alone: boolean } | null = null;

  constructor(
    readonly listing: Listing,
    specs: ActorSpec[],
    readonly cx: C,
    private readonly host: RuntimeHost,
    seed: number,
    opts: { historyLimit?: number } = {},
  ) {
    this.historyLimit = Math.max(16, opts.historyLimit ?? 1_000_000);
    this.rng = new Rng(seed ^ 0x5eed);
    this.actors = specs.map((s, id) => {
      const fn = listing.fns.get(s.entry);
      if (!fn) throw new Error(`actor ${s.name}: no function ${s.entry}`);
      return { id, name: s.name, cpu: s.cpu, worldID: s.worldID, stack: [{ fn, pc: 0, locals: { ...s.args } }], done: false, exitReason: null };
    });
    this.firstStep = this.actors.map(() => -1);
    this.journal.changes = this.changes;
    this.journal.now = () => this.now;
    this.bulkClock = new StepClock(
      (n) => {
        this.recording!.ticks += n;
      },
      (fn, stmt, steps) => {
        if (steps) {
          // A batch of steps, counted already: a run of its own (a copy, the caller's array is its own).
          this.flushBulkPhases();
          this.phaseRuns.push({ name: stmt.phase!, fn, line: stmt.line!, steps: steps.slice(), n: steps.length });
          return;
        }
        const run = this.bulkPhases;
        if (run && run.line === stmt.line && run.fn === fn) {
          if (run.n === run.steps.length) run.steps = grown(run.steps);
          run.steps[run.n++] = this.now;
        } else {
          this.flushBulkPhases();
          this.bulkPhases = { name: stmt.phase!, fn, line: stmt.line!, steps: new Float64Array(64), n: 1 };
          this.bulkPhases.steps[0] = this.now;
        }
      },
    );
    for (const fn of listing.fns.values()) {
      for (const [pc, st] of (fn.body as Stmt<C>[]).entries()) {
        if (!st.bulk) continue;
        const end = fn.labels!.get(st.bulk.until)!;
        const inner = { lines: new Set<number>(), fns: new Set<string>(), phases: new Set<string>() };
        const calls: string[] = [];
        for (let i = pc + 1; i < end; i++) {
          const s = fn.body[i] as Stmt<C>;
          inner.lines.add(s.line!);
          if (s.phase) inner.phases.add(s.phase);
          calls.push(...(s.calls ?? []));
        }
        for (const name of reachable(listing, calls)) {
          inner.fns.add(name);
          for (const s of listing.fns.get(name)!.body) {
            inner.lines.add(s.line!);
            if (s.phase) inner.phases.add(s.phase);
          }
        }
        this.bulkInner.set(st, inner);
        this.bulkAllowed.set(st, true);
      }
    }
  }

  // ---- events ---------------------------------------------------------------------------------

  onEvent(fn: (e: RuntimeEvent) => void): void {
    this.listeners.push(fn);
  }
  /** Called with the new step count whenever a step is undone (to drop what later steps recorded). */
  onRewind(fn: (stepCount: number) => void): void {
    this.rewindListeners.push(fn);
  }
  emit(e: RuntimeEvent): void {
    this.eventCount++;
    for (const l of this.listeners) l(e);
  }
  /**
   * True while the runtime re-runs steps to land on a step (a goto, going back into a bulk step):
   * the events then happened before and were reported; listeners keep their lists, not their output.
   */
  get replaying(): boolean {
    return this.bulkLimit !== Infinity;
  }
  /** A log line (journaled: going back removes it), stamped with the step it belongs to. */
  output(line: string, category: 'console' | 'stdout' | 'stderr' = 'stdout'): void {
    this.log.push(line);
    this.emit({ type: 'output', line, category, step: this.now });
  }
  /** Called by statements: an exception the filters may stop on after this step. */
  raise(filter: ExceptionFilter, message: string): void {
    this.stepExceptions.push({ filter, message });
  }

  // ---- state ----------------------------------------------------------------------------------

  /** The step number of the state now: fine steps since the start of the run. */
  get stepCount(): number {
    return this.clock;
  }
  /**
   * The step number an event happening now belongs to: during a step, the step it results in (a
   * bulk step's fine step as it counts them); between steps, the current one.
   */
  get now(): number {
    const rec = this.recording;
    return rec ? rec.at + rec.ticks : this.clock;
  }
  /** The oldest step still in history (0 until history outgrows its limit). */
  get historyHorizon(): number {
    return this.horizon;
  }
  get finished(): boolean {
    const actors = this.actors;
    for (let i = 0; i < actors.length; i++) if (!actors[i]!.done) return false;
    return true;
  }
  actor(id: number): Actor {
    const a = this.actors[id];
    if (!a) throw new RangeError(`no actor ${id} (actors 0..${this.actors.length - 1})`);
    return a;
  }
  /** The statement an actor is about to run. */
  current(a: Actor): { frame: Frame; stmt: Stmt<C> } | null {
    const frame = a.stack[a.stack.length - 1];
    if (!frame) return null;
    return { frame, stmt: frame.fn.body[frame.pc] as Stmt<C> };
  }
  /** Why an actor cannot run now, or null if it can. */
  /** True if the actor cannot run now (the scheduler's check: no objects made). */
  private waits(a: Actor): boolean {
    const frame = a.stack[a.stack.length - 1];
    if (!frame) return true;
    if (frame.pending) return false;
    const wait = (frame.fn.body[frame.pc] as Stmt<C>).wait;
    return wait !== undefined && this.askWait(a, wait, frame) !== null;
  }
  blockedOn(a: Actor): string | null {
    if (a.done) return a.exitReason ?? 'exited';
    const cur = this.current(a);
    return cur?.stmt.wait && !cur.frame.pending ? this.askWait(a, cur.stmt.wait, cur.frame) : null;
  }
  /** A wait predicate sees the actor it is asked about as the current one (a lock knows its holder). */
  private askWait(a: Actor, wait: NonNullable<Stmt<C>['wait']>, frame: Frame): string | null {
    const prev = this.currentActor;
    this.currentActor = a;
    try {
      return wait(this.cx, frame);
    } finally {
      this.currentActor = prev;
    }
  }

  // ---- breakpoints, watches, filters ----------------------------------------------------------

  /** Replace all breakpoints of `kinds` with `specs`; answers each with whether it is verified and why not. */
  setBreakpoints(kinds: BreakpointKind[], specs: BreakpointSpec[]): BreakpointResult[] {
    this.bps = this.bps.filter((b) => !kinds.includes(b.kind));
    const results = specs.map((s) => this.addBreakpoint(s));
    this.recomputeBulk();
    return results;
  }

  private addBreakpoint(s: BreakpointSpec): BreakpointResult {
    const id = this.nextBpId++;
    const fail = (message: string): BreakpointResult => ({ id, verified: false, message, lines: [] });
    let cond: Expr | null = null;
    let hit: ((n: number) => boolean) | null = null;
    try {
      if (s.condition?.trim()) cond = parseExpr(s.condition);
    } catch (e) {
      return fail(`condition: ${(e as Error).message}`);
    }
    if (s.hitCondition?.trim()) {
      hit = parseHitCondition(s.hitCondition);
      if (!hit) return fail(`hit count "${s.hitCondition}" is not one of: N, >= N, > N, == N, % N`);
    }
    let note: string | undefined;
    const lines = new Set<number>();
    let fn: string | null = null;
    if (s.kind === 'line') {
      const line = s.line ?? 0;
      let at = this.listing.stmtAt(line);
      // A line with no statement (a brace, a comment) moves to the next statement in the same function.
      for (let l = line + 1; !at && l <= this.listing.lineCount && l <= line + 3; l++) at = this.listing.stmtAt(l);
      if (!at) return fail(`line ${line} of the listing has no statement to stop at`);
      lines.add(at.fn.body[at.pc]!.line!);
    } else if (s.kind === 'function') {
      // A name is data (text, compared and searched for), whatever it spells: "toString" is one more unknown name.
      const asked = typeof s.name === 'string' ? s.name.trim() : '';
      if (!asked) return fail('a function breakpoint needs the name of a function, a seed macro or a phase');
      // A slide's own spelling of a function's name stands for it.
      const name = this.listing.spellings.get(asked) ?? asked;
      if (name !== asked) note = `"${asked}" is the slide's spelling of ${name}`;
      const def = this.listing.fns.get(name);
      if (def) fn = name;
      else {
        // A seed name that is a macro or inline helper (PTE_SET, PFrameMakePTE…): the lines that use it.
        for (const f of this.listing.fns.values()) for (const st of f.body) if (!st.silent && new RegExp(`\\b${escapeRe(name)}\\b`).test(st.text)) lines.add(st.line!);
        if (lines.size === 0) return fail(`no function or macro named ${JSON.stringify(name)} in the simulated handoff${didYouMean(name, [...this.listing.fns.keys(), ...this.phases()])}`);
      }
      if (def) lines.add(def.body.find((st) => !st.silent)!.line!);
    } else {
      const name = typeof s.name === 'string' ? s.name : '';
      for (const f of this.listing.fns.values()) for (const st of f.body) if (st.phase === name) lines.add(st.line!);
      if (lines.size === 0) return fail(`no phase ${JSON.stringify(name)} (phases: ${this.phases().join(', ')})${didYouMean(name, this.phases())}`);
    }
    this.bps.push({ ...s, id, hits: 0, cond, hit, lines, fn });
    return { id, verified: true, lines: [...lines].sort((a, b) => a - b), ...(note ? { note } : {}) };
  }

  /** Every phase label in the program. */
  phases(): string[] {
    const out = new Set<string>();
    for (const f of this.listing.fns.values()) for (const st of f.body) if (st.phase) out.add(st.phase);
    return [...out];
  }

  setExceptionFilters(filters: ExceptionFilter[]): void {
    this.filters = new Set(filters);
  }

  addWatch(description: string, read: () => Value, owner = 'debugger'): Watch {
    const w: Watch = { id: this.nextWatchId++, description, owner, read, last: read() };
    this.watches.push(w);
    this.recomputeBulk();
    return w;
  }
  /** Remove one watch; false when there is none by that id. */
  removeWatch(id: number): boolean {
    const n = this.watches.length;
    this.watches = this.watches.filter((w) => w.id !== id);
    this.recomputeBulk();
    return this.watches.length < n;
  }
  /** Remove the watches set by `owner` (all of them when no owner is given). */
  clearWatches(owner?: string): void {
    this.watches = owner === undefined ? [] : this.watches.filter((w) => w.owner !== owner);
    this.recomputeBulk();
  }
  get watchList(): readonly Watch[] {
    return this.watches;
  }

  private recomputeBulk(): void {
    for (const [st, inner] of this.bulkInner) {
      let ok = this.watches.length === 0 && !(this.stopAtPhase && inner.phases.size > 0);
      for (const b of this.bps) {
        if (!ok) break;
        if (b.fn && inner.fns.has(b.fn)) ok = false;
        for (const l of b.lines) if (inner.lines.has(l)) ok = false;
      }
      this.bulkAllowed.set(st, ok);
    }
  }

  // ---- control --------------------------------------------------------------------------------

  /** Run on; with `toNextPhase`, stop at the next phase reached (at its own step, inside a loop too). */
  continue(opts: { toNextPhase?: boolean } = {}): void {
    this.mode = { kind: 'continue' };
    if (!!opts.toNextPhase !== this.stopAtPhase) {
      this.stopAtPhase = !!opts.toNextPhase;
      this.recomputeBulk();
    }
  }
  step(actorId: number, how: 'in' | 'over' | 'out'): void {
    const a = this.actor(actorId);
    if (a.done) throw new Error(`${a.name} has exited; it cannot step`);
    this.mode = { kind: 'step', actor: actorId, how, depth: a.stack.length };
  }
  pause(): void {
    this.pauseRequested = true;
  }
  get running(): boolean {
    return this.mode.kind !== 'idle';
  }

  /**
   * Run up to `budget` steps of the current mode. Returns why it stopped, or null if the budget ran
   * out first (call again; a caller that wants to stay responsive runs in slices).
   */
  run(budget = Infinity): StopInfo | null {
    if (this.mode.kind === 'idle') return null;
    for (let n = 0; n < budget; n++) {
      if (this.pauseRequested) {
        this.pauseRequested = false;
        return this.stop({ reason: 'pause', actorId: this.mode.kind === 'step' ? this.mode.actor : this.lastActor(), description: 'paused' });
      }
      let actor: Actor;
      let rngBefore: number;
      let alone: boolean;
      const pick = this.pendingPick;
      this.pendingPick = null;
      if (pick && !this.actors[pick.actor]!.done && !this.waits(this.actors[pick.actor]!)) {
        // Stopped at an actor's start last time: it runs now, as the scheduler had drawn it.
        actor = this.actors[pick.actor]!;
        rngBefore = pick.rng;
        alone = pick.alone;
      } else {
        if (pick) this.rng.state = pick.rng; // an edit made the pick impossible: draw again
        const runnable = this.runnable;
        runnable.length = 0;
        const actors = this.actors;
        for (let i = 0; i < actors.length; i++) {
          const a = actors[i]!;
          if (!a.done && !this.waits(a)) runnable.push(a);
        }
        if (runnable.length === 0) {
          if (this.finished) return this.stop({ reason: 'end', actorId: null, description: 'every actor has exited' });
          const why = this.actors.filter((a) => !a.done).map((a) => `${a.name}: ${this.blockedOn(a)}`).join('; ');
          return this.stop({ reason: 'deadlock', actorId: this.actors.find((a) => !a.done)!.id, description: `no actor can run (${why})` });
        }
        // The step's record keeps the scheduler's state from before its draw, so undoing the step
        // and running again draws the same actor: the timeline does not fork on replay.
        rngBefore = this.rng.state;
        actor = runnable.length === 1 ? runnable[0]! : runnable[this.rng.below(runnable.length)]!;
        alone = runnable.length === 1;
        if (this.firstStep[actor.id]! < 0 && this.bps.length > 0) {
          // An actor about to run its first statement: a breakpoint on its entry function (or its first line) stops it here.
          const entry = this.checkBreakpoints(actor, true);
          if (entry) {
            this.pendingPick = { actor: actor.id, rng: rngBefore, alone };
            return this.stop({ ...entry, description: `${actor.name} starts ${this.current(actor)!.frame.fn.name} (line ${this.current(actor)!.stmt.line})` });
          }
        }
      }
      let entered: boolean;
      this.workDone++;
      try {
        entered = this.execute(actor, rngBefore, alone);
      } catch (e) {
        // The statement threw (state the program cannot handle, e.g. after a debugger edit); execute
        // has already taken back what it did. Stop here whatever the filters say.
        const cur = this.current(actor);
        const where = cur ? `${cur.frame.fn.name} line ${cur.stmt.line}` : actor.name;
        const message = `engine error in ${where}: ${(e as Error).message}. The statement was not run; step back past whatever made the state impossible (an edit?) or change it, then go on.`;
        return this.stop({ reason: 'exception', actorId: actor.id, description: message, exception: { filter: 'invariant', message } });
      }
      const stop = this.afterStep(actor, entered);
      if (stop) return this.stop(stop);
    }
    return null;
  }

  private lastActor(): number | null {
    return this.history.length ? this.history[this.history.length - 1]!.actor : null;
  }

  private stop(info: StopInfo): StopInfo {
    this.mode = { kind: 'idle' };
    if (this.stopAtPhase) {
      this.stopAtPhase = false;
      this.recomputeBulk();
    }
    this.pending = info;
    return info;
  }
  /** The last stop, for a caller that wants to show it again. */
  get lastStop(): StopInfo | null {
    return this.pending;
  }

  /** Execute one statement of `actor` (and any silent statements after it). Returns true if a call entered a function. */
  private execute(actor: Actor, rngBefore: number, alone: boolean): boolean {
    const top = actor.stack[actor.stack.length - 1]!;
    const rec: StepRecord = {
      actor: actor.id,
      frames: null,
      saved: [{ f: top, pc: top.pc, locals: { ...top.locals }, into: top.into, stay: top.stay, pending: top.pending }],
      done: actor.done,
      exitReason: actor.exitReason,
      rng: rngBefore,
      undo: NO_UNDO,
      logLen: this.log.length,
      at: this.clock,
      ticks: 1,
      depth: actor.stack.length,
      enter: null,
      raised: null,
      bulk: null,
      trace: null,
      fromFn: top.fn.name,
      fromLine: top.fn.body[top.pc]!.line!,
      changeStart: this.changes.end,
    };
    this.recording = rec;
    this.pendingTrace = null;
    this.stepExceptions.length = 0;
    this.stepPhases.length = 0;
    this.phaseRuns.length = 0;
    this.bulkPhases = null;
    this.journal.begin();
    this.currentActor = actor;
    let entered = false;
    let ok = false;
    try {
      const st = top.fn.body[top.pc] as Stmt<C>;
      const pending = top.pending;
      // Bulk only while no other actor could run: then the fine path would draw nothing from the
      // scheduler either, and a breakpoint (which turns bulk off) cannot change what happens.
      const bulk = !pending && !this.noBulk && alone && st.bulk && this.bulkAllowed.get(st) && !(this.mode.kind === 'step' && this.mode.actor === actor.id);
      if (pending) {
        // The statement took a FAIL path last step and stopped there: now the return (or exit) happens.
        this.save(top);
        top.pending = undefined;
        if ('ret' in pending) this.returnFrom(actor, pending.ret);
        else this.exitActor(actor, pending.exit);
      } else if (bulk) {
        // The iterations the bulk does count on the clock; the loop head's own last execution is one more.
        rec.ticks = 0;
        // It must leave one fine step for its loop head.
        this.bulkClock.budget = this.bulkLimit - rec.at - 1;
        const done = st.bulk!.run(this.cx, top, this.bulkClock);
        this.flushBulkPhases();
        rec.ticks += 1;
        if (rec.ticks > 1) {
          rec.bulk = st as Stmt<unknown>;
          rec.trace = this.pendingTrace;
        }
        this.pendingTrace = null;
        if (done) top.pc = top.fn.labels!.get(st.bulk!.until)!;
        // Bulk stopped early (it went as far as it safely could): run the loop head itself.
        else entered = this.apply(actor, st.exec ? st.exec(this.cx, top) : undefined);
      } else {
        entered = this.apply(actor, st.exec ? st.exec(this.cx, top) : undefined);
      }
      // Silent statements (closing braces, back-edges) run as part of this step.
      for (let guard = 0; guard < 64; guard++) {
        const frame = actor.stack[actor.stack.length - 1];
        if (!frame) break;
        const next = frame.fn.body[frame.pc] as Stmt<C>;
        if (!next.silent) break;
        entered = this.apply(actor, next.exec ? next.exec(this.cx, frame) : undefined) || entered;
      }
      ok = true;
    } finally {
      rec.undo = this.journal.end();
      this.recording = null;
      // The statement threw half way: take back what it did, so the state is the one before it.
      if (!ok) this.restore(rec);
    }
    if (this.firstStep[actor.id]! < 0) this.firstStep[actor.id] = rec.at;
    this.clock = rec.at + rec.ticks;
    this.history.push(rec);
    if (this.history.length > this.historyLimit + (this.historyLimit >>> 3)) {
      // Evict the oldest eighth at once (amortized O(1)): going back stops at the new horizon.
      const drop = this.history.length - this.historyLimit;
      this.history.splice(0, drop);
      this.horizon = this.history[0]!.at;
      this.changes.dropBefore(this.history[0]!.changeStart);
    }
    const after = actor.stack[actor.stack.length - 1];
    const phase = after ? (after.fn.body[after.pc] as Stmt<C>).phase : undefined;
    if (phase) this.stepPhases.push({ name: phase, step: this.clock, fn: after!.fn.name, line: after!.fn.body[after!.pc]!.line! });
    return entered;
  }

  /** Remember a frame's fields before this step changes them (once per frame per step). */
  private save(f: Frame): void {
    const saved = this.recording?.saved;
    if (!saved) return;
    for (let i = 0; i < saved.length; i++) if (saved[i]!.f === f) return;
    saved.push({ f, pc: f.pc, locals: { ...f.locals }, into: f.into, stay: f.stay, pending: f.pending });
  }

  /** Before the step changes the shape of the actor's stack: keep the stack as it was (once per step). */
  private keepStack(actor: Actor): void {
    const rec = this.recording;
    if (rec && rec.frames === null) rec.frames = actor.stack.slice();
  }

  /** Apply an outcome to the actor's stack. True when it entered a function. */
  private apply(actor: Actor, out: Outcome): boolean {
    const stack = actor.stack;
    const frame = stack[stack.length - 1]!;
    if (out === undefined) {
      frame.pc++;
    } else if ('goto' in out) {
      const pc = frame.fn.labels!.get(out.goto);
      if (pc === undefined) throw new Error(`${frame.fn.name}: no label ${out.goto}`);
      frame.pc = pc;
    } else if ('call' in out) {
      const fn = this.listing.fns.get(out.call);
      if (!fn) throw new Error(`${frame.fn.name} calls unknown function ${out.call}`);
      frame.into = out.into;
      frame.stay = out.stay;
      this.keepStack(actor);
      stack.push({ fn, pc: 0, locals: { ...out.args } });
      if (this.recording) this.recording.enter = fn.name;
      return true;
    } else if (out.fail) {
      // A FAIL (or panic) path: stop on this statement, in this frame; the next step returns or exits.
      this.raise(out.filter ?? 'fail', `${frame.fn.name}: ${out.fail}`);
      this.save(frame);
      frame.pending = 'ret' in out ? { ret: out.ret } : { exit: out.exit };
      return false;
    } else if ('ret' in out) {
      this.returnFrom(actor, out.ret);
      return false;
    } else {
      this.exitActor(actor, out.exit);
      return false;
    }
    if (frame.pc >= frame.fn.body.length) this.returnFrom(actor, undefined);
    return false;
  }

  private exitActor(actor: Actor, reason: string): void {
    this.keepStack(actor);
    actor.stack = [];
    actor.done = true;
    actor.exitReason = reason;
  }

  private returnFrom(actor: Actor, value: Value): void {
    const stack = actor.stack;
    this.keepStack(actor);
    stack.pop();
    const caller = stack[stack.length - 1];
    if (!caller) {
      actor.done = true;
      actor.exitReason = actor.exitReason ?? 'returned';
      return;
    }
    this.save(caller);
    if (typeof caller.into === 'string') caller.locals[caller.into] = value;
    else if (caller.into) caller.into(caller.locals, value);
    caller.into = undefined;
    if (caller.stay) caller.stay = undefined;
    else caller.pc++;
    if (caller.pc >= caller.fn.body.length) this.returnFrom(actor, undefined);
  }

  /** After a step: events, invariants, then whether to stop. */
  private afterStep(actor: Actor, entered: boolean): StopInfo | null {
    // Indexed loops: this runs after every step, often before the JIT has optimized it.
    const runs = this.phaseRuns;
    for (let i = 0; i < runs.length; i++) {
      const r = runs[i]!;
      this.emit({ type: 'phases', name: r.name, actorId: actor.id, steps: r.steps.subarray(0, r.n), fn: r.fn, line: r.line });
    }
    runs.length = 0;
    const phases = this.stepPhases;
    for (let i = 0; i < phases.length; i++) {
      const p = phases[i]!;
      this.emit({ type: 'phase', name: p.name, actorId: actor.id, step: p.step, fn: p.fn, line: p.line });
    }
    const breaks = this.host.checkInvariants();
    for (let i = 0; i < breaks.length; i++) {
      const b = breaks[i]!;
      const key = `${b.name}: ${b.message}`;
      if (this.reportedBreaks.has(key)) continue;
      this.reportedBreaks.set(key, this.clock);
      this.stepExceptions.push({ filter: 'invariant', message: key });
    }
    let stop: StopInfo | null = null;
    const exceptions = this.stepExceptions;
    if (exceptions.length) {
      const rec = this.history[this.history.length - 1]!;
      rec.raised = exceptions.slice();
      const cur = this.current(actor);
      for (let i = 0; i < exceptions.length; i++) {
        const ex = exceptions[i]!;
        this.emit({ type: 'exception', filter: ex.filter, message: ex.message, actorId: actor.id, step: this.clock, fn: cur?.frame.fn.name ?? '', line: cur?.stmt.line ?? 0 });
        if (!stop && this.filters.has(ex.filter)) stop = { reason: 'exception', actorId: actor.id, description: ex.message, exception: { ...ex } };
      }
    }
    if (stop) return stop;
    if (this.stopAtPhase && phases.length) {
      const p = phases[phases.length - 1]!;
      return { reason: 'step', actorId: actor.id, description: `phase "${p.name}"` };
    }
    const watches = this.watches;
    for (let i = 0; i < watches.length; i++) {
      const w = watches[i]!;
      const v = w.read();
      if (v !== w.last) {
        const was = w.last;
        w.last = v;
        return { reason: 'data breakpoint', actorId: actor.id, description: `${w.description} changed: ${fmt(was)} → ${fmt(v)}`, breakpointIds: [w.id] };
      }
    }
    const bpStop = this.checkBreakpoints(actor, entered);
    if (bpStop) return bpStop;
    const m = this.mode;
    if (m.kind === 'step' && m.actor === actor.id) {
      const depth = actor.stack.length;
      if (actor.done) return { reason: 'step', actorId: actor.id, description: `${actor.name} exited` };
      if (m.how === 'in' || (m.how === 'over' && depth <= m.depth) || (m.how === 'out' && depth < m.depth)) {
        return { reason: 'step', actorId: actor.id, description: 'step' };
      }
    }
    return null;
  }

  /** Forward: the breakpoints where `actor` stands now (after a step that `entered` a function, or before its first). */
  private checkBreakpoints(actor: Actor, entered: boolean): StopInfo | null {
    return this.matchBreakpoints(actor, entered, (b) => {
      b.hits++;
      this.attachUndo(() => {
        b.hits--;
      }, b.hit !== null);
      return b.hits;
    }, true);
  }

  /**
   * The breakpoints at `actor`'s position whose condition holds, counted by `count` (forward: the
   * breakpoint's own hit count; in reverse: hits met going back); logpoints print when `log`.
   */
  private matchBreakpoints(actor: Actor, entered: boolean, count: (b: Bp) => number, log: boolean): StopInfo | null {
    if (this.bps.length === 0) return null;
    const cur = this.current(actor);
    if (!cur) return null;
    const line = cur.stmt.line!;
    const hitIds: number[] = [];
    let kind: StopReason = 'breakpoint';
    for (const b of this.bps) {
      const at = b.fn ? entered && cur.frame.fn.name === b.fn && cur.frame.pc === firstStop(cur.frame) : b.lines.has(line);
      if (!at) continue;
      if (b.logMessage !== undefined && !log) continue;
      if (b.cond) {
        try {
          if (!truthy(evalExpr(b.cond, this.host.resolver(actor, cur.frame)))) continue;
        } catch (e) {
          // A condition that cannot be evaluated here stops, and says why, rather than hiding.
          this.output(`breakpoint ${b.id}: condition "${b.condition}" failed: ${(e as ExprError).message}`, 'stderr');
        }
      }
      const n = count(b);
      if (b.hit && !b.hit(n)) continue;
      if (b.logMessage !== undefined) {
        this.output(interpolate(b.logMessage, this.host.resolver(actor, cur.frame)), 'console');
        continue;
      }
      hitIds.push(b.id);
      if (b.kind === 'function') kind = 'function breakpoint';
    }
    if (hitIds.length === 0) return null;
    return { reason: kind, actorId: actor.id, description: `${actor.name} at ${cur.frame.fn.name} line ${line}`, breakpointIds: hitIds };
  }

  // ---- going backwards ------------------------------------------------------------------------

  /** Put everything a step changed back as it was before the step (journal, frames, scheduler, log). */
  private restore(rec: StepRecord): void {
    Journal.undo(rec.undo);
    this.changes.truncate(rec.changeStart);
    for (let i = rec.saved.length - 1; i >= 0; i--) {
      const sf = rec.saved[i]!;
      sf.f.pc = sf.pc;
      sf.f.locals = sf.locals;
      sf.f.into = sf.into;
      sf.f.stay = sf.stay;
      sf.f.pending = sf.pending;
    }
    const a = this.actors[rec.actor]!;
    // No frames kept: the step left the stack's shape alone, and the steps after it are undone already.
    if (rec.frames) a.stack = rec.frames;
    a.done = rec.done;
    a.exitReason = rec.exitReason;
    this.rng.state = rec.rng;
    this.log.length = rec.logLen;
  }

  /** Undo the last step. Returns its record, or null at the history horizon. */
  private undoOne(): StepRecord | null {
    const rec = this.history.pop();
    if (!rec) return null;
    this.pendingPick = null;
    this.restore(rec);
    this.clock = rec.at;
    if (this.firstStep[rec.actor] === rec.at) this.firstStep[rec.actor] = -1;
    for (const [k, step] of this.reportedBreaks) if (step > this.clock) this.reportedBreaks.delete(k);
    for (const l of this.rewindListeners) l(this.clock);
    return rec;
  }

  private resyncWatches(): void {
    for (const w of this.watches) w.last = w.read();
  }

  private startStop(actorId: number): StopInfo {
    this.resyncWatches();
    return this.stop({ reason: 'entry', actorId, description: this.startDescription() });
  }

  /**
   * The step that made state `step` (1 ≤ step ≤ now, within history): who ran it, the statement it
   * ran, and the bulk step it belongs to (its trace answers for the fine steps inside).
   */
  stepAt(step: number): { actor: number; fn: string; line: number; bulk: { from: number; to: number; trace: BulkTrace | null; fn: string; line: number } | null } | null {
    const h = this.history;
    let lo = 0;
    let hi = h.length - 1;
    if (hi < 0 || step <= h[0]!.at || step > this.clock) return null;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (h[mid]!.at < step) lo = mid;
      else hi = mid - 1;
    }
    const r = h[lo]!;
    const bulk = r.bulk ? { from: r.at + 1, to: r.at + r.ticks, trace: r.trace, fn: r.fromFn, line: r.fromLine } : null;
    return { actor: r.actor, fn: r.fromFn, line: r.fromLine, bulk };
  }

  /**
   * The moments an actor stood at listing line `line` (where a breakpoint there stops), within the
   * retained history and up to `ahead` steps into the future: the past from the step records, bulk
   * steps that could hide some by running them again statement by statement, the future by running
   * on (at most `ahead` steps, or `limit` moments). The run comes back to where it was.
   */
  arrivalsAt(line: number, opts: { ahead: number; limit: number; replayUpTo: number }): { past: Array<{ step: number; actor: number }>; future: Array<{ step: number; actor: number }>; skipped: Array<{ from: number; to: number; why: 'long' | 'edit' }> } {
    const here = this.clock;
    // Stopped at an actor's start: coming back here must keep that pick (and the draw that made it).
    const pick = this.pendingPick;
    const rngHere = this.rng.state;
    const past: Array<{ step: number; actor: number }> = [];
    const skipped: Array<{ from: number; to: number; why: 'long' | 'edit' }> = [];
    const hidden: StepRecord[] = [];
    /** Hidden bulk steps before this many are not run again: a later step carries an edit or a counted hit. */
    let keep = 0;
    // Before its first step, an actor stands at its entry's first statement (where an entry breakpoint stops it).
    const lastEnd = this.actors.map((a) => Math.max(this.horizon, this.firstStep[a.id]!));
    for (const r of this.history) {
      if (r.fromLine === line && !r.bulk) past.push({ step: lastEnd[r.actor]!, actor: r.actor });
      if (r.bulk && (r.fromLine === line || this.bulkInner.get(r.bulk as Stmt<C>)?.lines.has(line))) hidden.push(r);
      if (this.unreplayable.has(r)) keep = hidden.length;
      lastEnd[r.actor] = r.at + r.ticks;
    }
    const collect = (into: Array<{ step: number; actor: number }>) => (a: Actor): boolean => {
      if (!a.done && this.current(a)!.stmt.line === line) into.push({ step: this.clock, actor: a.id });
      return into.length >= opts.limit;
    };
    // Inside bulk steps: run them again statement by statement (the budget keeps big ones out).
    let budget = opts.replayUpTo;
    for (const [i, r] of hidden.entries()) {
      if (i < keep || r.ticks > budget) {
        skipped.push({ from: r.at + 1, to: r.at + r.ticks, why: i < keep ? 'edit' : 'long' });
        continue;
      }
      budget -= r.ticks;
      const inside: Array<{ step: number; actor: number }> = [];
      this.gotoStep(r.at);
      this.runTo(r.at + r.ticks, true, collect(inside));
      past.push(...inside);
    }
    const future: Array<{ step: number; actor: number }> = [];
    if (opts.ahead > 0) {
      this.gotoStep(here);
      this.runTo(here + opts.ahead, true, collect(future));
    }
    this.gotoStep(here);
    if (pick) {
      this.pendingPick = pick;
      this.rng.state = rngHere;
    }
    past.sort((a, b) => a.step - b.step);
    return { past: past.filter((p) => p.step < here), future: future.filter((f) => f.step > here), skipped };
  }

  /** The function entries of every retained step, as (step, actor): fine ones from their records, bulk ones from their traces. */
  entriesOf(fn: string): Array<{ step: number; actor: number }> {
    const out: Array<{ step: number; actor: number }> = [];
    for (const r of this.history) {
      if (r.enter === fn) out.push({ step: r.at + 1, actor: r.actor });
      else if (r.trace) for (const step of r.trace.entries(fn)) out.push({ step, actor: r.actor });
    }
    return out;
  }

  /**
   * The bulk steps that end after step `after` (oldest first), found from the newest step back: for
   * a view that follows the run from one stop to the next, what the change log does not list.
   */
  bulkStepsAfter(after: number): Array<{ from: number; to: number; trace: BulkTrace | null }> {
    const out: Array<{ from: number; to: number; trace: BulkTrace | null }> = [];
    const h = this.history;
    for (let i = h.length - 1; i >= 0; i--) {
      const r = h[i]!;
      if (r.at + r.ticks <= after) break;
      if (r.bulk) out.push({ from: r.at + 1, to: r.at + r.ticks, trace: r.trace });
    }
    return out.reverse();
  }

  /** Every retained bulk step's trace, with its actor. */
  get traces(): Array<{ actor: number; from: number; to: number; trace: BulkTrace }> {
    return this.history.filter((r) => r.trace).map((r) => ({ actor: r.actor, from: r.at + 1, to: r.at + r.ticks, trace: r.trace! }));
  }

  /** The raised exceptions of every retained step: (step, filter, message). */
  get raisedSoFar(): Array<{ step: number; actor: number; filter: ExceptionFilter; message: string }> {
    const out: Array<{ step: number; actor: number; filter: ExceptionFilter; message: string }> = [];
    for (const r of this.history) for (const x of r.raised ?? []) out.push({ step: r.at + r.ticks, actor: r.actor, filter: x.filter, message: x.message });
    return out;
  }

  /**
   * The step just before `actorId`'s last fine step (inside a bulk step too: its last fine step is
   * the loop head's), or null when it has not run within history.
   */
  lastStepOf(actorId: number): number | null {
    const h = this.history;
    for (let i = h.length - 1; i >= 0; i--) if (h[i]!.actor === actorId) return h[i]!.at + h[i]!.ticks - 1;
    return null;
  }

  /** Step `actorId` back to where it was before its last statement (others go back with it). */
  stepBack(actorId: number): StopInfo {
    this.actor(actorId);
    this.mode = { kind: 'idle' };
    const target = this.lastStepOf(actorId);
    if (target === null) {
      this.gotoStep(this.horizon);
      return this.startStop(actorId);
    }
    this.gotoStep(target);
    return this.stop({ reason: 'step', actorId, description: 'stepped back' });
  }

  /**
   * Go back to the latest moment forward execution would have stopped at, with everything it
   * honours: line, function and phase breakpoints (conditions hold there; hit counts are counted
   * going back: "2" is the second hit met on the way back), a breakpoint on an actor's start, data
   * breakpoints (the step where the watched value last changed), exception filters (the last FAIL,
   * panic or invariant break). At the history horizon when there is none.
   */
  reverseContinue(): StopInfo {
    return this.reverseTo(this.horizon, null) ?? this.startStop(this.actors[0]!.id);
  }

  /**
   * Reverse step over: back to before `actorId`'s last statement in this frame or a caller (calls
   * it made are stepped over backwards), stopping earlier at anything reverse continue stops at.
   */
  reverseStepOver(actorId: number): StopInfo {
    return this.reverseStep(actorId, (depth, d) => depth <= d, 'stepped back over');
  }
  /** Reverse step out: back to before the call that entered `actorId`'s current function. */
  reverseStepOut(actorId: number): StopInfo {
    return this.reverseStep(actorId, (depth, d) => depth < d, 'stepped back out');
  }

  private reverseStep(actorId: number, ok: (depth: number, d: number) => boolean, what: string): StopInfo {
    const a = this.actor(actorId);
    if (a.done) throw new Error(`${a.name} has exited; step it back with stepBack`);
    this.mode = { kind: 'idle' };
    const d = a.stack.length;
    const h = this.history;
    let i = h.length - 1;
    while (i >= 0 && !(h[i]!.actor === actorId && ok(h[i]!.depth, d))) i--;
    // Nothing of this actor's before it at a lower depth: out of (or over the start of) its entry
    // function is the moment before the actor's first step, where it waits to start, as a C
    // debugger's reverse-finish from a thread's start routine lands before the thread ran.
    const first = this.firstStep[actorId]!;
    const beforeStart = i < 0 && first > this.horizon;
    const target = i >= 0 ? h[i]!.at + h[i]!.ticks - 1 : beforeStart ? first : this.horizon;
    const stop = this.reverseTo(target, actorId);
    if (stop) return stop;
    if (beforeStart) return this.stop({ reason: 'step', actorId, description: `${what}: before ${a.name} started` });
    if (i < 0) return this.startStop(actorId);
    return this.stop({ reason: 'step', actorId, description: what });
  }

  /**
   * Walk back to step `low`, stopping at the latest moment after it where forward execution would
   * have stopped (see reverseContinue). Returns that stop, or null having landed on `low`.
   */
  private reverseTo(low: number, _actor: number | null): StopInfo | null {
    this.mode = { kind: 'idle' };
    const start = this.clock;
    const hits = new Map<Bp, number>();
    const count = (b: Bp): number => {
      const n = (hits.get(b) ?? 0) + 1;
      hits.set(b, n);
      return n;
    };
    /** How long a tail of each bulk region was expanded into fine steps (doubling while nothing stops there). */
    const expanded = new Map<number, number>();
    for (;;) {
      const rec = this.history[this.history.length - 1];
      if (!rec || this.clock <= low) break;
      const end = rec.at + rec.ticks;
      if (rec.bulk && (!this.bulkAllowed.get(rec.bulk as Stmt<C>) || this.watches.length)) {
        // Something could stop inside this bulk step: look at its tail fine step by fine step.
        const before = this.watches.map((w) => w.read());
        if (this.watches.length && !this.bulkInsideStops(rec)) {
          // Only watches: they can change inside only if the value differs across the step.
          this.undoOne();
          const changed = this.watches.some((w, k) => w.read() !== before[k]);
          this.runTo(end);
          if (!changed) {
            // Nothing inside stops, but the moment after the step may (a breakpoint on the line after
            // the loop, an exception the step raised), as in the general case below.
            const stop = end < start && end > low ? this.stopAt(this.history[this.history.length - 1]!, count) : null;
            if (stop) {
              this.resyncWatches();
              return this.stop(stop);
            }
            if (rec.at < low) {
              this.gotoStep(low);
              break;
            }
            this.undoOne();
            continue;
          }
        }
        const k = (expanded.get(rec.at) ?? 2048) * 2;
        expanded.set(rec.at, k);
        this.expandTail(rec, k);
        continue;
      }
      // The state after `rec` (not the one the walk started from): would forward have stopped here?
      if (end < start && end > low) {
        const stop = this.stopAt(rec, count);
        if (stop) {
          this.resyncWatches();
          return this.stop(stop);
        }
      }
      if (rec.at < low) {
        // `low` is inside this step: land there exactly.
        this.gotoStep(low);
        break;
      }
      const before = this.watches.map((w) => w.read());
      this.undoOne();
      const changed = this.watches.findIndex((w, k) => w.read() !== before[k]);
      if (changed >= 0 && end < start) {
        // The watched value last changed in this step: the stop is after it.
        const w = this.watches[changed]!;
        const was = w.read();
        this.runTo(end);
        this.resyncWatches();
        return this.stop({ reason: 'data breakpoint', actorId: rec.actor, description: `${w.description} changed: ${fmt(was)} → ${fmt(w.read())}`, breakpointIds: [w.id] });
      }
      if (this.clock >= low && this.firstStep[rec.actor] === -1 && this.bps.length) {
        // Before an actor's first step: where a breakpoint on its entry function stopped it.
        const entry = this.matchBreakpoints(this.actors[rec.actor]!, true, count, false);
        if (entry) {
          this.resyncWatches();
          this.holdPick(rec.actor, rec.rng);
          const cur = this.current(this.actors[rec.actor]!)!;
          return this.stop({ ...entry, description: `${this.actors[rec.actor]!.name} starts ${cur.frame.fn.name} (line ${cur.stmt.line})` });
        }
      }
    }
    this.resyncWatches();
    return null;
  }

  /**
   * Stopped before `actorId`'s first step, as forward stops at its start: the scheduler draws it again
   * (its state is the one from before that draw), and the next run goes on with that pick instead of
   * stopping at the same start once more.
   */
  private holdPick(actorId: number, rngBefore: number): void {
    let runnable = 0;
    for (const a of this.actors) if (!a.done && !this.waits(a)) runnable++;
    if (runnable > 1) this.rng.below(runnable);
    this.pendingPick = { actor: actorId, rng: rngBefore, alone: runnable === 1 };
  }

  /** True when a breakpoint lies inside a bulk step's loop (its region is not allowed to run bulk now). */
  private bulkInsideStops(rec: StepRecord): boolean {
    return rec.bulk !== null && this.bps.length > 0 && !this.bulkAllowedIgnoringWatches(rec.bulk as Stmt<C>);
  }
  private bulkAllowedIgnoringWatches(st: Stmt<C>): boolean {
    const inner = this.bulkInner.get(st)!;
    for (const b of this.bps) {
      if (b.fn && inner.fns.has(b.fn)) return false;
      for (const l of b.lines) if (inner.lines.has(l)) return false;
    }
    return true;
  }

  /** Would forward execution have stopped right after `rec` (the state now)? Exceptions, then breakpoints. */
  private stopAt(rec: StepRecord, count: (b: Bp) => number): StopInfo | null {
    for (const ex of rec.raised ?? []) {
      if (this.filters.has(ex.filter)) return { reason: 'exception', actorId: rec.actor, description: ex.message, exception: { ...ex } };
    }
    const actor = this.actors[rec.actor]!;
    if (actor.done) return null;
    return this.matchBreakpoints(actor, rec.enter !== null, count, false);
  }

  /**
   * Redo a bulk step as bulk up to `k` fine steps before its end and the rest as fine steps, so that
   * going back meets each of those fine steps. The step numbers stay what they were.
   */
  private expandTail(rec: StepRecord, k: number): void {
    const end = rec.at + rec.ticks;
    this.undoOne();
    this.runTo(Math.max(rec.at, end - k));
    this.runTo(end, true);
  }

  private startDescription(): string {
    return this.horizon === 0 ? 'at the start of the run' : `at the history horizon (step ${this.horizon}): history keeps the last ${this.historyLimit} steps`;
  }

  /** Go to exactly step `steps`: back through history, or forward by running (a bulk step lands on it exactly). */
  gotoStep(steps: number): void {
    if (!Number.isSafeInteger(steps) || steps < 0) throw new RangeError(`a step number is a whole number 0 or more, got ${steps}`);
    if (steps < this.horizon) throw new RangeError(`step ${steps} is before the history horizon: the oldest step kept is ${this.horizon} (history keeps the last ${this.historyLimit} steps)`);
    const h = this.history;
    while (h.length && h[h.length - 1]!.at >= steps) this.undoOne();
    // Inside the last step (a bulk one): redo it up to there.
    if (h.length && h[h.length - 1]!.at + h[h.length - 1]!.ticks > steps) this.undoOne();
    this.runTo(steps);
    this.mode = { kind: 'idle' };
    this.resyncWatches();
  }

  /**
   * Run forward to exactly step `steps` (or the end, if the run ends first) with nothing that stops:
   * breakpoints, filters and watches are set aside; bulk steps never pass it; `fine` forbids them.
   */
  private runTo(steps: number, fine = false, each?: (actor: Actor) => boolean): void {
    if (this.clock >= steps) return;
    const saved = { bps: this.bps, filters: this.filters, watches: this.watches, phase: this.stopAtPhase, mode: this.mode };
    this.bps = [];
    this.filters = new Set();
    this.watches = [];
    this.stopAtPhase = false;
    this.recomputeBulk();
    this.bulkLimit = steps;
    this.noBulk = fine;
    this.mode = { kind: 'continue' };
    try {
      while (this.clock < steps && !this.finished) {
        const stop = this.run(1);
        if (stop && stop.reason !== 'pause') break;
        if (each && each(this.actors[this.history[this.history.length - 1]!.actor]!)) break;
      }
    } finally {
      this.bps = saved.bps;
      this.filters = saved.filters;
      this.watches = saved.watches;
      this.stopAtPhase = saved.phase;
      this.bulkLimit = Infinity;
      this.noBulk = false;
      this.mode = saved.mode;
      this.recomputeBulk();
    }
  }

  // ---- edits from outside the program (a debugger) --------------------------------------------

  /**
   * Attach the undo of an edit made from outside the program (a debugger writing memory or a
   * variable) to the step that is current now: stepping back across that step undoes the edit,
   * and running forward again replays the program without it. An edit made before the first step
   * has no step to join and stays for good. Watches take the edited values as their baseline, so
   * an edit is not reported as a data-breakpoint change.
   */
  recordEdit(undo: Undo): void {
    const last = this.history[this.history.length - 1];
    if (last) {
      last.undo = last.undo === NO_UNDO ? [undo] : [...last.undo, undo];
      this.unreplayable.add(last);
    }
    this.resyncWatches();
  }

  /** Add an undo entry to the last step (for what happens after it ran: breakpoint hits). */
  private attachUndo(undo: Undo, unreplayable: boolean): void {
    const last = this.history[this.history.length - 1];
    if (!last) return;
    last.undo = last.undo === NO_UNDO ? [undo] : [...last.undo, undo];
    if (unreplayable) this.unreplayable.add(last);
  }

  /** Register invariant breaks found outside a step (after an edit); answers the ones not reported before. */
  acceptBreaks(breaks: Array<{ name: string; message: string }>): Array<{ name: string; message: string }> {
    const fresh: Array<{ name: string; message: string }> = [];
    for (const b of breaks) {
      const key = `${b.name}: ${b.message}`;
      if (this.reportedBreaks.has(key)) continue;
      this.reportedBreaks.set(key, this.stepCount);
      fresh.push(b);
    }
    return fresh;
  }

  /** Invariant breaks seen so far on this timeline, oldest first. */
  get invariantBreaks(): string[] {
    return [...this.reportedBreaks.keys()];
  }

  /** Who ran each step so far (for traces and tests). */
  get schedule(): number[] {
    return this.history.map((h) => h.actor);
  }
}

/** The clock a bulk step counts on: its budget shrinks as it counts. */
class StepClock implements BulkClock {
  budget = Infinity;
  constructor(
    private readonly onAdvance: (n: number) => void,
    private readonly onPhase: (fn: string, stmt: Stmt<never>, steps: Float64Array | null) => void,
  ) {}
  advance(n: number): void {
    this.budget -= n;
    this.onAdvance(n);
  }
  phase(fn: string, stmt: Stmt<never>): void {
    this.onPhase(fn, stmt, null);
  }
  phaseAt(fn: string, stmt: Stmt<never>, steps: Float64Array): void {
    if (steps.length > 0) this.onPhase(fn, stmt, steps);
  }
}

function firstStop(frame: Frame): number {
  const i = frame.fn.body.findIndex((st) => !st.silent);
  return i < 0 ? 0 : i;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A watched value as a stop shows it: strings as they are (history's formatting), numbers in hex when large. */
function fmt(v: Value): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'none';
  return typeof v === 'number' && Number.isInteger(v) && Math.abs(v) > 0xffff ? (v < 0 ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`) : JSON.stringify(v);
}

/** `N`, `>= N`, `> N`, `== N`, `% N` → a predicate on the hit count; null if malformed. */
export function parseHitCondition(s: string): ((n: number) => boolean) | null {
  const m = /^\s*(>=|>|==|=|%)?\s*(\d+)\s*$/.exec(s);
  if (!m) return null;
  const k = Number(m[2]);
  switch (m[1]) {
    case '>=': return (n) => n >= k;
    case '>': return (n) => n > k;
    case '%': return (n) => k > 0 && n % k === 0;
    default: return (n) => n === k;
  }
}
