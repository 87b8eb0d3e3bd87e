// Runs a program (program.ts) as actors with their own call stacks under a seeded scheduler, one
// statement per step, with history for going backwards, breakpoints, watches and stops. Knows no
// FSR and no protocol: the handoff is a program, the debugger a caller of this API.

import { type Expr, ExprError, type Resolver, type Value, evalExpr, interpolate, parseExpr, truthy } from './expr';
import { Journal, NO_UNDO, type Undo } from './journal';
import { type Frame, type Listing, type Locals, type Outcome, type Stmt, reachable } from './program';
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

export type StopReason = 'entry' | 'step' | 'breakpoint' | 'function breakpoint' | 'data breakpoint' | 'exception' | 'pause' | 'end' | 'deadlock';

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

export type RuntimeEvent =
  | { type: 'output'; line: string; category: 'console' | 'stdout' | 'stderr' }
  | { type: 'phase'; name: string; actorId: number }
  | { type: 'exception'; filter: ExceptionFilter; message: string; actorId: number }
  | { type: 'progress'; id: string; title: string; percent: number; done: boolean };

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
  events: number;
}


export class Runtime<C> {
  readonly journal = new Journal();
  readonly actors: Actor[];
  readonly log: string[] = [];
  /** Undo records of the most recent steps (at most `historyLimit`, oldest evicted). */
  private history: StepRecord[] = [];
  /** Steps evicted from the front of history: the oldest step one can go back to. */
  private horizon = 0;
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
  private stepExceptions: Array<{ filter: ExceptionFilter; message: string }> = [];
  private stepPhases: string[] = [];

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
  /** A log line (journaled: going back removes it). */
  output(line: string, category: 'console' | 'stdout' | 'stderr' = 'stdout'): void {
    this.log.push(line);
    this.emit({ type: 'output', line, category });
  }
  /** Called by statements: an exception the filters may stop on after this step. */
  raise(filter: ExceptionFilter, message: string): void {
    this.stepExceptions.push({ filter, message });
  }

  // ---- state ----------------------------------------------------------------------------------

