// step-64GiB(-stdio): 1,000 × (next → stopped → stackTrace → scopes → variables) on 64 GiB big-vm, FSR adapter vs a
// trivial @vscode/debugadapter session (same depth/locals, nothing behind), medians of the pairs, in-process and over stdio; plus stepBack vs next.

import { PassThrough, type Readable, type Writable } from 'node:stream';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { InitializedEvent, LoggingDebugSession, Scope, Source, StackFrame, StoppedEvent, Thread } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { FsrDebugSession } from '../../adapter/debugSession';
import { report } from './harness';

const N = 1000;
const WARMUP = 200;

/** A DAP session that does nothing: stops at once, answers a fixed stack and locals. */
class TrivialSession extends LoggingDebugSession {
  private line = 1;
  constructor(private readonly depth: number, private readonly locals: number) {
    super();
  }
  protected override initializeRequest(r: DebugProtocol.InitializeResponse): void {
    r.body = { supportsConfigurationDoneRequest: true, supportsStepBack: true };
    this.sendResponse(r);
  }
  protected override launchRequest(r: DebugProtocol.LaunchResponse): void {
    this.sendResponse(r);
    this.sendEvent(new InitializedEvent());
  }
  protected override configurationDoneRequest(r: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(r);
    this.sendEvent(new StoppedEvent('entry', 2));
  }
  protected override threadsRequest(r: DebugProtocol.ThreadsResponse): void {
    r.body = { threads: [new Thread(2, 'main')] };
    this.sendResponse(r);
  }
  protected override nextRequest(r: DebugProtocol.NextResponse): void {
    this.sendResponse(r);
    this.line++;
    this.sendEvent(new StoppedEvent('step', 2));
  }
  protected override stepBackRequest(r: DebugProtocol.StepBackResponse): void {
    this.sendResponse(r);
    this.line--;
    this.sendEvent(new StoppedEvent('step', 2));
  }
  protected override stackTraceRequest(r: DebugProtocol.StackTraceResponse): void {
    const src = new Source('trivial.c', undefined, 1);
    r.body = { stackFrames: Array.from({ length: this.depth }, (_, i) => new StackFrame(20000 + i, `function_${i}`, src, this.line + i, 1)), totalFrames: this.depth };
    this.sendResponse(r);
  }
  protected override scopesRequest(r: DebugProtocol.ScopesResponse): void {
    r.body = { scopes: ['Locals', 'FSR', 'vm-src', 'vm-dst', 'Host'].map((n, i) => new Scope(n, i + 1, false)) };
    this.sendResponse(r);
  }
  protected override variablesRequest(r: DebugProtocol.VariablesResponse): void {
    r.body = { variables: Array.from({ length: this.locals }, (_, i) => ({ name: `local${i}`, value: String(this.line * 7 + i), variablesReference: 0 })) };
    this.sendResponse(r);
  }
}

/** A DebugClient on a pair of streams. */
class StreamClient extends DebugClient {
  attach(from: Readable, to: Writable): void {
    this.connect(from, to);
  }
}

/** A DebugClient wired to an in-process session through streams (no process hop for either side). */
async function connect(session: LoggingDebugSession): Promise<DebugClient> {
  const toAdapter = new PassThrough();
  const toClient = new PassThrough();
  session.setRunAsServer(true);
  session.start(toAdapter, toClient);
  const dc = new StreamClient('node', 'unused', 'fsr');
  dc.defaultTimeout = 60000;
  dc.attach(toClient, toAdapter);
  await dc.initializeRequest({ adapterID: 'fsr', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  return dc;
}

/** One step and what a UI reads after it; answers ms. */
async function sequence(dc: DebugClient, threadId: number, step: 'next' | 'stepBack'): Promise<number> {
  const t = performance.now();
  const stopped = dc.waitForEvent('stopped');
  await dc.send(step, { threadId });
  const ev = (await stopped) as DebugProtocol.StoppedEvent;
  const frames = (await dc.stackTraceRequest({ threadId: ev.body.threadId! })).body.stackFrames;
  const scopes = (await dc.scopesRequest({ frameId: frames[0]!.id })).body.scopes;
  await dc.variablesRequest({ variablesReference: scopes[0]!.variablesReference });
  return performance.now() - t;
}

/** The FSR side stopped inside the per-page loop of big-vm's transfer; answers its thread. */
async function toTransferLoop(fsr: DebugClient): Promise<number> {
  const init = fsr.waitForEvent('initialized');
  let stopped = fsr.waitForEvent('stopped');
  await fsr.launchRequest({ scenario: 'big-vm', stopOnEntry: true } as DebugProtocol.LaunchRequestArguments);
  await init;
  await fsr.setExceptionBreakpointsRequest({ filters: [] });
  await fsr.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'VmMemMigrateAddPageToDest' }] });
  await fsr.configurationDoneRequest();
  await stopped;
  stopped = fsr.waitForEvent('stopped');
  await fsr.continueRequest({ threadId: 1 });
  const at = ((await stopped) as DebugProtocol.StoppedEvent).body;
  await fsr.setFunctionBreakpointsRequest({ breakpoints: [] });
  return at.threadId!;
}

