// Stepping through DAP on the built adapter: next/stepIn/stepOut per thread, stepBack, reverseContinue, pause on a
// long run (the engine runs in slices), swap-copy progress, thread exited events, errors for absent threads.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { close, failure, frames, launch, lineOf, open, stopAfter } from './helpers';

describe('stepping', () => {
  it('steps over, in and out on one thread, then back and reverse-continues', async () => {
    const dc = await open();
    try {
      const entry = await launch(dc, { scenario: 'shared-swap', stopOnEntry: true });
      assert.equal(entry.reason, 'entry');
      const where = async (t = 1) => (await frames(dc, t)).map((f) => `${f.name}:${f.line}`);
      const run = lineOf('FSRSourceVMX', 'VMX_RunGuest');
      const at = (k: number) => `FSRSourceVMX:${run + k}`;
      assert.deepEqual(await where(), [at(0)]);
      let s = await stopAfter(dc, () => dc.nextRequest({ threadId: 1 }));
      assert.equal(s.reason, 'step');
      assert.equal(s.threadId, 1);
      assert.deepEqual(await where(), [at(1)], 'over VMX_RunGuest');
      s = await stopAfter(dc, () => dc.stepInRequest({ threadId: 1 }));
      assert.deepEqual((await where())[1], at(1));
      assert.equal((await where())[0]!.split(':')[0], 'FSR_CheckpointStarted');
      s = await stopAfter(dc, () => dc.stepOutRequest({ threadId: 1 }));
      assert.deepEqual(await where(), [at(2)]);
      s = await stopAfter(dc, () => dc.stepBackRequest({ threadId: 1 }));
      assert.equal(s.reason, 'step');
      assert.equal((await where())[0]!.split(':')[0], 'FSR_CheckpointStarted', 'back to the callee\'s last statement');

      // Reverse-continue to a line breakpoint behind us, then to the start.
      await dc.setBreakpointsRequest({ source: { name: 'fsr-handoff.c', sourceReference: 1 }, breakpoints: [{ line: run + 1 }] });
      s = await stopAfter(dc, () => dc.reverseContinueRequest({ threadId: 1 }));
      assert.equal(s.reason, 'breakpoint');
      assert.deepEqual(await where(), [at(1)]);
      await dc.setBreakpointsRequest({ source: { name: 'fsr-handoff.c', sourceReference: 1 }, breakpoints: [] });
      s = await stopAfter(dc, () => dc.reverseContinueRequest({ threadId: 1 }));
      assert.equal(s.reason, 'entry');
      assert.deepEqual(await where(), [at(0)]);

      // Other threads step on their own.
      s = await stopAfter(dc, () => dc.nextRequest({ threadId: 2 }));
      assert.equal(s.threadId, 2);
      assert.deepEqual(await where(2), [`FSRDestVMX:${lineOf('FSRDestVMX', 'while (!cpt->finished)')}`]);
      assert.match(await failure(dc.nextRequest({ threadId: 42 })), /no thread 42 \(threads: 1 \(source VMX\), 2 \(destination VMX\)/);
      assert.match(await failure(dc.stackTraceRequest({ threadId: 0 })), /no thread 0/);
    } finally {
      await close(dc);
    }
  });

  it('announces exited threads, and says when a thread has exited', async () => {
    const dc = await open();
    try {
      const events: string[] = [];
      dc.on('thread', (e: DebugProtocol.ThreadEvent) => events.push(`${e.body.reason} ${e.body.threadId}`));
      const s = await launch(dc, { scenario: 'shared-swap' }, () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'World_SetPanicNoCore' }] }));
      assert.ok(events.includes('exited 4'), 'the swapper exited');
      assert.match(await failure(dc.nextRequest({ threadId: 4 })), /no thread 4|thread 4 \(swapper\) has exited/);
      await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
      await dc.setExceptionBreakpointsRequest({ filters: [] });
      const end = await stopAfter(dc, () => dc.continueRequest({ threadId: s.threadId! }));
      assert.equal(end.reason, 'end');
      for (const t of [1, 2, 3, 5, 6, 7, 8]) assert.ok(events.includes(`exited ${t}`), `thread ${t} exited`);
      assert.ok(events.includes('started 1000'));
      // Stepping back from the end brings threads back.
      const back = await stopAfter(dc, () => dc.stepBackRequest({ threadId: 1000 }));
      assert.equal(back.reason, 'step');
      assert.ok(events.slice(-3).some((e) => e === 'exited 1000'));
      assert.ok((await dc.threadsRequest()).body.threads.length >= 1);
    } finally {
      await close(dc);
    }
  });

  it('pauses a long run (the engine yields between slices)', async () => {
    const dc = await open();
    try {
      // 1 GiB with a breakpoint whose condition never holds inside the per-page loop: the loop runs fine-grained.
      const args = { scenario: 'shared-swap', overrides: { host: { ranges: [{ baseMPN: '0x100000', pages: 320000 }] }, vm: { memMB: 1024 } } };
      await launch(dc, { ...args, stopOnEntry: true });
      await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'VmMemMigrateAddPageToDest', condition: 'pgNum < 0' }] });
      await dc.setExceptionBreakpointsRequest({ filters: [] });
      await dc.continueRequest({ threadId: 1 });
      const t0 = Date.now();
      // Other requests are answered while it runs.
      await new Promise((r) => setTimeout(r, 300));
      const threads = (await dc.threadsRequest()).body.threads;
      assert.ok(threads.length > 1);
      assert.match(await failure(dc.stackTraceRequest({ threadId: 1 })), /the handoff is running: pause first/);
      const p = await stopAfter(dc, () => dc.pauseRequest({ threadId: 1 }));
      assert.equal(p.reason, 'pause');
      assert.ok(Date.now() - t0 < 5000, `paused after ${Date.now() - t0} ms`);
      assert.ok(!(await dc.threadsRequest()).body.threads.some((t) => t.id === 1000), 'the run had not ended');
    } finally {
      await close(dc);
    }
  });

  it('reports the unshared swap copy as progress', async () => {
    const dc = await open();
    try {
      const events: string[] = [];
      for (const ev of ['progressStart', 'progressUpdate', 'progressEnd']) dc.on(ev, (e: DebugProtocol.Event) => events.push(`${ev} ${JSON.stringify(e.body)}`));
      const end = await launch(dc, { scenario: 'unshared-swap' }, () => dc.setExceptionBreakpointsRequest({ filters: [] }));
      assert.equal(end.reason, 'end');
      assert.match(events[0]!, /^progressStart \{"progressId":"swap-copy-1","title":"Swap file copy"/);
      assert.ok(events.some((e) => /^progressUpdate .*"percentage":\d+/.test(e)));
      assert.match(events[events.length - 1]!, /^progressEnd \{"progressId":"swap-copy-1"/);
    } finally {
      await close(dc);
    }
  });
});
