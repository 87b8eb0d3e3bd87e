// The Debug Adapter Protocol over the engine: turns requests into Session/Runtime calls and engine
// events into DAP events. The engine decides; this translates. Knows no editor and no Node (I/O is injected).

import {
  DebugSession,
  ContinuedEvent,
  InitializedEvent,
  Logger,
  logger,
  InvalidatedEvent,
  LoggingDebugSession,
  MemoryEvent,
  OutputEvent,
  ProgressEndEvent,
  ProgressStartEvent,
  ProgressUpdateEvent,
  Response,
  StoppedEvent,
  TerminatedEvent,
  ThreadEvent,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { type Actor, type BreakpointSpec, type ExceptionFilter, type Frame, type InvariantBreak, type RuntimeEvent, Session, type StopInfo, type WatchTarget, didYouMean, hexNumber, mpnHex } from '../engine/index';
import { ArgError, type Args, argsOf, int, list, objectAt, oneOf, optBool, optInt, optText, shown, text } from './args';
import { CAPABILITIES, DAP_REQUESTS, EXCEPTION_FILTERS, refusal } from './capabilities';
import { completions, evaluate } from './evaluate';
import { FSR_REQUESTS, attachFsrRequests, handleFsrRequest } from './fsrRequests';
import { type FileAccessor, type LaunchConfig, resolveLaunch } from './launch';
import { MAX_TRANSFER, fromBase64, parseAddress, readMemory, toBase64, writeMemory } from './memory';
import { Inspector, type Kids, type VNode, childNames, childOf } from './variables';
import { WireReader, type WireProblem } from './wire';
import {
  type MomentBody, type WatchesBody, executionsNode, executionsOf, history, historyNode, historyTargetOf, invariants, invariantsNode,
} from './timeTravel';

export type { FileAccessor } from './launch';

/** The listing's sourceReference and name. */
export const LISTING_REF = 1;
export const LISTING_NAME = 'fsr-handoff.c';
/** The thread that stands for the finished run (every actor has exited), so its state stays inspectable. */
export const END_THREAD = 1000;
/** Frame ids are threadId · FRAME_STRIDE + depth from the bottom of the stack. */
const FRAME_STRIDE = 10000;
/** Data breakpoint ids live above line/function ids (the engine numbers both from 1). */
const DATA_BP_BASE = 1_000_000;
/** What a data breakpoint can stop on: a change of the value (a watch sees writes, not reads). */
const DATA_ACCESS = ['write'] as const;
/** Run in slices of this long at most, then yield to the event loop (pause, other requests). */
const SLICE_MS = 15;
const STEPS_PER_SLICE = 64;
/** The most variables one request answers (a client that asks for 16 Mi gets this many). */
const MAX_VARIABLES = 10000;
/** Collections longer than this are split into range groups for clients that do not page. */
const GROUP_LIMIT = 1000;

export { EXCEPTION_FILTERS } from './capabilities';
const FILTER_TEXT: Readonly<Record<ExceptionFilter | 'deadlock', string>> = { fail: 'FAIL', panic: 'panic', invariant: 'invariant break', deadlock: 'deadlock' };
/** The slides' own misspellings, accepted for the names they mean (a Map: a name typed by a user is never an object key). */

class InputProblem extends Error {}

interface RefEntry {
  kids: Kids;
  /** The evaluate path of the row whose children these are ('' for a frame's locals). */
  path: string;
  prefix: string;
}

/** variablesReference → children, valid until the program moves. Keyed by path so a row keeps its reference. */
class VarRefs {
  private byRef = new Map<number, RefEntry>();
  private byKey = new Map<string, number>();
  /** References 1..pinned stay across steps (the global scopes: their rows are read live when expanded), kept apart so clear() is two Map.clear()s. */
  private readonly pinnedByRef = new Map<number, RefEntry>();
  private readonly pinnedByKey = new Map<string, number>();
  private next = 1;
  private pinned = 0;
  clear(): void {
    this.byRef.clear();
    this.byKey.clear();
    this.next = this.pinned + 1;
  }
  /** Add a reference that survives clear(); only before any other. */
  pin(kids: Kids, path: string): number {
    let ref = this.pinnedByKey.get(path);
    if (ref === undefined) {
      ref = this.next++;
      this.pinnedByKey.set(path, ref);
    }
    this.pinnedByRef.set(ref, { kids, path, prefix: '' });
    this.pinned = ref;
    return ref;
  }
  /** `prefix` keys the children too (locals of different frames share paths, not rows). */
  add(kids: Kids, path: string, prefix: string, key = prefix + path): number {
    const pinned = this.pinnedByKey.get(key);
    if (pinned !== undefined) {
      this.pinnedByRef.set(pinned, { kids, path, prefix });
      return pinned;
    }
    let ref = this.byKey.get(key);
    if (ref === undefined) {
      ref = this.next++;
      this.byKey.set(key, ref);
    }
    this.byRef.set(ref, { kids, path, prefix });
    return ref;
  }
  get(ref: unknown): RefEntry | undefined {
    return typeof ref === 'number' ? (this.byRef.get(ref) ?? this.pinnedByRef.get(ref)) : undefined;
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** In a group of items a..b of `ix`: the group's index of the item a name's key names (the collection's own key). */
function within(ix: NonNullable<Kids['indexed']>, a: number, b: number): (key: number) => number | undefined {
  return (key) => {
    const i = ix.find ? ix.find(key) : key;
    return i === undefined || i < a || i > b ? undefined : i - a;
  };
}

function joinPath(parent: string, name: string): string {
  if (!parent) return name;
  if (name.startsWith('[')) return parent + name;
  return IDENTIFIER.test(name) ? `${parent}.${name}` : `${parent}[${JSON.stringify(name)}]`;
}

const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** DebugSession's own send and dispatch: what LoggingDebugSession's overrides call after formatting their log line. */
const unlogged = DebugSession.prototype as unknown as {
  sendResponse(response: DebugProtocol.Response): void;
  sendEvent(event: DebugProtocol.Event): void;
  dispatchRequest(request: DebugProtocol.Request): void;
};

export interface SessionHooks {
  /** Called after a disconnect (the stand-alone entry exits; inline, nothing). */
  exit?: () => void;
  /** A frame on the wire could not be read (the stand-alone entry writes it to stderr). */
  wireProblem?: (message: string) => void;
}

export class FsrDebugSession extends LoggingDebugSession {
  private session: Session | null = null;
  private insp: Inspector | null = null;
  private config: LaunchConfig | null = null;
  private configDone = false;
  private started = false;
  private running = false;
  private runToken = 0;
  private readonly refs = new VarRefs();
  private client = { progress: false, invalidated: false, memory: false, columnsStartAt1: true };
  private announced = new Set<number>();
  private lastStop: StopInfo | null = null;
  /** The step the run ends at, once this session has seen it end (a run's steps are its own; an edit may change them: then unknown again). */
  private runEnd: number | null = null;
  /** gotoTargets is running ahead to find a line's later executions: its events are not the run's. */
  private lookingAhead = false;
  private filters = new Set<ExceptionFilter>(['fail', 'panic', 'invariant']);
  /** What each breakpoint id stands for, to say which one hit. */
  private bpLabels = new Map<number, string>();
  private functionBpIds = new Set<number>();
  private lineBpIds = new Set<number>();
  private watchToDap = new Map<number, number>();
  private progress: { id: string; last: number } | null = null;
  private progressCount = 0;
  private terminated = false;
  /** The launch asked for `"trace": true`: messages go through LoggingDebugSession's log. */
  private tracing = false;

  constructor(private readonly files: FileAccessor, private readonly hooks: SessionHooks = {}) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  /** The engine session, once launched (for the extension's own views). */
  get engine(): Session | null {
    return this.session;
  }

  /**
   * Start on a pair of streams. The library's reader goes deaf after one bad Content-Length, so
   * messages are read by WireReader (wire.ts); the library keeps the output side and the stream's
   * close and error events. Its logger queues every message in memory until it is set up, so it is
   * set up here: off, unless a launch asks for `"trace": true`.
   */
  override start(inStream: Parameters<LoggingDebugSession['start']>[0], outStream: Parameters<LoggingDebugSession['start']>[1]): void {
    const reader = new WireReader({
      message: (m) => this.handleMessage(m as unknown as DebugProtocol.ProtocolMessage),
      problem: (p) => this.wireProblem(p),
    });
    // Everything but 'data' goes to the library's own listeners.
    const withoutData = {
      on(event: string, listener: (...a: unknown[]) => void) {
        if (event !== 'data') inStream.on(event, listener);
        return withoutData;
      },
      resume() {
        inStream.resume();
        return withoutData;
      },
    };
    inStream.on('data', (d: Uint8Array | string) => reader.push(typeof d === 'string' ? new TextEncoder().encode(d) : d));
    inStream.on('end', () => reader.close());
    inStream.on('close', () => reader.close());
    super.start(withoutData as unknown as typeof inStream, outStream);
    logger.setup(Logger.LogLevel.Stop, false);
  }

  /** A frame that could not be read: said on stderr, and answered as an error when it names a request. */
  private wireProblem(p: WireProblem): void {
    const text = `unreadable input: ${p.reason}${p.preview ? ` — skipped: ${p.preview}` : ''}`;
    this.hooks.wireProblem?.(text);
    if (p.request) {
      const response = new Response({ seq: p.request.seq, command: p.request.command, type: 'request' });
      this.fail(response, `request ${p.request.seq} (${p.request.command.slice(0, 40)}) was not run: ${p.reason}`);
    } else {
      this.sendEvent(new OutputEvent(`fsr adapter: ${text}\n`, 'stderr'));
    }
  }

  /** Never exit on a protocol error; the stand-alone entry decides when the process ends. */
  override shutdown(): void {}

  /**
   * LoggingDebugSession formats every message into a log line (a JSON.stringify of it, on top of the
   * one that goes on the wire) even when the log is off. Only a `"trace": true` launch pays for that.
   */
  override sendResponse(response: DebugProtocol.Response): void {
    if (this.tracing) super.sendResponse(response);
    else unlogged.sendResponse.call(this, response);
  }
  override sendEvent(event: DebugProtocol.Event): void {
    if (this.tracing) super.sendEvent(event);
    else unlogged.sendEvent.call(this, event);
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private fail(response: DebugProtocol.Response, message: string, showUser = false): void {
    response.success = false;
    response.message = message;
    if (showUser) response.body = { error: { id: 2001, format: message, showUser: true } };
    this.sendResponse(response);
  }

  /** Run a handler; anything it throws becomes an error response that says what was wrong. */
  private guard(response: DebugProtocol.Response, f: () => void): void {
    try {
      f();
    } catch (e) {
      this.fail(response, e instanceof Error ? e.message : String(e));
    }
  }

  override sendErrorResponse(response: DebugProtocol.Response, codeOrMessage: number | DebugProtocol.Message, format?: string, variables?: Record<string, string>, dest?: number): void {
    if (codeOrMessage === 1104 && variables) {
      this.fail(response, `${response.command} failed: ${variables._exception ?? 'internal error'}`);
      return;
    }
    if (codeOrMessage === 1014) {
      this.fail(response, `unknown request ${shown(response.command)}${didYouMean(String(response.command), [...DAP_REQUESTS, ...FSR_REQUESTS])}`);
      return;
    }
    super.sendErrorResponse(response, codeOrMessage, format, variables, dest);
  }

  /**
   * Every request is checked before a handler sees it: its command is text, its arguments an object;
   * a request the adapter does not advertise is refused (capabilities.ts). `initialize` without
   * arguments, or without pathFormat (optional in DAP, default "path"), is fine.
   */
  protected override dispatchRequest(request: DebugProtocol.Request): void {
    const command: unknown = request.command;
    if (typeof command !== 'string' || command === '') {
      this.fail(new Response({ ...request, command: String(command) }), `a request's command must be a request name such as "threads", got ${shown(command)}`);
      return;
    }
    let a: Args;
    try {
      a = argsOf(request.arguments, command);
    } catch (e) {
      this.fail(new Response(request), (e as Error).message);
      return;
    }
    const refused = refusal(command);
    if (refused) {
      this.fail(new Response(request), refused);
      return;
    }
    if (command === 'initialize') {
      if (a.pathFormat !== undefined && a.pathFormat !== 'path') {
        this.fail(new Response(request), `pathFormat ${shown(a.pathFormat)} is not supported: this adapter speaks native paths ("path")`);
        return;
      }
      request.arguments = { ...a, pathFormat: 'path' } as DebugProtocol.InitializeRequestArguments;
    }
    if (this.tracing) super.dispatchRequest(request);
    else unlogged.dispatchRequest.call(this, request);
  }

  private need(): { s: Session; insp: Inspector } {
    if (!this.session || !this.insp) throw new InputProblem('no scenario is running: launch one first (e.g. {"scenario": "shared-swap"})');
    return { s: this.session, insp: this.insp };
  }
  private needStopped(): { s: Session; insp: Inspector } {
    const r = this.need();
    if (this.running) throw new InputProblem('the handoff is running: pause first');
    return r;
  }

  private threadList(): string {
    const s = this.session;
    if (!s) return 'none';
    const live = s.rt.actors.filter((a) => !a.done).map((a) => `${a.id + 1} (${a.name})`);
    if (s.rt.finished) live.push(`${END_THREAD} (run ended)`);
    return live.join(', ') || 'none';
  }

  private actorFor(threadId: unknown): Actor {
    const { s } = this.need();
    if (typeof threadId !== 'number' || !Number.isSafeInteger(threadId)) throw new ArgError(`threadId must be a thread id, a whole number (threads: ${this.threadList()}), got ${shown(threadId)}`);
    const a = s.rt.actors[threadId - 1];
    if (!a) throw new InputProblem(`no thread ${threadId} (threads: ${this.threadList()})`);
    if (a.done) throw new InputProblem(`thread ${threadId} (${a.name}) has exited (${a.exitReason ?? 'exited'}); threads: ${this.threadList()}`);
    return a;
  }

  private frameFor(frameId: unknown): { actor: Actor | null; frame: Frame | undefined } {
    const { s } = this.need();
    if (typeof frameId !== 'number' || !Number.isSafeInteger(frameId)) throw new ArgError(`frameId must be a frame id from stackTrace (a whole number), got ${shown(frameId)}`);
    const tid = Math.floor(frameId / FRAME_STRIDE);
    if (tid === END_THREAD && s.rt.finished) return { actor: null, frame: undefined };
    const a = s.rt.actors[tid - 1];
    const frame = a?.stack[frameId % FRAME_STRIDE];
    if (!a || !frame) throw new InputProblem(`frame ${frameId} is not on any stack now (frame ids last until the program moves)`);
    return { actor: a, frame };
  }

  private isListing(source: unknown): boolean {
    const src = obj(source);
    if (src.sourceReference === LISTING_REF) return true;
    const p = str(src.path) ?? str(src.name);
    if (!p) return false;
    return p === this.config?.listingPath || p.split(/[\\/]/).pop() === LISTING_NAME;
  }

  /** The listing as a DAP Source: the file at listingPath, else sourceReference 1. Fixed at launch, so one object serves every frame. */
  private listingSource: DebugProtocol.Source = { name: LISTING_NAME, sourceReference: LISTING_REF };
  private source(): DebugProtocol.Source {
    return this.listingSource;
  }

  private line(l: number): number {
    return this.convertDebuggerLineToClient(l);
  }

  // ---- life cycle -----------------------------------------------------------------------------

  protected override initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    const a = obj(args);
    this.client = {
      progress: a.supportsProgressReporting === true,
      invalidated: a.supportsInvalidatedEvent === true,
      memory: a.supportsMemoryEvent === true,
      columnsStartAt1: a.columnsStartAt1 !== false,
    };
    response.body = { ...CAPABILITIES };
    this.sendResponse(response);
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments): void {
    void this.launch(response, args);
  }

  /** The handoff is simulated in this adapter: there is no running system to attach to. */
  protected override attachRequest(response: DebugProtocol.AttachResponse): void {
    this.fail(response, 'nothing to attach to: the handoff runs in this adapter\'s simulator; use "launch" with a scenario (e.g. {"scenario": "shared-swap"})', true);
  }

  private async launch(response: DebugProtocol.LaunchResponse, args: unknown): Promise<void> {
    try {
      if (this.session) throw new InputProblem('this debug session already runs a scenario; start a new session to launch another');
      const cfg = await resolveLaunch(args, this.files);
      if (cfg.trace) {
        logger.setup(Logger.LogLevel.Verbose, false);
        this.tracing = true;
      }
      let s: Session;
      try {
        s = new Session(cfg.scenario);
      } catch (e) {
        throw new InputProblem(`cannot build scenario "${cfg.source}": ${(e as Error).message}`);
      }
      s.rt.setExceptionFilters([...this.filters]);
      s.onEvent((e) => this.onEngineEvent(e));
      this.session = s;
      this.insp = new Inspector(s);
      attachFsrRequests(s);
      this.globalScopes(s, this.insp);
      this.config = cfg;
      if (cfg.listingPath) this.listingSource = { name: LISTING_NAME, path: cfg.listingPath };
      this.sendResponse(response);
      const sc = cfg.scenario;
      this.sendEvent(new OutputEvent(`FSR handoff: scenario ${sc.name} (seed ${s.seed}, ${sc.vm.memMB} MB VM, ${sc.swap.mode} swap${sc.faults.length ? `, faults: ${sc.faults.map((f) => f.kind).join(', ')}` : ''})${sc.description ? ` — ${sc.description}` : ''}\n`, 'console'));
      if (cfg.listingPath) await this.checkListingFile(cfg.listingPath, s);
      this.sendEvent(new InitializedEvent());
      if (this.configDone) this.begin();
    } catch (e) {
      this.fail(response, (e as Error).message, true);
    }
  }

  private async checkListingFile(path: string, s: Session): Promise<void> {
    try {
      const text = new TextDecoder().decode(await this.files.readFile(path));
      if (text !== s.listing.text) this.sendEvent(new OutputEvent(`warning: listingPath ${path} differs from the simulated listing; line numbers may not match (read it from sourceReference ${LISTING_REF} or fsr/listing)\n`, 'stderr'));
    } catch (e) {
      this.sendEvent(new OutputEvent(`warning: listingPath ${path} cannot be read (${(e as Error).message}); the call stack names it anyway\n`, 'stderr'));
    }
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    this.configDone = true;
    if (this.session && !this.started) this.begin();
  }

  private begin(): void {
    const s = this.session!;
    this.started = true;
    const cfg = this.config!;
    if (cfg.digestWarning) this.sendEvent(new OutputEvent(`warning: ${cfg.digestWarning}\n`, 'stderr'));
    if (cfg.startAtStep !== undefined) {
      // A shared moment: the same run, stopped at that step (even past breakpoints on the way).
      const at = this.landOn(cfg.startAtStep);
      this.syncThreads();
      this.onStop({ reason: 'entry', actorId: this.actorAt(at), description: at === cfg.startAtStep ? `at step ${at} (startAtStep)` : `at step ${at}, where the run ends (startAtStep ${cfg.startAtStep} is past it)` });
      return;
    }
    this.syncThreads();
    if (cfg.stopOnEntry) {
      this.onStop({ reason: 'entry', actorId: 0, description: 'at the start of the handoff' });
    } else {
      s.rt.continue();
      this.runLoop();
    }
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.runToken++;
    this.running = false;
    this.sendResponse(response);
    this.hooks.exit?.();
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.runToken++;
    this.running = false;
    this.sendResponse(response);
    this.terminate();
  }

  private terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    this.sendEvent(new TerminatedEvent());
  }

  // ---- engine events and stops ----------------------------------------------------------------

  private onEngineEvent(e: RuntimeEvent): void {
    if (this.lookingAhead) return;
    if (e.type === 'output') {
      this.sendEvent(new OutputEvent(e.line + '\n', e.category));
    } else if (e.type === 'exception') {
      this.sendEvent(new OutputEvent(`[${FILTER_TEXT[e.filter]}] ${e.message}\n`, 'stderr'));
    } else if (e.type === 'progress' && this.client.progress) {
      if (!this.progress) {
        this.progress = { id: `${e.id}-${++this.progressCount}`, last: -1 };
        this.sendEvent(new ProgressStartEvent(this.progress.id, e.title, undefined));
      }
      const pct = Math.floor(e.percent);
      if (pct !== this.progress.last && !e.done) {
        this.progress.last = pct;
        const u = new ProgressUpdateEvent(this.progress.id, `${pct}%`) as DebugProtocol.ProgressUpdateEvent;
        u.body.percentage = pct;
        this.sendEvent(u);
      }
      if (e.done) {
        this.sendEvent(new ProgressEndEvent(this.progress.id, `${e.title}: done`));
        this.progress = null;
      }
    }
  }

  /** Send started/exited thread events so the thread list matches the live actors. */
  private syncThreads(): void {
    const s = this.session!;
    // Nothing changed (the common case after a step): no allocation.
    let same = this.announced.has(END_THREAD) === s.rt.finished;
    for (let i = 0; same && i < s.rt.actors.length; i++) same = this.announced.has(i + 1) === !s.rt.actors[i]!.done;
    if (same) return;
    const now = new Set(s.rt.actors.filter((a) => !a.done).map((a) => a.id + 1));
    if (s.rt.finished) now.add(END_THREAD);
    for (const id of this.announced) if (!now.has(id)) this.sendEvent(new ThreadEvent('exited', id));
    for (const id of now) if (!this.announced.has(id)) this.sendEvent(new ThreadEvent('started', id));
    this.announced = now;
  }

  /** Run the engine in slices, yielding between them so pause and other requests get in. */
  private runLoop(): void {
    // References are not cleared here: while running, requests that use them are refused; the stop clears them.
    this.running = true;
    const token = ++this.runToken;
    const slice = (): void => {
      const s = this.session;
      if (token !== this.runToken || !s) return;
      const until = Date.now() + SLICE_MS;
      try {
        do {
          const stop = s.rt.run(STEPS_PER_SLICE);
          if (stop) {
            this.running = false;
            this.onStop(stop);
            return;
          }
          if (!s.rt.running) {
            this.running = false;
            return;
          }
        } while (Date.now() < until);
      } catch (e) {
        this.running = false;
        this.onStop({ reason: 'exception', actorId: s.rt.currentActor?.id ?? null, description: `engine error: ${(e as Error).message}`, exception: { filter: 'invariant', message: `engine error: ${(e as Error).message}` } });
        return;
      }
      setTimeout(slice, 0);
    };
    slice();
  }

  /** Report a stop. `moved` is false for a stop where the program did not move (an edit broke an invariant): references stay valid. */
  private onStop(info: StopInfo, moved = true): void {
    const s = this.session!;
    this.lastStop = info;
    if (moved) this.refs.clear();
    if (s.rt.finished) this.runEnd = s.rt.stepCount;
    this.syncThreads();
    let threadId: number;
    if (info.reason === 'end' || s.rt.finished) threadId = END_THREAD;
    else {
      const a = info.actorId !== null ? s.rt.actors[info.actorId] : undefined;
      threadId = a && !a.done ? a.id + 1 : (s.rt.actors.find((x) => !x.done)?.id ?? 0) + 1;
    }
    // The description is VS Code's badge on the thread (short, and shown upper-cased); `text` names
    // what stopped it; what happened, in full and with the step number to quote, is a Debug Console line.
    let reason: string = info.reason;
    let text: string | undefined;
    let description: string = info.reason;
    let detail: string = info.description;
    let hit: number[] | undefined;
    if (info.reason === 'end') {
      const o = s.outcome();
      description = 'run ended';
      detail = `every actor has exited (victor: ${o.victor}); step back, reverse-continue, or continue to end the session`;
      this.sendEvent(new OutputEvent(`handoff ended: victor ${o.victor}, resumeState ${o.resumeState}, ${o.pdirsRedirected} pdirs redirected, swapCopyState ${o.swapCopyState}${o.panicked ? ', the VM panicked' : ''}${o.failures.length ? `; failures: ${o.failures.join('; ')}` : ''}; invariants: ${o.invariantBreaks.length ? o.invariantBreaks.join('; ') : 'all hold'}\n`, 'console'));
    } else if (info.reason === 'deadlock') {
      reason = 'exception';
      text = description = FILTER_TEXT.deadlock!;
    } else if (info.reason === 'exception' && info.exception) {
      text = description = FILTER_TEXT[info.exception.filter]!;
      detail = info.exception.message;
    } else if (info.reason === 'data breakpoint') {
      hit = (info.breakpointIds ?? []).map((id) => this.watchToDap.get(id) ?? DATA_BP_BASE + id);
      text = info.description;
    } else if (info.reason === 'breakpoint' || info.reason === 'function breakpoint') {
      hit = info.breakpointIds ?? [];
      reason = hit.some((id) => this.functionBpIds.has(id)) && !hit.some((id) => this.lineBpIds.has(id)) ? 'function breakpoint' : 'breakpoint';
      text = hit.map((id) => this.bpLabels.get(id) ?? `breakpoint ${id}`).join(', ');
      description = hit.length === 1 && text.startsWith('phase ') ? text : reason;
      detail = `${text} — ${info.description}`;
    } else if (info.reason === 'goto' || info.reason === 'entry') {
      description = info.reason === 'entry' && s.rt.stepCount === 0 ? 'entry' : `step ${s.rt.stepCount}`;
      text = info.description;
    } else if (info.reason === 'step') {
      description = /^phase "/.test(info.description) ? info.description : 'step';
    } else if (info.reason === 'pause') {
      description = 'paused';
    }
    // One line to quote: the step, then what happened (the badge's text too, unless it only repeats the step).
    const said = description === `step ${s.rt.stepCount}` ? detail : `${description}: ${detail}`;
    if (info.reason !== 'step' && info.reason !== 'pause') this.sendEvent(new OutputEvent(`[step ${s.rt.stepCount}] ${said}\n`, 'console'));
    const ev = new StoppedEvent(reason, threadId, text) as DebugProtocol.StoppedEvent;
    ev.body.description = description;
    ev.body.allThreadsStopped = true;
    if (hit) ev.body.hitBreakpointIds = hit;
    this.sendEvent(ev);
  }

  // ---- control --------------------------------------------------------------------------------

  /** A threadId the request may carry but that does not pick what happens (every thread runs or stops together). */
  private checkThreadArg(args: unknown): void {
    optInt(obj(args).threadId, 'threadId', { what: 'a thread id (a whole number)' });
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse, args: DebugProtocol.ContinueArguments): void {
    this.guard(response, () => {
      this.checkThreadArg(args);
      const { s } = this.needStopped();
      response.body = { allThreadsContinued: true };
      if (s.rt.finished) {
        this.sendResponse(response);
        this.terminate();
        return;
      }
      s.rt.continue();
      this.sendResponse(response);
      this.runLoop();
    });
  }

  private step(response: DebugProtocol.Response, args: unknown, how: 'in' | 'over' | 'out'): void {
    this.guard(response, () => {
      const { s } = this.needStopped();
      const tid = obj(args).threadId;
      if (tid === END_THREAD && s.rt.finished) {
        this.sendResponse(response);
        this.onStop({ reason: 'end', actorId: null, description: 'every actor has exited' });
        return;
      }
      const a = this.actorFor(tid);
      s.rt.step(a.id, how);
      this.sendResponse(response);
      this.runLoop();
    });
  }
  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.step(response, args, 'over');
  }
  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.step(response, args, 'in');
  }
  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.step(response, args, 'out');
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    this.guard(response, () => {
      const { s } = this.needStopped();
      const tid = int(obj(args).threadId, 'threadId', { what: `a thread id, a whole number (threads: ${this.threadList()})` });
      let actorId: number;
      if (tid === END_THREAD && s.rt.finished) {
        const sched = s.rt.schedule;
        actorId = sched[sched.length - 1] ?? 0;
      } else {
        // An exited thread may step back into its past.
        const a = s.rt.actors[tid - 1];
        if (!a) throw new InputProblem(`no thread ${tid} (threads: ${this.threadList()})`);
        actorId = a.id;
      }
      this.refs.clear();
      const stop = s.rt.stepBack(actorId);
      this.sendResponse(response);
      this.onStop(stop);
    });
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse, args: DebugProtocol.ReverseContinueArguments): void {
    this.guard(response, () => {
      this.checkThreadArg(args);
      const { s } = this.needStopped();
      this.refs.clear();
      const stop = s.rt.reverseContinue();
      this.sendResponse(response);
      this.onStop(stop);
    });
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse, args: DebugProtocol.PauseArguments): void {
    this.guard(response, () => {
      this.checkThreadArg(args);
      const { s } = this.need();
      this.sendResponse(response);
      if (this.running) s.rt.pause();
      else if (this.started) this.onStop({ reason: 'pause', actorId: this.lastStop?.actorId ?? 0, description: 'paused' });
    });
  }

  // ---- breakpoints ----------------------------------------------------------------------------

  /** A breakpoint's condition, hit condition and log message: each text or absent. */
  private static extras(o: Args, at: string): Pick<BreakpointSpec, 'condition' | 'hitCondition' | 'logMessage'> {
    return { condition: optText(o.condition, `${at}.condition`), hitCondition: optText(o.hitCondition, `${at}.hitCondition`), logMessage: optText(o.logMessage, `${at}.logMessage`) };
  }

  /** A line number from the client (1-based unless initialize said otherwise), as the listing's line. */
  private clientLine(v: unknown, name: string): number {
    return this.convertClientLineToDebugger(int(v, name, { min: this.convertDebuggerLineToClient(1), what: 'a line number' }));
  }

  // Every argument of a request that sets breakpoints is checked before anything changes, so a
  // malformed request fails whole and changes nothing; a well-formed breakpoint the engine cannot
  // place is answered unverified, with why.

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    this.guard(response, () => {
      const a = obj(args);
      const source = objectAt(a.source, 'source');
      let specs: BreakpointSpec[];
      if (a.breakpoints !== undefined) {
        specs = list(a.breakpoints, 'breakpoints', 'an array of source breakpoints ({"line": …})').map((b, i) => {
          const o = objectAt(b, `breakpoints[${i}]`);
          optInt(o.column, `breakpoints[${i}].column`, { min: 0 });
          return { kind: 'line', line: this.clientLine(o.line, `breakpoints[${i}].line`), ...FsrDebugSession.extras(o, `breakpoints[${i}]`) };
        });
      } else {
        specs = (a.lines === undefined ? [] : list(a.lines, 'lines', 'an array of line numbers')).map((l, i) => ({ kind: 'line', line: this.clientLine(l, `lines[${i}]`) }));
      }
      optBool(a.sourceModified, 'sourceModified');
      if (!this.session) {
        response.body = { breakpoints: specs.map(() => ({ verified: false, message: 'no scenario is running yet' })) };
        this.sendResponse(response);
        return;
      }
      if (!this.isListing(source)) {
        response.body = { breakpoints: specs.map(() => ({ verified: false, message: `not the simulated listing: line breakpoints go in ${LISTING_NAME} (the source the call stack shows)` })) };
        this.sendResponse(response);
        return;
      }
      const results = this.session.rt.setBreakpoints(['line'], specs);
      for (const id of this.lineBpIds) this.bpLabels.delete(id);
      this.lineBpIds.clear();
      response.body = {
        breakpoints: results.map((r) => {
          if (r.verified) {
            this.lineBpIds.add(r.id);
            this.bpLabels.set(r.id, `breakpoint at line ${r.lines[0]}`);
          }
          // No `source`: the client keeps the breakpoint on the document it was set in (VS Code re-homes a
          // breakpoint to an answered source, and one without a path hides it from the listing's gutter).
          return { id: r.id, verified: r.verified, message: r.verified ? undefined : r.message, line: r.lines[0] !== undefined ? this.line(r.lines[0]) : undefined };
        }),
      };
      this.sendResponse(response);
    });
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    this.guard(response, () => {
      const { s } = this.need();
      const raw = list(obj(args).breakpoints, 'breakpoints', 'an array of function breakpoints ({"name": …})').map((b, i) => objectAt(b, `breakpoints[${i}]`));
      const names = raw.map((o, i) => text(o.name, `breakpoints[${i}].name`, 'a function name or phase label (text)').trim());
      const extras = raw.map((o, i) => FsrDebugSession.extras(o, `breakpoints[${i}]`));
      const phases = s.rt.phases();
      const specs: BreakpointSpec[] = names.map((name, i) => ({ kind: phases.includes(name) ? 'phase' : 'function', name, ...extras[i] }));
      // An empty name would match every line as a macro: refused here, not sent to the engine.
      const sent = s.rt.setBreakpoints(['function', 'phase'], specs.filter((_, i) => names[i] !== ''));
      let k = 0;
      const results = names.map((n) => (n === '' ? { id: 0, verified: false, lines: [] as number[], message: '' } : sent[k++]!));
      for (const id of this.functionBpIds) this.bpLabels.delete(id);
      this.functionBpIds.clear();
      response.body = {
        breakpoints: results.map((r, i) => {
          const name = names[i]!;
          if (r.verified) {
            this.functionBpIds.add(r.id);
            this.bpLabels.set(r.id, specs[i]!.kind === 'phase' ? `phase "${name}"` : `function breakpoint ${name}`);
          }
          let message = r.message;
          if (!r.verified && name === '') message = 'a function breakpoint needs a name: a function of the listing (e.g. World_SetPanicNoCore) or a phase label';
          else if (!r.verified) message = `${r.message} (function breakpoints take a function or macro of ${LISTING_NAME}, e.g. World_SetPanicNoCore, or a phase: ${phases.join(', ')})`;
          else if (r.note) message = r.note;
          return { id: r.id || undefined, verified: r.verified, message, line: r.lines[0] !== undefined ? this.line(r.lines[0]) : undefined, source: r.verified ? this.source() : undefined };
        }),
      };
      this.sendResponse(response);
    });
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.guard(response, () => {
      const a = obj(args);
      const known = EXCEPTION_FILTERS.map((f) => f.filter);
      const what = `a filter id (${known.join(', ')})`;
      const ids: string[] = [
        ...(a.filters === undefined ? [] : list(a.filters, 'filters', `an array of filter ids (${known.join(', ')})`)).map((f, i) => text(f, `filters[${i}]`, what)),
        ...(a.filterOptions === undefined ? [] : list(a.filterOptions, 'filterOptions')).map((o, i) => {
          const fo = objectAt(o, `filterOptions[${i}]`);
          if (fo.condition !== undefined) throw new ArgError(`filterOptions[${i}].condition: exception filters take no conditions here`);
          return text(fo.filterId, `filterOptions[${i}].filterId`, what);
        }),
      ];
      const bad = ids.filter((f) => !known.includes(f));
      if (bad.length) throw new ArgError(`unknown exception filter(s) ${bad.map((b) => shown(b)).join(', ')} (filters: ${known.join(', ')})${didYouMean(bad[0]!, known)}`);
      this.filters = new Set(ids as ExceptionFilter[]);
      this.session?.rt.setExceptionFilters([...this.filters]);
      response.body = { breakpoints: ids.map(() => ({ verified: true })) };
      this.sendResponse(response);
    });
  }

  protected override breakpointLocationsRequest(response: DebugProtocol.BreakpointLocationsResponse, args: DebugProtocol.BreakpointLocationsArguments): void {
    this.guard(response, () => {
      const { s } = this.need();
      const a = obj(args);
      const source = objectAt(a.source, 'source');
      const first = this.clientLine(a.line, 'line');
      const last = a.endLine === undefined ? first : this.clientLine(a.endLine, 'endLine');
      optInt(a.column, 'column', { min: 0 });
      optInt(a.endColumn, 'endColumn', { min: 0 });
      const breakpoints: DebugProtocol.BreakpointLocation[] = [];
      if (this.isListing(source)) for (let l = Math.max(1, first); l <= Math.min(last, s.listing.lineCount); l++) if (s.listing.stmtAt(l)) breakpoints.push({ line: this.line(l) });
      response.body = { breakpoints };
      this.sendResponse(response);
    });
  }

  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    this.guard(response, () => {
      const { insp } = this.need();
      const a = obj(args);
      const name = text(a.name, 'name', 'a variable name (or an expression when there is no variablesReference)');
      let node: VNode | undefined;
      if (a.variablesReference !== undefined) {
        const entry = this.refs.get(int(a.variablesReference, 'variablesReference', { min: 1, what: 'a variablesReference from variables or scopes' }));
        if (!entry) throw new InputProblem(`variablesReference ${shown(a.variablesReference)} is not valid now (references last until the program moves)`);
        node = childOf({ name: '', value: '', kids: entry.kids }, name);
      } else {
        optInt(a.frameId, 'frameId', { what: 'a frame id from stackTrace' });
        try {
          node = evaluate(name, this.evalContext(a.frameId));
        } catch {
          node = undefined;
        }
      }
      if (!node?.watch) {
        response.body = { dataId: null, description: `${shown(name)} cannot be watched: data breakpoints take PFrame fields, pdirInfo entries and FSRInfo fields (resumeState, swapCopyState, …)` };
      } else {
        response.body = { dataId: JSON.stringify(node.watch), description: describeWatch(node.watch, insp), accessTypes: [...DATA_ACCESS], canPersist: true };
      }
      this.sendResponse(response);
    });
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    this.guard(response, () => {
      const { s } = this.need();
      // Checked whole before the old watches go: a malformed request changes nothing.
      const raw = list(obj(args).breakpoints, 'breakpoints', 'an array of data breakpoints ({"dataId": …})').map((b, i) => {
        const o = objectAt(b, `breakpoints[${i}]`);
        return {
          dataId: text(o.dataId, `breakpoints[${i}].dataId`, 'a dataId from dataBreakpointInfo'),
          accessType: o.accessType === undefined ? undefined : oneOf(o.accessType, `breakpoints[${i}].accessType`, ['read', 'write', 'readWrite'] as const),
          conditional: optText(o.condition, `breakpoints[${i}].condition`) !== undefined || optText(o.hitCondition, `breakpoints[${i}].hitCondition`) !== undefined,
        };
      });
      s.rt.clearWatches('debugger'); // the webview's watches stay
      this.watchToDap.clear();
      response.body = {
        breakpoints: raw.map((b) => {
          try {
            if (b.accessType !== undefined && !(DATA_ACCESS as readonly string[]).includes(b.accessType)) {
              return { verified: false, message: `accessType "${b.accessType}" is not offered: a data breakpoint here stops when the value is written (accessTypes: ${DATA_ACCESS.join(', ')})` };
            }
            const target = parseWatch(b.dataId);
            const w = s.watch(target);
            const id = DATA_BP_BASE + w.id;
            this.watchToDap.set(w.id, id);
            return { id, verified: true, message: b.conditional ? `${w.description}: conditions and hit counts are not supported on data breakpoints; it stops on every change` : undefined };
          } catch (e) {
            return { verified: false, message: (e as Error).message };
          }
        }),
      };
      this.sendResponse(response);
    });
  }

  // ---- threads, stacks, scopes, variables -----------------------------------------------------

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const s = this.session;
    const threads = s ? s.rt.actors.filter((a) => !a.done).map((a) => ({ id: a.id + 1, name: a.name })) : [];
    if (s?.rt.finished) threads.push({ id: END_THREAD, name: 'handoff (run ended)' });
    response.body = { threads };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.guard(response, () => {
      const { s } = this.needStopped();
      const a = obj(args);
      // Only the frames asked for (startFrame, levels: 0 or absent is all) are built; the top of the stack is frame 0.
      const start = optInt(a.startFrame, 'startFrame', { min: 0 }) ?? 0;
      const levels = optInt(a.levels, 'levels', { min: 0 }) ?? 0;
      if (a.threadId === END_THREAD && s.rt.finished) {
        const o = s.outcome();
        response.body = { stackFrames: [{ id: END_THREAD * FRAME_STRIDE, name: `victor ${o.victor}, ${o.resumeState}`, line: 0, column: 0, presentationHint: 'label' }], totalFrames: 1 };
        this.sendResponse(response);
        return;
      }
      const actor = this.actorFor(a.threadId);
      const tid = actor.id + 1;
      const stack = actor.stack;
      const total = stack.length;
      const end = levels > 0 ? Math.min(total, start + levels) : total;
      const source = this.source();
      const column = this.convertDebuggerColumnToClient(1);
      const frames: DebugProtocol.StackFrame[] = [];
      for (let k = start; k < end; k++) {
        const i = total - 1 - k;
        const f = stack[i]!;
        const line = f.fn.body[f.pc]?.line ?? f.fn.firstLine ?? 1;
        frames.push({ id: tid * FRAME_STRIDE + i, name: f.fn.name, source, line: this.line(line), column });
      }
      response.body = { stackFrames: frames, totalFrames: total };
      this.sendResponse(response);
    });
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    this.guard(response, () => {
      const { s, insp } = this.needStopped();
      const frameId = obj(args).frameId;
      const { frame } = this.frameFor(frameId);
      const scopes: DebugProtocol.Scope[] = [];
      if (frame) {
        const ref = this.refs.add({ named: () => insp.locals(frame) }, '', `f${String(frameId)}:`);
        scopes.push({ name: 'Locals', presentationHint: 'locals', variablesReference: ref, namedVariables: Object.keys(frame.locals).length, expensive: false });
      }
      scopes.push(...this.globalScopes(s, insp));
      response.body = { scopes };
      this.sendResponse(response);
    });
  }

  /** FSR, the two worlds and the host: pinned references whose rows are built, live, when expanded. */
  private globals: DebugProtocol.Scope[] | null = null;
  private globalScopes(s: Session, insp: Inspector): DebugProtocol.Scope[] {
    if (!this.globals) {
      const roots = insp.roots();
      const scope = (name: string, root: string): DebugProtocol.Scope => ({ name, variablesReference: this.refs.pin({ named: () => roots.get(root)!().kids!.named!() }, root), expensive: false });
      this.globals = [scope('FSR', 'fsr'), scope(`vm-src (source, world ${s.src.worldID})`, 'src'), scope(`vm-dst (destination, world ${s.dst.worldID})`, 'dst'), scope('Host', 'host')];
    }
    return this.globals;
  }

  private toVariable(node: VNode, parentPath: string, prefix: string): DebugProtocol.Variable {
    const path = joinPath(parentPath, node.name);
    const v: DebugProtocol.Variable = node.noPath ? { name: node.name, value: node.value, variablesReference: 0 } : { name: node.name, value: node.value, evaluateName: path, variablesReference: 0 };
    // VS Code's context key debugProtocolVariableMenuContext: "Show Value History" is offered where history() answers.
    if (node.history || node.watch) (v as DebugProtocol.Variable & { __vscodeVariableMenuContext?: string }).__vscodeVariableMenuContext = 'history';
    if (node.type) v.type = node.type;
    if (node.memoryReference) v.memoryReference = node.memoryReference;
    if (node.kids) {
      v.variablesReference = this.refs.add(node.kids, path, prefix);
      // A grouped collection is shown in our groups (hex bounds), not in the client's decimal chunks.
      if (node.kids.indexed && !node.kids.indexed.groups) v.indexedVariables = node.kids.indexed.count;
    }
    return v;
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.guard(response, () => {
      this.needStopped();
      const a = obj(args);
      const entry = this.ref(a.variablesReference);
      const filter = a.filter === undefined ? undefined : oneOf(a.filter, 'filter', ['indexed', 'named'] as const);
      const start = optInt(a.start, 'start', { min: 0 }) ?? 0;
      // count 0 or absent: all of them.
      const count = optInt(a.count, 'count', { min: 0 }) ?? 0;
      const { kids, path, prefix } = entry;
      let variables: DebugProtocol.Variable[] = [];
      if (kids.named) {
        if (filter !== 'indexed') variables = kids.named().slice(start, count ? start + count : undefined).map((n) => this.toVariable(n, path, prefix));
      } else if (kids.indexed && filter !== 'named') {
        const ix = kids.indexed;
        if (!count && ix.groups && ix.count > ix.groups.size) {
          variables = this.labeledGroups(ix, ix.groups, path, prefix);
        } else if (!count && ix.count - start > GROUP_LIMIT) {
          variables = this.groups(ix, start, path, prefix);
        } else {
          const end = Math.min(ix.count, start + Math.min(count || ix.count, MAX_VARIABLES));
          for (let i = start; i < end; i++) variables.push(this.toVariable(ix.at(i), path, prefix));
        }
      }
      response.body = { variables };
      this.sendResponse(response);
    });
  }

  /** The children a variablesReference stands for; throws naming the argument when it is not one. */
  private ref(v: unknown): RefEntry {
    const ref = int(v, 'variablesReference', { min: 1, what: 'a variablesReference from variables, scopes or evaluate (a whole number)' });
    const entry = this.refs.get(ref);
    if (!entry) throw new InputProblem(`variablesReference ${ref} is not valid now (references last until the program moves)`);
    return entry;
  }

  /** Range groups ([0..999], …) for a long collection asked for without paging. */
  private groups(ix: NonNullable<Kids['indexed']>, start: number, path: string, prefix: string): DebugProtocol.Variable[] {
    const n = ix.count - start;
    let size = GROUP_LIMIT;
    while (Math.ceil(n / size) > GROUP_LIMIT) size *= GROUP_LIMIT;
    const out: DebugProtocol.Variable[] = [];
    for (let a = start; a < ix.count; a += size) {
      const b = Math.min(ix.count, a + size) - 1;
      const kids: Kids = { indexed: { count: b - a + 1, at: (i) => ix.at(a + i), find: within(ix, a, b) } };
      out.push({ name: `[${a}..${b}]`, value: '', variablesReference: this.refs.add(kids, path, prefix, `${prefix}${path}#${a}..${b}`), indexedVariables: b - a + 1 });
    }
    return out;
  }

  /**
   * A grouped collection's rows: groups of `size` (of size · size, … while there would be more than
   * `size` rows), each named by the collection's label; the smallest groups list their items.
   */
  private labeledGroups(ix: NonNullable<Kids['indexed']>, g: NonNullable<NonNullable<Kids['indexed']>['groups']>, path: string, prefix: string): DebugProtocol.Variable[] {
    let size = g.size;
    while (Math.ceil(ix.count / size) > g.size) size *= g.size;
    const out: DebugProtocol.Variable[] = [];
    for (let a = 0; a < ix.count; a += size) {
      const b = Math.min(ix.count, a + size) - 1;
      const inner: Kids = {
        indexed: {
          count: b - a + 1,
          at: (i) => ix.at(a + i),
          find: within(ix, a, b),
          groups: size > g.size ? { size: g.size, label: (x, y) => g.label(a + x, a + y) } : undefined,
        },
      };
      const l = g.label(a, b);
      out.push({ name: l.name, value: l.value, variablesReference: this.refs.add(inner, path, prefix, `${prefix}${path}#${a}..${b}`) });
    }
    return out;
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    this.guard(response, () => {
      this.needStopped();
      const a = obj(args);
      const entry = this.ref(a.variablesReference);
      const name = text(a.name, 'name', 'the name of a variable (text)');
      const value = text(a.value, 'value', 'the new value (text)');
      const holder: VNode = { name: '', value: '', kids: entry.kids };
      const node = childOf(holder, name);
      const path = joinPath(entry.path, name);
      if (!node) {
        const names = childNames(holder);
        throw new InputProblem(`no variable ${shown(name)} here${names.length ? ` (variables: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''})${didYouMean(name, names)}` : ''}`);
      }
      if (!node.set) throw new InputProblem(`${path} is read-only in the debugger (editable: PFrame fields and FSRInfo fields)`);
      // set() checks the value whole before it writes anything, and writes once.
      const breaks = node.set(value);
      // The edit is made: nothing after this turns the answer into a failure.
      let shownValue = value;
      try {
        const fresh = childOf(holder, name) ?? node;
        const v = this.toVariable(fresh, entry.path, entry.prefix);
        shownValue = v.value;
        response.body = { value: v.value, type: v.type, variablesReference: v.variablesReference, indexedVariables: v.indexedVariables };
      } catch {
        response.body = { value };
      }
      this.sendResponse(response);
      this.afterEdit(breaks, `${path} = ${shownValue}`);
    });
  }

  /** After an edit: views refresh, and what it broke is said (and stopped on, with the invariant filter). */
  private afterEdit(breaks: InvariantBreak[], what: string): void {
    this.runEnd = null;
    if (this.client.invalidated) this.sendEvent(new InvalidatedEvent(['variables']));
    this.sendEvent(new OutputEvent(`edit: ${what}\n`, 'console'));
    for (const b of breaks) this.sendEvent(new OutputEvent(`invariant broken by the edit: ${b.name}: ${b.message}\n`, 'stderr'));
    if (breaks.length && this.filters.has('invariant')) {
      const b = breaks[0]!;
      const message = `${b.name}: ${b.message}`;
      this.onStop({ reason: 'exception', actorId: this.lastStop?.actorId ?? 0, description: message, exception: { filter: 'invariant', message } }, false);
    }
  }

  // ---- source ---------------------------------------------------------------------------------

  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    this.guard(response, () => {
      const { s } = this.need();
      const a = obj(args);
      const ref = optInt(a.sourceReference, 'sourceReference', { min: 0 });
      if (a.source !== undefined) objectAt(a.source, 'source');
      if (ref !== LISTING_REF && !this.isListing(a.source)) throw new InputProblem(`${ref === undefined && a.source === undefined ? 'no source given' : `no source ${shown(ref ?? a.source)}`} (the simulated listing is sourceReference ${LISTING_REF}, ${LISTING_NAME})`);
      response.body = { content: s.listing.text, mimeType: 'text/x-fsr-listing' };
      this.sendResponse(response);
    });
  }

  protected override loadedSourcesRequest(response: DebugProtocol.LoadedSourcesResponse): void {
    response.body = { sources: this.session ? [this.source()] : [] };
    this.sendResponse(response);
  }

  // ---- Debug Console --------------------------------------------------------------------------

  private evalContext(frameId: unknown): { insp: Inspector; frame: Frame | undefined; worldID: number } {
    const { s, insp } = this.need();
    if (frameId !== undefined && !this.running) {
      const { actor, frame } = this.frameFor(frameId);
      return { insp, frame, worldID: actor?.worldID ?? 0 };
    }
    // No frame given: the top frame of the thread that last stopped.
    const a = this.lastStop?.actorId != null ? s.rt.actors[this.lastStop.actorId] : undefined;
    return { insp, frame: this.running ? undefined : a?.stack[a.stack.length - 1], worldID: a?.worldID ?? 0 };
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.guard(response, () => {
      const a = obj(args);
      const expr = text(a.expression, 'expression', 'text (an expression)');
      optText(a.context, 'context');
      optInt(a.frameId, 'frameId', { what: 'a frame id from stackTrace' });
      const node = this.consoleQuestion(expr, a.frameId) ?? evaluate(expr, this.evalContext(a.frameId));
      const v = this.toVariable({ ...node, name: expr.trim() }, '', `eval:${String(a.frameId)}:`);
      response.body = { result: v.value, type: v.type, variablesReference: v.variablesReference, indexedVariables: v.indexedVariables, memoryReference: v.memoryReference };
      this.sendResponse(response);
    });
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): void {
    this.guard(response, () => {
      const a = obj(args);
      const typed = text(a.text, 'text', 'the text typed so far');
      const base = this.client.columnsStartAt1 ? 1 : 0;
      const column = int(a.column, 'column', { min: base, what: 'a column in text' });
      optInt(a.line, 'line', { min: 0 });
      optInt(a.frameId, 'frameId', { what: 'a frame id from stackTrace' });
      const items = completions(typed, column - base, this.evalContext(a.frameId));
      response.body = { targets: items.map((c) => ({ label: c.label, type: c.type as DebugProtocol.CompletionItemType, start: c.start + base, length: c.length })) };
      this.sendResponse(response);
    });
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse, args: DebugProtocol.ExceptionInfoArguments): void {
    this.guard(response, () => {
      this.checkThreadArg(args);
      const { s } = this.need();
      const st = this.lastStop;
      if (!st || (st.reason !== 'exception' && st.reason !== 'deadlock')) throw new InputProblem(`the last stop was not an exception (it was ${st ? `"${st.reason}"` : 'nothing yet'})`);
      const id = st.exception?.filter ?? 'deadlock';
      const message = st.exception?.message ?? st.description;
      const a = st.actorId !== null ? s.rt.actors[st.actorId] : undefined;
      const stack = a ? [...a.stack].reverse().map((f) => `  at ${f.fn.name} (${LISTING_NAME}:${f.fn.body[f.pc]?.line ?? f.fn.firstLine})`).join('\n') : undefined;
      response.body = { exceptionId: id, description: message, breakMode: 'always', details: { message, typeName: FILTER_TEXT[id], stackTrace: stack } };
      this.sendResponse(response);
    });
  }

  // ---- memory ---------------------------------------------------------------------------------

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    this.guard(response, () => {
      const { s } = this.need();
      const a = obj(args);
      const addr = parseAddress(a.memoryReference, a.offset);
      const count = int(a.count, 'count', { min: 0, max: MAX_TRANSFER, what: 'a whole number of bytes' });
      const r = readMemory(s, addr, count);
      response.body = { address: '0x' + addr.toString(16), data: toBase64(r.data), unreadableBytes: r.unreadable || undefined };
      this.sendResponse(response);
    });
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    this.guard(response, () => {
      const { s } = this.needStopped();
      const a = obj(args);
      const addr = parseAddress(a.memoryReference, a.offset);
      const bytes = fromBase64(a.data);
      optBool(a.allowPartial, 'allowPartial');
      if (bytes.length > MAX_TRANSFER) throw new InputProblem(`at most ${MAX_TRANSFER} bytes per write, got ${bytes.length}`);
      // All or nothing (allowPartial or not): every page is checked first, and a write that fails half way is undone.
      const breaks = writeMemory(s, addr, bytes);
      response.body = { bytesWritten: bytes.length, offset: typeof a.offset === 'number' ? a.offset : undefined };
      this.sendResponse(response);
      if (this.client.memory) this.sendEvent(new MemoryEvent(String(a.memoryReference), typeof a.offset === 'number' ? a.offset : 0, bytes.length));
      const mpn = Math.floor(addr / 4096);
      this.afterEdit(breaks, `${bytes.length} byte(s) written at ${'0x' + addr.toString(16)} (MPN ${mpnHex(mpn)} + ${addr % 4096}; ${this.insp!.backmapText(mpn)})`);
    });
  }

  // ---- time travel --------------------------------------------------------------------------------

  /** Go to step `step` (the end if the run ends before it); answers the step reached. */
  private landOn(step: number): number {
    const s = this.session!;
    this.refs.clear();
    s.rt.gotoStep(step);
    return s.rt.stepCount;
  }

  /** The thread to show a stop at `step` on: the actor that made that step (else the first live one). */
  private actorAt(step: number): number {
    const s = this.session!;
    const a = s.rt.stepAt(step)?.actor;
    return a !== undefined && !s.rt.actors[a]!.done ? a : (s.rt.actors.find((x) => !x.done)?.id ?? 0);
  }

  /**
   * Go to `step`, then answer `response` and report the stop on `actorId`'s thread (null: the actor
   * that made that step, known once there). The move comes first, so a goto that cannot be made
   * answers an error and leaves the run where it was.
   */
  private gotoStopped(response: DebugProtocol.Response, step: number, actorId: number | null, what: string): void {
    const at = this.landOn(step);
    this.sendResponse(response);
    if (at !== step) this.sendEvent(new OutputEvent(`the run ends at step ${at}, before step ${step}\n`, 'console'));
    this.onStop({ reason: 'goto', actorId: at === step && actorId !== null ? actorId : this.actorAt(at), description: `${what} step ${at}` });
  }

  private readonly gotoTargetSteps = new Map<number, { step: number; actor: number }>();
  private nextGotoTarget = 1;

  protected override gotoTargetsRequest(response: DebugProtocol.GotoTargetsResponse, args: DebugProtocol.GotoTargetsArguments): void {
    this.guard(response, () => {
      const { s } = this.needStopped();
      const a = argsOf(args, 'gotoTargets');
      const lineArg = int(a.line, 'line', { what: 'a line of the listing' });
      if (!this.isListing(a.source)) throw new InputProblem(`not the simulated listing: only lines of ${LISTING_NAME} ran`);
      const asked = this.convertClientLineToDebugger(lineArg);
      let line = asked;
      while (!s.listing.stmtAt(line) && line < asked + 3 && line < s.listing.lineCount) line++;
      if (!s.listing.stmtAt(line)) throw new InputProblem(`line ${asked} of the listing has no statement to go to`);
      const now = s.rt.stepCount;
      // Looking ahead runs the program and comes back: what it logs on the way has not happened.
      this.lookingAhead = true;
      let found: ReturnType<typeof s.rt.arrivalsAt>;
      try {
        found = s.rt.arrivalsAt(line, { ahead: 500_000, limit: 50, replayUpTo: 2_000_000 });
      } finally {
        this.lookingAhead = false;
      }
      // The run came back to this step. Frame ids name a depth and are read live, so stacks stand;
      // frame objects may be new ones, so variables are refetched. (Invalidating stacks would make the
      // client refocus the top frame, which closes the Jump to Cursor pick these targets are for.)
      this.refs.clear();
      if (this.client.invalidated) this.sendEvent(new InvalidatedEvent(['variables']));
      for (const r of found.skipped) this.sendEvent(new OutputEvent(`line ${line} may also run inside steps ${r.from}–${r.to} (${r.why === 'long' ? 'a bulk step too long to look into' : 'a bulk step before an edit or a counted breakpoint hit, which looking into it would undo'})\n`, 'console'));
      const past = found.past.slice(-50).reverse();
      const future = found.future.slice(0, 50);
      this.gotoTargetSteps.clear();
      const targets: DebugProtocol.GotoTarget[] = [];
      for (const [t, when] of [...past.map((p) => [p, 'earlier'] as const), ...future.map((f) => [f, 'later'] as const)]) {
        const id = this.nextGotoTarget++;
        this.gotoTargetSteps.set(id, t);
        targets.push({ id, label: `line ${line} at step ${t.step} (${s.rt.actor(t.actor).name}, ${when})`, line: this.line(line) });
      }
      if (targets.length === 0) throw new InputProblem(`line ${line} did not run within history (since step ${s.rt.historyHorizon}) and does not run in the next 500000 steps from step ${now}`);
      response.body = { targets };
      this.sendResponse(response);
    });
  }

  protected override gotoRequest(response: DebugProtocol.GotoResponse, args: DebugProtocol.GotoArguments): void {
    this.guard(response, () => {
      const { s } = this.needStopped();
      const a = argsOf(args, 'goto');
      const id = int(a.targetId, 'targetId', { what: 'a target id from gotoTargets', min: 1 });
      const t = this.gotoTargetSteps.get(id);
      if (!t) throw new InputProblem(`targetId ${id} is not one gotoTargets gave (targets last until the next gotoTargets)`);
      if (t.step < s.rt.historyHorizon) throw new InputProblem(`step ${t.step} is no longer in history: the oldest step kept is ${s.rt.historyHorizon} (ask gotoTargets again)`);
      this.gotoStopped(response, t.step, t.actor, 'went to');
    });
  }

  /** The `fsr/…` requests that move the run or read its history; false for the ones fsrRequests answers. */
  private timeTravelRequest(command: string, response: DebugProtocol.Response, args: unknown): boolean {
    switch (command) {
      case 'fsr/goto':
        this.guard(response, () => {
          const { s } = this.needStopped();
          const step = int(argsOf(args, command).step, 'step', { min: 0 });
          if (step < s.rt.historyHorizon) throw new InputProblem(`step ${step} is before the history horizon: the oldest step kept is ${s.rt.historyHorizon}`);
          // The actor that made a step ahead is known only once the run got there.
          this.gotoStopped(response, step, null, 'went to');
        });
        return true;
      case 'fsr/reverseStep':
        this.guard(response, () => {
          const { s } = this.needStopped();
          const a = argsOf(args, command);
          const how = oneOf(a.how, 'how', ['over', 'out'] as const);
          const actor = this.actorFor(a.threadId);
          this.refs.clear();
          const stop = how === 'over' ? s.rt.reverseStepOver(actor.id) : s.rt.reverseStepOut(actor.id);
          this.sendResponse(response);
          this.onStop(stop);
        });
        return true;
      case 'fsr/phase':
        this.guard(response, () => {
          const { s } = this.needStopped();
          const direction = oneOf(argsOf(args, command).direction, 'direction', ['next', 'previous'] as const);
          if (direction === 'previous') {
            const now = s.rt.stepCount;
            const p = s.phases().filter((m) => m.step < now).at(-1);
            if (!p) throw new InputProblem(`no phase before step ${now} (within history, since step ${s.rt.historyHorizon})`);
            this.gotoStopped(response, p.step, s.rt.actors.findIndex((x) => x.name === p.actor), `previous phase "${p.name}", at`);
          } else {
            if (s.rt.finished) throw new InputProblem('the run has ended: there is no next phase');
            s.rt.continue({ toNextPhase: true });
            this.sendResponse(response);
            // A custom request that runs: the client learns it from this event, as from a continue.
            this.sendEvent(new ContinuedEvent((this.lastStop?.actorId ?? 0) + 1, true));
            this.runLoop();
          }
        });
        return true;
      case 'fsr/history':
        this.guard(response, () => {
          const a = argsOf(args, command);
          const expr = text(a.expression, 'expression', 'a path the Variables view shows (its evaluateName), e.g. fsr.resumeState');
          optInt(a.frameId, 'frameId', { what: 'a frame id from stackTrace' });
          const { s } = this.needStopped();
          const node = evaluate(expr, this.evalContext(a.frameId));
          response.body = history(s, historyTargetOf(node, expr));
          this.sendResponse(response);
        });
        return true;
      case 'fsr/executions':
        this.guard(response, () => {
          const { s } = this.needStopped();
          const fn = text(argsOf(args, command).function, 'function', 'the name of a function of the listing');
          response.body = executionsOf(s, fn);
          this.sendResponse(response);
        });
        return true;
      case 'fsr/invariants':
        this.guard(response, () => {
          const { s } = this.needStopped();
          const name = optText(argsOf(args, command).name, 'name', "an invariant's name");
          response.body = invariants(s, name);
          this.sendResponse(response);
        });
        return true;
      case 'fsr/moment':
        this.guard(response, () => {
          const { s } = this.need();
          const cfg = this.config!;
          const body: MomentBody = { step: s.rt.stepCount, launch: cfg.runArgs, scenarioDigest: cfg.scenarioDigest, scenario: cfg.source, seed: s.seed, horizon: s.rt.historyHorizon, end: this.runEnd };
          response.body = body;
          this.sendResponse(response);
        });
        return true;
      case 'fsr/bookmarks':
        this.guard(response, () => {
          this.need();
          response.body = { bookmarks: this.config!.bookmarks };
          this.sendResponse(response);
        });
        return true;
      case 'fsr/watches':
        this.guard(response, () => {
          const { s } = this.need();
          const body: WatchesBody = { watches: s.rt.watchList.map((w) => ({ id: w.id, description: w.description, owner: w.owner, value: String(w.last) })) };
          response.body = body;
          this.sendResponse(response);
        });
        return true;
      case 'fsr/unwatch':
        this.guard(response, () => {
          const { s } = this.need();
          const id = int(argsOf(args, command).id, 'id', { min: 1, what: 'a watch id from fsr/watches' });
          if (!s.rt.removeWatch(id)) throw new InputProblem(`no watch ${id} (watches: ${s.rt.watchList.map((w) => w.id).join(', ') || 'none'})`);
          response.body = {};
          this.sendResponse(response);
        });
        return true;
      default:
        return false;
    }
  }

  /** history(path), executions("fn"), invariants(): the Debug Console's questions to the recorded history. */
  private consoleQuestion(expr: string, frameId: unknown): VNode | null {
    const m = /^\s*(history|executions|invariants)\s*\(([\s\S]*)\)\s*$/.exec(expr);
    if (!m) return null;
    const { s } = this.needStopped();
    const arg = m[2]!.trim().replace(/^(["'])(.*)\1$/, '$2');
    if (m[1] === 'history') {
      if (!arg) throw new InputProblem('history(path) takes a path the Variables view shows, e.g. history(fsr.resumeState) or history(dst.pages[5].type)');
      return historyNode(expr.trim(), history(s, historyTargetOf(evaluate(arg, this.evalContext(frameId)), arg)));
    }
    if (m[1] === 'executions') {
      if (!arg) throw new InputProblem('executions("fn") takes a function of the listing, e.g. executions("FSRTransferSwapFile")');
      return executionsNode(expr.trim(), executionsOf(s, arg));
    }
    return invariantsNode(expr.trim(), invariants(s, arg || undefined));
  }

  // ---- custom requests ------------------------------------------------------------------------

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    if (typeof command === 'string' && this.timeTravelRequest(command, response, args)) return;
    if (typeof command === 'string' && command.startsWith('fsr/')) {
      void (async () => {
        try {
          const { s } = this.need();
          const st = this.lastStop;
          response.body = await handleFsrRequest(s, command, args, st ? { reason: st.reason, description: st.description, exception: st.exception ? `${st.exception.filter}: ${st.exception.message}` : null } : null);
          this.sendResponse(response);
        } catch (e) {
          this.fail(response, (e as Error).message);
        }
      })();
      return;
    }
    this.fail(response, `unknown request ${shown(command)}${didYouMean(String(command), [...DAP_REQUESTS, ...FSR_REQUESTS])}`);
  }
}

function describeWatch(w: WatchTarget, insp: Inspector): string {
  if (w.kind === 'fsr') return `fsr->${w.field}`;
  const world = insp.s.worldRef(w.world);
  // Indices in hex, as Variables names the rows.
  if (w.kind === 'pdirInfo') return `${world.name} pdirInfo[${hexNumber(w.dirIndex)}]`;
  return `${world.name} PFrame ${hexNumber(w.pgNum)}.${w.field}`;
}

/** A dataId this adapter made (JSON of a WatchTarget), checked field by field. */
function parseWatch(dataId: unknown): WatchTarget {
  const bad = () => new InputProblem(`dataId ${JSON.stringify(dataId)} is not one this adapter made (ask dataBreakpointInfo for one)`);
  if (typeof dataId !== 'string') throw bad();
  let o: Record<string, unknown>;
  try {
    o = obj(JSON.parse(dataId));
  } catch {
    throw bad();
  }
  const world = o.world;
  const worldOk = world === 'source' || world === 'destination' || (typeof world === 'number' && Number.isInteger(world));
  if (o.kind === 'fsr' && ['resumeState', 'swapCopyState', 'hasSwapCopy', 'swapCopyWorldID', 'memMinToTransferMB', 'cpuMinToTransferMHz'].includes(o.field as string)) return { kind: 'fsr', field: o.field as 'resumeState' };
  if (o.kind === 'pdirInfo' && worldOk && typeof o.dirIndex === 'number' && Number.isInteger(o.dirIndex)) return { kind: 'pdirInfo', world: world as number, dirIndex: o.dirIndex };
  if (o.kind === 'pframe' && worldOk && typeof o.pgNum === 'number' && Number.isInteger(o.pgNum) && typeof o.field === 'string') return { kind: 'pframe', world: world as number, pgNum: o.pgNum, field: o.field };
  throw bad();
}
