// Requests at their edges: an unadvertised request is refused, every numeric argument is checked
// and named, a failed request changes nothing, expressions have limits with clear messages.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CAPABILITIES, DAP_REQUESTS, REQUEST_CAPABILITY } from '../../adapter/capabilities';
import { Inline } from './inline';

describe('unsupported means refused', () => {
  it('each request the adapter does not advertise gets an error saying so; advertised ones are not refused', async () => {
    const c = await Inline.stopped();
    const init = new Inline();
    assert.deepEqual(await init.ok('initialize', { adapterID: 'fsr' }), { ...CAPABILITIES });
    const refused: string[] = [];
    for (const command of DAP_REQUESTS) {
      const cap = REQUEST_CAPABILITY.get(command);
      const r = await c.req(command, {});
      if (cap !== undefined && CAPABILITIES[cap] !== true) {
        assert.equal(r.success, false, `${command} answered success`);
        assert.equal(r.message, `"${command}" is not supported by this adapter (it does not advertise ${cap})`);
        refused.push(command);
      } else {
        assert.doesNotMatch(r.message ?? '', /is not supported by this adapter/, command);
      }
    }
    // The ones the issue names, derived above from the capabilities, not listed by hand in the adapter.
    for (const cmd of ['restartFrame', 'setExpression', 'terminateThreads', 'disassemble', 'stepInTargets', 'setInstructionBreakpoints', 'cancel', 'restart', 'modules']) assert.ok(refused.includes(cmd), cmd);
    assert.match(await c.err('attach', { scenario: 'shared-swap' }), /^nothing to attach to: .*use "launch"/);
    assert.match(await c.err('threds'), /^unknown request "threds"; did you mean threads\?$/);
  });
});

