// The host-memory webview panel: opens beside an `fsr` debug session, follows it (a view per stop
// through the adapter's `fsr/view` custom request, with the zoomed window and the selected page decoded
// at the same step) and answers the webview's messages: picks, zoom, timeline clicks (fsr/goto). Knows no engine.

import * as vscode from 'vscode';
import { type FromWebview, type PageInfoMsg, type ToWebview, HostMapViewSchema, parseFromWebview } from '../webview/protocol';
import type { SessionChange } from './adapterLog';

export interface DrawnReport {
  id: number;
  ms: number;
  bytes: number;
  step: number;
  /** The page decoded in that view: "MPN@step", or null. */
  page: string | null;
}

/** A fresh script nonce per page load, from the platform's CSPRNG. */
function nonce(): string {
  const bytes = new Uint8Array(18);
  globalThis.crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes)); // btoa, not Buffer: the web worker host has no Buffer
}

export class HostMemoryPanel implements vscode.Disposable {
  static readonly viewType = 'fsr.hostMemory';
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private session: vscode.DebugSession | undefined;
  private state: 'none' | 'running' | 'stopped' | 'ended' = 'none';
  /** Whether each fsr session is stopped or running, kept while the panel is closed too (so reopening it shows the truth). */
  private readonly runState = new WeakMap<vscode.DebugSession, 'stopped' | 'running'>();
  /** The view id the webview holds (deltas are asked against it). */
  private shownId: number | undefined;
  /** The page the user selected (an MPN): decoded again at every stop, in whatever session is followed. */
  private selected: number | undefined;
  /** The zoomed window the map shows (finer than the overview), asked for at every stop. */
  private window: { firstIndex: number; cells: number; cellPages: number } | undefined;
  private lastStep = 0;
  private inflight = false;
  private waitingForEditor = false;
  private again = false;
  /** Sessions whose panel the user closed: not reopened for them. */
  private readonly dismissed = new WeakSet<vscode.DebugSession>();
  /** The webview's last report of an applied view (for tests). */
  lastDrawn: DrawnReport | undefined;
  /** The page decode the last view carried (for tests: what the webview was given to show). */
  lastPage: PageInfoMsg | undefined;
  private readonly drawnEmitter = new vscode.EventEmitter<DrawnReport>();
  readonly onDidDraw = this.drawnEmitter.event;

  constructor(private readonly extensionUri: vscode.Uri, private readonly log: vscode.LogOutputChannel) {}

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** Open (or reveal) the panel beside the editor, following `session` (else the active fsr session). */
  show(session?: vscode.DebugSession): void {
    const s = session ?? (vscode.debug.activeDebugSession?.type === 'fsr' ? vscode.debug.activeDebugSession : undefined);
    if (!this.panel) this.create();
    else this.panel.reveal(vscode.ViewColumn.Beside, true);
    if (s && s !== this.session) this.follow(s, this.runState.get(s) ?? 'stopped');
    else if (s) {
      // Reopened on the session it followed: its state may have moved on while the panel was closed.
      this.state = this.runState.get(s) ?? this.state;
      this.postSession();
      void this.refresh();
    }
  }

  /** Select a page to decode at every stop (the tests' and the commands' way to do what a click does). */
  async select(mpn: number | undefined, pages?: number): Promise<void> {
    if (mpn !== undefined && pages !== undefined && pages > 1 && this.session) {
      // The most telling page of a cell (a pdir page first), as the adapter sees it now.
      try {
        const body = (await this.session.customRequest('fsr/page', { mpn, pages })) as { mpn?: unknown };
        if (typeof body?.mpn === 'number') mpn = body.mpn;
      } catch (e) {
        this.post({ type: 'pageError', message: `No page: ${(e as Error).message}` });
        return;
      }
    }
    this.selected = mpn;
    void this.refresh();
  }

