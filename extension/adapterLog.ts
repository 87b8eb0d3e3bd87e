// The adapter's log in an output channel: every request, response and event of each `fsr` session
// (inline or as a process), plus stops and runs fanned out to whoever follows sessions. Knows no engine.

import * as vscode from 'vscode';

/** `invalidated`: the state changed without the program moving (a debugger edit): views read it again. */
export type SessionChange = { session: vscode.DebugSession; kind: 'stopped' | 'continued' | 'ended' | 'invalidated'; reason?: string };

/** Stops, runs and ends of `fsr` sessions, as the adapter sends them. */
export class SessionEvents implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<SessionChange>();
  readonly onDidChange = this.emitter.event;
  fire(c: SessionChange): void {
    this.emitter.fire(c);
  }
  dispose(): void {
    this.emitter.dispose();
  }
}

interface DapMessage {
  type?: string;
  command?: string;
  event?: string;
  success?: boolean;
  message?: string;
  seq?: number;
  request_seq?: number;
  arguments?: unknown;
  body?: { reason?: string; description?: string; output?: string; category?: string; text?: string };
}

const brief = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? '' : s.length > 300 ? `${s.slice(0, 300)}…` : s;
};

export class AdapterLogTrackerFactory implements vscode.DebugAdapterTrackerFactory {
  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly events: SessionEvents,
    private readonly mode: () => string,
  ) {}

  createDebugAdapterTracker(session: vscode.DebugSession): vscode.DebugAdapterTracker {
    const log = this.log;
    const events = this.events;
    const tag = `[${session.name}]`;
    const started = new Map<number, { command: string; at: number }>();
    return {
      onWillStartSession: () => log.info(`${tag} session starts (adapter ${this.mode()}), scenario ${JSON.stringify(session.configuration.scenario)}`),
      onWillReceiveMessage: (m: DapMessage) => {
        if (m.type === 'request' && m.seq !== undefined && m.command) started.set(m.seq, { command: m.command, at: Date.now() });
        log.trace(`${tag} → ${m.command ?? m.type} ${brief(m.arguments)}`);
      },
      onDidSendMessage: (m: DapMessage) => {
        if (m.type === 'response') {
          const req = m.request_seq === undefined ? undefined : started.get(m.request_seq);
          if (m.request_seq !== undefined) started.delete(m.request_seq);
          const ms = req ? ` ${Date.now() - req.at} ms` : '';
          if (m.success === false) log.warn(`${tag} ← ${m.command} failed: ${m.message ?? ''}${ms}`);
          else log.trace(`${tag} ← ${m.command} ok${ms}`);
          return;
        }
        if (m.type !== 'event') return;
        const b = m.body ?? {};
        switch (m.event) {
          case 'stopped':
            log.info(`${tag} stopped: ${b.reason ?? ''}${b.description ? ` — ${b.description}` : ''}${b.text ? ` (${b.text})` : ''}`);
            events.fire({ session, kind: 'stopped', reason: b.reason });
            break;
          case 'continued':
            log.debug(`${tag} continued`);
            events.fire({ session, kind: 'continued' });
            break;
          case 'terminated':
          case 'exited':
            log.info(`${tag} ${m.event}`);
            events.fire({ session, kind: 'ended' });
            break;
          case 'invalidated':
            log.debug(`${tag} invalidated`);
            events.fire({ session, kind: 'invalidated' });
            break;
          case 'output':
            if (b.output) log.info(`${tag} ${b.category ?? 'console'}: ${b.output.replace(/\n$/, '')}`);
            break;
          default:
            log.trace(`${tag} event ${m.event} ${brief(b)}`);
        }
      },
      onError: (e: Error) => log.error(`${tag} adapter error: ${e.message}`),
      onExit: (code: number | undefined, signal: string | undefined) => log.info(`${tag} adapter exited${code !== undefined ? ` with code ${code}` : ''}${signal ? ` (signal ${signal})` : ''}`),
      onWillStopSession: () => {
        log.info(`${tag} session stops`);
        events.fire({ session, kind: 'ended' });
      },
    };
  }
}
