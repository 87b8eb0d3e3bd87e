// Fuzzing the built adapter with thousands of random and malformed requests (and raw garbage on the
// wire): it never exits and answers every request, with success or a clear error message.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { close, launch, open } from './helpers';

const COMMANDS = [
  'initialize', 'launch', 'attach', 'restart', 'terminate', 'setBreakpoints', 'setFunctionBreakpoints', 'setExceptionBreakpoints',
  'configurationDone', 'continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'restartFrame', 'goto', 'pause',
  'stackTrace', 'scopes', 'variables', 'setVariable', 'setExpression', 'source', 'threads', 'terminateThreads', 'evaluate',
  'stepInTargets', 'gotoTargets', 'completions', 'exceptionInfo', 'loadedSources', 'dataBreakpointInfo', 'setDataBreakpoints',
  'readMemory', 'writeMemory', 'disassemble', 'cancel', 'breakpointLocations', 'setInstructionBreakpoints', 'modules',
  'fsr/state', 'fsr/nope', 'bogus', '',
];
const KEYS = ['threadId', 'frameId', 'variablesReference', 'name', 'value', 'expression', 'context', 'source', 'breakpoints', 'lines', 'filters',
  'start', 'count', 'filter', 'memoryReference', 'offset', 'data', 'dataId', 'scenario', 'seed', 'faults', 'overrides', 'stopOnEntry', 'text', 'column', 'line', 'endLine', 'sourceReference', 'levels', 'startFrame'];

/** xorshift32: the fuzz is the same every run. */
function rng(seed: number) {
  let x = seed | 1;
  const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 4294967296);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
  const value = (depth: number): unknown => {
    switch (int(depth > 2 ? 7 : 10)) {
      case 0: return int(5);
      case 1: return [1, 2, 3, 1000, 10000, 20001, 30000][int(7)];
      case 2: return -int(1e9);
      case 3: return pick(['src.pages[5]', 'fsr.resumeState', 'BusMem_TranslateBPN(src, BPN_MAINMEM(1))', '0x100000000', '(((', 'pframe(dst, 99999999)', 'shared-swap', 'big-vm', 'FSR_RESUME_SOURCE', '[0]', 'AAAAAAAA', '{"kind":"fsr","field":"resumeState"}', '']);
      case 4: return next() < 0.5;
      case 5: return null;
      case 6: return 1e300 * (next() < 0.5 ? 1 : -1);
      case 7: return Array.from({ length: int(4) }, () => value(depth + 1));
      case 8: return { line: int(700), name: pick(['World_SetPanicNoCore', 'pdir redirect', 'x']), condition: pick(['pgNum == 1', '(((', undefined]), dataId: value(depth + 1) };
      default: return Object.fromEntries(Array.from({ length: int(5) }, () => [pick(KEYS), value(depth + 1)]));
    }
  };
  return { int, pick, value, next };
}

describe('fuzz', () => {
  it('answers thousands of random requests and survives garbage on the wire', async () => {
    const dc = await open();
    const proc = (dc as unknown as { _adapterProcess: ChildProcess })._adapterProcess;
    let exited = false;
    proc.on('exit', () => (exited = true));
    try {
      await launch(dc, { scenario: 'unshared-swap', stopOnEntry: true });
      const r = rng(20260101);
      const N = 3000;
      let ok = 0;
      let failed = 0;
      for (let i = 0; i < N; i++) {
        const command = r.pick(COMMANDS);
        const args = r.next() < 0.1 ? r.value(3) : Object.fromEntries(Array.from({ length: r.int(5) }, () => [r.pick(KEYS), r.value(0)]));
        const answered = await Promise.race([
          dc.send(command, args).then(() => ((ok++), true), (e: Error) => {
            failed++;
            if (process.env.FUZZ_SHOW) console.log(`${command}: ${e.message}`);
            assert.ok(e.message && e.message.length > 3 && !/^\s*at /m.test(e.message), `${command} ${JSON.stringify(args)}: unclear error "${e.message}"`);
            return true;
          }),
          new Promise<boolean>((res) => setTimeout(() => res(false), 10000)),
        ]);
        assert.ok(answered, `${command} ${JSON.stringify(args)} got no answer`);
        if (i % 500 === 0) {
          // Malformed frames: not JSON, JSON that is not a request.
          proc.stdin!.write('Content-Length: 5\r\n\r\n{{{{{');
          proc.stdin!.write('Content-Length: 2\r\n\r\n[]');
          const junk = JSON.stringify({ seq: 1, type: 'request', command: 7, arguments: 'x' });
          proc.stdin!.write(`Content-Length: ${Buffer.byteLength(junk)}\r\n\r\n${junk}`);
        }
        if (command === 'continue' || command === 'reverseContinue') await new Promise((res) => setTimeout(res, 1));
      }
      assert.equal(ok + failed, N);
      assert.ok(ok > 100 && failed > 100, `${ok} succeeded, ${failed} failed`);
      await new Promise((res) => setTimeout(res, 200));
      assert.equal(exited, false, 'the adapter is still running');
      assert.ok(Array.isArray((await dc.threadsRequest()).body.threads));
    } finally {
      await close(dc);
    }
  });
});
