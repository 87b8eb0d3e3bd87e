// The "FSR Watches" view in Run and Debug: every watch of the focused `fsr` session (`fsr/watches`):
// the Host memory view's "Break when this PFrame changes" (removable here, `fsr/unwatch`) and the
// data breakpoints VS Code set (removed in Breakpoints). Refreshed on stops and whenever a watch is
// added or removed. Knows no engine; no Node (runs in a browser extension host too).

import * as vscode from 'vscode';
import type { UnwatchArgs, WatchesBody } from '../adapter/timeTravel';
import { type FsrSessionEvents, fsrRequest, shown } from './fsrSessions';

type Watch = WatchesBody['watches'][number];

/** Who set a watch, as the view says it. */
function ownerText(owner: string): string {
  return owner === 'webview' ? 'Host memory view' : owner === 'debugger' ? 'data breakpoint' : owner;
}

export class WatchesView implements vscode.TreeDataProvider<Watch>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  readonly view: vscode.TreeView<Watch>;
  private session: vscode.DebugSession | undefined;
  private watches: Watch[] = [];
  /** The step the values were read at; running means they are no longer now. */
  private readAt: { step: number; running: boolean } | undefined;
  private generation = 0;

  constructor(events: FsrSessionEvents) {
    this.view = vscode.window.createTreeView('fsr.watches', { treeDataProvider: this });
    this.disposables.push(
      this.view,
      this.changed,
      events.onDidChange((e) => {
        if (e.kind === 'stopped' || e.kind === 'watches') void this.load(e.session);
        else if (e.kind === 'running' && e.session === this.session && this.readAt) {
          this.readAt = { ...this.readAt, running: true };
          this.changed.fire(undefined);
        } else if (e.kind === 'ended' && e.session === this.session) void this.load(undefined);
      }),
      vscode.debug.onDidChangeActiveDebugSession((s) => void this.load(s)),
      vscode.commands.registerCommand('fsr.removeWatch', (w?: unknown) => this.remove(w)),
      vscode.commands.registerCommand('fsr.refreshWatches', async () => {
        await this.load(vscode.debug.activeDebugSession);
        return this.watches;
      }),
    );
    void this.load(vscode.debug.activeDebugSession);
  }

  private async load(session: vscode.DebugSession | undefined): Promise<void> {
    if (session && session !== vscode.debug.activeDebugSession) return;
    const gen = ++this.generation;
    if (!session || session.type !== 'fsr') {
      this.session = undefined;
      this.watches = [];
      this.readAt = undefined;
      this.view.message = undefined;
      this.show();
      return;
    }
    try {
      const [w, step] = await Promise.all([fsrRequest<WatchesBody>(session, 'fsr/watches'), fsrRequest<{ step: number }>(session, 'fsr/moment').then((m) => m.step)]);
      if (gen !== this.generation) return;
      this.session = session;
      this.watches = w.watches;
      this.readAt = { step, running: false };
    } catch {
      if (gen !== this.generation) return;
      this.session = session;
      this.watches = [];
      this.readAt = undefined;
      this.view.message = undefined;
    }
    this.show();
  }

  private show(): void {
    // The view is there only when the session has watches (package.json: when fsr.hasWatches).
    void vscode.commands.executeCommand('setContext', 'fsr.hasWatches', this.watches.length > 0);
    this.changed.fire(undefined);
  }

  private remove(w: unknown): Promise<boolean | undefined> {
    return shown('Remove Watch', async () => {
      const session = this.session;
      const watch = this.watches.find((x) => x === w || (typeof w === 'number' && x.id === w));
      if (!session || !watch) return false;
      if (watch.owner === 'debugger') {
        void vscode.window.showInformationMessage(`${watch.description} is a data breakpoint: remove it in the Breakpoints view.`);
        return false;
      }
      const args: UnwatchArgs = { id: watch.id };
      await fsrRequest(session, 'fsr/unwatch', args);
      return true;
    });
  }

  getChildren(node?: Watch): Watch[] {
    return node ? [] : this.watches;
  }

  getTreeItem(w: Watch): vscode.TreeItem {
    const item = new vscode.TreeItem(w.description, vscode.TreeItemCollapsibleState.None);
    const at = this.readAt;
    // While the run moves, the value shown is the one read at a step that is no longer now: said so.
    item.description = at?.running ? `was ${w.value} at step ${at.step}` : `= ${w.value}`;
    item.iconPath = new vscode.ThemeIcon(w.owner === 'debugger' ? 'debug-breakpoint-data' : 'eye');
    item.contextValue = w.owner === 'debugger' ? 'fsrWatch.dataBreakpoint' : 'fsrWatch.removable';
    item.tooltip = `${w.description} = ${w.value}${at ? ` (read at step ${at.step})` : ''}\nSet by the ${ownerText(w.owner)}; the run stops where it changes, forward or in reverse.${w.owner === 'debugger' ? ' Remove it in the Breakpoints view.' : ''}`;
    return item;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
