// Helpers for DAP-level tests against the BUILT stand-alone adapter (dist/adapter.js): build it when
// stale, start a DebugClient, launch, wait for stops, read variables, record wire-order transcripts.

import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';

import { LISTING as ENGINE_LISTING } from '../../engine/index';

export const ROOT = new URL('../..', import.meta.url).pathname;

/** The listing line of the statement of `fn` whose text starts with `text` (tests name lines, not numbers). */
export function lineOf(fn: string, text: string): number {
  const def = ENGINE_LISTING.fns.get(fn);
  const st = def?.body.find((s) => s.text.startsWith(text));
  if (!st) throw new Error(`no statement "${text}" in ${fn}`);
  return st.line!;
}
/** The first line of `fn` (its signature); the opening brace is the next line. */
export function sigLineOf(fn: string): number {
  return ENGINE_LISTING.fns.get(fn)!.firstLine!;
}
export const ADAPTER = join(ROOT, 'dist', 'adapter.js');

function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    t = Math.max(t, st.isDirectory() ? newest(p) : st.mtimeMs);
  }
  return t;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Build dist/adapter.js (as build.mjs does) when any adapter or engine source is newer; one builder at a time. */
export async function ensureBuilt(): Promise<void> {
  const stale = () => !existsSync(ADAPTER) || statSync(ADAPTER).mtimeMs < Math.max(newest(join(ROOT, 'adapter')), newest(join(ROOT, 'engine')));
  if (!stale()) return;
  const lock = join(ROOT, 'dist', '.adapter-build.lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (i > 600) throw new Error(`${lock} is held for a minute; remove it if no build is running`);
      await sleep(100);
      if (!stale()) return;
    }
  }
  try {
    if (stale()) {
      await esbuild.build({ entryPoints: [join(ROOT, 'adapter', 'main.ts')], outfile: ADAPTER, bundle: true, platform: 'node', format: 'cjs', target: 'es2022', sourcemap: true, logLevel: 'warning', mainFields: ['module', 'main'] });
    }
  } finally {
    rmdirSync(lock);
  }
}

export const INIT: DebugProtocol.InitializeRequestArguments = {
  adapterID: 'fsr',
  linesStartAt1: true,
  columnsStartAt1: true,
  pathFormat: 'path',
  supportsInvalidatedEvent: true,
  supportsProgressReporting: true,
  supportsMemoryEvent: true,
};

/** A started DebugClient on a fresh adapter process, initialized. */
export async function open(init: Partial<DebugProtocol.InitializeRequestArguments> = {}): Promise<DebugClient> {
  await ensureBuilt();
  const dc = new DebugClient('node', ADAPTER, 'fsr');
  dc.defaultTimeout = 20000;
  await dc.start();
  await dc.initializeRequest({ ...INIT, ...init });
  return dc;
}

export type Stopped = DebugProtocol.StoppedEvent['body'];

/** launch → initialized → (setup) → configurationDone; answers the first stop. */
export async function launch(dc: DebugClient, args: Record<string, unknown>, setup?: () => Promise<unknown>): Promise<Stopped> {
  const stopped = dc.waitForEvent('stopped');
  const initialized = dc.waitForEvent('initialized');
  await dc.launchRequest(args as DebugProtocol.LaunchRequestArguments);
  await initialized;
  await setup?.();
  await dc.configurationDoneRequest();
  return ((await stopped) as DebugProtocol.StoppedEvent).body;
}

/** Do `action` and answer the stop it leads to. */
export async function stopAfter(dc: DebugClient, action: () => Promise<unknown>): Promise<Stopped> {
  const stopped = dc.waitForEvent('stopped');
  await action();
  return ((await stopped) as DebugProtocol.StoppedEvent).body;
}

export async function close(dc: DebugClient): Promise<void> {
  await dc.stop();
}

export async function frames(dc: DebugClient, threadId: number): Promise<DebugProtocol.StackFrame[]> {
  return (await dc.stackTraceRequest({ threadId })).body.stackFrames;
}

export async function scopes(dc: DebugClient, frameId: number): Promise<Record<string, DebugProtocol.Scope>> {
  const r = await dc.scopesRequest({ frameId });
  return Object.fromEntries(r.body.scopes.map((s) => [s.name.split(' ')[0]!, s]));
}

export async function vars(dc: DebugClient, ref: number, more: Partial<DebugProtocol.VariablesArguments> = {}): Promise<Record<string, DebugProtocol.Variable>> {
  const r = await dc.variablesRequest({ variablesReference: ref, ...more });
  return Object.fromEntries(r.body.variables.map((v) => [v.name, v]));
}

export async function evaluate(dc: DebugClient, expression: string, frameId?: number, context = 'repl'): Promise<DebugProtocol.EvaluateResponse['body']> {
  return (await dc.evaluateRequest({ expression, frameId, context })).body;
}

/** The error message of a request that must fail. */
export async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail('the request was expected to fail');
}

/** Records requests and every message from the adapter in wire order, as text; volatile fields masked. */
export class Transcript {
  readonly lines: string[] = [];
  constructor(private readonly dc: DebugClient, private readonly mask: (s: string) => string = (s) => s) {
    const c = dc as unknown as { dispatch(body: string): void };
    const orig = c.dispatch.bind(dc);
    c.dispatch = (body: string) => {
      const m = JSON.parse(body) as DebugProtocol.ProtocolMessage & Record<string, unknown>;
      if (m.type === 'event') this.lines.push(`  ! ${m.event as string} ${this.json(m.body)}`);
      else if (m.type === 'response') this.lines.push(m.success ? `  ← ${this.json(m.body ?? {})}` : `  ← error: ${m.message as string}`);
      orig(body);
    };
  }
  private json(v: unknown): string {
    return this.mask(JSON.stringify(v ?? null));
  }
  async req(command: string, args: unknown = {}): Promise<DebugProtocol.Response> {
    this.lines.push(`→ ${command} ${this.json(args)}`);
    try {
      return await this.dc.send(command, args);
    } catch {
      return { success: false } as DebugProtocol.Response;
    }
  }
  note(text: string): void {
    this.lines.push(`# ${text}`);
  }
  text(): string {
    return this.lines.join('\n') + '\n';
  }
}

/** Compare with test/adapter/golden/NAME.txt; UPDATE_GOLDEN=1 rewrites it. */
export function golden(name: string, actual: string): void {
  const file = join(ROOT, 'test', 'adapter', 'golden', `${name}.txt`);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    mkdirSync(join(ROOT, 'test', 'adapter', 'golden'), { recursive: true });
    writeFileSync(file, actual);
    if (process.env.UPDATE_GOLDEN !== '1') assert.fail(`golden ${file} did not exist; written now — review it and run again`);
    return;
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `transcript differs from ${file} (UPDATE_GOLDEN=1 to accept)`);
}
