// A PFrame in Variables as the deck declares it (issue 11 §3): the `extra` union over bits 8–15 with
// each member's indexHighBits, the notes on the flat indexHighBits and on `uint16 isExposedToVMM`, the
// PFrameMappedInVMX form with its model part marked, and the slides' two wrong MPN formulas beside
// the right one. Also the Debug Console's `dstVmx.cachedTranslations`, which expands to its entries.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Session, builtinScenario } from '../../engine/index';
import { close, evaluate, frames, launch, open, vars } from './helpers';

describe('a PFrame as declared, in Variables and the Debug Console (stale-shadow at World_SetPanicNoCore)', () => {
  let dc: DebugClient;
  let top: DebugProtocol.StackFrame;
  // The same scenario and seed in the engine: which pages the source's VMX has mapped (model).
  const s = new Session(builtinScenario('stale-shadow'));
  before(async () => {
    dc = await open();
    const stop = await launch(dc, { scenario: 'stale-shadow' }, () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'World_SetPanicNoCore' }] }));
    top = (await frames(dc, stop.threadId!))[0]!;
  });
  after(() => close(dc));

  const fields = async (path: string) => vars(dc, (await evaluate(dc, path, top.id)).variablesReference);

  it('shows the extra union over bits 8–15, each member beginning with indexHighBits, and says why f->indexHighBits would not compile', async () => {
    const pg = [...Array(4096).keys()].find((p) => { const v = s.pframe(s.src, p); return !('error' in v) && v.type === 'REGULAR'; })!;
    const f = await fields(`src.pages[${pg}]`);
    assert.equal(f.extra!.type, 'union (bits 8–15)');
    assert.match(f.extra!.value, /^extra\.regular: indexHighBits=0x0 isCownint=[01] isBackedByLPage=[01]$/);
    const ex = await vars(dc, f.extra!.variablesReference);
    assert.deepEqual(Object.keys(ex), ['regular', 'note']);
    const member = await vars(dc, ex.regular!.variablesReference);
    assert.deepEqual(Object.keys(member), ['indexHighBits', 'isCownint', 'isBackedByLPage']);
    assert.equal(member.indexHighBits!.type, 'uint8 indexHighBits : 6 (bits 8–13)');
    assert.equal(member.indexHighBits!.evaluateName, `src.pages[${pg}].extra.regular.indexHighBits`);
    assert.equal((await evaluate(dc, `src.pages[${pg}].extra.regular.indexHighBits`, top.id)).result, f.indexHighBits!.value);
    // The flat one stays, with a note.
    const note = await vars(dc, f.indexHighBits!.variablesReference);
    assert.match(note.note!.value, /extra\.<member>\.indexHighBits .*f->indexHighBits would not compile/);
    assert.match((await vars(dc, f.isExposedToVMM!.variablesReference)).note!.value, /uint16 isExposedToVMM : 1` among uint64 bitfields/);
    assert.equal(f.isExposedToVMM!.type, 'uint16 isExposedToVMM : 1 (bit 3)');
    assert.equal(f.form!.value, 'PFrameUnmappedInVMX');
  });

  it('shows the right MPN beside the slides\' two wrong formulas, with what each gives for this PFrame', async () => {
    const pg = [...Array(4096).keys()].find((p) => { const v = s.pframe(s.src, p); return !('error' in v) && v.type === 'REGULAR' && v.fields.indexLowBits > 0; })!;
    const f = await fields(`src.pages[${pg}]`);
    const mpn = f.mpn!.value;
    const low = BigInt(mpn);
    assert.equal(f['mpn ← extra.regular.indexHighBits << 32 | indexLowBits']!.value, `${mpn}  ✓ right`);
    assert.match(f['mpn ← f->unmappedInVMX.indexLowBits']!.value, new RegExp(`^${mpn}  the same here only because indexHighBits is 0`));
    assert.equal(f['mpn ← f->indexLowBits + f->indexHighBits << 32']!.value, `0x${(low << 32n).toString(16)}  ✗ wrong: C parses it as (indexLowBits + indexHighBits) << 32`);
    assert.equal(f['mpn ← f->indexLowBits + f->indexHighBits << 32']!.evaluateName, undefined, 'not a path one can evaluate');
  });

  it('shows a page the VMX has mapped in the PFrameMappedInVMX form, the model part marked', async () => {
    const pg = s.cx.srcVmx.mappedPages[0]!;
    const f = await fields(`src.pages[${pg}]`);
    assert.equal(f.form!.value, 'PFrameMappedInVMX (beyond bit 0: model)');
    assert.match((await vars(dc, f.form!.variablesReference)).note!.value, /declare this member of the PFrame union but not its fields/);
    assert.equal(f.isMappedInVMX!.value, '1');
    assert.equal(f.isMappedInVMX!.type, 'uint64 isMappedInVMX : 1 (bit 0)');
    assert.match(f.type!.type!, /model: PFrameMappedInVMX/);
  });

  it('expands dstVmx.cachedTranslations in the Debug Console to its entries, as Variables does', async () => {
    const r = await evaluate(dc, 'dstVmx.cachedTranslations', top.id);
    assert.match(r.result, /^6 BPN → MPN \(by pgNum\)$/);
    assert.ok(r.variablesReference > 0);
    const rows = Object.values(await vars(dc, r.variablesReference));
    assert.equal(rows.length, 6);
    for (const row of rows) assert.match(row.name, /^\[0x[0-9a-f]+\]$/);
    const inVariables = await evaluate(dc, 'dst.monitor.cachedTranslations', top.id);
    assert.deepEqual(Object.values(await vars(dc, inVariables.variablesReference)).map((x) => `${x.name}=${x.value}`), rows.map((x) => `${x.name}=${x.value}`));
    // In an expression it is still the count.
    assert.equal((await evaluate(dc, 'dstVmx.cachedTranslations == 6', top.id)).result, 'true');
  });
});