  /** What the adapter reported: follow the session's stops, runs, edits and end. */
  onSessionChange(c: SessionChange): void {
    if (c.kind === 'stopped' || c.kind === 'continued') this.runState.set(c.session, c.kind === 'stopped' ? 'stopped' : 'running');
    else if (c.kind === 'ended') this.runState.delete(c.session);
    if (c.kind === 'stopped') {
      const open = vscode.workspace.getConfiguration('fsr.hostMemory').get<boolean>('openOnStop', true);
      if (!this.panel && open && !this.dismissed.has(c.session)) {
        // The editor shows the stop's source right after this event: open beside it once it is there.
        if (!vscode.window.activeTextEditor && !this.waitingForEditor) {
          this.waitingForEditor = true;
          let done = false;
          const go = () => {
            if (done) return;
            done = true;
            sub.dispose();
            this.waitingForEditor = false;
            if (!this.panel) this.show(c.session);
          };
          const sub = vscode.window.onDidChangeActiveTextEditor((e) => e && go());
          setTimeout(go, 2000);
          return;
        }
        if (this.waitingForEditor) return;
        this.create();
      }
      if (!this.panel) return;
      if (c.session !== this.session) this.follow(c.session, 'stopped');
      else {
        this.state = 'stopped';
        this.postSession();
        void this.refresh();
      }
    } else if (c.session === this.session) {
      if (c.kind === 'invalidated') {
        // An edit changed the state at this step: show it as it is now.
        if (this.state === 'stopped') void this.refresh();
        return;
      }
      this.state = c.kind === 'continued' ? 'running' : 'ended';
      if (c.kind === 'ended') {
        // Nothing of an ended session is shown: the webview clears, and so does the selection.
        this.shownId = undefined;
        this.selected = undefined;
        this.window = undefined;
        this.lastPage = undefined;
      }
      this.postSession();
    }
  }

  private follow(session: vscode.DebugSession, state: 'stopped' | 'running'): void {
    this.session = session;
    this.state = state;
    this.shownId = undefined;
    this.window = undefined;
    this.postSession();
    void this.sendBookmarks(session);
    void this.refresh();
  }

  /** The session's named steps for the timeline (an adapter without them has none). */
  private async sendBookmarks(session: vscode.DebugSession): Promise<void> {
    try {
      const body = (await session.customRequest('fsr/bookmarks', {})) as { bookmarks?: unknown };
      const list = Array.isArray(body?.bookmarks) ? body.bookmarks.filter((b): b is { name: string; step: number } => typeof b?.name === 'string' && Number.isInteger(b?.step) && b.step >= 0) : [];
      if (session === this.session) this.post({ type: 'bookmarks', bookmarks: list });
    } catch (e) {
      this.log.debug(`fsr/bookmarks: ${(e as Error).message}`);
    }
  }