describe('every numeric argument is checked', () => {
  it('a fractional, negative or wrongly typed value gets an error naming the argument', async () => {
    const c = await Inline.stopped();
    const { frameId, refs } = await c.scopes();
    const fsr = refs.get('FSR')!;
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['stackTrace', { threadId: 1, startFrame: -1 }, /^startFrame must be a whole number ≥ 0, got -1$/],
      ['stackTrace', { threadId: 1, startFrame: 1.5 }, /^startFrame must be a whole number ≥ 0, got 1\.5$/],
      ['stackTrace', { threadId: 1, levels: 'all' }, /^levels must be a whole number ≥ 0, got "all"$/],
      ['stackTrace', { threadId: 1.5 }, /^threadId must be a thread id, a whole number \(threads: 1 \(source VMX\), .*\), got 1\.5$/],
      ['stackTrace', {}, /^threadId must be a thread id, .*got nothing$/],
      ['next', { threadId: -1 }, /^no thread -1 \(threads: /],
      ['stepBack', { threadId: 0.5 }, /^threadId must be a thread id, a whole number/],
      ['continue', { threadId: 'one' }, /^threadId must be a thread id \(a whole number\), got "one"$/],
      ['scopes', { frameId: 'top' }, /^frameId must be a frame id from stackTrace \(a whole number\), got "top"$/],
      ['scopes', { frameId: 1.5 }, /^frameId must be a frame id from stackTrace/],
      ['variables', { variablesReference: fsr, start: -1 }, /^start must be a whole number ≥ 0, got -1$/],
      ['variables', { variablesReference: fsr, count: 2.5 }, /^count must be a whole number ≥ 0, got 2\.5$/],
      ['variables', { variablesReference: 1.5 }, /^variablesReference must be a variablesReference from variables, scopes or evaluate \(a whole number\) ≥ 1, got 1\.5$/],
      ['variables', { variablesReference: -3 }, /^variablesReference must be .* ≥ 1, got -3$/],
      ['variables', { variablesReference: fsr, filter: 'both' }, /^filter must be one of "indexed", "named", got "both"$/],
      ['setVariable', { variablesReference: fsr, name: 'resumeState', value: 5 }, /^value must be the new value \(text\), got 5$/],
      ['evaluate', { expression: 'fsr', frameId: 2.5 }, /^frameId must be a frame id from stackTrace, got 2\.5$/],
      ['evaluate', { expression: 7 }, /^expression must be text \(an expression\), got 7$/],
      ['completions', { text: 'fs', column: 1.5 }, /^column must be a column in text ≥ 1, got 1\.5$/],
      ['completions', { text: 'fs', column: 0 }, /^column must be a column in text ≥ 1, got 0$/],
      ['readMemory', { memoryReference: '0x100000000', count: -1 }, /^count must be a whole number of bytes in 0\.\.1048576, got -1$/],
      ['readMemory', { memoryReference: '0x100000000', offset: 0.5, count: 1 }, /^offset must be a whole number of bytes, got 0\.5$/],
      ['writeMemory', { memoryReference: '0x100000000', offset: 1.5, data: 'AA==' }, /^offset must be a whole number of bytes, got 1\.5$/],
      ['source', { sourceReference: -1 }, /^sourceReference must be a whole number ≥ 0, got -1$/],
      ['breakpointLocations', { source: { sourceReference: 1 }, line: 0 }, /^line must be a line number ≥ 1, got 0$/],
      ['breakpointLocations', { source: { sourceReference: 1 }, line: 5, endLine: 7.5 }, /^endLine must be a line number ≥ 1, got 7\.5$/],
      ['setBreakpoints', { source: { sourceReference: 1 }, breakpoints: [{ line: 10 }, { line: 2.5 }] }, /^breakpoints\[1\]\.line must be a line number ≥ 1, got 2\.5$/],
      ['setBreakpoints', { source: { sourceReference: 1 }, lines: [10, -4] }, /^lines\[1\] must be a line number ≥ 1, got -4$/],
      ['setBreakpoints', { breakpoints: [] }, /^source must be an object, got nothing$/],
      ['setFunctionBreakpoints', { breakpoints: 'World_SetPanicNoCore' }, /^breakpoints must be an array of function breakpoints/],
      ['setFunctionBreakpoints', { breakpoints: [{ name: 5 }] }, /^breakpoints\[0\]\.name must be a function name or phase label \(text\), got 5$/],
      ['setFunctionBreakpoints', { breakpoints: [{ name: 'x', condition: 3 }] }, /^breakpoints\[0\]\.condition must be text, got 3$/],
      ['setDataBreakpoints', { breakpoints: [{ dataId: 'x', accessType: 'sideways' }] }, /^breakpoints\[0\]\.accessType must be one of "read", "write", "readWrite", got "sideways"$/],
      ['dataBreakpointInfo', { name: 'resumeState', variablesReference: 0.5 }, /^variablesReference must be a variablesReference from variables or scopes ≥ 1, got 0\.5$/],
      ['setExceptionBreakpoints', { filters: 'fail' }, /^filters must be an array of filter ids \(fail, panic, invariant\), got "fail"$/],
      ['setExceptionBreakpoints', { filters: ['fial'] }, /^unknown exception filter\(s\) "fial" \(filters: fail, panic, invariant\); did you mean fail\?$/],
      ['threads', 'not an object' as unknown as Record<string, unknown>, /^threads: arguments must be an object, got "not an object"$/],
    ];
    for (const [command, args, re] of cases) {
      const m = await c.err(command, args);
      assert.match(m, re, `${command} ${JSON.stringify(args)}`);
      assert.doesNotMatch(m, /Cannot read properties|is not a function|undefined/, `${command} ${JSON.stringify(args)}`);
    }
    // Refused requests changed nothing: the session still answers.
    assert.equal(((await c.ok('stackTrace', { threadId: 1, startFrame: 0, levels: 1 })).stackFrames as unknown[]).length, 1);
    assert.ok(frameId > 0);
  });

  it('variables pages named children with start and count too', async () => {
    const c = await Inline.stopped();
    const { refs } = await c.scopes();
    const all = [...(await c.vars(refs.get('FSR')!)).keys()];
    assert.ok(all.length > 4);
    assert.deepEqual([...(await c.vars(refs.get('FSR')!, { start: 1, count: 2 })).keys()], all.slice(1, 3));
    assert.deepEqual([...(await c.vars(refs.get('FSR')!, { start: 2 })).keys()], all.slice(2));
    assert.deepEqual([...(await c.vars(refs.get('FSR')!, { start: 99 })).keys()], []);
  });

  it('a data breakpoint whose accessType was not offered is refused, not reported verified', async () => {
    const c = await Inline.stopped();
    const { refs } = await c.scopes();
    const info = (await c.ok('dataBreakpointInfo', { variablesReference: refs.get('FSR')!, name: 'resumeState' })) as { dataId: string; accessTypes: string[] };
    assert.deepEqual(info.accessTypes, ['write']);
    const r = (await c.ok('setDataBreakpoints', { breakpoints: ['read', 'readWrite', 'write', undefined].map((accessType) => ({ dataId: info.dataId, accessType })) })) as { breakpoints: Array<{ verified: boolean; message?: string }> };
    assert.deepEqual(r.breakpoints.map((b) => b.verified), [false, false, true, true]);
    assert.match(r.breakpoints[0]!.message!, /^accessType "read" is not offered: .*accessTypes: write/);
  });
});

