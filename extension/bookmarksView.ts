// The "FSR Bookmarks" view in Run and Debug: the named steps of the focused `fsr` session's launch
// (its `bookmarks` attribute, through `fsr/bookmarks`); a click goes to the step, the one the run
// stands on is marked. Knows no engine; no Node (runs in a browser extension host too).

import * as vscode from 'vscode';
import type { BookmarksBody, MomentBody } from '../adapter/timeTravel';
import { type FsrSessionEvents, fsrRequest } from './fsrSessions';

type Bookmark = { name: string; step: number };

export class BookmarksView implements vscode.TreeDataProvider<Bookmark>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  readonly view: vscode.TreeView<Bookmark>;
  private session: vscode.DebugSession | undefined;
  private bookmarks: Bookmark[] = [];
  /** The step the session stands on; undefined while it runs (no mark is then "here"). */
  private now: number | undefined;
  private generation = 0;

  constructor(events: FsrSessionEvents) {
    this.view = vscode.window.createTreeView('fsr.bookmarks', { treeDataProvider: this });
    this.disposables.push(
      this.view,
      this.changed,
      events.onDidChange((e) => {
        if (e.kind === 'stopped') void this.load(e.session);
        else if (e.kind === 'running' && e.session === this.session) this.setNow(undefined);
        else if (e.kind === 'ended' && e.session === this.session) void this.load(undefined);
      }),
      vscode.debug.onDidChangeActiveDebugSession((s) => void this.load(s)),
    );
    void this.load(vscode.debug.activeDebugSession);
  }

  private setNow(step: number | undefined): void {
    this.now = step;
    this.changed.fire(undefined);
  }

  /** Follow `session` (if it is the focused fsr one): its bookmarks, and where it stands. */
  private async load(session: vscode.DebugSession | undefined): Promise<void> {
    if (session && session !== vscode.debug.activeDebugSession) return;
    const gen = ++this.generation;
    if (!session || session.type !== 'fsr') {
      this.session = undefined;
      this.bookmarks = [];
      this.now = undefined;
      this.view.message = undefined;
      this.show();
      return;
    }
    try {
      const [b, m] = await Promise.all([fsrRequest<BookmarksBody>(session, 'fsr/bookmarks'), fsrRequest<MomentBody>(session, 'fsr/moment')]);
      if (gen !== this.generation) return;
      this.session = session;
      this.bookmarks = b.bookmarks;
      this.now = m.step;
    } catch {
      // A session that has not launched yet answers nothing: it is shown once it stops.
      if (gen !== this.generation) return;
      this.session = session;
      this.bookmarks = [];
      this.now = undefined;
      this.view.message = undefined;
    }
    this.show();
  }

  private show(): void {
    // The view is there only when the run has bookmarks (package.json: when fsr.hasBookmarks).
    void vscode.commands.executeCommand('setContext', 'fsr.hasBookmarks', this.bookmarks.length > 0);
    this.changed.fire(undefined);
  }

  getChildren(node?: Bookmark): Bookmark[] {
    return node ? [] : this.bookmarks;
  }

  getTreeItem(b: Bookmark): vscode.TreeItem {
    const here = this.now === b.step;
    const item = new vscode.TreeItem(b.name, vscode.TreeItemCollapsibleState.None);
    item.description = here ? `step ${b.step} — here` : `step ${b.step}`;
    item.iconPath = new vscode.ThemeIcon(here ? 'debug-stackframe' : 'bookmark');
    item.tooltip = `Go to step ${b.step} ("${b.name}")`;
    item.command = { command: 'fsr.goToStep', title: 'Go to Step', arguments: [b.step] };
    return item;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
