// `stopped` events of fsr sessions, in order, through a tracker of the test's own: what both
// extension-host suites wait on.
import * as vscode from 'vscode';

export interface Stop {
  session: vscode.DebugSession;
  reason: string;
  threadId: number;
}

export class Stops implements vscode.Disposable {
  private queue: Stop[] = [];
  private waiters: Array<(s: Stop) => void> = [];
  private readonly reg = vscode.debug.registerDebugAdapterTrackerFactory('fsr', {
    createDebugAdapterTracker: (session) => ({
      onDidSendMessage: (m: { type?: string; event?: string; body?: { reason?: string; threadId?: number } }) => {
        if (m.type !== 'event' || m.event !== 'stopped') return;
        const s = { session, reason: m.body?.reason ?? '', threadId: m.body?.threadId ?? 1 };
        const w = this.waiters.shift();
        if (w) w(s);
        else this.queue.push(s);
      },
    }),
  });
  next(timeoutMs = 60_000): Promise<Stop> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no stop within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push((s) => {
        clearTimeout(t);
        resolve(s);
      });
    });
  }
  /** The stop `action` leads to (a command that moves the run resolves with its request; the stop follows). */
  async after<T>(action: () => Thenable<T>): Promise<{ stop: Stop; result: T }> {
    this.queue = [];
    const result = await action();
    return { stop: await this.next(), result };
  }
  dispose(): void {
    this.reg.dispose();
  }
}