async function trivialReady(trivial: DebugClient): Promise<void> {
  const tInit = trivial.waitForEvent('initialized');
  const tStop = trivial.waitForEvent('stopped');
  await trivial.launchRequest({} as DebugProtocol.LaunchRequestArguments);
  await tInit;
  await trivial.configurationDoneRequest();
  await tStop;
}

async function measure(name: string, fsr: DebugClient, tid: number, trivial: DebugClient): Promise<void> {
  for (let i = 0; i < WARMUP; i++) {
    await sequence(trivial, 2, 'next');
    await sequence(fsr, tid, 'next');
  }
  const v: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < N; i++) {
    b.push(await sequence(trivial, 2, 'next'));
    v.push(await sequence(fsr, tid, 'next'));
  }
  report(name, v, b, '≤1.25');
}

/** Over stdio: the built stand-alone adapter and the trivial session, each in its own process. */
async function overStdio(): Promise<void> {
  const adapter = new URL('../adapter.js', import.meta.url).pathname;
  if (!existsSync(adapter)) {
    console.log(`step-64GiB-stdio: skipped (${adapter} is not built; npm run build)`);
    return;
  }
  const init = { adapterID: 'fsr', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' as const };
  const fsr = new DebugClient('node', adapter, 'fsr');
  fsr.defaultTimeout = 60000;
  await fsr.start();
  await fsr.initializeRequest(init);
  const tid = await toTransferLoop(fsr);
  const f = (await fsr.stackTraceRequest({ threadId: tid })).body.stackFrames;
  const locals = (await fsr.variablesRequest({ variablesReference: (await fsr.scopesRequest({ frameId: f[0]!.id })).body.scopes[0]!.variablesReference })).body.variables.length;
  const trivial = new DebugClient('node', process.argv[1]!, 'trivial', { env: { ...process.env, DAP_TRIVIAL: `${f.length},${locals}` } });
  trivial.defaultTimeout = 60000;
  await trivial.start();
  await trivial.initializeRequest(init);
  await trivialReady(trivial);
  await measure('step-64GiB-stdio', fsr, tid, trivial);
  await fsr.stop();
  await trivial.stop();
}

async function main(): Promise<void> {
  if (process.env.DAP_TRIVIAL) {
    // Child mode: the trivial session on stdio, for the -stdio figure.
    const [depth, locals] = process.env.DAP_TRIVIAL.split(',').map(Number);
    const t = new TrivialSession(depth!, locals!);
    t.start(process.stdin, process.stdout);
    return;
  }
  // The FSR side: big-vm stopped inside the per-page loop of the transfer.
  const fsr = await connect(new FsrDebugSession({ readFile: async (p) => new Uint8Array(await readFile(p)) }));
  const tid = await toTransferLoop(fsr);
  const depth = (await fsr.stackTraceRequest({ threadId: tid })).body.stackFrames.length;
  const locals = (await fsr.variablesRequest({ variablesReference: (await fsr.scopesRequest({ frameId: (await fsr.stackTraceRequest({ threadId: tid })).body.stackFrames[0]!.id })).body.scopes[0]!.variablesReference })).body.variables.length;
  const trivial = await connect(new TrivialSession(depth, locals));
  await trivialReady(trivial);
  await measure('step-64GiB', fsr, tid, trivial);

  // Step back vs next at the same point: next, then step back to where it started.
  const back: number[] = [];
  const fwd: number[] = [];
  for (let i = 0; i < N; i++) {
    fwd.push(await sequence(fsr, tid, 'next'));
    back.push(await sequence(fsr, tid, 'stepBack'));
  }
  report('step-back-dap-64GiB', back, fwd, '≤2');
  await overStdio();
  process.exit(0);
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
