// DAP launch against the built adapter: built-in names, scenario files, seed, faults, overrides,
// stopOnEntry, and a clear error naming the attribute for every bad value — the adapter stays up.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { close, evaluate, failure, frames, launch, lineOf, open } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'fsr-launch-'));

describe('launch', () => {
  let dc: DebugClient;
  before(async () => {
    dc = await open();
  });
  after(() => close(dc));

  it('answers every bad attribute with an error naming it, and stays up', async () => {
    writeFileSync(join(dir, 'bad.json'), '{ "name": "x", ');
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ name: 'wrong', host: { ranges: [{ baseMPN: '0x100000', pages: 65536 }] }, vm: { memMB: 16 }, swap: { mode: 'sideways' } }));
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{}, /"scenario" is required: a built-in name \(shared-swap, .*big-vm/],
      [{ scenario: 42 }, /"scenario" must be a built-in name/],
      [{ scenario: 'shared-swop' }, /"scenario": "shared-swop" is not a built-in \(shared-swap, unshared-swap.*\); did you mean shared-swap\? and cannot be read as a file/],
      [{ scenario: join(dir, 'bad.json') }, /bad\.json: not valid JSON at line 1, column 16: /],
      [{ scenario: join(dir, 'wrong.json') }, /swap\.mode must be one of: "shared", "unshared"/],
      [{ scenario: 'shared-swap', stopOnEntry: 'yes' }, /"stopOnEntry" must be true or false/],
      [{ scenario: 'shared-swap', seed: -1 }, /"seed" must be an integer ≥ 0, got -1/],
      [{ scenario: 'shared-swap', seed: 'seven' }, /"seed" must be an integer ≥ 0, got "seven"/],
      [{ scenario: 'shared-swap', stopOnEntri: true }, /unknown launch attribute "stopOnEntri"; did you mean stopOnEntry\?/],
      [{ scenario: 'shared-swap', faults: {} }, /"faults" must be an array of faults/],
      [{ scenario: 'shared-swap', faults: [{ kind: 'meteor' }] }, /faults\[0\]\.kind must be one of: swapCopyFail, .*slowPcpu, got "meteor"/],
      [{ scenario: 'shared-swap', faults: [{ kind: 'sourceTimout' }] }, /got "sourceTimout"; did you mean sourceTimeout\?/],
      [{ scenario: 'shared-swap', faults: [{ kind: 'missingDestPdir', dirIndex: 99 }] }, /faults\[0\]\.dirIndex is 99, but the VM has 8 pdirs/],
      [{ scenario: 'shared-swap', overrides: [] }, /"overrides" must be an object/],
      [{ scenario: 'shared-swap', overrides: { vm: { memMB: 0 } } }, /launch attribute "overrides": vm\.memMB must be an integer 1–1048576, got 0/],
      [{ scenario: 'shared-swap', overrides: { colour: 'red' } }, /the scenario has unknown field "colour"/],
      [{ scenario: 'shared-swap', overrides: { vm: { memMb: 64 } } }, /vm has unknown field "memMb"; did you mean memMB\?/],
      [{ scenario: 'shared-swap', overrides: JSON.parse('{"__proto__": {"polluted": 1}}') }, /the scenario has unknown field "__proto__"/],
      [{ scenario: 'shared-swap', listingPath: 3 }, /"listingPath" must be a file path/],
    ];
    for (const [args, re] of cases) {
      const msg = await failure(dc.launchRequest(args as DebugProtocol.LaunchRequestArguments));
      assert.match(msg, re, JSON.stringify(args));
    }
    // Still answering, and a good launch works on the same adapter.
    const stop = await launch(dc, { scenario: 'shared-swap', stopOnEntry: true });
    assert.equal(stop.reason, 'entry');
    assert.equal(stop.threadId, 1);
    assert.match(await failure(dc.launchRequest({ scenario: 'shared-swap' } as DebugProtocol.LaunchRequestArguments)), /already runs a scenario/);
  });
});