describe('a failed request changes nothing', () => {
  /** Continue and answer the stop. */
  async function runToStop(c: Inline): Promise<{ reason: string; hitBreakpointIds?: number[]; description?: string }> {
    const stop = c.event('stopped');
    await c.ok('continue', { threadId: 1 });
    return (await stop).body as { reason: string; hitBreakpointIds?: number[] };
  }

  it('setFunctionBreakpoints: a malformed request keeps the breakpoints there were', async () => {
    const c = await Inline.stopped();
    const set = (await c.ok('setFunctionBreakpoints', { breakpoints: [{ name: 'World_SetPanicNoCore' }] })) as { breakpoints: Array<{ id: number }> };
    assert.match(await c.err('setFunctionBreakpoints', { breakpoints: [{ name: 'FSR_ResumeDone' }, { name: 'pdir redirect' }, { name: ['x'] }] }), /breakpoints\[2\]\.name must be/);
    assert.match(await c.err('setFunctionBreakpoints', { breakpoints: 'none' }), /^breakpoints must be an array/);
    const stop = await runToStop(c);
    assert.equal(stop.reason, 'function breakpoint');
    assert.deepEqual(stop.hitBreakpointIds, [set.breakpoints[0]!.id]);
  });

  it('setBreakpoints: a malformed request keeps the line breakpoints there were', async () => {
    const c = await Inline.stopped();
    const listing = String((await c.ok('source', { sourceReference: 1 })).content).split('\n');
    const line = listing.findIndex((l) => l.includes('World_SetPanicNoCore(')) + 1;
    const set = (await c.ok('setBreakpoints', { source: { sourceReference: 1 }, breakpoints: [{ line }] })) as { breakpoints: Array<{ id: number; verified: boolean; line: number }> };
    assert.ok(set.breakpoints[0]!.verified);
    assert.match(await c.err('setBreakpoints', { source: { sourceReference: 1 }, breakpoints: [{ line: 3 }, { line: 'x' }] }), /^breakpoints\[1\]\.line/);
    assert.match(await c.err('setBreakpoints', { source: { sourceReference: 1 }, breakpoints: { line: 3 } }), /^breakpoints must be an array/);
    const stop = await runToStop(c);
    assert.equal(stop.reason, 'breakpoint');
    assert.deepEqual(stop.hitBreakpointIds, [set.breakpoints[0]!.id]);
  });

  it('setDataBreakpoints: a malformed request keeps the watches there were', async () => {
    const c = await Inline.stopped();
    const { refs } = await c.scopes();
    const info = (await c.ok('dataBreakpointInfo', { variablesReference: refs.get('FSR')!, name: 'resumeState' })) as { dataId: string };
    const set = (await c.ok('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId }] })) as { breakpoints: Array<{ id: number }> };
    assert.match(await c.err('setDataBreakpoints', { breakpoints: [{ dataId: info.dataId }, { dataId: 7 }] }), /^breakpoints\[1\]\.dataId must be a dataId from dataBreakpointInfo, got 7$/);
    assert.match(await c.err('setDataBreakpoints', {}), /^breakpoints must be an array/);
    const stop = await runToStop(c);
    assert.equal(stop.reason, 'data breakpoint');
    assert.deepEqual(stop.hitBreakpointIds, [set.breakpoints[0]!.id]);
  });

  it('setVariable: a refused value leaves the variable as it was', async () => {
    const c = await Inline.stopped();
    const { refs } = await c.scopes();
    const fsr = refs.get('FSR')!;
    const before = [...(await c.vars(fsr)).entries()].map(([k, v]) => `${k}=${v.value}`);
    assert.match(await c.err('setVariable', { variablesReference: fsr, name: 'resumeState', value: 'FSR_RESUME_DST' }), /resumeState must be one of: .*, got "FSR_RESUME_DST"; did you mean FSR_RESUME_DEST\?/);
    assert.match(await c.err('setVariable', { variablesReference: fsr, name: 'memMinToTransferMB', value: '-1' }), /is not a whole number/);
    assert.match(await c.err('setVariable', { variablesReference: fsr, name: 'resumeStat', value: 'FSR_RESUME_DEST' }), /^no variable "resumeStat" here \(variables: .*\); did you mean resumeState\?$/);
    assert.deepEqual([...(await c.vars(fsr)).entries()].map(([k, v]) => `${k}=${v.value}`), before);
    const src = await c.vars(refs.get('vm-src')!);
    const page = (await c.vars(src.get('pages')!.variablesReference, { start: 3, count: 1 })).get('[0x3]')!;
    const fields = [...(await c.vars(page.variablesReference)).entries()].map(([k, v]) => `${k}=${v.value}`);
    assert.match(await c.err('setVariable', { variablesReference: page.variablesReference, name: 'pinCount', value: '99999999' }), /pinCount/);
    assert.match(await c.err('setVariable', { variablesReference: page.variablesReference, name: 'type', value: 'toString' }), /type .*: "toString" is not a whole number/);
    assert.deepEqual([...(await c.vars(page.variablesReference)).entries()].map(([k, v]) => `${k}=${v.value}`), fields);
  });

  it('writeMemory: a write that reaches outside host memory, or fails half way, writes nothing', async () => {
    const c = await Inline.stopped();
    const read = async (addr: number, count: number) => String((await c.ok('readMemory', { memoryReference: '0x' + addr.toString(16), count })).data);
    // shared-swap's host memory is MPNs 0x100000..0x10ffff.
    const lastPage = 0x10ffff * 4096;
    const edge = lastPage + 4096 - 8;
    const before = await read(edge, 8);
    assert.match(await c.err('writeMemory', { memoryReference: '0x' + edge.toString(16), data: Buffer.alloc(16, 0xab).toString('base64') }), /is not in host memory; nothing was written/);
    assert.equal(await read(edge, 8), before);
    // Two pages, the second edit failing: the first is put back.
    const engine = c.session.engine!;
    const at = lastPage - 8;
    const old = await read(at, 16);
    const real = engine.editMemory.bind(engine);
    let calls = 0;
    engine.editMemory = (mpn, off, bytes) => {
      if (++calls === 2) throw new RangeError('the disk is on fire');
      return real(mpn, off, bytes);
    };
    assert.match(await c.err('writeMemory', { memoryReference: '0x' + at.toString(16), data: Buffer.alloc(16, 0xcd).toString('base64') }), /failed after 8, which were put back; nothing was written: the disk is on fire/);
    engine.editMemory = real;
    assert.equal(await read(at, 16), old);
  });
});

describe('expressions at their limits', () => {
  it('deep nesting and long input get a clear message, and echo only the start of the input', async () => {
    const c = await Inline.stopped();
    const { frameId } = await c.scopes();
    const ev = (expression: string) => c.err('evaluate', { expression, frameId, context: 'repl' });
    for (const e of ['('.repeat(2000) + '1' + ')'.repeat(2000), '-'.repeat(5000) + '1', '1+'.repeat(3000) + '1', 'fsr['.repeat(300) + '0' + ']'.repeat(300), 'f('.repeat(300) + ')'.repeat(300)]) {
      const m = await ev(e);
      assert.match(m, /more than 100 levels deep/);
      assert.doesNotMatch(m, /Maximum call stack/);
      assert.ok(m.length < 250, `${m.length} characters: ${m.slice(0, 300)}`);
    }
    const long = await ev('1 + '.repeat(4000));
    assert.match(long, /^the expression is 15999 characters long; at most 10000 are accepted \(it starts "1 \+ 1 \+ .*…"\)$/);
    const bad = await ev(`fsr.resumeState == ${'x'.repeat(500)} )`);
    assert.ok(bad.length < 250, bad);
    assert.match(bad, /…"/);
    // Conditions too: a breakpoint whose condition is too deep is unverified with the same words.
    const r = (await c.ok('setFunctionBreakpoints', { breakpoints: [{ name: 'World_SetPanicNoCore', condition: '('.repeat(500) + '1' + ')'.repeat(500) }] })) as { breakpoints: Array<{ verified: boolean; message: string }> };
    assert.equal(r.breakpoints[0]!.verified, false);
    assert.match(r.breakpoints[0]!.message, /more than 100 levels deep/);
  });

  it('negative numbers print as -0x…, never 0x-…', async () => {
    const c = await Inline.stopped();
    const { frameId } = await c.scopes();
    const ev = async (expression: string) => String((await c.ok('evaluate', { expression, frameId, context: 'repl' })).result);
    assert.equal(await ev('-0x10000'), '-0x10000');
    assert.equal(await ev('0 - 0x100001'), '-0x100001');
    assert.equal(await ev('-70000'), '-0x11170');
    assert.equal(await ev('-5'), '-5');
    assert.match(await ev('backmap(-5)'), /-0x5\b/);
    assert.match(await ev('BusMem_TranslateBPN(src, -0x12345)'), /bpn=-0x12345/);
    for (const e of ['backmap(-5)', 'BusMem_TranslateBPN(src, -0x12345)', '-0x10000', '0 - 0x100001']) assert.doesNotMatch(await ev(e), /0x-/);
  });
});
