// Breakpoints through DAP on the built adapter: seed function names and phase labels verified, unknown names refused
// with a reason; lines, conditions, hit counts, logpoints, exception filters + exceptionInfo, data breakpoints, locations.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ROOT, close, evaluate, failure, frames, launch, lineOf, open, scopes, sigLineOf, stopAfter, vars } from './helpers';

const LISTING = { name: 'fsr-handoff.c', sourceReference: 1 };

/** Every name the slides call like a function (`Name(`), except C keywords and attributes. */
function seedFunctionNames(): string[] {
  const dir = '/work/shared/seeds';
  const text = ['000_fb4b876f114dc579.txt', '002_87caaa58213f81b0.txt'].map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  const names = new Set<string>();
  for (const m of text.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) names.add(m[1]!);
  for (const k of ['for', 'if', 'while', 'sizeof', 'return', '__attribute__', '__packed__']) names.delete(k);
  return [...names].sort();
}

describe('function and phase breakpoints', () => {
  it('verifies every seed function name and phase label, and refuses unknown names saying why', async () => {
    const names = seedFunctionNames();
    assert.ok(names.length > 40, `found ${names.length} names in the seeds (${ROOT})`);
    const phases = ['pdir redirect', 'point of no return', 'swap bitmap copy', 'resume victor'];
    const dc = await open();
    try {
      await launch(dc, { scenario: 'shared-swap', stopOnEntry: true });
      const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [...names, ...phases, 'FSRInfo', 'NoSuchFunction', ''].map((name) => ({ name })) });
      const bps = r.body.breakpoints;
      for (const [i, name] of [...names, ...phases].entries()) {
        assert.equal(bps[i]!.verified, true, `${name}: ${bps[i]!.message}`);
        assert.ok(bps[i]!.line! > 0, `${name} resolves to a line`);
      }
      assert.match(bps[names.indexOf('Alloc_BPNTToMainMemPage')]!.message!, /slide's spelling of Alloc_BPNToMainMemPage/);
      const [fsrInfo, unknown, empty] = bps.slice(-3);
      assert.equal(unknown!.verified, false);
      assert.match(unknown!.message!, /no function or macro named "NoSuchFunction".*phase: .*pdir redirect/);
      assert.equal(fsrInfo!.verified, false);
      assert.match(empty!.message!, /needs a name/);
    } finally {
      await close(dc);
    }
  });

  it('stops on a phase, with the breakpoint id, text and description saying which', async () => {
    const dc = await open();
    const consoleLines: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => consoleLines.push(e.body.output));
    try {
      let ids: number[] = [];
      const stop = await launch(dc, { scenario: 'shared-swap' }, async () => {
        const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'point of no return' }] });
        ids = r.body.breakpoints.map((b) => b.id!);
      });
      assert.equal(stop.reason, 'function breakpoint');
      assert.deepEqual(stop.hitBreakpointIds, ids);
      assert.equal(stop.text, 'phase "point of no return"');
      const pnr = lineOf('FSR_ResumeDone', 'World_SetPanicNoCore');
      // The badge is short; where it stopped, with the step to quote, is a Debug Console line.
      assert.equal(stop.description, 'phase "point of no return"');
      assert.match(consoleLines.join(''), new RegExp(`\\[step \\d+\\] phase "point of no return": phase "point of no return" — destination VMX at FSR_ResumeDone line ${pnr}`));
      const top = (await frames(dc, stop.threadId!))[0]!;
      assert.equal(top.name, 'FSR_ResumeDone');
      assert.equal(top.line, pnr);
    } finally {
      await close(dc);
    }
  });

  it('honours conditions and hit counts, and logpoints print instead of stopping', async () => {
    const dc = await open();
    try {
      const outputs: string[] = [];
      dc.on('output', (e: DebugProtocol.OutputEvent) => outputs.push(`${e.body.category}: ${e.body.output}`));
      const stop = await launch(dc, { scenario: 'shared-swap' }, () =>
        dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'VmMemMigrateTransferPageDir', condition: 'pgNum == 1536' }] }),
      );
      assert.equal(stop.reason, 'function breakpoint');
      const top = (await frames(dc, stop.threadId!))[0]!;
      assert.equal((await evaluate(dc, 'pgNum', top.id)).result, '0x600');

      // Hit count: the 2nd hit from here on (the count starts again with the new breakpoint).
      await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'VmMemMigrateTransferPageDir', hitCondition: '2' }] });
      const second = await stopAfter(dc, () => dc.continueRequest({ threadId: stop.threadId! }));
      const top2 = (await frames(dc, second.threadId!))[0]!;
      assert.equal((await evaluate(dc, 'pgNum', top2.id)).result, '0xa00');

      // A malformed hit count is refused with the forms allowed.
      const bad = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'PFrame_DirSet', hitCondition: 'sometimes' }] });
      assert.equal(bad.body.breakpoints[0]!.verified, false);
      assert.match(bad.body.breakpoints[0]!.message!, /hit count "sometimes" is not one of: N, >= N/);

      // Logpoint on the redirect line: one console line per remaining pdir, no stop until the end.
      await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
      const lp = await dc.setBreakpointsRequest({ source: LISTING, breakpoints: [{ line: lineOf('VmMemMigrateTransferPageDir', 'PFrame_DirSet(dstWorld'), logMessage: 'redirect pgNum {pgNum} to {srcMPN}' }] });
      assert.equal(lp.body.breakpoints[0]!.verified, true);
      await dc.setExceptionBreakpointsRequest({ filters: [] });
      const end = await stopAfter(dc, () => dc.continueRequest({ threadId: second.threadId! }));
      assert.equal(end.reason, 'end');
      const logs = outputs.filter((o) => o.startsWith('console: redirect'));
      assert.deepEqual(logs.map((l) => /pgNum (0x[0-9a-f]+)/.exec(l)![1]), ['0xa00', '0xc00', '0xe00']);
      assert.match(logs[0]!, /to 0x10[0-9a-f]+\n$/);
    } finally {
      await close(dc);
    }
  });

  it('line breakpoints: verified on statements, moved off braces, refused elsewhere; breakpointLocations lists statements', async () => {
    const dc = await open();
    try {
      let bps: DebugProtocol.Breakpoint[] = [];
      const brace = sigLineOf('FSR_ResumeDone') + 1;
      const first = lineOf('FSR_ResumeDone', 'status = FSRPrepareForMemoryTransfer');
      const stop = await launch(dc, { scenario: 'shared-swap' }, async () => {
        const r = await dc.setBreakpointsRequest({ source: LISTING, breakpoints: [{ line: lineOf('FSR_ResumeDone', 'World_SetPanicNoCore') }, { line: brace }, { line: 99999 }] });
        bps = r.body.breakpoints;
        const other = await dc.setBreakpointsRequest({ source: { path: '/tmp/other.c' }, breakpoints: [{ line: 3 }] });
        assert.equal(other.body.breakpoints[0]!.verified, false);
        assert.match(other.body.breakpoints[0]!.message!, /not the simulated listing/);
      });
      assert.equal(bps[0]!.verified, true);
      // No source in the answer: the breakpoint stays on the document it was set in. A sourceReference
      // source without a path here made VS Code re-home it: no dot in the listing's gutter, a "." label.
      assert.ok(bps.every((b) => b.source === undefined), JSON.stringify(bps));
      assert.equal(bps[1]!.verified, true, 'the opening brace moves to the first statement');
      assert.equal(bps[1]!.line, first);
      assert.equal(bps[2]!.verified, false);
      assert.match(bps[2]!.message!, /line 99999 of the listing has no statement/);
      assert.equal(stop.reason, 'breakpoint');
      assert.deepEqual(stop.hitBreakpointIds, [bps[1]!.id]);
      assert.equal(stop.text, `breakpoint at line ${first}`);
      const fn = sigLineOf('FSR_ResumeDone');
      const locs = await dc.customRequest('breakpointLocations', { source: LISTING, line: fn, endLine: fn + 13 });
      // Every statement of FSR_ResumeDone, and not its signature, braces or the label line `cancel:`.
      const statements = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10].map((k) => first + k);
      assert.equal(lineOf('FSR_ResumeDone', 'FSRCancelPrepareForMemoryTransfer'), first + 9, 'the label line cancel: comes before the cancel');
      assert.deepEqual((locs.body as DebugProtocol.BreakpointLocationsResponse['body']).breakpoints.map((b) => b.line), statements);
    } finally {
      await close(dc);
    }
  });
});

