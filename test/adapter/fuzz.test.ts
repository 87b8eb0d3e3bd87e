// Fuzzing the built adapter with thousands of random and malformed requests (and raw garbage on the
// wire): it never exits and answers every request, with success or a clear error message.
// FUZZ_N=200000 FUZZ_SEED=n FUZZ_SHOW=1 runs a longer campaign (CI runs the default few seconds).

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
const PROTO = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'prototype', 'length', 'map', 'call'];
const KEYS = ['threadId', 'frameId', 'variablesReference', 'name', 'value', 'expression', 'context', 'source', 'breakpoints', 'lines', 'filters',
  'start', 'count', 'filter', 'memoryReference', 'offset', 'data', 'dataId', 'scenario', 'seed', 'faults', 'overrides', 'stopOnEntry', 'text', 'column', 'line', 'endLine', 'sourceReference', 'levels', 'startFrame',
  'accessType', 'filterOptions', 'condition', 'hitCondition', 'logMessage', 'allowPartial', 'format', 'granularity', ...PROTO];
/** Words in an error message that mean the adapter tripped over its own code rather than said what was wrong. */
const UNCLEAR = /Cannot read properties|is not a function|is not iterable|Maximum call stack|\[object Object\]|^\s*at |undefined is|of undefined|of null|NaN|Invalid array length|out of memory/m;

/** xorshift32: the fuzz is the same every run. */
function rng(seed: number) {
  let x = seed | 1;
  const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 4294967296);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
  const value = (depth: number): unknown => {
    switch (int(depth > 2 ? 9 : 12)) {
      case 0: return int(5);
      case 1: return [1, 2, 3, 1000, 10000, 20001, 30000, 0.5, 1.5, -1, 2 ** 53, 2 ** 31, -0][int(13)];
      case 2: return -int(1e9);
      case 3: return pick(['src.pages[5]', 'fsr.resumeState', 'BusMem_TranslateBPN(src, BPN_MAINMEM(1))', '0x100000000', '(((', 'pframe(dst, 99999999)', 'shared-swap', 'big-vm', 'FSR_RESUME_SOURCE', '[0]', 'AAAAAAAA', '{"kind":"fsr","field":"resumeState"}', '', 'fsr->resumeState', 'src.pages[0].type', '-0x10000', 'host.backmap[0x100000]', '{"kind":"pframe","world":"source","pgNum":3,"field":"toString"}', 'read', 'readWrite', 'named', 'indexed', '"', '\\', '\u0000', 'é🙂', ...PROTO]);
      case 4: return next() < 0.5;
      case 5: return null;
      case 6: return pick([1e300, -1e300, Number.MAX_SAFE_INTEGER + 2, 1e-9]);
      case 7: return Array.from({ length: int(4) }, () => value(depth + 1));
      case 8: return { line: int(700), name: pick(['World_SetPanicNoCore', 'pdir redirect', 'x', ...PROTO]), condition: pick(['pgNum == 1', '(((', undefined, '('.repeat(300)]), dataId: value(depth + 1), accessType: pick(['write', 'read', undefined, 3]) };
      case 9: return pick(['('.repeat(int(400)) + '1', 'x'.repeat(int(20000)), '1+'.repeat(int(3000)) + '1', 'fsr.'.repeat(int(500)) + 'x']);
      case 10: return JSON.parse(`{"${pick(PROTO)}": ${JSON.stringify(int(3))}}`) as unknown;
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
      const r = rng(Number(process.env.FUZZ_SEED ?? 20260101));
      const N = Number(process.env.FUZZ_N ?? 3000);
      let ok = 0;
      let failed = 0;
      const unclear: string[] = [];
      for (let i = 0; i < N; i++) {
        const command = r.pick(COMMANDS);
        const args = r.next() < 0.1 ? r.value(3) : Object.fromEntries(Array.from({ length: r.int(5) }, () => [r.pick(KEYS), r.value(0)]));
        const answered = await Promise.race([
          dc.send(command, args).then((res: { body?: unknown }) => {
            ok++;
            // A success that shows a JavaScript internal (a function's text, "[object …]") is as wrong as an unclear error.
            const text = JSON.stringify(res.body ?? {});
            if (/\[object |function \w*\(|=> \{|\[native code\]/.test(text)) unclear.push(`${command} ${JSON.stringify(args)?.slice(0, 300)}: answered ${text.slice(0, 300)}`);
            return true;
          }, (e: Error) => {
            failed++;
            if (process.env.FUZZ_SHOW) console.log(`${command}: ${e.message}`);
            if (!(e.message && e.message.length > 3 && !UNCLEAR.test(e.message) && e.message.length < 2000)) unclear.push(`${command} ${JSON.stringify(args)?.slice(0, 300)}: unclear error "${e.message.slice(0, 300)}"`);
            return true;
          }),
          new Promise<boolean>((res) => setTimeout(() => res(false), 10000)),
        ]);
        assert.ok(answered, `${command} ${JSON.stringify(args)} got no answer`);
        if (i % 500 === 0) {
          // Malformed frames: not JSON, JSON that is not a request, bad lengths, garbage; the next request must still be answered.
          proc.stdin!.write('Content-Length: 5\r\n\r\n{{{{{');
          proc.stdin!.write('Content-Length: 2\r\n\r\n[]');
          const junk = JSON.stringify({ seq: 1, type: 'request', command: 7, arguments: 'x' });
          proc.stdin!.write(`Content-Length: ${Buffer.byteLength(junk)}\r\n\r\n${junk}`);
          proc.stdin!.write(r.pick(['Content-Length: abc\r\n\r\n{}', 'Content-Length: -4\r\n\r\n', 'garbage without a header end ', 'content-length: 0\r\n\r\n', 'Content-Length: 3\r\n\r\n{"seq":1}', '\u0000\u00ff\r\n']));
        }
        if (command === 'continue' || command === 'reverseContinue') await new Promise((res) => setTimeout(res, 1));
      }
      assert.deepEqual(unclear.slice(0, 20), [], `${unclear.length} unclear errors`);
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
