// Extension-host tests, run inside a real VS Code: the extension activates, launches built-in and file
// scenarios inline and as a process, stops at a function breakpoint, serves fsr/view and draws the webview. No UI clicks here.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Stops } from './stops';
import type { FsrExtensionApi } from '../../../extension/extension';

const EXT_ID = 'fsr-handoff.fsr-handoff-debugger';

async function topFrame(session: vscode.DebugSession): Promise<string> {
  const threads = (await session.customRequest('threads')) as { threads: Array<{ id: number; name: string }> };
  for (const t of threads.threads) {
    const st = (await session.customRequest('stackTrace', { threadId: t.id, startFrame: 0, levels: 1 })) as { stackFrames: Array<{ name: string }> };
    if (st.stackFrames[0]?.name === 'World_SetPanicNoCore') return 'World_SetPanicNoCore';
  }
  return threads.threads.map((t) => t.name).join(', ');
}

async function endSession(session: vscode.DebugSession): Promise<void> {
  const ended = new Promise<void>((r) => {
    const d = vscode.debug.onDidTerminateDebugSession((s) => {
      if (s.id === session.id) {
        d.dispose();
        r();
      }
    });
  });
  await vscode.debug.stopDebugging(session);
  await ended;
}

/** Run `scenario` to World_SetPanicNoCore (stopOnEntry, then continue) and check what the adapter serves there. */
async function runToPointOfNoReturn(stops: Stops, scenario: string): Promise<vscode.DebugSession> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const ok = await vscode.debug.startDebugging(folder, { type: 'fsr', request: 'launch', name: `test ${scenario}`, scenario, stopOnEntry: true });
  assert.ok(ok, 'startDebugging returned false');
  const entry = await stops.next();
  assert.equal(entry.reason, 'entry');
  await entry.session.customRequest('continue', { threadId: 1 });
  const bp = await stops.next();
  assert.equal(bp.reason, 'function breakpoint');
  assert.equal(await topFrame(bp.session), 'World_SetPanicNoCore');
  return bp.session;
}