describe('exception filters', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['reservation-fail', 'fail', 'FAIL', /memMinToTransferMB 512 > the source group's min 256 MB/],
    ['transfer-fail', 'panic', 'panic', /panic/i],
    ['stale-shadow', 'invariant', 'invariant break', /cached translations match the PFrames/],
  ];
  for (const [scenario, filter, text, re] of cases) {
    it(`${filter}: stops on ${scenario} and exceptionInfo says why`, async () => {
      const dc = await open();
      try {
        const stop = await launch(dc, { scenario }, () => dc.setExceptionBreakpointsRequest({ filters: [filter] }));
        assert.equal(stop.reason, 'exception');
        assert.equal(stop.text, text);
        assert.equal(stop.description, text, 'the badge names the kind; exceptionInfo says why');
        const info = (await dc.exceptionInfoRequest({ threadId: stop.threadId! })).body;
        assert.equal(info.exceptionId, filter);
        assert.match(info.description!, re);
        assert.equal(info.details!.typeName, text);
        assert.match(info.details!.stackTrace!, /at \w+ \(fsr-handoff\.c:\d+\)/);
      } finally {
        await close(dc);
      }
    });
  }

  it('refuses unknown filters naming the ones there are; exceptionInfo after a non-exception stop is an error', async () => {
    const dc = await open();
    try {
      await launch(dc, { scenario: 'shared-swap', stopOnEntry: true });
      assert.match(await failure(dc.setExceptionBreakpointsRequest({ filters: ['all'] })), /unknown exception filter\(s\) "all" \(filters: fail, panic, invariant\)/);
      assert.match(await failure(dc.exceptionInfoRequest({ threadId: 1 })), /the last stop was not an exception \(it was "entry"\)/);
    } finally {
      await close(dc);
    }
  });
});

