// Time travel at scale. history-query-1M: a PFrame field's history over 1,000,000 retained steps vs one
// bare pass over those step records. goto-far-64GiB: on big-vm, from the last step to step 1 and back
// vs running big-vm from launch to the end. start-at-step-64GiB: launching big-vm (DAP, in process)
// with startAtStep at its last step vs launching it and continuing to the end. Medians of several
// runs, alternating value and baseline; the spread is printed.

import { PassThrough } from 'node:stream';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { FsrDebugSession } from '../../adapter/debugSession';
import { Session, builtinScenario, parseScenario, valueHistory } from '../../engine/index';
import { gc, report } from './harness';

// ---- history-query-1M -------------------------------------------------------------------------------

function historyQuery(): void {
  // A VM run statement by statement (a watch turns bulk off) long enough to retain 1,000,000 steps.
  const scenario = parseScenario({ ...builtinScenario('shared-swap'), vm: { memMB: 400 }, host: { ranges: [{ baseMPN: '0x100000', pages: 262144 }] } }, 'bench');
  const s = new Session(scenario, { historyLimit: 1_000_000 });
  s.rt.setExceptionFilters([]);
  s.watch({ kind: 'fsr', field: 'hasSwapCopy' });
  for (;;) {
    s.rt.continue();
    if (s.rt.run(2_000_000)?.reason === 'end') break;
  }
  const records = (s.rt as unknown as { history: Array<{ actor: number; ticks: number }> }).history;
  if (records.length < 1_000_000) throw new Error(`only ${records.length} steps retained`);
  const pg = s.cx.opts.touchedPages[0]!;
  const target = { kind: 'pframe' as const, world: 'destination' as const, pgNum: pg, field: 'type' };
  const values: number[] = [];
  const baselines: number[] = [];
  let rows = 0;
  let sink = 0;
  for (let k = 0; k < 7; k++) {
    gc();
    let t = performance.now();
    for (const r of records) sink += r.actor + r.ticks;
    baselines.push(performance.now() - t);
    gc();
    t = performance.now();
    rows = valueHistory(s, target).rows.length;
    values.push(performance.now() - t);
  }
  if (sink === 0.5 || rows === 0) throw new Error('unexpected');
  report('history-query-1M', values, baselines, '≤3', { note: `${records.length} steps retained, ${s.rt.changes.count} changes logged, ${rows} rows for ${target.world} PFrame ${pg}.type` });
}

// ---- goto-far-64GiB ---------------------------------------------------------------------------------

function gotoFar(): void {
  const values: number[] = [];
  const baselines: number[] = [];
  for (let k = 0; k < 3; k++) {
    gc();
    let t = performance.now();
    const s = new Session(builtinScenario('big-vm'));
    s.rt.setExceptionFilters([]);
    s.runToEnd();
    baselines.push(performance.now() - t);
    const end = s.rt.stepCount;
    gc();
    t = performance.now();
    s.rt.gotoStep(1);
    s.rt.gotoStep(end);
    values.push(performance.now() - t);
    if (s.rt.stepCount !== end || s.outcome().victor !== 'destination') throw new Error('goto did not come back to the end');
  }
  report('goto-far-64GiB', values, baselines, '≤2', { note: 'from the last step to step 1 and back, vs launch and run to the end' });
}

// ---- start-at-step-64GiB ------------------------------------------------------------------------------

class StreamClient extends DebugClient {
  attach(from: PassThrough, to: PassThrough): void {
    this.connect(from, to);
  }
}

async function connect(): Promise<DebugClient> {
  const toAdapter = new PassThrough();
  const toClient = new PassThrough();
  const session = new FsrDebugSession({ readFile: async () => new Uint8Array() });
  session.setRunAsServer(true);
  session.start(toAdapter, toClient);
  const dc = new StreamClient('node', 'unused', 'fsr');
  dc.defaultTimeout = 600000;
  dc.attach(toClient, toAdapter);
  await dc.initializeRequest({ adapterID: 'fsr', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  return dc;
}

/** Launch big-vm (with `extra`), and answer ms to the stop `untilEnd` waits for. */
async function launchTimed(extra: Record<string, unknown>, continueToEnd: boolean): Promise<{ ms: number; step: number }> {
  const dc = await connect();
  gc();
  const t = performance.now();
  const init = dc.waitForEvent('initialized');
  let stopped = dc.waitForEvent('stopped');
  await dc.launchRequest({ scenario: 'big-vm', stopOnEntry: !continueToEnd, ...extra } as DebugProtocol.LaunchRequestArguments);
  await init;
  await dc.setExceptionBreakpointsRequest({ filters: [] });
  await dc.configurationDoneRequest();
  const ev = (await stopped) as DebugProtocol.StoppedEvent;
  if (continueToEnd && ev.body.reason !== 'end') {
    stopped = dc.waitForEvent('stopped');
    await dc.continueRequest({ threadId: ev.body.threadId! });
    await stopped;
  }
  const ms = performance.now() - t;
  const step = ((await dc.customRequest('fsr/state', {})).body as { stepCount: number }).stepCount;
  await dc.disconnectRequest({});
  return { ms, step };
}

async function startAtStep(): Promise<void> {
  const values: number[] = [];
  const baselines: number[] = [];
  for (let k = 0; k < 3; k++) {
    const b = await launchTimed({}, true);
    const v = await launchTimed({ startAtStep: b.step }, false);
    if (v.step !== b.step) throw new Error(`startAtStep landed on ${v.step}, not ${b.step}`);
    baselines.push(b.ms);
    values.push(v.ms);
  }
  report('start-at-step-64GiB', values, baselines, '≤1.2', { note: 'launch with startAtStep at the last step vs launch and continue to the end' });
}

historyQuery();
gotoFar();
await startAtStep();
