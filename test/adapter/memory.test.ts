// Memory through DAP on the built adapter: readMemory gives a machine page's real bytes (a pdir page is its PFrames);
// writeMemory writes through, sends invalidated/memory events, reports invariant breaks; edits and step back; bad input.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { close, evaluate, failure, frames, launch, open, stopAfter, vars } from './helpers';

const read = async (dc: DebugClient, args: DebugProtocol.ReadMemoryArguments) => (await dc.customRequest('readMemory', args)) as DebugProtocol.ReadMemoryResponse;
const write = async (dc: DebugClient, args: DebugProtocol.WriteMemoryArguments) => (await dc.customRequest('writeMemory', args)) as DebugProtocol.WriteMemoryResponse;

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

describe('memory', () => {
  it('reads a pdir page as its PFrames, and the MPN of a PFrame as that page', async () => {
    const dc = await open();
    try {
      const stop = await launch(dc, { scenario: 'high-mpn', stopOnEntry: true });
      const top = (await frames(dc, stop.threadId!))[0]!;
      const dir = await evaluate(dc, 'src.pframes.pdirInfo[2]', top.id);
      assert.ok(dir.memoryReference);
      const page = (await read(dc, { memoryReference: dir.memoryReference!, count: 4096 })).body!;
      assert.equal(page.address, dir.memoryReference);
      const data = bytes(page.data!);
      assert.equal(data.length, 4096);
      const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
      const rows = await vars(dc, dir.variablesReference, { start: 0, count: 512 });
      for (const i of [0, 1, 77, 511]) {
        const pte = (await vars(dc, rows[`[0x${i.toString(16)}]`]!.variablesReference)).pte!.value;
        const lo = dv.getUint32(i * 8, true);
        const hi = dv.getUint32(i * 8 + 4, true);
        assert.equal(pte, '0x' + hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0'), `PFrame ${i}`);
      }
      // An MPN above 2^32 (indexHighBits ≠ 0): its memory reference is that machine page.
      const all = await vars(dc, (await evaluate(dc, 'src.pages', top.id)).variablesReference, { start: 0, count: 10000 });
      const high = Object.values(all).find((v) => /^REGULAR → MPN 0x[0-9a-f]{9,}/.test(v.value));
      assert.ok(high, 'high-mpn has REGULAR pages above 2^32');
      const pf = await vars(dc, high.variablesReference);
      assert.notEqual(pf.indexHighBits!.value, '0');
      const mpn = parseInt(pf.mpn!.value, 16);
      assert.ok(mpn >= 2 ** 32);
      assert.equal(pf.mpn!.memoryReference, '0x' + (mpn * 4096).toString(16));
      const guest = (await read(dc, { memoryReference: pf.mpn!.memoryReference!, offset: 4000, count: 96 })).body!;
      assert.equal(bytes(guest.data!).length, 96);
      // Beyond host memory: what is readable, then unreadable bytes.
      const ranges = await vars(dc, (await evaluate(dc, 'host.ranges', top.id)).variablesReference);
      const lastMPN = parseInt((await vars(dc, ranges['[0]']!.variablesReference)).lastMPN!.value, 16);
      const end = (await read(dc, { memoryReference: '0x' + ((lastMPN + 1) * 4096 - 16).toString(16), count: 64 })).body!;
      assert.equal(bytes(end.data!).length, 16);
      assert.equal(end.unreadableBytes, 48);
      assert.match(await failure(read(dc, { memoryReference: 'xyz', count: 4 })), /memoryReference must be a machine address like "0x100000000"/);
      assert.match(await failure(read(dc, { memoryReference: '0x1000', count: -1 })), /count must be a whole number of bytes in 0\.\.1048576/);
    } finally {
      await close(dc);
    }
  });

  it('writes through, sends invalidated and memory events, and reports the invariant an edit breaks', async () => {
    const dc = await open();
    try {
      const outputs: string[] = [];
      dc.on('output', (e: DebugProtocol.OutputEvent) => outputs.push(`${e.body.category}: ${e.body.output}`));
      const stop = await launch(dc, { scenario: 'shared-swap', stopOnEntry: true });
      const top = (await frames(dc, stop.threadId!))[0]!;
      // A REGULAR PFrame of the source: point it at another MPN behind the BackMap's back.
      const rows = await vars(dc, (await evaluate(dc, 'src.pframes.pdirInfo[1]', top.id)).variablesReference, { start: 0, count: 512 });
      let target: DebugProtocol.Variable | undefined;
      for (const r of Object.values(rows)) if (r.value.startsWith('REGULAR')) { target = r; break; }
      assert.ok(target?.memoryReference, 'a REGULAR PFrame row carries the address of its 8 bytes');
      const cur = bytes((await read(dc, { memoryReference: target.memoryReference, count: 8 })).body!.data!);
      const next = cur.slice();
      next[4] = (next[4]! + 1) & 0xff;
      const invalidated = dc.waitForEvent('invalidated');
      const memory = dc.waitForEvent('memory');
      const stopped = dc.waitForEvent('stopped');
      const w = (await write(dc, { memoryReference: target.memoryReference, data: b64(next) })).body!;
      assert.equal(w.bytesWritten, 8);
      await invalidated;
      assert.equal(((await memory) as DebugProtocol.MemoryEvent).body.count, 8);
      const st = ((await stopped) as DebugProtocol.StoppedEvent).body;
      assert.equal(st.reason, 'exception');
      assert.equal(st.description, 'invariant break');
      assert.ok(outputs.some((o) => /invariant break: BackMap agrees with the PFrames: vm-src pgNum 0x[0-9a-f]+ is REGULAR at MPN 0x[0-9a-f]+, but the BackMap does not name it/.test(o)), outputs.join(''));
      assert.ok(outputs.some((o) => /^stderr: invariant broken by the edit: BackMap agrees with the PFrames/.test(o)), outputs.join(''));
      const info = (await dc.exceptionInfoRequest({ threadId: st.threadId! })).body;
      assert.equal(info.exceptionId, 'invariant');
      const again = bytes((await read(dc, { memoryReference: target.memoryReference, count: 8 })).body!.data!);
      assert.deepEqual([...again], [...next]);
      assert.match(await failure(write(dc, { memoryReference: '0x1000', data: 'AAAA' })), /machine page 0x1 \(address 0x1000\) is not in host memory; nothing was written/);
      assert.match(await failure(write(dc, { memoryReference: target.memoryReference, data: '!!' })), /data must be base64/);
    } finally {
      await close(dc);
    }
  });

  it('an edit joins the current step: stepping back across it undoes it', async () => {
    const dc = await open();
    try {
      const stop = await launch(dc, { scenario: 'shared-swap' }, () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'FSR_CheckpointFinished' }] }));
      const top = (await frames(dc, stop.threadId!))[0]!;
      const fsr = await evaluate(dc, 'fsr', top.id);
      await dc.setVariableRequest({ variablesReference: fsr.variablesReference, name: 'memMinToTransferMB', value: '7' });
      const n = await stopAfter(dc, () => dc.nextRequest({ threadId: stop.threadId! }));
      const top2 = (await frames(dc, n.threadId!))[0]!;
      assert.equal((await evaluate(dc, 'fsr.memMinToTransferMB', top2.id)).result, '7', 'the edit stays while going forward');
      const b1 = await stopAfter(dc, () => dc.stepBackRequest({ threadId: n.threadId! }));
      assert.equal((await evaluate(dc, 'fsr.memMinToTransferMB', (await frames(dc, b1.threadId!))[0]!.id)).result, '7', 'back at the step the edit joined: still there');
      const b2 = await stopAfter(dc, () => dc.stepBackRequest({ threadId: n.threadId! }));
      assert.equal((await evaluate(dc, 'fsr.memMinToTransferMB', (await frames(dc, b2.threadId!))[0]!.id)).result, '0', 'stepping back across it undoes it');
    } finally {
      await close(dc);
    }
  });
});
