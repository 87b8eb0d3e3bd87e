// A minimal stand-in for the `vscode` API, enough to activate the built extension (dist/web/extension.js
// in a browser's Web Worker, dist/extension.js in Node) and drive one debug session through what it
// registered, as VS Code would: the configuration provider resolves the launch (F5 with no launch.json
// picks through showQuickPick; a relative scenario path joins the workspace folder's URI), the
// descriptor factory gives the adapter, a tracker from the extension's adapter log watches the
// messages. Plain data and no Node and no DOM, so the same file runs in both hosts. What the
// extension touches beyond it is a no-op that is counted (`unknown`), never an error, so that new
// views and commands do not break the harness; the figures come only from the DAP session.

/* eslint-disable @typescript-eslint/no-explicit-any */

type Listener<T> = (e: T) => unknown;
type Disposable = { dispose(): void };
const disposable = (): Disposable => ({ dispose() {} });

export class EventEmitter<T> {
  private listeners: Array<Listener<T>> = [];
  readonly event = (l: Listener<T>): Disposable => {
    this.listeners.push(l);
    return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Uri {
  private constructor(readonly scheme: string, readonly authority: string, readonly path: string, readonly query = '', readonly fragment = '') {}
  static parse(s: string): Uri {
    const m = /^([a-z][a-z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/i.exec(s);
    if (!m) throw new Error(`not a URI: ${s}`);
    return new Uri(m[1]!, m[2] ?? '', decodeURIComponent(m[3] || '/'), m[4] ?? '', m[5] ?? '');
  }
  static file(p: string): Uri {
    return new Uri('file', '', p.replace(/\\/g, '/'));
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    const segs = base.path.split('/');
    for (const part of parts) {
      for (const seg of part.split('/')) {
        if (seg === '..') segs.pop();
        else if (seg !== '.' && seg !== '') segs.push(seg);
      }
    }
    return new Uri(base.scheme, base.authority, segs.join('/') || '/');
  }
  get fsPath(): string {
    return this.path;
  }
  with(c: { scheme?: string; authority?: string; path?: string; query?: string; fragment?: string }): Uri {
    return new Uri(c.scheme ?? this.scheme, c.authority ?? this.authority, c.path ?? this.path, c.query ?? this.query, c.fragment ?? this.fragment);
  }
  toString(): string {
    return `${this.scheme}:${this.authority || this.scheme === 'file' ? `//${this.authority}` : ''}${encodeURI(this.path)}${this.query ? `?${this.query}` : ''}`;
  }
  toJSON(): string {
    return this.toString();
  }
}

class Simple {
  constructor(...args: unknown[]) {
    Object.assign(this, { args });
  }
}
export class DebugAdapterInlineImplementation {
  constructor(readonly implementation: DapAdapter) {}
}
export class FunctionBreakpoint {
  constructor(readonly functionName: string, readonly enabled = true) {}
}

/** The adapter the extension hands over (FsrDebugSession): messages in, messages out. */
export interface DapAdapter {
  handleMessage(m: unknown): void;
  onDidSendMessage(l: (m: unknown) => void): Disposable;
  dispose(): void;
}

export interface StandInOptions {
  uiKind: 'desktop' | 'web';
  /** The workspace folder's URI (a virtual one in the browser: `https://fsr.test/examples`). */
  workspace: string;
  /** How workspace.fs reads a file (fetch in a worker, fs in Node). */
  readFile(uri: Uri): Promise<Uint8Array>;
  /** What showQuickPick answers: the label of the item to pick. */
  pick?: string;
  /** Settings by section.key (defaults otherwise). */
  settings?: Record<string, unknown>;
}

export interface StandIn {
  vscode: Record<string, unknown>;
  registered: {
    configProviders: Array<{ provider: any; trigger: number }>;
    adapterFactories: Map<string, any>;
    trackerFactories: Map<string, any[]>;
    commands: Map<string, (...a: unknown[]) => unknown>;
  };
  /** Log lines the extension wrote to its output channel. */
  log: string[];
  /** API members the extension used that the stand-in does not model (answered with no-ops). */
  unknown: Set<string>;
  /** Exceptions a tracker threw while a message went by (VS Code swallows them; a test should not). */
  trackerErrors: string[];
  workspaceFolder: { uri: Uri; name: string; index: number };
}

/** A namespace whose unknown members are no-op functions that return a disposable, counted by name. */
function lenient<T extends object>(name: string, known: T, unknown: Set<string>): T {
  return new Proxy(known, {
    get(target, prop, receiver) {
      if (typeof prop === 'symbol' || prop in target) return Reflect.get(target, prop, receiver);
      if (prop === '__esModule' || prop === 'then') return undefined; // a bundle's interop check, an await's probe
      unknown.add(`${name}.${prop}`);
      return () => disposable();
    },
  });
}

export function makeVscode(opts: StandInOptions): StandIn {
  const unknown = new Set<string>();
  const log: string[] = [];
  const registered: StandIn['registered'] = { configProviders: [], adapterFactories: new Map(), trackerFactories: new Map(), commands: new Map() };
  const workspaceFolder = { uri: Uri.parse(opts.workspace), name: 'examples', index: 0 };
  const breakpoints: unknown[] = [];
  const bpChanged = new EventEmitter<unknown>();
  const channel = (name: string) => {
    const write = (level: string) => (msg: string) => log.push(`[${level}] ${msg}`);
    return lenient(`OutputChannel(${name})`, { info: write('info'), warn: write('warn'), error: write('error'), debug: write('debug'), trace: write('trace'), appendLine: write('info'), show() {}, dispose() {} }, unknown);
  };
  const vscode = {
    EventEmitter,
    Uri,
    DebugAdapterInlineImplementation,
    FunctionBreakpoint,
    DebugAdapterExecutable: Simple,
    TreeItem: Simple,
    ThemeIcon: Simple,
    ThemeColor: Simple,
    MarkdownString: Simple,
    Range: Simple,
    Position: Simple,
    Location: Simple,
    SourceBreakpoint: Simple,
    Disposable: class {
      constructor(private readonly fn: () => void) {}
      static from(...ds: Disposable[]): Disposable {
        return { dispose: () => ds.forEach((d) => d.dispose()) };
      }
      dispose(): void {
        this.fn();
      }
    },
    UIKind: { Desktop: 1, Web: 2 },
    DebugConfigurationProviderTriggerKind: { Initial: 1, Dynamic: 2 },
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    TreeItemCheckboxState: { Unchecked: 0, Checked: 1 },
    OverviewRulerLane: { Left: 1, Center: 2, Right: 4, Full: 7 },
    StatusBarAlignment: { Left: 1, Right: 2 },
    ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    env: lenient('env', { uiKind: opts.uiKind === 'web' ? 2 : 1, language: 'en' }, unknown),
    window: lenient('window', {
      createOutputChannel: channel,
      createTreeView: () => lenient('TreeView', { onDidChangeCheckboxState: () => disposable(), dispose() {} }, unknown),
      createTextEditorDecorationType: () => ({ key: 'd', dispose() {} }),
      onDidChangeVisibleTextEditors: () => disposable(),
      onDidChangeActiveTextEditor: () => disposable(),
      visibleTextEditors: [],
      activeTextEditor: undefined,
      showQuickPick: async (items: Array<{ label: string }>) => items.find((i) => i.label === opts.pick),
      showErrorMessage: async (m: string) => void log.push(`[showErrorMessage] ${m}`),
      showWarningMessage: async (m: string) => void log.push(`[showWarningMessage] ${m}`),
      showInformationMessage: async (m: string) => void log.push(`[showInformationMessage] ${m}`),
    }, unknown),
    workspace: lenient('workspace', {
      workspaceFolders: [workspaceFolder],
      textDocuments: [],
      fs: { readFile: (uri: Uri) => opts.readFile(uri) },
      getConfiguration: (section?: string) => ({
        get: (key: string, def?: unknown) => {
          const k = section ? `${section}.${key}` : key;
          return opts.settings && Object.hasOwn(opts.settings, k) ? opts.settings[k] : def;
        },
        update: async () => {},
      }),
      onDidChangeTextDocument: () => disposable(),
      onDidChangeConfiguration: () => disposable(),
    }, unknown),
    debug: lenient('debug', {
      registerDebugConfigurationProvider: (_type: string, provider: unknown, trigger = 1) => {
        registered.configProviders.push({ provider, trigger });
        return disposable();
      },
      registerDebugAdapterDescriptorFactory: (type: string, f: unknown) => {
        registered.adapterFactories.set(type, f);
        return disposable();
      },
      registerDebugAdapterTrackerFactory: (type: string, f: unknown) => {
        registered.trackerFactories.set(type, [...(registered.trackerFactories.get(type) ?? []), f]);
        return disposable();
      },
      onDidChangeBreakpoints: bpChanged.event,
      onDidStartDebugSession: () => disposable(),
      onDidTerminateDebugSession: () => disposable(),
      onDidChangeActiveDebugSession: () => disposable(),
      get breakpoints() {
        return breakpoints;
      },
      addBreakpoints: (bs: unknown[]) => {
        breakpoints.push(...bs);
        bpChanged.fire(undefined);
      },
      removeBreakpoints: (bs: unknown[]) => {
        for (const b of bs) breakpoints.splice(breakpoints.indexOf(b), 1);
        bpChanged.fire(undefined);
      },
      activeDebugSession: undefined,
    }, unknown),
    commands: lenient('commands', {
      registerCommand: (id: string, fn: (...a: unknown[]) => unknown) => {
        registered.commands.set(id, fn);
        return disposable();
      },
      executeCommand: async () => undefined,
    }, unknown),
    languages: lenient('languages', {}, unknown),
  };
  return { vscode: lenient('vscode', vscode, unknown), registered, log, unknown, trackerErrors: [], workspaceFolder };
}

/** The extension's exports, from a CommonJS bundle evaluated by `load` with `require('vscode')` answered by the stand-in. */
export type ExtensionModule = { activate(context: unknown): any; deactivate?(): void };

export function activateExtension(mod: ExtensionModule, extensionUri: string): { api: any; subscriptions: Disposable[] } {
  const subscriptions: Disposable[] = [];
  // The extension's identity as VS Code gives it (publisher.name of package.json).
  const extension = { id: 'fsr-handoff.fsr-handoff-debugger', extensionUri: Uri.parse(extensionUri) };
  const context = { subscriptions, extension, extensionUri: Uri.parse(extensionUri), extensionPath: Uri.parse(extensionUri).path, globalState: { get: () => undefined, update: async () => {} }, workspaceState: { get: () => undefined, update: async () => {} } };
  return { api: mod.activate(context), subscriptions };
}

type Msg = { type: string; seq?: number; command?: string; event?: string; request_seq?: number; success?: boolean; message?: string; body?: any; arguments?: unknown };

/** One debug session as VS Code runs one: configuration providers, the adapter from the factory, the trackers. */
export class Session {
  private seq = 1;
  private readonly waiting = new Map<number, (m: Msg) => void>();
  private readonly eventWaiters: Array<{ name: string; resolve: (m: Msg) => void }> = [];
  private readonly trackers: any[] = [];
  readonly events: Msg[] = [];
  private adapter!: DapAdapter;
  config!: Record<string, unknown>;

  constructor(private readonly s: StandIn) {}

  /** Resolve `config` as F5 does ({} = no launch.json), then start the adapter. */
  async start(config: Record<string, unknown>): Promise<Record<string, unknown>> {
    let c: any = { ...config };
    const folder = this.s.workspaceFolder;
    for (const { provider } of this.s.registered.configProviders) if (c && provider.resolveDebugConfiguration) c = await provider.resolveDebugConfiguration(folder, c);
    if (!c) throw new Error('the configuration providers cancelled the launch');
    for (const { provider } of this.s.registered.configProviders) if (c && provider.resolveDebugConfigurationWithSubstitutedVariables) c = await provider.resolveDebugConfigurationWithSubstitutedVariables(folder, c);
    this.config = c;
    const session = { id: 's1', type: c.type, name: c.name, configuration: c, workspaceFolder: folder, customRequest: (cmd: string, args?: unknown) => this.ok(cmd, args) };
    const desc = await this.s.registered.adapterFactories.get('fsr').createDebugAdapterDescriptor(session, undefined);
    if (!(desc instanceof DebugAdapterInlineImplementation)) throw new Error(`the adapter factory gave ${desc?.constructor?.name}, not an inline adapter`);
    for (const f of this.s.registered.trackerFactories.get('fsr') ?? []) this.trackers.push(f.createDebugAdapterTracker(session));
    for (const t of this.trackers) t.onWillStartSession?.();
    this.adapter = desc.implementation;
    this.adapter.onDidSendMessage((raw) => {
      const m = raw as Msg;
      // VS Code catches a tracker's exception and goes on delivering the message; so does this, and says so.
      for (const t of this.trackers) {
        try {
          t.onDidSendMessage?.(m);
        } catch (e) {
          this.s.trackerErrors.push(`${m.type} ${m.event ?? m.command}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      if (m.type === 'response') {
        this.waiting.get(m.request_seq!)?.(m);
        this.waiting.delete(m.request_seq!);
      } else if (m.type === 'event') {
        this.events.push(m);
        const i = this.eventWaiters.findIndex((w) => w.name === m.event);
        if (i >= 0) this.eventWaiters.splice(i, 1)[0]!.resolve(m);
      }
    });
    return c;
  }

  request(command: string, args?: unknown): Promise<Msg> {
    const seq = this.seq++;
    const m = { seq, type: 'request', command, arguments: args };
    return new Promise((resolve) => {
      this.waiting.set(seq, resolve);
      for (const t of this.trackers) t.onWillReceiveMessage?.(m);
      this.adapter.handleMessage(m);
    });
  }

  async ok(command: string, args?: unknown): Promise<any> {
    const r = await this.request(command, args);
    if (!r.success) throw new Error(`${command} failed: ${r.message}`);
    return r.body ?? {};
  }

  /** The next `name` event (one already received and not yet taken counts). */
  event(name: string, timeoutMs = 180_000): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${name} event within ${timeoutMs} ms`)), timeoutMs);
      this.eventWaiters.push({ name, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  async end(): Promise<void> {
    await this.request('disconnect', {});
    for (const t of this.trackers) t.onWillStopSession?.();
    this.adapter.dispose();
  }
}

const now = (): number => performance.now();

export interface WalkResult {
  host: Record<string, unknown>;
  config: Record<string, unknown>;
  stops: string[];
  pframe: Record<string, string>;
  memoryBytes: number;
  viewStep: number;
  viewBytes: number;
  steppedBackFrom: number;
  steppedBackTo: number;
  logLines: string[];
  unknown: string[];
  trackerErrors: string[];
}

/** The step number a stop reports (the Debug Console line, `step N`). */
async function stepOf(s: Session): Promise<number> {
  const st = await s.ok('fsr/state', {});
  return Number(st.stepCount);
}

/**
 * What the UI test does, as requests: launch (`config`; {} is F5 without launch.json), break at
 * World_SetPanicNoCore, read a PFrame in Variables and its page in memory, ask the host-memory view,
 * step back.
 */
export async function walk(si: StandIn, api: any, config: Record<string, unknown>): Promise<WalkResult> {
  const s = new Session(si);
  const c = await s.start(config);
  const stops: string[] = [];
  await s.ok('initialize', { adapterID: 'fsr', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', supportsMemoryReferences: true });
  const init = s.event('initialized');
  let stopped = s.event('stopped');
  await s.ok('launch', c);
  await init;
  await s.ok('setFunctionBreakpoints', { breakpoints: [{ name: 'World_SetPanicNoCore' }] });
  await s.ok('configurationDone', {});
  let ev = await stopped;
  stops.push(ev.body.reason);
  stopped = s.event('stopped');
  await s.ok('continue', { threadId: ev.body.threadId });
  ev = await stopped;
  const threadId = ev.body.threadId as number;
  const frames = (await s.ok('stackTrace', { threadId })).stackFrames as Array<{ id: number; name: string }>;
  stops.push(`${ev.body.reason} in ${frames[0]!.name}`);
  const scopes = (await s.ok('scopes', { frameId: frames[0]!.id })).scopes as Array<{ name: string; variablesReference: number }>;
  const src = scopes.find((x) => x.name.startsWith('vm-src'));
  if (!src) throw new Error(`no vm-src scope: ${scopes.map((x) => x.name).join(', ')}`);
  const child = async (ref: number, name: RegExp) => {
    const vs = (await s.ok('variables', { variablesReference: ref })).variables as Array<{ name: string; value: string; variablesReference: number; memoryReference?: string }>;
    const v = vs.find((x) => name.test(x.name));
    if (!v) throw new Error(`no ${name} among ${vs.map((x) => x.name).slice(0, 20).join(', ')}`);
    return v;
  };
  const pages = await child(src.variablesReference, /^pages/);
  // Pages by page directory, 512 a group, indices in hex: [0x0..0x1ff] holds [0x0].
  let pf = await child(pages.variablesReference, /^\[0x0(\.\.0x[0-9a-f]+)?\]$/);
  if (pf.name !== '[0x0]') pf = await child(pf.variablesReference, /^\[0x0\]$/);
  const fields = (await s.ok('variables', { variablesReference: pf.variablesReference })).variables as Array<{ name: string; value: string; memoryReference?: string }>;
  const pframe = Object.fromEntries(fields.map((f) => [f.name, f.value]));
  const withMem = [pf, ...fields].find((f) => f.memoryReference);
  let memoryBytes = 0;
  if (withMem?.memoryReference) memoryBytes = atob(String((await s.ok('readMemory', { memoryReference: withMem.memoryReference, count: 64 })).data ?? '')).length;
  const view = await s.ok('fsr/view', {});
  const before = await stepOf(s);
  stopped = s.event('stopped');
  await s.ok('stepBack', { threadId });
  await stopped;
  const after = await stepOf(s);
  await s.end();
  return { host: api.host, config: c, stops, pframe, memoryBytes, viewStep: Number(view.step), viewBytes: JSON.stringify(view).length, steppedBackFrom: before, steppedBackTo: after, logLines: si.log.slice(), unknown: [...si.unknown], trackerErrors: si.trackerErrors.slice() };
}

export interface Timing {
  firstStopMs: number;
  /**
   * One step round trip inside the transfer loop (next → stopped → stackTrace), the mean of `steps`
   * in a row: a worker's clock is coarsened to 0.1 ms where the page is not cross-origin isolated.
   */
  stepMs: number;
}

let open: Session | undefined;

/**
 * `config` (big-vm) launched with stopOnEntry: the time to the first stop; then, at the first
 * VmMemMigrateAddPageToDest (inside the per-page transfer loop, where dap.bench steps too), `steps`
 * step round trips. The session stays open (memory is measured at it) until endTimed().
 */
export async function timeLaunchAndSteps(si: StandIn, config: Record<string, unknown>, steps: number): Promise<Timing> {
  if (open) await endTimed();
  const s = new Session(si);
  const c = await s.start(config);
  open = s;
  const t0 = now();
  await s.ok('initialize', { adapterID: 'fsr', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  const init = s.event('initialized');
  let stopped = s.event('stopped');
  await s.ok('launch', { ...c, stopOnEntry: true });
  await init;
  await s.ok('setExceptionBreakpoints', { filters: [] });
  await s.ok('configurationDone', {});
  let ev = await stopped;
  const firstStopMs = now() - t0;
  await s.ok('setFunctionBreakpoints', { breakpoints: [{ name: 'VmMemMigrateAddPageToDest' }] });
  stopped = s.event('stopped');
  await s.ok('continue', { threadId: ev.body.threadId });
  ev = await stopped;
  await s.ok('setFunctionBreakpoints', { breakpoints: [] });
  const t1 = now();
  for (let i = 0; i < steps; i++) {
    stopped = s.event('stopped');
    await s.ok('next', { threadId: ev.body.threadId });
    ev = await stopped;
    await s.ok('stackTrace', { threadId: ev.body.threadId, startFrame: 0, levels: 20 });
  }
  return { firstStopMs, stepMs: steps ? (now() - t1) / steps : 0 };
}

/** End the session timeLaunchAndSteps left open. */
export async function endTimed(): Promise<void> {
  const s = open;
  open = undefined;
  await s?.end();
}