describe('launch variants', () => {
  it('reads a scenario file through the file accessor and applies seed, faults and overrides', async () => {
    const file = join(dir, 'mine.json');
    writeFileSync(file, JSON.stringify({ name: 'mine', seed: 4, host: { ranges: [{ baseMPN: '0x100000', pages: 65536 }] }, vm: { memMB: 8 }, swap: { mode: 'shared', swapOuts: 1 } }));
    const dc = await open();
    try {
      const outputs: string[] = [];
      dc.on('output', (e: DebugProtocol.OutputEvent) => outputs.push(e.body.output));
      const stop = await launch(dc, { scenario: file, stopOnEntry: true, seed: 9, overrides: { vm: { memMB: 12 } }, faults: [{ kind: 'missingDestPdir', dirIndex: 2 }] });
      assert.equal(stop.reason, 'entry');
      assert.match(outputs.join(''), /scenario mine \(seed 9, 12 MB VM, shared swap, faults: missingDestPdir\)/);
      const top = (await frames(dc, 1))[0]!;
      assert.equal((await evaluate(dc, 'src.pframes.numMainMemPages', top.id)).result, String(12 * 256));
      // The missing pdir fault makes the transfer fail after the point of no return: a panic.
      const ended = dc.waitForEvent('stopped');
      await dc.setExceptionBreakpointsRequest({ filters: ['panic'] });
      await dc.continueRequest({ threadId: 1 });
      const ev = (await ended) as DebugProtocol.StoppedEvent;
      assert.equal(ev.body.reason, 'exception');
      assert.equal(ev.body.text, 'panic');
    } finally {
      await close(dc);
    }
  });

  it('names the listing by a path when listingPath is given, and warns when that file differs', async () => {
    const dc = await open();
    try {
      const outputs: string[] = [];
      dc.on('output', (e: DebugProtocol.OutputEvent) => outputs.push(e.body.output));
      const listing = join(dir, 'fsr-handoff.c');
      writeFileSync(listing, '// not the listing\n');
      const stop = await launch(dc, { scenario: 'shared-swap', stopOnEntry: true, listingPath: listing });
      const top = (await frames(dc, stop.threadId!))[0]!;
      assert.deepEqual(top.source, { name: 'fsr-handoff.c', path: listing });
      assert.match(outputs.join(''), /warning: listingPath .* differs from the simulated listing/);
      const bp = await dc.setBreakpointsRequest({ source: { path: listing }, breakpoints: [{ line: lineOf('FSR_ResumeDone', 'World_SetPanicNoCore') }] });
      assert.equal(bp.body.breakpoints[0]!.verified, true);
    } finally {
      await close(dc);
    }
  });

  it('logs the protocol to the client with "trace": true, and nothing without it', async () => {
    for (const trace of [true, false]) {
      const dc = await open();
      try {
        const outputs: string[] = [];
        dc.on('output', (e: DebugProtocol.OutputEvent) => outputs.push(e.body.output));
        const stop = await launch(dc, { scenario: 'shared-swap', stopOnEntry: true, trace });
        await frames(dc, stop.threadId!);
        const log = outputs.join('');
        if (trace) {
          assert.match(log, /From client: stackTrace\(\{"threadId":1\}\)/);
          assert.match(log, /To client: \{.*"command":"stackTrace"/);
          assert.match(log, /To client: \{.*"event":"stopped"/);
        } else {
          assert.doesNotMatch(log, /(From|To) client:/);
        }
      } finally {
        await close(dc);
      }
    }
  });

  it('runs to the end without stopOnEntry, and continue at the end terminates', async () => {
    const dc = await open();
    try {
      const outputs: string[] = [];
      dc.on('output', (e: DebugProtocol.OutputEvent) => outputs.push(e.body.output));
      const stop = await launch(dc, { scenario: 'resume-race' }, () => dc.setExceptionBreakpointsRequest({ filters: [] }));
      assert.equal(stop.reason, 'end');
      assert.equal(stop.threadId, 1000);
      assert.match(outputs.join(''), /handoff ended: victor source, resumeState FSR_RESUME_SOURCE/);
      const threads = (await dc.threadsRequest()).body.threads;
      assert.deepEqual(threads, [{ id: 1000, name: 'handoff (run ended)' }]);
      const f = await frames(dc, 1000);
      assert.equal(f[0]!.name, 'victor source, FSR_RESUME_SOURCE', '"run ended" is said once, by the thread');
      const terminated = dc.waitForEvent('terminated');
      await dc.continueRequest({ threadId: 1000 });
      await terminated;
    } finally {
      await close(dc);
    }
  });
});
