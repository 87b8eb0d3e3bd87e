// A moment you can share: FSR: Copy Link to This Moment (a `<scheme>://<extension id>/moment?…` link
// and the equivalent launch.json configuration, to the clipboard), and opening one — the UriHandler,
// or FSR: Open Link to a Moment… where the system cannot route the link (a browser) — starts the same
// run stopped at that step, with the link's breakpoints. No Node (vscode.env.clipboard, workspace.fs).

import * as vscode from 'vscode';
import { type BookmarksBody, type MomentBody, digest } from '../adapter/timeTravel';
import { BUILTIN_NAMES } from '../engine/index';
import { UserError, fsrRequest, fsrSession, shown } from './fsrSessions';
import { type LinkBreakpoint, type Moment, describeBreakpoint, launchConfiguration, launchText, momentLink, parseLinkText, parseMomentQuery } from './moment';

const LISTING = /(^|\/)fsr-handoff\.c$/;
const isUriText = (s: string): boolean => /^[a-z][a-z0-9+.-]+:\/\//i.test(s);
const isAbsolutePath = (s: string): boolean => /^(\/|[a-z]:[\\/]|\\\\)/i.test(s);

export type CopyChoice = 'link' | 'launch' | 'both';
export interface CopiedMoment {
  moment: Moment;
  link: string;
  launch: string;
  /** What went to the clipboard. */
  copied: string;
}

/** The enabled function breakpoints and breakpoints on the listing's lines, as a link carries them. */
export function linkBreakpoints(all: readonly vscode.Breakpoint[]): LinkBreakpoint[] {
  const out: LinkBreakpoint[] = [];
  const opts = (b: vscode.Breakpoint) => ({
    ...(b.condition ? { condition: b.condition } : {}),
    ...(b.hitCondition ? { hitCondition: b.hitCondition } : {}),
    ...(b.logMessage ? { logMessage: b.logMessage } : {}),
  });
  for (const b of all) {
    if (!b.enabled) continue;
    if (b instanceof vscode.FunctionBreakpoint) out.push({ function: b.functionName, ...opts(b) });
    else if (b instanceof vscode.SourceBreakpoint && LISTING.test(b.location.uri.path)) out.push({ line: b.location.range.start.line + 1, ...opts(b) });
  }
  return out;
}

/** A scenario file as a link names it: its path in the workspace (with the folder's name when there are several). */
function workspacePath(source: string): { path: string; outside: boolean } {
  if (!isUriText(source) && !isAbsolutePath(source)) return { path: source, outside: false };
  const uri = isUriText(source) ? vscode.Uri.parse(source) : vscode.Uri.file(source);
  if (!vscode.workspace.getWorkspaceFolder(uri)) return { path: source, outside: true };
  return { path: vscode.workspace.asRelativePath(uri, (vscode.workspace.workspaceFolders?.length ?? 0) > 1), outside: false };
}

/** Where a link's scenario file is: the folder whose name starts a multi-root path, else the first folder. */
function locateScenario(path: string): { folder: vscode.WorkspaceFolder | undefined; uri: vscode.Uri; relative: string } {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (isUriText(path)) return { folder: vscode.workspace.getWorkspaceFolder(vscode.Uri.parse(path)), uri: vscode.Uri.parse(path), relative: path };
  if (isAbsolutePath(path)) return { folder: vscode.workspace.getWorkspaceFolder(vscode.Uri.file(path)) ?? folders[0], uri: vscode.Uri.file(path), relative: path };
  if (folders.length === 0) throw new UserError(`the link names the scenario file ${path} in a workspace: open the folder that holds it first`);
  const first = path.split('/')[0];
  const named = folders.length > 1 ? folders.find((f) => f.name === first) : undefined;
  const folder = named ?? folders[0]!;
  const relative = named ? path.slice(first!.length + 1) : path;
  return { folder, uri: vscode.Uri.joinPath(folder.uri, relative), relative };
}