  get stepCount(): number {
    return this.horizon + this.history.length;
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
    const wait = (frame.fn.body[frame.pc] as Stmt<C>).wait;
    return wait !== undefined && this.askWait(a, wait, frame) !== null;
  }
  blockedOn(a: Actor): string | null {
    if (a.done) return a.exitReason ?? 'exited';
    const cur = this.current(a);
    return cur?.stmt.wait ? this.askWait(a, cur.stmt.wait, cur.frame) : null;
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
      const name = typeof s.name === 'string' ? s.name.trim() : '';
      if (!name) return fail('a function breakpoint needs the name of a function, a seed macro or a phase');
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
    return { id, verified: true, lines: [...lines].sort((a, b) => a - b) };
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
      let ok = this.watches.length === 0;
      for (const b of this.bps) {
        if (!ok) break;
        if (b.fn && inner.fns.has(b.fn)) ok = false;
        for (const l of b.lines) if (inner.lines.has(l)) ok = false;
      }
      this.bulkAllowed.set(st, ok);
    }
  }

  // ---- control --------------------------------------------------------------------------------

  continue(): void {
    this.mode = { kind: 'continue' };
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
      const rngBefore = this.rng.state;
      const actor = runnable.length === 1 ? runnable[0]! : runnable[this.rng.below(runnable.length)]!;
      let entered: boolean;
      try {
        entered = this.execute(actor, rngBefore, runnable.length === 1);
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
      saved: [{ f: top, pc: top.pc, locals: { ...top.locals }, into: top.into, stay: top.stay }],
      done: actor.done,
      exitReason: actor.exitReason,
      rng: rngBefore,
      undo: NO_UNDO,
      logLen: this.log.length,
      events: 0,
    };
    this.recording = rec;
    this.stepExceptions.length = 0;
    this.stepPhases.length = 0;
    this.journal.begin();
    this.currentActor = actor;
    let entered = false;
    let ok = false;
    try {
      const st = top.fn.body[top.pc] as Stmt<C>;
      // Bulk only while no other actor could run: then the fine path would draw nothing from the
      // scheduler either, and a breakpoint (which turns bulk off) cannot change what happens.
      const bulk = alone && st.bulk && this.bulkAllowed.get(st) && !(this.mode.kind === 'step' && this.mode.actor === actor.id);
      if (bulk && st.bulk!.run(this.cx, top)) {
        // The iterations ran inside this one step: report the phases they passed through.
        for (const p of this.bulkInner.get(st)!.phases) this.stepPhases.push(p);
        top.pc = top.fn.labels!.get(st.bulk!.until)!;
      } else {
        // Not bulk, or bulk stopped early (it went as far as it safely could): run the statement itself.
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
    this.history.push(rec);
    if (this.history.length > this.historyLimit + (this.historyLimit >>> 3)) {
      // Evict the oldest eighth at once (amortized O(1)): going back stops at the new horizon.
      const drop = this.history.length - this.historyLimit;
      this.history.splice(0, drop);
      this.horizon += drop;
    }
    const after = actor.stack[actor.stack.length - 1];
    const phase = after ? (after.fn.body[after.pc] as Stmt<C>).phase : undefined;
    if (phase) this.stepPhases.push(phase);
    return entered;
  }

  /** Remember a frame's fields before this step changes them (once per frame per step). */
  private save(f: Frame): void {
    const saved = this.recording?.saved;
    if (!saved) return;
    for (let i = 0; i < saved.length; i++) if (saved[i]!.f === f) return;
    saved.push({ f, pc: f.pc, locals: { ...f.locals }, into: f.into, stay: f.stay });
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
      return true;
    } else if ('ret' in out) {
      if (out.fail) this.raise('fail', `${frame.fn.name}: ${out.fail}`);
      this.returnFrom(actor, out.ret);
      return false;
    } else {
      this.keepStack(actor);
      actor.stack = [];
      actor.done = true;
      actor.exitReason = out.exit;
      return false;
    }
    if (frame.pc >= frame.fn.body.length) this.returnFrom(actor, undefined);
    return false;
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
    const phases = this.stepPhases;
    for (let i = 0; i < phases.length; i++) this.emit({ type: 'phase', name: phases[i]!, actorId: actor.id });
    const breaks = this.host.checkInvariants();
    for (let i = 0; i < breaks.length; i++) {
      const b = breaks[i]!;
      const key = `${b.name}: ${b.message}`;
      if (this.reportedBreaks.has(key)) continue;
      this.reportedBreaks.set(key, this.stepCount);
      this.stepExceptions.push({ filter: 'invariant', message: key });
    }
    let stop: StopInfo | null = null;
    const exceptions = this.stepExceptions;
    for (let i = 0; i < exceptions.length; i++) {
      const ex = exceptions[i]!;
      this.emit({ type: 'exception', filter: ex.filter, message: ex.message, actorId: actor.id });
      if (!stop && this.filters.has(ex.filter)) stop = { reason: 'exception', actorId: actor.id, description: ex.message, exception: ex };
    }
    if (stop) return stop;
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

  private checkBreakpoints(actor: Actor, entered: boolean): StopInfo | null {
    if (this.bps.length === 0) return null;
    const cur = this.current(actor);
    if (!cur) return null;
    const line = cur.stmt.line!;
    const hitIds: number[] = [];
    let kind: StopReason = 'breakpoint';
    for (const b of this.bps) {
      const at = b.fn ? entered && cur.frame.fn.name === b.fn && cur.frame.pc === firstStop(cur.frame) : b.lines.has(line);
      if (!at) continue;
      if (b.cond) {
        try {
          if (!truthy(evalExpr(b.cond, this.host.resolver(actor, cur.frame)))) continue;
        } catch (e) {
          // A condition that cannot be evaluated here stops, and says why, rather than hiding.
          this.output(`breakpoint ${b.id}: condition "${b.condition}" failed: ${(e as ExprError).message}`, 'stderr');
        }
      }
      b.hits++;
      this.attachUndo(() => {
        b.hits--;
      });
      if (b.hit && !b.hit(b.hits)) continue;
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
    for (let i = rec.saved.length - 1; i >= 0; i--) {
      const sf = rec.saved[i]!;
      sf.f.pc = sf.pc;
      sf.f.locals = sf.locals;
      sf.f.into = sf.into;
      sf.f.stay = sf.stay;
    }
    const a = this.actors[rec.actor]!;
    // No frames kept: the step left the stack's shape alone, and the steps after it are undone already.
    if (rec.frames) a.stack = rec.frames;
    a.done = rec.done;
    a.exitReason = rec.exitReason;
    this.rng.state = rec.rng;
    this.log.length = rec.logLen;
  }

  /** Undo the last step. Returns the actor it belonged to, or null at the start. */
  private undoOne(): StepRecord | null {
    const rec = this.history.pop();
    if (!rec) return null;
    this.restore(rec);
    for (const [k, step] of this.reportedBreaks) if (step > this.stepCount) this.reportedBreaks.delete(k);
    for (const l of this.rewindListeners) l(this.stepCount);
    return rec;
  }

  private resyncWatches(): void {
    for (const w of this.watches) w.last = w.read();
  }

  /** Step `actorId` back to where it was before its last statement (others go back with it). */
  stepBack(actorId: number): StopInfo {
    this.actor(actorId);
    this.mode = { kind: 'idle' };
    let rec: StepRecord | null;
    do rec = this.undoOne();
    while (rec && rec.actor !== actorId);
    this.resyncWatches();
    if (!rec) return this.stop({ reason: 'entry', actorId, description: this.startDescription() });
    return this.stop({ reason: 'step', actorId, description: 'stepped back' });
  }

  /** Go back until some actor stands at a breakpoint (conditions hold; hit counts are not replayed). */
  reverseContinue(): StopInfo {
    this.mode = { kind: 'idle' };
    for (;;) {
      const rec = this.undoOne();
      if (!rec) {
        this.resyncWatches();
        return this.stop({ reason: 'entry', actorId: this.actors[0]!.id, description: this.startDescription() });
      }
      const actor = this.actors[rec.actor]!;
      const cur = this.current(actor);
      if (!cur) continue;
      const line = cur.stmt.line!;
      const ids = this.bps
        .filter((b) => b.logMessage === undefined && (b.fn ? cur.frame.fn.name === b.fn && cur.frame.pc === firstStop(cur.frame) : b.lines.has(line)))
        .filter((b) => {
          if (!b.cond) return true;
          try {
            return truthy(evalExpr(b.cond, this.host.resolver(actor, cur.frame)));
          } catch {
            return true;
          }
        })
        .map((b) => b.id);
      if (ids.length) {
        this.resyncWatches();
        return this.stop({ reason: 'breakpoint', actorId: actor.id, description: `${actor.name} at ${cur.frame.fn.name} line ${line}`, breakpointIds: ids });
      }
    }
  }

  private startDescription(): string {
    return this.horizon === 0 ? 'at the start of the run' : `at the history horizon (step ${this.horizon}): history keeps the last ${this.historyLimit} steps`;
  }

  /** Go back (or forward, by running) to exactly `steps` steps from the start. */
  gotoStep(steps: number): void {
    if (steps < 0) throw new RangeError('step count must be non-negative');
    if (steps < this.horizon) throw new RangeError(`step ${steps} is before the history horizon: the oldest step kept is ${this.horizon} (history keeps the last ${this.historyLimit} steps)`);
    while (this.stepCount > steps) this.undoOne();
    if (this.stepCount < steps) {
      this.mode = { kind: 'continue' };
      const saved = this.bps;
      const savedFilters = this.filters;
      const savedWatches = this.watches;
      this.bps = [];
      this.filters = new Set();
      this.watches = [];
      this.recomputeBulk();
      try {
        while (this.stepCount < steps && !this.finished) if (this.run(steps - this.stepCount)) break;
      } finally {
        this.bps = saved;
        this.filters = savedFilters;
        this.watches = savedWatches;
        this.recomputeBulk();
      }
    }
    this.mode = { kind: 'idle' };
    this.resyncWatches();
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
    if (last) last.undo = last.undo === NO_UNDO ? [undo] : [...last.undo, undo];
    this.resyncWatches();
  }

  /** Add an undo entry to the last step (for what happens after it ran: breakpoint hits). */
  private attachUndo(undo: Undo): void {
    const last = this.history[this.history.length - 1];
    if (last) last.undo = last.undo === NO_UNDO ? [undo] : [...last.undo, undo];
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

function firstStop(frame: Frame): number {
  const i = frame.fn.body.findIndex((st) => !st.silent);
  return i < 0 ? 0 : i;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function fmt(v: Value): string {
  return typeof v === 'number' && Number.isInteger(v) && v > 0xffff ? `0x${v.toString(16)}` : JSON.stringify(v);
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
