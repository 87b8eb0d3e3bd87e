// Extension-host tests of time travel, inside a real VS Code: the commands (Go to Step, reverse step
// over/out, next/previous phase, Show Value History) move a real session; a link to a moment, copied
// and opened through the paste command and its launch.json configuration, gives the
// same step, stacks and PFrame value; the FSR Watches view lists and removes a Host-memory-style watch.
import * as assert from 'node:assert/strict';
import { parse as parseJsonc } from 'jsonc-parser';
import * as vscode from 'vscode';
import { Stops } from './stops';
import { LISTING } from '../../../engine/index';

const EXT_ID = 'fsr-handoff.fsr-handoff-debugger';

/** VS Code focuses the thread a stop names (Call Stack's selection, the thread a step moves): wait for it. */
async function focused(threadId: number): Promise<void> {
  for (let i = 0; i < 100 && vscode.debug.activeStackItem?.threadId !== threadId; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(vscode.debug.activeStackItem?.threadId, threadId, 'the stopped thread is focused');
}

const stepOf = async (s: vscode.DebugSession): Promise<number> => ((await s.customRequest('fsr/moment')) as { step: number }).step;

/** Every thread's stack as "name:line" lists: what "the same state" means for a moment. */
async function stacks(s: vscode.DebugSession): Promise<string[]> {
  const threads = (await s.customRequest('threads')) as { threads: Array<{ id: number; name: string }> };
  const out: string[] = [];
  for (const t of threads.threads) {
    const st = (await s.customRequest('stackTrace', { threadId: t.id })) as { stackFrames: Array<{ name: string; line: number }> };
    out.push(`${t.name}: ${st.stackFrames.map((f) => `${f.name}:${f.line}`).join(' < ')}`);
  }
  return out;
}

async function evaluate(s: vscode.DebugSession, expression: string): Promise<string> {
  return ((await s.customRequest('evaluate', { expression, context: 'repl' })) as { result: string }).result;
}

async function endAll(): Promise<void> {
  while (vscode.debug.activeDebugSession) {
    const s = vscode.debug.activeDebugSession;
    const ended = new Promise<void>((r) => {
      const d = vscode.debug.onDidTerminateDebugSession((x) => {
        if (x.id === s.id) {
          d.dispose();
          r();
        }
      });
    });
    await vscode.debug.stopDebugging(s);
    await ended;
  }
}

function lineOf(fn: string, text: string): number {
  const st = LISTING.fns.get(fn)!.body.find((s) => s.text.startsWith(text));
  if (!st) throw new Error(`no statement "${text}" in ${fn}`);
  return st.line!;
}

describe('time travel in VS Code', function () {
  let stops: Stops;
  const folder = () => vscode.workspace.workspaceFolders?.[0];

  before(async function () {
    await vscode.extensions.getExtension(EXT_ID)!.activate();
    stops = new Stops();
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
  });
  afterEach(async function () {
    await endAll();
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
  });
  after(function () {
    stops?.dispose();
  });

  it('contributes the time-travel commands, the toolbar buttons, the keys and the views', async function () {
    const cmds = await vscode.commands.getCommands(true);
    for (const c of ['fsr.reverseStepOver', 'fsr.reverseStepOut', 'fsr.nextPhase', 'fsr.previousPhase', 'fsr.goToStep', 'fsr.showValueHistory', 'fsr.copyMomentLink', 'fsr.openMomentLink', 'fsr.removeWatch', 'fsr.refreshWatches']) {
      assert.ok(cmds.includes(c), `${c} is not registered`);
    }
    const pkg = vscode.extensions.getExtension(EXT_ID)!.packageJSON as { contributes: { menus: Record<string, Array<{ command: string; when?: string }>>; views: Record<string, Array<{ id: string }>> } };
    const toolbar = pkg.contributes.menus['debug/toolBar']!.filter((m) => m.command.startsWith('fsr.reverseStep'));
    assert.deepEqual(toolbar.map((m) => [m.command, m.when]), [['fsr.reverseStepOver', "debugType == 'fsr'"], ['fsr.reverseStepOut', "debugType == 'fsr'"]]);
    assert.ok(pkg.contributes.views.debug!.some((v) => v.id === 'fsr.bookmarks') && pkg.contributes.views.debug!.some((v) => v.id === 'fsr.watches'), 'FSR Bookmarks and FSR Watches sit in Run and Debug, beside Variables');
  });

  it('Go to Step, reverse step over and out, next and previous phase move the session through their commands', async function () {
    assert.ok(await vscode.debug.startDebugging(folder(), { type: 'fsr', request: 'launch', name: 'tt shared-swap', scenario: 'shared-swap', stopOnEntry: true }));
    const entry = await stops.next();
    const s = entry.session;
    const next = await stops.after(() => vscode.commands.executeCommand('fsr.nextPhase'));
    assert.equal(next.stop.reason, 'step');
    const firstPhase = await stepOf(s);
    assert.ok(firstPhase > 0);
    const go = await stops.after(() => vscode.commands.executeCommand<number>('fsr.goToStep', 2278));
    assert.equal(go.result, 2278);
    assert.equal(go.stop.reason, 'goto');
    assert.equal(await stepOf(s), 2278);
    // The stop focuses the destination VMX, which made step 2278: reverse steps move that actor.
    assert.equal(go.stop.threadId, 2);
    await focused(2);
    const top = async () => ((await s.customRequest('stackTrace', { threadId: 2 })) as { stackFrames: Array<{ name: string }> }).stackFrames.map((f) => f.name);
    const at2278 = await top();
    const over = await stops.after(() => vscode.commands.executeCommand('fsr.reverseStepOver'));
    assert.deepEqual([over.stop.reason, over.stop.threadId], ['step', 2]);
    const afterOver = await stepOf(s);
    assert.ok(afterOver < 2278 && afterOver > 2000, `reverse step over went back a little (${afterOver})`);
    await focused(2);
    const inner = await top();
    await stops.after(() => vscode.commands.executeCommand('fsr.reverseStepOut'));
    const afterOut = await stepOf(s);
    assert.ok(afterOut < afterOver, `reverse step out went further back (${afterOut})`);
    assert.deepEqual(await top(), inner.slice(1), `reverse step out stands in the caller of ${inner[0]} (from ${at2278.join(' < ')})`);
    const prev = await stops.after(() => vscode.commands.executeCommand('fsr.previousPhase'));
    assert.equal(prev.stop.reason, 'goto');
    assert.ok((await stepOf(s)) < afterOut);
    // A refused goto is said and moves nothing.
    const here = await stepOf(s);
    assert.equal(await vscode.commands.executeCommand('fsr.goToStep', -5), undefined);
    assert.equal(await stepOf(s), here);
  });

  it('Show Value History lists the changes of a Variables path and picking one goes to its step', async function () {
    assert.ok(await vscode.debug.startDebugging(folder(), { type: 'fsr', request: 'launch', name: 'tt history', scenario: 'shared-swap', stopOnEntry: true }));
    const s = (await stops.next()).session;
    await stops.after(() => vscode.commands.executeCommand('fsr.goToStep', 10_000_000));
    const end = await stepOf(s);
    const rows = ((await s.customRequest('fsr/history', { expression: 'fsr.resumeState' })) as { rows: Array<{ step: number }> }).rows;
    assert.equal(rows.length, 2);
    // As the Variables view's context menu passes it.
    const shown = vscode.commands.executeCommand<number>('fsr.showValueHistory', { sessionId: s.id, variable: { name: 'resumeState', value: 'FSR_RESUME_DEST', evaluateName: 'fsr.resumeState', variablesReference: 0 } });
    await new Promise((r) => setTimeout(r, 1500));
    // The change that made today's value comes selected; go up one and accept: the first change.
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectPrevious');
    const moved = stops.after(() => vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem'));
    const picked = await shown;
    await moved;
    assert.equal(picked, rows[0]!.step);
    assert.equal(await stepOf(s), rows[0]!.step);
    assert.ok(rows[0]!.step < end);
  });

  it('a link to a moment round-trips: copy it, open it (pasted, launch.json), the same step, stacks and PFrame value', async function () {
    const redirect = lineOf('VmMemMigrateTransferPageDir', 'PFrame_DirSet(dstWorld');
    vscode.debug.addBreakpoints([new vscode.FunctionBreakpoint('VmMemMigrateAddPageDirToDest', true, 'dirIndex == 1')]);
    assert.ok(await vscode.debug.startDebugging(folder(), { type: 'fsr', request: 'launch', name: 'tt link', scenario: 'scenarios/my-scenario.json', seed: 7, stopOnEntry: true }));
    const s = (await stops.next()).session;
    // A line breakpoint set on the listing as its editor does (the session's debug: source).
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(vscode.Uri.from({ scheme: 'debug', path: 'fsr-handoff.c', query: `session=${s.id}&ref=1` }), new vscode.Position(redirect - 1, 0)))]);
    await stops.after(() => s.customRequest('continue', { threadId: 1 }));
    await stops.after(() => s.customRequest('continue', { threadId: 1 }));
    const bpStep = await stepOf(s);
    await stops.after(() => vscode.commands.executeCommand('fsr.goToStep', bpStep + 7));
    const want = { step: await stepOf(s), stacks: await stacks(s), pframe: await evaluate(s, 'pframe(destination, 600)'), pdir: await evaluate(s, 'dst.pframes.pdirInfo[1]') };
    assert.equal(want.step, bpStep + 7);

    const copied = await vscode.commands.executeCommand<{ link: string; launch: string; copied: string }>('fsr.copyMomentLink', 'both');
    assert.ok(copied, 'copy answered nothing');
    assert.match(copied.link, new RegExp(`^${vscode.env.uriScheme}://${EXT_ID.replace(/\./g, '\\.')}/moment\\?scenario=scenarios%2Fmy-scenario\\.json&step=${want.step}&seed=7&digest=[0-9a-f]{16}&breakpoints=`));
    assert.equal(copied.copied, `${copied.link}\n\n${copied.launch}\n`);
    assert.equal(await vscode.env.clipboard.readText(), copied.copied, 'the clipboard holds what was copied');
    await endAll();
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);

    const same = async (how: string): Promise<vscode.DebugSession> => {
      const stop = await stops.next();
      assert.equal(stop.reason, 'entry', how);
      const t = stop.session;
      assert.deepEqual({ step: await stepOf(t), stacks: await stacks(t), pframe: await evaluate(t, 'pframe(destination, 600)'), pdir: await evaluate(t, 'dst.pframes.pdirInfo[1]') }, want, how);
      return t;
    };
    // 1. The link pasted into FSR: Open Link to a Moment… (a browser cannot hand a vscode:// link to the
    // editor; the UI test opens it through the editor's own URL handling, Developer: Open URL).
    assert.equal(await vscode.commands.executeCommand('fsr.openMomentLink', copied.link), true);
    await same('opened as a pasted link');
    const fns = vscode.debug.breakpoints.filter((b): b is vscode.FunctionBreakpoint => b instanceof vscode.FunctionBreakpoint);
    assert.deepEqual(fns.map((b) => [b.functionName, b.condition]), [['VmMemMigrateAddPageDirToDest', 'dirIndex == 1']]);
    const lines = vscode.debug.breakpoints.filter((b): b is vscode.SourceBreakpoint => b instanceof vscode.SourceBreakpoint);
    assert.deepEqual(lines.map((b) => b.location.range.start.line + 1), [redirect]);
    // The link's listing breakpoint is the session's: continuing stops on it at the next redirect.
    const t = vscode.debug.activeDebugSession!;
    const cont = await stops.after(() => t.customRequest('continue', { threadId: 1 }));
    assert.equal(cont.stop.reason, 'breakpoint');
    const top = ((await t.customRequest('stackTrace', { threadId: cont.stop.threadId })) as { stackFrames: Array<{ name: string; line: number }> }).stackFrames[0]!;
    assert.deepEqual([top.name, top.line], ['VmMemMigrateTransferPageDir', redirect]);
    await endAll();
    // 2. Again: the breakpoints already there are not added twice.
    assert.equal(await vscode.commands.executeCommand('fsr.openMomentLink', copied.link), true);
    await same('opened a second time');
    assert.equal(vscode.debug.breakpoints.length, 2);
    await endAll();
    // 3. The launch.json configuration.
    const config = parseJsonc(copied.launch) as vscode.DebugConfiguration;
    assert.equal(config.startAtStep, want.step);
    assert.ok(await vscode.debug.startDebugging(folder(), config));
    await same('started from the launch.json configuration');
    await endAll();
    // A damaged link starts nothing.
    assert.equal(await vscode.commands.executeCommand('fsr.openMomentLink', copied.link.replace(/step=\d+/, 'step=x')), false);
    assert.equal(vscode.debug.activeDebugSession, undefined);
  });

  it('FSR Watches lists a watch made as the Host memory view makes it, and removes it', async function () {
    assert.ok(await vscode.debug.startDebugging(folder(), { type: 'fsr', request: 'launch', name: 'tt watches', scenario: 'shared-swap', stopOnEntry: true }));
    const s = (await stops.next()).session;
    const w = (await s.customRequest('fsr/watchPFrame', { world: 'destination', pgNum: 5 })) as { id: number; description: string };
    const listed = await vscode.commands.executeCommand<Array<{ id: number; description: string; owner: string }>>('fsr.refreshWatches');
    assert.deepEqual(listed.map((x) => [x.id, x.description, x.owner]), [[w.id, w.description, 'webview']]);
    assert.equal(await vscode.commands.executeCommand('fsr.removeWatch', w.id), true);
    assert.deepEqual(((await s.customRequest('fsr/watches')) as { watches: unknown[] }).watches, []);
    assert.deepEqual(await vscode.commands.executeCommand('fsr.refreshWatches'), []);
  });
});
