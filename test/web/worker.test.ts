// The web bundle (dist/web/extension.js) in a real Web Worker in headless Chromium, against a minimal
// stand-in of the vscode API (standin.ts), driven as VS Code drives it: launch.json's configuration
// and F5 without one, a scenario file read from a virtual workspace through workspace.fs (fetch),
// a function breakpoint at World_SetPanicNoCore, a PFrame in Variables and in memory, the host-memory
// view, step back. Once as served (WebAssembly allowed: the handoff's scan in wasm) and once under a
// CSP that refuses WebAssembly (the JavaScript scan). Needs `npm run build` and Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Host, browserHost, chromiumPath } from './browserHost';

const skip = chromiumPath() ? false : 'no Chromium here (apt-get install -y chromium, or FSR_CHROMIUM)';
const launchJson = { type: 'fsr', request: 'launch', name: 'FSR: shared-swap', scenario: 'shared-swap', stopOnEntry: true };

function checkWalk(r: Awaited<ReturnType<Host['walk']>>, scenario: string): void {
  assert.deepEqual(r.trackerErrors, [], 'no tracker threw while a message went by');
  assert.deepEqual(r.stops, ['entry', 'function breakpoint in World_SetPanicNoCore']);
  assert.match(r.pframe.type ?? '', /\(\d\)$/);
  assert.match(r.pframe.pte ?? '', /^0x[0-9a-f]{16}$/);
  assert.equal(r.memoryBytes, 64, 'readMemory on the PFrame');
  assert.equal(r.viewStep, r.steppedBackFrom, 'the host-memory view is of this stop');
  assert.equal(r.steppedBackTo, r.steppedBackFrom - 1, 'step back goes one step back');
  assert.ok(r.logLines.some((l) => l.includes(`[${r.config.name}] session starts (adapter inline), scenario ${JSON.stringify(r.config.scenario)}`)), r.logLines.slice(0, 5).join('\n'));
  assert.ok(r.logLines.some((l) => l.includes(`scenario ${scenario}`)), `the adapter said which scenario it runs:\n${r.logLines.slice(0, 12).join('\n')}`);
}

describe('the web bundle in a browser Web Worker', { skip }, () => {
  let host: Host;
  before(async () => {
    host = await browserHost();
  });
  after(async () => host?.close());

  test('it sees itself in a web worker, without Node, with the scan in WebAssembly', async () => {
    assert.deepEqual(await host.hostReport(), { entry: 'web', uiKind: 'web', process: 'undefined', importScripts: 'function', worker: true, wasmScan: true });
  });

  test("a launch.json configuration: stop at World_SetPanicNoCore, a PFrame, the view, step back", async () => {
    const r = await host.walk(launchJson);
    checkWalk(r, 'shared-swap');
  });

  test('F5 without launch.json offers the built-in scenarios (the pick: unshared-swap)', async () => {
    const r = await host.walk({}, 'unshared-swap');
    assert.equal(r.config.scenario, 'unshared-swap');
    checkWalk(r, 'unshared-swap');
  });

  test('a scenario file in a virtual workspace is read through workspace.fs', async () => {
    const r = await host.walk({ type: 'fsr', request: 'launch', name: 'FSR: my scenario', scenario: 'scenarios/my-scenario.json', stopOnEntry: true });
    assert.equal(r.config.scenario, 'https://fsr.test/examples/scenarios/my-scenario.json');
    checkWalk(r, 'my-scenario');
  });
});

describe('the web bundle in a Web Worker whose CSP refuses WebAssembly', { skip }, () => {
  let host: Host;
  before(async () => {
    host = await browserHost({ csp: "default-src 'self'; script-src 'self'" });
  });
  after(async () => host?.close());

  test('the scan runs in JavaScript and the session works the same', async () => {
    const report = await host.hostReport();
    assert.equal(report.worker, true);
    assert.equal(report.wasmScan, false, 'no WebAssembly under this CSP');
    const r = await host.walk(launchJson);
    assert.equal((r.host as { wasmScan: boolean }).wasmScan, false);
    checkWalk(r, 'shared-swap');
    assert.ok(r.logLines[0]!.includes('handoff scan in JavaScript'), r.logLines[0]);
  });
});