export class MomentLinks implements vscode.UriHandler, vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly extensionId: string) {
    this.disposables.push(
      vscode.window.registerUriHandler(this),
      vscode.commands.registerCommand('fsr.copyMomentLink', (choice?: unknown) => this.copy(choice)),
      vscode.commands.registerCommand('fsr.openMomentLink', (link?: unknown) => this.openText(link)),
    );
  }

  /** `<scheme>://<extension id>/moment?…`, as the system hands it to the editor. */
  async handleUri(uri: vscode.Uri): Promise<void> {
    await this.open(() => parseMomentQuery(uri.path, uri.query));
  }

  /** This moment of the focused session: the link, the launch.json configuration, or both, to the clipboard. */
  copy(choice?: unknown): Promise<CopiedMoment | undefined> {
    return shown('Copy Link to This Moment', async () => {
      const session = fsrSession();
      const [m, b] = await Promise.all([fsrRequest<MomentBody>(session, 'fsr/moment'), fsrRequest<BookmarksBody>(session, 'fsr/bookmarks')]);
      const file = m.scenarioDigest !== null;
      const where = file ? workspacePath(m.scenario) : { path: m.scenario, outside: false };
      const moment: Moment = { scenario: where.path, step: m.step };
      const given = m.launch;
      if (typeof given.seed === 'number') moment.seed = given.seed;
      if (Array.isArray(given.faults)) moment.faults = given.faults;
      if (typeof given.overrides === 'object' && given.overrides !== null) moment.overrides = given.overrides as Record<string, unknown>;
      if (m.scenarioDigest !== null) moment.scenarioDigest = m.scenarioDigest;
      if (b.bookmarks.length) moment.bookmarks = b.bookmarks;
      const bps = linkBreakpoints(vscode.debug.breakpoints);
      if (bps.length) moment.breakpoints = bps;
      const link = momentLink(moment, vscode.env.uriScheme, this.extensionId);
      const launch = launchText(moment);
      let what = choice === 'link' || choice === 'launch' || choice === 'both' ? choice : undefined;
      if (!what) {
        const items: Array<vscode.QuickPickItem & { what: CopyChoice }> = [
          { label: 'Link', description: `${vscode.env.uriScheme}://…`, detail: 'Opens the same run at this step, with these breakpoints, in VS Code', what: 'link' },
          { label: 'launch.json configuration', detail: 'A configuration that starts the same run at this step (startAtStep)', what: 'launch' },
          { label: 'Both, as text', detail: 'The link and the configuration, to paste into a message or an exercise', what: 'both' },
        ];
        const pick = await vscode.window.showQuickPick(items, { title: `FSR: Copy Link to step ${m.step} of ${where.path}`, placeHolder: 'What to copy' });
        if (!pick) return undefined;
        what = pick.what;
      }
      const copied = what === 'link' ? link : what === 'launch' ? launch : `${link}\n\n${launch}\n`;
      await vscode.env.clipboard.writeText(copied);
      const notes = [
        where.outside ? `the scenario file is outside the workspace, so the link names its full path ${where.path}` : '',
        bps.length ? `${bps.length} breakpoint${bps.length === 1 ? '' : 's'}: ${bps.map((x) => describeBreakpoint(x)).join('; ')}` : '',
      ].filter(Boolean);
      void vscode.window.showInformationMessage(`Copied ${what === 'link' ? 'a link' : what === 'launch' ? 'a launch.json configuration' : 'a link and a launch.json configuration'} to step ${m.step} of ${where.path}${notes.length ? ` (${notes.join('; ')})` : ''}.`);
      return { moment, link, launch, copied };
    });
  }

  /** FSR: Open Link to a Moment…: a pasted link (or `link` given). */
  async openText(link?: unknown): Promise<boolean> {
    let text = typeof link === 'string' ? link : undefined;
    if (text === undefined) {
      text = await vscode.window.showInputBox({
        title: 'FSR: Open Link to a Moment',
        prompt: 'Paste a link made by FSR: Copy Link to This Moment',
        placeHolder: `${vscode.env.uriScheme}://${this.extensionId}/moment?scenario=…&step=…`,
        validateInput: (t) => {
          try {
            parseLinkText(t, this.extensionId);
            return undefined;
          } catch (e) {
            return (e as Error).message;
          }
        },
      });
      if (text === undefined) return false;
    }
    const t = text;
    return (await this.open(() => parseLinkText(t, this.extensionId))) ?? false;
  }

  /** Start the moment's run at its step, adding the link's breakpoints; every problem is said before anything starts. */
  private open(read: () => Moment): Promise<boolean | undefined> {
    return shown('Cannot open the FSR link', async () => {
      let m: Moment;
      try {
        m = read();
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      let folder = vscode.workspace.workspaceFolders?.[0];
      let scenario = m.scenario;
      if (!BUILTIN_NAMES.includes(m.scenario)) {
        const at = locateScenario(m.scenario);
        let bytes: Uint8Array;
        try {
          bytes = await vscode.workspace.fs.readFile(at.uri);
        } catch (e) {
          throw new UserError(`the link's scenario ${m.scenario} is neither a built-in (${BUILTIN_NAMES.join(', ')}) nor a file in this workspace (${at.uri.toString(true)}: ${(e as Error).message})`);
        }
        folder = at.folder;
        scenario = at.relative;
        if (m.scenarioDigest !== undefined && digest(bytes) !== m.scenarioDigest) {
          void vscode.window.showWarningMessage(`Scenario file ${m.scenario} has changed since the link was made: the run, and its step ${m.step}, may not be the moment the link shows.`);
        }
      }
      const added = this.addBreakpoints(m.breakpoints ?? []);
      const config = launchConfiguration({ ...m, scenario }) as vscode.DebugConfiguration;
      const ok = await vscode.debug.startDebugging(folder, config);
      if (!ok) throw new UserError(`the debug session for ${m.scenario} at step ${m.step} did not start (see the Debug Console)`);
      if (added.length) void vscode.window.showInformationMessage(`Opened ${m.scenario} at step ${m.step}; added the link's breakpoint${added.length === 1 ? '' : 's'}: ${added.join('; ')}.`);
      return true;
    });
  }

  /**
   * Add the link's breakpoints that are not set yet. A listing line is set on the listing as the
   * adapter shows it (a `debug:` source, reference 1), as a breakpoint set in its editor is.
   */
  private addBreakpoints(bps: LinkBreakpoint[]): string[] {
    const have = vscode.debug.breakpoints;
    const fresh: vscode.Breakpoint[] = [];
    const said: string[] = [];
    for (const b of bps) {
      if ('function' in b) {
        if (have.some((x) => x instanceof vscode.FunctionBreakpoint && x.functionName === b.function)) continue;
        fresh.push(new vscode.FunctionBreakpoint(b.function, true, b.condition, b.hitCondition, b.logMessage));
      } else {
        if (have.some((x) => x instanceof vscode.SourceBreakpoint && LISTING.test(x.location.uri.path) && x.location.range.start.line === b.line - 1)) continue;
        const listing = vscode.Uri.from({ scheme: 'debug', path: 'fsr-handoff.c', query: 'ref=1' });
        fresh.push(new vscode.SourceBreakpoint(new vscode.Location(listing, new vscode.Position(b.line - 1, 0)), true, b.condition, b.hitCondition, b.logMessage));
      }
      said.push(describeBreakpoint(b));
    }
    if (fresh.length) vscode.debug.addBreakpoints(fresh);
    return said;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
