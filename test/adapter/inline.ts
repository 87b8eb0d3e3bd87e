// An FsrDebugSession driven in-process the way the extension runs it inline (handleMessage in,
// onDidSendMessage out): fast enough for property tests that send thousands of requests.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { FsrDebugSession } from '../../adapter/debugSession';

export type Answer = { success: boolean; message?: string; body?: Record<string, unknown> };

export class Inline {
  readonly session: FsrDebugSession;
  readonly events: DebugProtocol.Event[] = [];
  private seq = 1;
  private readonly waiting = new Map<number, (r: Answer) => void>();
  private readonly eventWaiters: Array<{ name: string; resolve: (e: DebugProtocol.Event) => void }> = [];

  constructor(files: Record<string, string> = {}) {
    this.session = new FsrDebugSession({
      readFile: async (path: string) => {
        if (!Object.hasOwn(files, path)) throw new Error(`ENOENT: no such file, open '${path}'`);
        return new TextEncoder().encode(files[path]);
      },
    });
    this.session.onDidSendMessage((m) => {
      const msg = m as DebugProtocol.ProtocolMessage;
      if (msg.type === 'response') {
        const r = msg as DebugProtocol.Response;
        this.waiting.get(r.request_seq)?.({ success: r.success, message: r.message, body: r.body as Record<string, unknown> | undefined });
        this.waiting.delete(r.request_seq);
      } else if (msg.type === 'event') {
        const e = msg as DebugProtocol.Event;
        this.events.push(e);
        const i = this.eventWaiters.findIndex((w) => w.name === e.event);
        if (i >= 0) this.eventWaiters.splice(i, 1)[0]!.resolve(e);
      }
    });
  }

  /** Send a request; answers its response (success or not). */
  req(command: string, args?: unknown): Promise<Answer> {
    const seq = this.seq++;
    return new Promise<Answer>((resolve, reject) => {
      this.waiting.set(seq, resolve);
      const timer = setTimeout(() => reject(new Error(`no answer to ${command} ${JSON.stringify(args)?.slice(0, 200)}`)), 20000);
      this.waiting.set(seq, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.session.handleMessage({ seq, type: 'request', command, arguments: args } as DebugProtocol.Request);
    });
  }

  /** The body of a request that must succeed. */
  async ok(command: string, args?: unknown): Promise<Record<string, unknown>> {
    const r = await this.req(command, args);
    if (!r.success) throw new Error(`${command} ${JSON.stringify(args)?.slice(0, 200)} failed: ${r.message}`);
    return r.body ?? {};
  }

  /** The message of a request that must fail. */
  async err(command: string, args?: unknown): Promise<string> {
    const r = await this.req(command, args);
    if (r.success) throw new Error(`${command} ${JSON.stringify(args)?.slice(0, 200)} succeeded: ${JSON.stringify(r.body)?.slice(0, 300)}`);
    return r.message ?? '';
  }

  event(name: string): Promise<DebugProtocol.Event> {
    return new Promise((resolve) => this.eventWaiters.push({ name, resolve }));
  }

  /** initialize, launch with stopOnEntry, configurationDone; answers when stopped on entry. */
  static async stopped(scenario = 'shared-swap', files: Record<string, string> = {}): Promise<Inline> {
    const c = new Inline(files);
    await c.ok('initialize', { adapterID: 'fsr', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const stop = c.event('stopped');
    await c.ok('launch', { scenario, stopOnEntry: true });
    await c.ok('configurationDone');
    await stop;
    return c;
  }

  /** The top frame of thread 1 and the variablesReference of each scope by its first word. */
  async scopes(threadId = 1): Promise<{ frameId: number; refs: Map<string, number> }> {
    const st = (await this.ok('stackTrace', { threadId })) as { stackFrames: Array<{ id: number }> };
    const frameId = st.stackFrames[0]!.id;
    const sc = (await this.ok('scopes', { frameId })) as { scopes: Array<{ name: string; variablesReference: number }> };
    return { frameId, refs: new Map(sc.scopes.map((s) => [s.name.split(' ')[0]!, s.variablesReference])) };
  }

  /** The children of a variablesReference by name. */
  async vars(ref: number, more: Record<string, unknown> = {}): Promise<Map<string, { value: string; variablesReference: number }>> {
    const v = (await this.ok('variables', { variablesReference: ref, ...more })) as { variables: Array<{ name: string; value: string; variablesReference: number }> };
    return new Map(v.variables.map((x) => [x.name, x]));
  }
}
