// The time-travel commands of `fsr` sessions: reverse step over / reverse step out (debug toolbar),
// next / previous phase, FSR: Go to Step…, and Show Value History (Variables' context menu). Each is
// one `fsr/…` request of the contract in adapter/timeTravel.ts; a refusal is shown and changes nothing.
// No Node (runs in a browser extension host too).

import * as vscode from 'vscode';
import type { GotoArgs, HistoryArgs, HistoryBody, MomentBody, PhaseArgs, ReverseStepArgs } from '../adapter/timeTravel';
import { UserError, fsrRequest, fsrSession, shown } from './fsrSessions';
import { type RunExtent, extentText, historyItems, historyTitle, parseStepInput } from './moment';

/** The thread the user has selected in Call Stack (the one a step moves), else the session's first. */
async function selectedThread(session: vscode.DebugSession): Promise<number> {
  const item = vscode.debug.activeStackItem;
  if (item && item.session.id === session.id) return item.threadId;
  const r = await fsrRequest<{ threads: Array<{ id: number }> }>(session, 'threads');
  const t = r.threads[0];
  if (!t) throw new UserError('the session has no thread to step');
  return t.id;
}

/** The frame selected in Call Stack, for paths that name locals. */
function selectedFrame(session: vscode.DebugSession): number | undefined {
  const item = vscode.debug.activeStackItem;
  return item instanceof vscode.DebugStackFrame && item.session.id === session.id ? item.frameId : undefined;
}

/** What "Show Value History" receives from the Variables view's context menu. */
interface VariablesContext {
  variable?: { evaluateName?: string; name?: string };
}

export async function runExtent(session: vscode.DebugSession): Promise<RunExtent> {
  const m = await fsrRequest<MomentBody>(session, 'fsr/moment');
  return { horizon: m.horizon, now: m.step, end: m.end };
}

export class TimeTravelCommands implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.disposables.push(
      vscode.commands.registerCommand('fsr.reverseStepOver', () => this.reverseStep('over')),
      vscode.commands.registerCommand('fsr.reverseStepOut', () => this.reverseStep('out')),
      vscode.commands.registerCommand('fsr.nextPhase', () => this.phase('next')),
      vscode.commands.registerCommand('fsr.previousPhase', () => this.phase('previous')),
      vscode.commands.registerCommand('fsr.goToStep', (step?: unknown) => this.goToStep(step)),
      vscode.commands.registerCommand('fsr.showValueHistory', (ctx?: unknown) => this.showValueHistory(ctx)),
    );
  }

  /** Reverse step over or out for the selected thread (actor): custom requests, as DAP has none. */
  reverseStep(how: 'over' | 'out'): Promise<boolean | undefined> {
    return shown(how === 'over' ? 'Reverse Step Over' : 'Reverse Step Out', async () => {
      const session = fsrSession();
      const args: ReverseStepArgs = { threadId: await selectedThread(session), how };
      await fsrRequest(session, 'fsr/reverseStep', args);
      return true;
    });
  }

  phase(direction: 'next' | 'previous'): Promise<boolean | undefined> {
    return shown(direction === 'next' ? 'Next Phase' : 'Previous Phase', async () => {
      const args: PhaseArgs = { direction };
      await fsrRequest(fsrSession(), 'fsr/phase', args);
      return true;
    });
  }

  /** Go to `step` (a bookmark, a history row, a test), or to the step typed into a checked input box. */
  goToStep(step?: unknown): Promise<number | undefined> {
    return shown('Go to Step', async () => {
      const session = fsrSession();
      let target: number;
      if (typeof step === 'number') {
        target = step;
      } else {
        const extent = await runExtent(session);
        const typed = await vscode.window.showInputBox({
          title: 'FSR: Go to Step',
          prompt: `${extentText(extent)} Type the step to go to (every number of the run is the same whatever breakpoints are set).`,
          placeHolder: 'a step number, e.g. 343',
          value: typeof step === 'string' ? step : String(extent.now),
          validateInput: (text) => {
            const r = parseStepInput(text, extent);
            return 'error' in r ? r.error : undefined;
          },
        });
        if (typed === undefined) return undefined;
        const r = parseStepInput(typed, extent);
        if ('error' in r) throw new UserError(r.error);
        target = r.step;
      }
      const args: GotoArgs = { step: target };
      await fsrRequest(session, 'fsr/goto', args);
      return target;
    });
  }

  /**
   * Every change of a value, as a quick pick of its rows (step, old → new, actor, function:line);
   * picking one goes to that step. From Variables (the row's evaluateName) or the palette (a typed path).
   */
  showValueHistory(ctx?: unknown): Promise<number | null | undefined> {
    return shown('Show Value History', async () => {
      const session = fsrSession();
      const v = (typeof ctx === 'object' && ctx !== null ? (ctx as VariablesContext).variable : undefined) ?? undefined;
      let expression = typeof ctx === 'string' ? ctx : v?.evaluateName;
      if (v && !v.evaluateName) throw new UserError(`${v.name ?? 'this row'} has no path the debugger can ask the history of`);
      if (expression === undefined) {
        expression = await vscode.window.showInputBox({
          title: 'FSR: Show Value History',
          prompt: 'A path the Variables view shows: a PFrame field, a pdirInfo entry, a BackMap entry, an FSRInfo field, a stat or a swap slot.',
          placeHolder: 'e.g. fsr.resumeState, dst.pframes.pdirInfo[3], dst.pages[5].type',
          validateInput: (t) => (t.trim() ? undefined : 'Type a path, e.g. fsr.resumeState'),
        });
        if (expression === undefined) return undefined;
      }
      const args: HistoryArgs = { expression: expression.trim() };
      const frameId = selectedFrame(session);
      if (frameId !== undefined) args.frameId = frameId;
      const [answer, extent] = await Promise.all([fsrRequest<HistoryBody>(session, 'fsr/history', args), runExtent(session)]);
      const items = historyItems(answer, extent.now);
      if (items.length === 0) {
        void vscode.window.showInformationMessage(`${historyTitle(answer)}.`);
        return null;
      }
      const pick = vscode.window.createQuickPick<(typeof items)[number]>();
      pick.title = historyTitle(answer);
      pick.placeholder = 'Pick a change to go to its step';
      pick.matchOnDescription = true;
      pick.matchOnDetail = true;
      pick.items = items;
      // The change that made the value it has now (the last one at or before this step) comes selected.
      const current = [...items].reverse().find((i) => i.step <= extent.now);
      if (current) pick.activeItems = [current];
      const chosen = await new Promise<(typeof items)[number] | undefined>((resolve) => {
        pick.onDidAccept(() => resolve(pick.selectedItems[0] ?? pick.activeItems[0]));
        pick.onDidHide(() => resolve(undefined));
        pick.show();
      });
      pick.dispose();
      if (!chosen) return undefined;
      if (fsrSession() !== session) throw new UserError('the session changed while the history was shown; nothing was moved');
      const go: GotoArgs = { step: chosen.step };
      await fsrRequest(session, 'fsr/goto', go);
      return chosen.step;
    });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