  private create(): void {
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    // Beside the active editor; with none yet (a first stop opens the listing after this), the second
    // column, so the listing and the map end up side by side.
    const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Two;
    const panel = vscode.window.createWebviewPanel(HostMemoryPanel.viewType, 'Host memory', { viewColumn: column, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [dist],
      retainContextWhenHidden: true,
    });
    this.panel = panel;
    panel.webview.html = this.html(panel.webview, dist);
    this.panelDisposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidDispose(() => {
        if (this.session) this.dismissed.add(this.session);
        this.panel = undefined;
        this.shownId = undefined;
        for (const d of this.panelDisposables) d.dispose();
        this.panelDisposables = [];
      }),
    );
  }

  private html(webview: vscode.Webview, dist: vscode.Uri): string {
    const n = nonce();
    const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css'));
    const csp = [`default-src 'none'`, `img-src ${webview.cspSource} data:`, `style-src ${webview.cspSource}`, `font-src ${webview.cspSource}`, `script-src 'nonce-${n}'`].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Host memory</title>
</head>
<body>
<script nonce="${n}" src="${script.toString()}"></script>
</body>
</html>`;
  }

  private post(m: ToWebview): void {
    void this.panel?.webview.postMessage(m);
  }

  private postSession(): void {
    this.post({ type: 'session', name: this.session?.name ?? null, id: this.session?.id ?? null, state: this.session ? this.state : 'none' });
  }

  /**
   * Ask the adapter for the view of this stop (a delta against what the webview shows), with the
   * zoomed window and the selected page decoded at the same step, and send it.
   */
  private async refresh(): Promise<void> {
    const session = this.session;
    if (!session || !this.panel || this.state !== 'stopped') return;
    if (this.inflight) {
      this.again = true;
      return;
    }
    this.inflight = true;
    try {
      const args: Record<string, unknown> = {};
      if (this.shownId !== undefined) args.since = this.shownId;
      if (this.window) args.window = this.window;
      if (this.selected !== undefined) args.page = this.selected;
      let body: unknown;
      try {
        body = await session.customRequest('fsr/view', args);
      } catch (e) {
        if (this.selected === undefined) throw e;
        // The selected page is not in this session's host (another scenario): drop it, say so, and show the rest.
        const message = `The selected page ${'0x' + this.selected.toString(16)} cannot be decoded here: ${(e as Error).message}`;
        this.selected = undefined;
        this.post({ type: 'pageError', message });
        delete args.page;
        body = await session.customRequest('fsr/view', args);
      }
      if (session !== this.session || this.state !== 'stopped') return;
      const r = HostMapViewSchema.safeParse(body);
      if (!r.success) {
        this.log.error(`fsr/view answered something else than a view: ${r.error.message.slice(0, 500)}`);
        this.post({ type: 'error', message: 'The adapter sent a view this panel cannot read (see the FSR Handoff Debugger output).' });
        return;
      }
      this.shownId = r.data.id;
      this.lastStep = r.data.step;
      this.lastPage = r.data.page ?? undefined;
      this.post({ type: 'view', view: r.data });
    } catch (e) {
      this.log.warn(`fsr/view failed: ${(e as Error).message}`);
      this.post({ type: 'error', message: `No view: ${(e as Error).message}` });
    } finally {
      this.inflight = false;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    }
  }

  private onMessage(raw: unknown): void {
    const r = parseFromWebview(raw);
    if (!r.ok) {
      this.log.warn(`ignored a malformed message from the host-memory webview: ${r.error}`);
      return;
    }
    const m: FromWebview = r.msg;
    switch (m.type) {
      case 'ready':
      case 'refresh':
        this.shownId = undefined;
        this.postSession();
        if (this.session) void this.sendBookmarks(this.session);
        void this.refresh();
        break;
      case 'select':
        void this.select(m.mpn ?? undefined, m.pages);
        break;
      case 'window':
        this.window = m.window ?? undefined;
        void this.refresh();
        break;
      case 'goto':
        void this.goto(m.step);
        break;
      case 'showBytes':
        void vscode.commands.executeCommand('fsr.showPageBytes', { mpn: m.mpn, sessionId: this.session?.id });
        break;
      case 'dataBreakpoint':
        void this.dataBreakpoint(m.world, m.pgNum, m.field);
        break;
      case 'drawn':
        this.lastDrawn = { id: m.id, ms: m.ms, bytes: m.bytes, step: this.lastStep, page: m.page };
        this.log.debug(`host memory view ${m.id} drawn in ${m.ms.toFixed(1)} ms (${m.bytes} bytes of map data)`);
        this.drawnEmitter.fire(this.lastDrawn);
        break;
    }
  }

  /** A click on the timeline: the session goes to that step (its stop refreshes the view). */
  private async goto(step: number): Promise<void> {
    const session = this.session;
    if (!session) return;
    if (this.state !== 'stopped') {
      this.post({ type: 'error', message: `Go to step ${step}: pause the session first (it is ${this.state}).` });
      return;
    }
    try {
      await session.customRequest('fsr/goto', { step });
      this.log.info(`host memory view: went to step ${step}`);
    } catch (e) {
      this.post({ type: 'error', message: `Go to step ${step}: ${(e as Error).message}` });
    }
  }

  private async dataBreakpoint(world: 'source' | 'destination', pgNum: number, field: string | undefined): Promise<void> {
    if (!this.session) return;
    try {
      const body = (await this.session.customRequest('fsr/watchPFrame', { world, pgNum, field })) as { description?: string };
      const what = body?.description ?? `${world} PFrame 0x${Number(pgNum).toString(16)}`;
      this.log.info(`data breakpoint from the host-memory view: ${what}`);
      this.post({ type: 'dataBreakpoint', ok: true, message: `Will stop when ${what} changes, going forward or back (listed in FSR Watches, where it can be removed).` });
    } catch (e) {
      this.post({ type: 'dataBreakpoint', ok: false, message: (e as Error).message });
    }
  }

  dispose(): void {
    this.panel?.dispose();
    this.drawnEmitter.dispose();
    for (const d of this.panelDisposables) d.dispose();
  }
}
