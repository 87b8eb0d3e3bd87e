// Model lines in the editor: a line of the simulated listing that the decks do not state (it ends
// with `// model` or `// model: why`) is dimmed, marked in the gutter and the overview ruler, and its
// hover says why. Reads the listing's own text; knows no engine.

import * as vscode from 'vscode';

/** A model line's mark and its reason, as the listing prints them (engine/sim/program.ts, MODEL_MARK). */
const MODEL = /\/\/ model(?::\s*(.*))?$/;

function isListing(doc: vscode.TextDocument): boolean {
  return doc.languageId === 'fsr-listing' || /(^|[\\/])fsr-handoff\.c$/.test(doc.uri.path);
}

export class ModelLineDecorator implements vscode.Disposable {
  private readonly type: vscode.TextEditorDecorationType;
  private readonly subs: vscode.Disposable[] = [];

  constructor(extensionUri: vscode.Uri) {
    this.type = vscode.window.createTextEditorDecorationType({
      opacity: '0.6',
      isWholeLine: true,
      gutterIconPath: vscode.Uri.joinPath(extensionUri, 'media', 'model-line.svg'),
      gutterIconSize: 'contain',
      overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.commentForeground'),
      overviewRulerLane: vscode.OverviewRulerLane.Left,
    });
    this.subs.push(
      vscode.window.onDidChangeVisibleTextEditors((eds) => eds.forEach((e) => this.decorate(e))),
      vscode.workspace.onDidChangeTextDocument((e) => vscode.window.visibleTextEditors.filter((ed) => ed.document === e.document).forEach((ed) => this.decorate(ed))),
    );
    vscode.window.visibleTextEditors.forEach((e) => this.decorate(e));
  }

  /** The model lines of a listing, with their hovers (exported for tests through the API). */
  static modelLines(doc: vscode.TextDocument): vscode.DecorationOptions[] {
    const out: vscode.DecorationOptions[] = [];
    for (let i = 0; i < doc.lineCount; i++) {
      const text = doc.lineAt(i).text;
      const m = MODEL.exec(text);
      if (!m || /^\s*\/\//.test(text)) continue;
      const why = m[1]?.trim();
      const hover = new vscode.MarkdownString(`**model** — the decks do not state this line${why ? `: ${why}` : '. See the function\'s comment, or the line speaks for itself.'}`);
      out.push({ range: new vscode.Range(i, 0, i, text.length), hoverMessage: hover });
    }
    return out;
  }

  private decorate(editor: vscode.TextEditor): void {
    if (!isListing(editor.document)) return;
    editor.setDecorations(this.type, ModelLineDecorator.modelLines(editor.document));
  }

  dispose(): void {
    this.type.dispose();
    for (const s of this.subs) s.dispose();
  }
}