describe('FSR Handoff Debugger in VS Code', function () {
  let api: FsrExtensionApi;
  let stops: Stops;

  before(async function () {
    const ext = vscode.extensions.getExtension<FsrExtensionApi>(EXT_ID);
    assert.ok(ext, `extension ${EXT_ID} is not installed`);
    api = await ext.activate();
    stops = new Stops();
    vscode.debug.addBreakpoints([new vscode.FunctionBreakpoint('World_SetPanicNoCore')]);
  });
  after(async function () {
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    stops?.dispose();
    await vscode.workspace.getConfiguration('fsr.adapter').update('runAsProcess', undefined, vscode.ConfigurationTarget.Global);
  });

  it('contributes the fsr debugger, its commands and the phases view', async function () {
    const pkg = vscode.extensions.getExtension(EXT_ID)!.packageJSON as { contributes: { debuggers: Array<{ type: string; configurationSnippets: unknown[] }> } };
    const dbg = pkg.contributes.debuggers.find((d) => d.type === 'fsr');
    assert.ok(dbg);
    assert.equal(dbg.configurationSnippets.length, 10);
    const cmds = await vscode.commands.getCommands(true);
    for (const c of ['fsr.showHostMemory', 'fsr.startScenario', 'fsr.showLog', 'fsr.addFunctionBreakpoint']) assert.ok(cmds.includes(c), `${c} missing`);
  });

  it('adds a function breakpoint through its command (as the phases tree and walkthrough do)', async function () {
    await vscode.commands.executeCommand('fsr.addFunctionBreakpoint', 'pdir redirect');
    const names = vscode.debug.breakpoints.filter((b) => b instanceof vscode.FunctionBreakpoint).map((b) => (b as vscode.FunctionBreakpoint).functionName);
    assert.ok(names.includes('pdir redirect'));
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints.filter((b) => b instanceof vscode.FunctionBreakpoint && b.functionName === 'pdir redirect'));
  });

  it('runs shared-swap inline to World_SetPanicNoCore and serves fsr/view and fsr/page', async function () {
    assert.equal(api.adapterMode(), 'inline');
    // This suite runs in the Node extension host: the desktop entry, with Node's globals.
    assert.equal(api.host.entry, 'node');
    assert.equal(api.host.process, 'object');
    assert.equal(api.host.worker, false);
    const session = await runToPointOfNoReturn(stops, 'shared-swap');
    const view = (await session.customRequest('fsr/view', {})) as { step: number; lanes: Array<{ name: string; count: number }>; cells: string; source: { presentDirs: number } };
    assert.ok(view.step > 0);
    assert.ok(view.lanes.some((l) => l.name === 'point of no return' && l.count === 1));
    assert.equal(view.source.presentDirs, 8);
    assert.ok(view.cells.length > 1000);
    const page = (await session.customRequest('fsr/page', { mpn: '0x100000' })) as { ownerKind: string };
    assert.ok(['pdir', 'mainmem', 'free'].includes(page.ownerKind));
    await endSession(session);
  });

  it('opens the host-memory webview on a stop and the webview draws the view', async function () {
    const drawn = new Promise<{ ms: number; bytes: number }>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the webview did not report a drawn view within 60 s')), 60_000);
      const d = api.hostMemory.onDidDraw((r) => {
        clearTimeout(t);
        d.dispose();
        resolve(r);
      });
    });
    const session = await runToPointOfNoReturn(stops, 'unshared-swap');
    const r = await drawn;
    assert.ok(api.hostMemory.isOpen);
    assert.ok(r.bytes > 0 && r.bytes <= 256 * 1024, `bytes ${r.bytes}`);
    assert.ok(r.ms < 1000, `drawn in ${r.ms} ms`);
    await endSession(session);
  });

  it('never shows a stale page: the decode follows a step, a step back and a second session, as Variables shows it', async function () {
    this.timeout(180_000);
    /** The next drawn view whose page decode is of `mpn` at the session's current step. */
    const drawnPage = (mpnHex: string, step: () => Promise<number>) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no view with page ${mpnHex} drawn within 60 s (last: ${api.hostMemory.lastDrawn?.page})`)), 60_000);
        const check = async () => {
          const want = `${mpnHex}@${await step()}`;
          if (api.hostMemory.lastDrawn?.page === want) {
            clearTimeout(t);
            d.dispose();
            resolve();
          }
        };
        const d = api.hostMemory.onDidDraw(() => void check());
        void check();
      });
    const stepOf = (session: vscode.DebugSession) => async () => ((await session.customRequest('fsr/state', {})) as { stepCount: number }).stepCount;
    /** The page decode the view was given equals Variables' rows for that PFrame, field by field. */
    const sameAsVariables = async (session: vscode.DebugSession, world: 'src' | 'dst') => {
      const page = api.hostMemory.lastPage;
      assert.ok(page?.pframe, 'the view carries the decode');
      const pf = page.pframe;
      assert.equal(page.step, await stepOf(session)(), 'decoded at the step the session is at');
      const ev = (await session.customRequest('evaluate', { expression: `${world}.pages[${pf.pgNum}]`, context: 'watch' })) as { variablesReference: number };
      const rows = (await session.customRequest('variables', { variablesReference: ev.variablesReference })) as { variables: Array<{ name: string; value: string; variablesReference: number }> };
      const byName = new Map(rows.variables.map((v) => [v.name, v]));
      assert.equal(byName.get('pte')!.value, pf.pte);
      for (const f of pf.fields) assert.equal(byName.get(f.name)?.value, f.value, `${world}.pages[${pf.pgNum}].${f.name}`);
      const extra = (await session.customRequest('variables', { variablesReference: byName.get('extra')!.variablesReference })) as { variables: Array<{ name: string; variablesReference: number }> };
      const member = (await session.customRequest('variables', { variablesReference: extra.variables[0]!.variablesReference })) as { variables: Array<{ name: string; value: string }> };
      assert.deepEqual(member.variables.map((v) => `${v.name}=${v.value}`), pf.extra.fields.map((f) => `${f.name}=${f.value}`));
      if (pf.mpnHex) assert.equal(byName.get('mpn')!.value, pf.mpnHex);
    };

    const first = await runToPointOfNoReturn(stops, 'shared-swap');
    const mpnHex = ((await first.customRequest('evaluate', { expression: 'src.pages[600].mpn', context: 'watch' })) as { result: string }).result;
    await api.hostMemory.select(parseInt(mpnHex, 16));
    await drawnPage(mpnHex, stepOf(first));
    await sameAsVariables(first, 'src');
    // A step: the decode is read again at the new step.
    const threadId = (await first.customRequest('threads', {}) as { threads: Array<{ id: number }> }).threads[1]!.id;
    await first.customRequest('next', { threadId });
    await stops.next();
    await drawnPage(mpnHex, stepOf(first));
    await sameAsVariables(first, 'src');
    // A step back.
    await first.customRequest('stepBack', { threadId });
    await stops.next();
    await drawnPage(mpnHex, stepOf(first));
    await sameAsVariables(first, 'src');
    // A second session while the first runs: the panel follows it, and decodes the page there.
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(await vscode.debug.startDebugging(folder, { type: 'fsr', request: 'launch', name: 'test stale-shadow', scenario: 'stale-shadow', stopOnEntry: true }));
    const second = (await stops.next()).session;
    assert.notEqual(second.id, first.id);
    await drawnPage(mpnHex, stepOf(second));
    const owner = api.hostMemory.lastPage!;
    assert.match(owner.owner, /vm-src|vm-dst|free|pool/);
    if (owner.pframe) await sameAsVariables(second, owner.pframe.world === 'source' ? 'src' : 'dst');
    // The end of a session clears what it showed.
    await endSession(second);
    await endSession(first);
    assert.equal(api.hostMemory.lastPage, undefined);
  });

  it('reads a scenario file relative to the workspace folder', async function () {
    const session = await runToPointOfNoReturn(stops, 'scenarios/my-scenario.json');
    const view = (await session.customRequest('fsr/view', {})) as { scenario: string };
    assert.equal(view.scenario, 'my-scenario');
    await endSession(session);
  });

  it('runs the adapter as a process (node dist/adapter.js) when fsr.adapter.runAsProcess is set', async function () {
    await vscode.workspace.getConfiguration('fsr.adapter').update('runAsProcess', true, vscode.ConfigurationTarget.Global);
    assert.equal(api.adapterMode(), 'process');
    const session = await runToPointOfNoReturn(stops, 'transfer-fail');
    const view = (await session.customRequest('fsr/view', {})) as { scenario: string };
    assert.equal(view.scenario, 'transfer-fail');
    await endSession(session);
    await vscode.workspace.getConfiguration('fsr.adapter').update('runAsProcess', undefined, vscode.ConfigurationTarget.Global);
  });
});