describe('data breakpoints', () => {
  it('watches resumeState, a PFrame field and a pdirInfo entry, and says what changed', async () => {
    const dc = await open();
    try {
      const first = await launch(dc, { scenario: 'shared-swap', stopOnEntry: true });
      const top = (await frames(dc, first.threadId!))[0]!;
      const sc = await scopes(dc, top.id);
      const info = (await dc.dataBreakpointInfoRequest({ variablesReference: sc.FSR!.variablesReference, name: 'resumeState' })).body;
      assert.equal(info.description, 'fsr->resumeState');
      assert.deepEqual(info.accessTypes, ['write']);
      const none = (await dc.dataBreakpointInfoRequest({ variablesReference: sc.FSR!.variablesReference, name: 'memHandoff' })).body;
      assert.equal(none.dataId, null);
      assert.match(none.description, /cannot be watched: data breakpoints take PFrame fields, pdirInfo entries and FSRInfo fields/);

      // A PFrame field found by expression (no variablesReference), and a pdirInfo entry.
      const pf = (await dc.dataBreakpointInfoRequest({ name: 'src.pages[3130].type', frameId: top.id })).body;
      assert.equal(pf.description, 'vm-src PFrame 0xc3a.type');
      const dirs = await vars(dc, (await evaluate(dc, 'dst.pframes.pdirInfo', top.id)).variablesReference, { start: 0, count: 1 });
      const pd = (await dc.dataBreakpointInfoRequest({ variablesReference: (await evaluate(dc, 'dst.pframes.pdirInfo', top.id)).variablesReference, name: '[0x0]' })).body;
      assert.ok(dirs['[0x0]']);
      assert.equal(pd.description, 'vm-dst pdirInfo[0x0]');

      const set = (await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.dataId! }, { dataId: pf.dataId! }, { dataId: pd.dataId! }, { dataId: 'garbage' }] })).body.breakpoints;
      assert.deepEqual(set.map((b) => b.verified), [true, true, true, false]);
      assert.match(set[3]!.message!, /dataId "garbage" is not one this adapter made/);

      const seen: string[] = [];
      let threadId = first.threadId!;
      while (seen.length < 8) {
        const stop = await stopAfter(dc, () => dc.continueRequest({ threadId }));
        if (stop.reason !== 'data breakpoint') break;
        assert.equal(stop.hitBreakpointIds!.length, 1);
        assert.ok(set.some((b) => b.id === stop.hitBreakpointIds![0]));
        assert.equal(stop.description, 'data breakpoint');
        seen.push(stop.text!);
        threadId = stop.threadId!;
      }
      const text = seen.join('\n');
      assert.match(text, /fsr->resumeState changed: FSR_RESUME_NONE → FSR_RESUME_DESTVERIFY/);
      assert.match(text, /fsr->resumeState changed: FSR_RESUME_DESTVERIFY → FSR_RESUME_DEST/);
      assert.match(text, /vm-src PFrame 0xc3a\.type changed: REGULAR → SWAP_OUT\nvm-src PFrame 0xc3a\.type changed: SWAP_OUT → SWAPPED/);
      assert.match(text, /vm-dst pdirInfo\[0x0\] changed: not present → 0x[0-9a-f]+003 \(MPN 0x[0-9a-f]+\)/);
      assert.match(text, /vm-dst pdirInfo\[0x0\] changed: 0x[0-9a-f]+ \(MPN 0x[0-9a-f]+\) → 0x[0-9a-f]+ \(MPN 0x[0-9a-f]+\)/);
      assert.doesNotMatch(text, /null/);
    } finally {
      await close(dc);
    }
  });
});
