// "Show Page Bytes": a page of host memory in the Hex Editor where it is installed, else in our own
// read-only view — the page's bytes in hex beside what they are (for a pdir page, one PFrame a row as
// Variables decodes it), read again at every stop of its session and cleared when the session ends.
// Knows no engine: the adapter's `fsr/pageDump` request answers.

import * as vscode from 'vscode';
import type { SessionChange } from './adapterLog';

export const HEX_EDITOR = 'ms-vscode.hexeditor';
export const PAGE_SCHEME = 'fsr-page';

interface PageDumpBody {
  step: number;
  mpn: string;
  address: string;
  owner: string;
  pdirOf: string | null;
  rows: Array<{ offset: string; bytes: string; text: string }>;
}

/** What the command is given: a Variables row (its context), a page from the webview, or nothing (it asks). */
type Target = { sessionId?: string; variable?: { memoryReference?: string; name?: string } } | { mpn?: number; sessionId?: string } | undefined;

const isDump = (b: unknown): b is PageDumpBody => typeof b === 'object' && b !== null && Array.isArray((b as PageDumpBody).rows) && typeof (b as PageDumpBody).mpn === 'string';

/** The page's text: a header that dates it, then the rows. Pure (tests check it). */
export function pageText(d: PageDumpBody, session: string): string {
  const head = [
    `MPN ${d.mpn}, read-only, at step ${d.step} of ${session} (machine address ${d.address})`,
    `owner: ${d.owner}${d.pdirOf ? `; the pdir page of ${d.pdirOf}: one PFrame (8 bytes, little-endian) a row` : ''}`,
    'Read again at every stop of the session. For an editable hex view, install the Hex Editor (ms-vscode.hexeditor) and use View Binary Data.',
    '',
    d.pdirOf ? 'offset  bytes                    PFrame' : 'offset  bytes                                            ASCII',
  ];
  return [...head, ...d.rows.map((r) => `${r.offset.padEnd(7)} ${r.bytes.padEnd(d.pdirOf ? 24 : 48)} ${r.text}`), ''].join('\n');
}

export class PageBytes implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly sessions = new Map<string, vscode.DebugSession>();
  private readonly ended = new Set<string>();
  private recommended = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(
      vscode.workspace.registerTextDocumentContentProvider(PAGE_SCHEME, this),
      vscode.debug.onDidStartDebugSession((s) => s.type === 'fsr' && this.sessions.set(s.id, s)),
      vscode.commands.registerCommand('fsr.showPageBytes', (t?: Target) => this.show(t)),
    );
    for (const s of [vscode.debug.activeDebugSession].filter((x): x is vscode.DebugSession => x?.type === 'fsr')) this.sessions.set(s.id, s);
  }

  /** Stops, edits and ends of a session: its open pages are read again (or cleared). */
  onSessionChange(c: SessionChange): void {
    this.sessions.set(c.session.id, c.session);
    if (c.kind === 'ended') this.ended.add(c.session.id);
    if (c.kind === 'continued') return;
    for (const doc of vscode.workspace.textDocuments) if (doc.uri.scheme === PAGE_SCHEME && new URLSearchParams(doc.uri.query).get('session') === c.session.id) this.changed.fire(doc.uri);
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const q = new URLSearchParams(uri.query);
    const id = q.get('session') ?? '';
    const mpn = q.get('mpn') ?? '';
    const session = this.sessions.get(id);
    if (!session || this.ended.has(id)) return `MPN ${mpn}: the debug session ${session ? `"${session.name}" ` : ''}has ended; nothing of it is shown.\n`;
    try {
      const body: unknown = await session.customRequest('fsr/pageDump', { mpn });
      if (!isDump(body)) throw new Error('the adapter sent something else than a page dump');
      return pageText(body, `"${session.name}"`);
    } catch (e) {
      return `MPN ${mpn}: no bytes (${(e as Error).message}).\n`;
    }
  }

  /** The URI of our view of a page of a session. */
  static uri(sessionId: string, mpnHex: string): vscode.Uri {
    return vscode.Uri.from({ scheme: PAGE_SCHEME, path: `/MPN ${mpnHex}.txt`, query: `session=${encodeURIComponent(sessionId)}&mpn=${encodeURIComponent(mpnHex)}` });
  }

  private async show(t: Target): Promise<void> {
    const sessionId = t?.sessionId ?? (vscode.debug.activeDebugSession?.type === 'fsr' ? vscode.debug.activeDebugSession.id : undefined);
    if (!sessionId || !this.sessions.has(sessionId)) {
      void vscode.window.showWarningMessage('Show Page Bytes: no FSR debug session to read the page from.');
      return;
    }
    let mpn: number | undefined;
    const ref = t && 'variable' in t ? t.variable?.memoryReference : undefined;
    if (ref !== undefined) mpn = /^(0x[0-9a-f]+|\d+)$/i.test(ref) ? Math.floor(Number(ref) / 4096) : undefined;
    else if (t && 'mpn' in t && typeof t.mpn === 'number') mpn = t.mpn;
    else {
      const typed = await vscode.window.showInputBox({ prompt: 'MPN of the page to show (hex, e.g. 0x100000)', validateInput: (v) => (/^(0x[0-9a-f]+|\d+)$/i.test(v.trim()) ? undefined : 'an MPN: 0x… hex or decimal') });
      if (typed === undefined) return;
      mpn = Number(typed.trim());
    }
    if (mpn === undefined || !Number.isSafeInteger(mpn)) {
      void vscode.window.showWarningMessage(`Show Page Bytes: ${JSON.stringify(ref)} is not a machine address.`);
      return;
    }
    if (vscode.extensions.getExtension(HEX_EDITOR)) {
      // The Hex Editor is there: VS Code's own View Binary Data, editable.
      await vscode.commands.executeCommand('workbench.debug.viewlet.action.viewMemory', { sessionId, variable: { memoryReference: `0x${(mpn * 4096).toString(16)}` } });
      return;
    }
    const doc = await vscode.workspace.openTextDocument(PageBytes.uri(sessionId, `0x${mpn.toString(16)}`));
    // In the first group (where the listing is), so the host-memory view beside it stays in sight.
    await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.One, preserveFocus: false });
    this.recommend();
  }

  /** Once a window: the Hex Editor gives an editable view; offer to install it (where a marketplace can be reached). */
  private recommend(): void {
    if (this.recommended) return;
    this.recommended = true;
    void vscode.window
      .showInformationMessage('This is a read-only view of the page. For an editable hex view, install the Hex Editor (ms-vscode.hexeditor) where your editor can reach a marketplace.', 'Install Hex Editor')
      .then(async (pick) => {
        if (pick !== 'Install Hex Editor') return;
        try {
          await vscode.commands.executeCommand('workbench.extensions.installExtension', HEX_EDITOR);
        } catch (e) {
          this.log.warn(`installing ${HEX_EDITOR} failed: ${(e as Error).message}`);
          void vscode.window.showWarningMessage(`The Hex Editor could not be installed (${(e as Error).message}); the read-only view stays available.`);
        }
      });
  }

  dispose(): void {
    this.changed.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
