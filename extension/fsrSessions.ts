// What the time-travel commands and views share about `fsr` sessions: the focused one, its custom
// requests with the adapter's message on failure, and a tracker that says when a session stops, runs,
// ends or its watches change. Knows no engine; no Node (runs in a browser extension host too).

import * as vscode from 'vscode';

/** A problem to show the user as it is (no stack, no "Error:"). */
export class UserError extends Error {}

/** The focused `fsr` debug session, or a UserError saying there is none. */
export function fsrSession(): vscode.DebugSession {
  const s = vscode.debug.activeDebugSession;
  if (!s || s.type !== 'fsr') throw new UserError('No FSR debug session is focused: start one (Run and Debug → an FSR configuration) or select it in Call Stack.');
  return s;
}

/** A custom request; a refusal becomes a UserError carrying the adapter's message (which names what was wrong). */
export async function fsrRequest<T>(session: vscode.DebugSession, command: string, args: object = {}): Promise<T> {
  try {
    return (await session.customRequest(command, args)) as T;
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}

/** Run a command's body; a failure is shown once, as an error message, and changes nothing more. */
export async function shown<T>(what: string, body: () => Promise<T>): Promise<T | undefined> {
  try {
    return await body();
  } catch (e) {
    const msg = e instanceof UserError ? e.message : `${(e as Error).message ?? e}`;
    void vscode.window.showErrorMessage(`${what}: ${msg}`);
    return undefined;
  }
}

export type SessionMove =
  | { session: vscode.DebugSession; kind: 'stopped' }
  | { session: vscode.DebugSession; kind: 'running' }
  | { session: vscode.DebugSession; kind: 'ended' }
  | { session: vscode.DebugSession; kind: 'watches' };

/** Requests after which the program runs or moves (its views' values are no longer now). */
const MOVING = new Set(['continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'goto', 'fsr/goto', 'fsr/reverseStep', 'fsr/phase']);
/** Requests that add or remove a watch, when they succeed. */
const WATCHING = new Set(['setDataBreakpoints', 'fsr/watchPFrame', 'fsr/unwatch']);

/** Stops, runs, ends and watch changes of `fsr` sessions, read from their DAP traffic. */
export class FsrSessionEvents implements vscode.DebugAdapterTrackerFactory, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<SessionMove>();
  readonly onDidChange = this.emitter.event;
  private readonly registration = vscode.debug.registerDebugAdapterTrackerFactory('fsr', this);

  createDebugAdapterTracker(session: vscode.DebugSession): vscode.DebugAdapterTracker {
    return {
      onWillReceiveMessage: (m: { type?: string; command?: string }) => {
        if (m.type === 'request' && m.command && MOVING.has(m.command)) this.emitter.fire({ session, kind: 'running' });
      },
      onDidSendMessage: (m: { type?: string; event?: string; command?: string; success?: boolean }) => {
        if (m.type === 'event' && m.event === 'stopped') this.emitter.fire({ session, kind: 'stopped' });
        else if (m.type === 'event' && m.event === 'continued') this.emitter.fire({ session, kind: 'running' });
        else if (m.type === 'event' && (m.event === 'terminated' || m.event === 'exited')) this.emitter.fire({ session, kind: 'ended' });
        else if (m.type === 'response' && m.success && m.command && WATCHING.has(m.command)) this.emitter.fire({ session, kind: 'watches' });
        // A refused move changed nothing: the program is where it was, stopped.
        else if (m.type === 'response' && m.success === false && m.command && MOVING.has(m.command)) this.emitter.fire({ session, kind: 'stopped' });
      },
      onWillStopSession: () => this.emitter.fire({ session, kind: 'ended' }),
    };
  }

  dispose(): void {
    this.registration.dispose();
    this.emitter.dispose();
  }
}
