// Looking at a stopped handoff through DAP on the built adapter: threads, stacks in the listing, scopes, variables (bit-exact
// PFrames, swap ranges, paging), Debug Console, completions, hovers, setVariable through the codec, 0-based lines.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { close, evaluate, failure, frames, launch, lineOf, open, scopes, stopAfter, vars } from './helpers';

describe('a handoff stopped at the pdir redirect (shared-swap)', () => {
  let dc: DebugClient;
  let stop: DebugProtocol.StoppedEvent['body'];
  let top: DebugProtocol.StackFrame;
  let sc: Record<string, DebugProtocol.Scope>;
  const threadEvents: string[] = [];
  before(async () => {
    dc = await open();
    dc.on('thread', (e: DebugProtocol.ThreadEvent) => threadEvents.push(`${e.body.reason} ${e.body.threadId}`));
    stop = await launch(dc, { scenario: 'shared-swap' }, () => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'pdir redirect' }] }));
    top = (await frames(dc, stop.threadId!))[0]!;
    sc = await scopes(dc, top.id);
  });
  after(() => close(dc));

  it('has one thread per live actor, named so; the exited swapper is gone with an exited event', async () => {
    const threads = (await dc.threadsRequest()).body.threads;
    assert.deepEqual(threads.map((t) => t.name), ['source VMX', 'destination VMX', 'FSRSwapCopyHelper', 'PCPU 0', 'PCPU 1', 'PCPU 2', 'PCPU 3']);
    assert.deepEqual(threadEvents.slice(0, 8), [1, 2, 3, 4, 5, 6, 7, 8].map((i) => `started ${i}`));
    assert.ok(threadEvents.includes('exited 4'));
    assert.equal(stop.threadId, 2);
  });

  it('shows the call stack by seed function names, located in the served listing', async () => {
    const f = await frames(dc, 2);
    assert.deepEqual(f.map((x) => x.name), ['VmMemMigrateTransferPageDir', 'VmMemMigrateTransferMemory', 'VmMemMigrate_TransferMemory', 'FSRTransferMemoryAndReservations', 'FSR_ResumeDone', 'FSRDestVMX']);
    assert.deepEqual(f[0]!.source, { name: 'fsr-handoff.c', sourceReference: 1 });
    const text = (await dc.sourceRequest({ sourceReference: 1, source: f[0]!.source })).body.content;
    const lines = text.split('\n');
    assert.match(lines[f[0]!.line - 1]!, /PFrame_DirSet\(dstWorld, pgNum, \*srcMPN\);/);
    assert.match(lines[f[4]!.line - 1]!, /status = FSRTransferMemoryAndReservations/);
    const paged = (await dc.stackTraceRequest({ threadId: 2, startFrame: 1, levels: 2 })).body;
    assert.deepEqual(paged.stackFrames.map((x) => x.name), ['VmMemMigrateTransferMemory', 'VmMemMigrate_TransferMemory']);
    assert.equal(paged.totalFrames, 6);
    const loaded = (await dc.customRequest('loadedSources')).body as DebugProtocol.LoadedSourcesResponse['body'];
    assert.equal(loaded.sources[0]!.name, 'fsr-handoff.c');
  });

  it('has Locals, FSR, each world and the host as scopes; locals give MPNs memory references', async () => {
    assert.deepEqual(Object.keys(sc), ['Locals', 'FSR', 'vm-src', 'vm-dst', 'Host']);
    const l = await vars(dc, sc.Locals!.variablesReference);
    assert.equal(l.pgNum!.value, '0x0');
    assert.match(l.srcMPN!.value, /^0x10[0-9a-f]{4}$/);
    assert.equal(l.srcMPN!.memoryReference, '0x' + (parseInt(l.srcMPN!.value, 16) * 4096).toString(16));
    assert.equal(l.srcWorld!.value, '2099100 (vm-src)');
    assert.ok(l.srcWorld!.variablesReference > 0);
    const fsr = await vars(dc, sc.FSR!.variablesReference);
    assert.deepEqual(Object.keys(fsr).slice(0, 6), ['hasSwapCopy', 'swapCopyWorldID', 'swapCopyState', 'resumeState', 'memMinToTransferMB', 'cpuMinToTransferMHz']);
    assert.equal(fsr.resumeState!.value, 'FSR_RESUME_DEST');
    assert.equal(fsr.hasSwapCopy!.value, 'FALSE');
  });

  it('shows PFrame_Info by seed names, pdirInfo entries with memory references, and PFrames bit-exact', async () => {
    const src = await vars(dc, sc['vm-src']!.variablesReference);
    const pf = await vars(dc, src.pframes!.variablesReference);
    for (const k of ['pdirLock', 'domains', 'domainMask', 'numMainMemPages', 'defaultPageTypeIsRemote', 'defaultPageTypeIsRemoteMaxPgNum', 'pdirInfo', 'pages2', 'numPDirEntries', 'numXMapPages', 'numL3PTPages', 'numPDirEntries2', 'numXMapPages2']) assert.ok(pf[k], k);
    assert.match(pf.pdirLock!.value, /held by/);
    // Directories are named in hex; no client-side decimal chunks (the adapter groups by 512 itself).
    assert.equal(pf.pdirInfo!.indexedVariables, undefined);
    const all = await vars(dc, pf.pdirInfo!.variablesReference);
    assert.deepEqual(Object.keys(all), ['[0x0]', '[0x1]', '[0x2]', '[0x3]', '[0x4]', '[0x5]', '[0x6]', '[0x7]']);
    const dirs = await vars(dc, pf.pdirInfo!.variablesReference, { filter: 'indexed', start: 1, count: 2 });
    assert.deepEqual(Object.keys(dirs), ['[0x1]', '[0x2]']);
    assert.match(dirs['[0x1]']!.value, /^0x0+1[0-9a-f]{5}003 → pdir MPN 0x1[0-9a-f]{5}$/);
    const dirMPN = parseInt(/MPN (0x[0-9a-f]+)/.exec(dirs['[0x1]']!.value)![1]!, 16);
    assert.equal(dirs['[0x1]']!.memoryReference, '0x' + (dirMPN * 4096).toString(16));
    assert.equal(dirs['[0x1]']!.indexedVariables, undefined);
    // Every PFrame field by its seed name; the fields agree with the raw pte bit for bit.
    const pframes = await vars(dc, dirs['[0x1]']!.variablesReference);
    assert.equal(Object.keys(pframes).length, 512);
    let checked = 0;
    for (const row of Object.values(pframes).slice(0, 64)) {
      const f = await vars(dc, row.variablesReference);
      const pte = BigInt(f.pte!.value);
      const lo = Number(pte & 0xffffffffn);
      const hi = Number(pte >> 32n);
      assert.equal(f.type!.value.replace(/ .*/, ''), ['NONE', 'REGULAR', 'COW', 'SWAP_OUT', 'SWAPPED', 'SWAP_IN', 'ZIPPED', 'BALLOONED', 'REMOTE'][(lo >>> 4) & 15]);
      assert.equal(Number(f.pinCount!.value), (lo >>> 16) & 0x3fff);
      assert.equal(Number(f.indexHighBits!.value), (lo >>> 8) & 0x3f);
      assert.equal(parseInt(f.indexLowBits!.value, 16), hi);
      assert.equal(Number(f.isExposedToVMM!.value), (lo >>> 3) & 1);
      const ex = await vars(dc, f.extra!.variablesReference);
      const union = Object.keys(ex)[0]!;
      const type = f.type!.value.replace(/ .*/, '');
      assert.equal(union, { REGULAR: 'regular', COW: 'pshared', BALLOONED: 'pshared', SWAPPED: 'swapped', SWAP_OUT: 'swapped', SWAP_IN: 'swapin', ZIPPED: 'zipped' }[type] ?? 'common');
      if (type === 'REGULAR') {
        assert.equal(f.mpn!.value, '0x' + hi.toString(16));
        assert.equal(f.mpn!.memoryReference, '0x' + (hi * 4096).toString(16));
        const members = await vars(dc, ex.regular!.variablesReference);
        assert.equal(Number(members.isCownint!.value), (lo >>> 14) & 1);
        assert.equal(Number(members.isBackedByLPage!.value), (lo >>> 15) & 1);
        checked++;
      }
    }
    assert.ok(checked > 10);
  });

  it('shows swap bitmaps as used-slot ranges and counts, and the monitor cached translations', async () => {
    const bitmap = await evaluate(dc, 'src.swap.swapFile.bitmap', top.id);
    assert.match(bitmap.result, /^\d+ used slots in \d+ range\(s\)$/);
    const ranges = await vars(dc, bitmap.variablesReference, { start: 0, count: 1000 });
    let total = 0;
    for (const r of Object.values(ranges)) {
      const m = /^slots? (0x[0-9a-f]+)(?:\.\.(0x[0-9a-f]+) \((\d+)\))?$/.exec(r.value)!;
      total += m[3] ? Number(m[3]) : 1;
    }
    assert.equal(String(total), (await evaluate(dc, 'src.swap.swapFile.usedSlots', top.id)).result);
    const cached = await evaluate(dc, 'dst.monitor.cachedTranslations', top.id);
    assert.match(cached.result, /^4 BPN → MPN/);
    const rows = Object.values(await vars(dc, cached.variablesReference));
    assert.equal(rows.length, 4);
    assert.ok(rows.every((r) => /^\[0x[0-9a-f]+\]$/.test(r.name) && r.memoryReference));
    assert.match((await evaluate(dc, 'src.stats', top.id)).result, /^allocated \d+$/);
  });

  it('shows the host: ranges, allocation, BackMap owners', async () => {
    const host = await vars(dc, sc.Host!.variablesReference);
    assert.equal(host.totalPages!.value, '65536');
    assert.equal(Number(host.allocatedPages!.value) + Number(host.freePages!.value), 65536);
    const ranges = await vars(dc, host.ranges!.variablesReference);
    assert.equal(ranges['[0]']!.value, '0x100000..0x10ffff (65536 pages)');
    const owners = Object.values(await vars(dc, host.owners!.variablesReference)).map((o) => o.value);
    assert.ok(owners.some((o) => /^vm-src main memory: \d+ pages$/.test(o)), owners.join('\n'));
    // By 512 MPNs, the bounds in hex (no decimal chunks of the client's).
    assert.equal(host.backmap!.indexedVariables, undefined);
    const groups = (await dc.variablesRequest({ variablesReference: host.backmap!.variablesReference })).body.variables;
    assert.equal(groups.length, 128);
    assert.equal(groups[1]!.name, '[0x100200..0x1003ff]');
    const inGroup = (await dc.variablesRequest({ variablesReference: groups[1]!.variablesReference })).body.variables;
    assert.equal(inGroup.length, 512);
    assert.equal(inGroup[3]!.name, '[0x100203]');
    const bm = await vars(dc, host.backmap!.variablesReference, { start: 5, count: 1 });
    assert.deepEqual(Object.keys(bm), ['[0x100005]']);
    assert.equal(bm['[0x100005]']!.memoryReference, '0x100005000');
    assert.equal((await evaluate(dc, 'host.backmap[0x100005]', top.id)).result, bm['[0x100005]']!.value);
  });

  it("groups a world's pages by page directory: 512 PFrames a group, bounds in hex", async () => {
    const pages = await evaluate(dc, 'src.pages', top.id);
    assert.equal(pages.indexedVariables, undefined, 'no decimal chunks of the client\'s');
    const groups = (await dc.variablesRequest({ variablesReference: pages.variablesReference })).body.variables;
    assert.deepEqual(groups.map((g) => g.name), ['[0x0..0x1ff]', '[0x200..0x3ff]', '[0x400..0x5ff]', '[0x600..0x7ff]', '[0x800..0x9ff]', '[0xa00..0xbff]', '[0xc00..0xdff]', '[0xe00..0xfff]']);
    assert.equal(groups[0]!.value, 'pdir 0x0: not present', 'dir 0 has just left the source');
    assert.match(groups[7]!.value, /^pdir 0x7: pdir page 0x1[0-9a-f]+$/);
    const last = (await dc.variablesRequest({ variablesReference: groups[7]!.variablesReference })).body.variables;
    assert.equal(last.length, 512);
    assert.equal(last[0]!.name, '[0xe00]');
    assert.equal(last[0]!.evaluateName, 'src.pages[0xe00]');
    assert.equal((await evaluate(dc, last[0]!.evaluateName!, top.id)).result, last[0]!.value);
    // A row of a group is found through the group's reference by its own name (a PFrame row is read-only; its fields are not).
    assert.match(await failure(dc.setVariableRequest({ variablesReference: groups[7]!.variablesReference, name: '[0xe01]', value: '0' })), /^src\.pages\[0xe01\] is read-only/);
    assert.match(await failure(dc.setVariableRequest({ variablesReference: groups[7]!.variablesReference, name: '[0x5]', value: '0' })), /no variable "\[0x5\]" here/);
  });

  it('evaluates variable paths, the BPN walk, pframe() and backmap() in the Debug Console', async () => {
    assert.equal((await evaluate(dc, 'fsr.resumeState', top.id)).result, 'FSR_RESUME_DEST');
    assert.equal((await evaluate(dc, 'resumeState', top.id)).result, 'FSR_RESUME_DEST');
    assert.equal((await evaluate(dc, 'src.pframes.numMainMemPages * 4096', top.id)).result, '0x1000000');
    const walk = (await evaluate(dc, 'BusMem_TranslateBPN(dst, BPN_MAINMEM(513))', top.id)).result;
    const steps = walk.split('\n').filter((l) => !l.startsWith('(')).map((l) => l.trim().split(':')[0]);
    assert.match(walk, /\(note: vm-dst\.pdirLock is held by .*; the debugger read without it\)/);
    assert.deepEqual(steps, ['BusMem_TranslateBPN', 'BusMem_GetMPN', 'Platform_BPN2MPN', 'BPN_IsMainMem', 'VMKCall_GetPFrameMPN', 'VmMemPf_GetPFrameMPN', 'Alloc_BPNToMainMemPage', 'PFrame_Lock', 'PFrame_Lookup', 'PFrame_Get', 'PFrame_GetMPN', 'PFrame_Unlock', 'result']);
    assert.match(walk, /PFrame_Lookup: dirIndex=0x1 pageIndex=0x1 dirMPN=0x10[0-9a-f]+/);
    const pf = await evaluate(dc, 'pframe(src, 600)', top.id);
    assert.match(pf.result, /^REGULAR → MPN 0x10[0-9a-f]+/);
    assert.ok(pf.variablesReference > 0);
    const fields = await vars(dc, pf.variablesReference);
    assert.equal(fields.type!.value, 'REGULAR (1)');
    assert.match((await evaluate(dc, `backmap(${fields.mpn!.value})`, top.id)).result, /vm-src main memory \(world 2099100\), pgNum 0x258/);
    assert.match(await failure(dc.evaluateRequest({ expression: 'src.nope', frameId: top.id })), /src has no field "nope" \(fields: worldID, name, pframes, pages, swap, alloc, stats, monitor\)/);
    assert.match(await failure(dc.evaluateRequest({ expression: 'src.pages[99999]', frameId: top.id })), /no element \[99999\] \(indices 0\.\.4095\)/);
    assert.match(await failure(dc.evaluateRequest({ expression: 'nosuch + 1', frameId: top.id })), /no variable "nosuch" here/);
    assert.match(await failure(dc.evaluateRequest({ expression: 'pframe(src)', frameId: top.id })), /pframe\(world, pgNum\) takes 2 arguments/);
  });

  it('answers hovers in the listing, C arrows and all', async () => {
    assert.equal((await evaluate(dc, 'fsr->resumeState', top.id, 'hover')).result, 'FSR_RESUME_DEST');
    assert.equal((await evaluate(dc, 'pgNum', top.id, 'hover')).result, '0x0');
    assert.equal((await evaluate(dc, 'dstWorld', top.id, 'hover')).result, '2099200 (vm-dst)');
  });

  it('completes names, fields and functions', async () => {
    const labels = async (text: string) => (await dc.completionsRequest({ text, column: text.length + 1, frameId: top.id })).body.targets.map((t) => t.label);
    assert.deepEqual(await labels('BusMem_T'), ['BusMem_TranslateBPN']);
    assert.deepEqual(await labels('src.pfr'), ['pframes']);
    assert.deepEqual(await labels('fsr->resume'), ['resumeState']);
    assert.ok((await labels('pg')).includes('pgNum'));
    assert.ok((await labels('')).includes('backmap'));
    const t = (await dc.completionsRequest({ text: 'src.pframes.numP', column: 17, frameId: top.id })).body.targets;
    assert.deepEqual(t.map((x) => [x.label, x.start, x.length]), [['numPDirEntries', 13, 4], ['numPDirEntries2', 13, 4]]);
  });

  it('sets PFrame fields through the codec, bit-exact, and FSR states only to their enum names', async () => {
    const pf = await evaluate(dc, 'src.pages[600]', top.id);
    assert.equal((await evaluate(dc, 'src.pages[5]', top.id)).result, 'no pdir: vm-src pdirInfo[0x0] is not present', 'dir 0 has just left the source');
    const before = await vars(dc, pf.variablesReference);
    const pte0 = BigInt(before.pte!.value);
    const r = await dc.setVariableRequest({ variablesReference: pf.variablesReference, name: 'pinCount', value: '0x123' });
    assert.equal(r.body.value, '291');
    const after = await vars(dc, pf.variablesReference);
    assert.equal(BigInt(after.pte!.value), (pte0 & ~(0x3fffn << 16n)) | (0x123n << 16n));
    assert.match(await failure(dc.setVariableRequest({ variablesReference: pf.variablesReference, name: 'pinCount', value: '20000' })), /PFrame field pinCount must be an integer in 0\.\.16383, got 20000/);
    assert.match(await failure(dc.setVariableRequest({ variablesReference: pf.variablesReference, name: 'pinCount', value: 'lots' })), /pinCount: "lots" is not a whole number/);
    const ex = await vars(dc, after.extra!.variablesReference);
    const lpage = Number((await vars(dc, ex.regular!.variablesReference)).isBackedByLPage!.value);
    await dc.setVariableRequest({ variablesReference: ex.regular!.variablesReference, name: 'isBackedByLPage', value: String(1 - lpage) });
    const after2 = await vars(dc, pf.variablesReference);
    assert.equal(BigInt(after2.pte!.value) ^ BigInt(after.pte!.value), 1n << 15n);
    await dc.setVariableRequest({ variablesReference: pf.variablesReference, name: 'pte', value: after.pte!.value });
    assert.equal((await vars(dc, pf.variablesReference)).pte!.value, after.pte!.value);

    assert.match(await failure(dc.setVariableRequest({ variablesReference: sc.FSR!.variablesReference, name: 'resumeState', value: 'FSR_RESUME_MAYBE' })), /resumeState must be one of: FSR_RESUME_NONE, FSR_RESUME_SOURCE, FSR_RESUME_DEST, FSR_RESUME_DESTVERIFY/);
    const inv = dc.waitForEvent('invalidated');
    const ok = await dc.setVariableRequest({ variablesReference: sc.FSR!.variablesReference, name: 'swapCopyState', value: 'FSR_SWAP_COPY_SLEEPING' });
    assert.equal(ok.body.value, 'FSR_SWAP_COPY_SLEEPING');
    await inv;
    assert.equal((await evaluate(dc, 'fsr.swapCopyState', top.id)).result, 'FSR_SWAP_COPY_SLEEPING');
    assert.match(await failure(dc.setVariableRequest({ variablesReference: sc.Locals!.variablesReference, name: 'pgNum', value: '3' })), /pgNum is read-only in the debugger \(editable: PFrame fields and FSRInfo fields\)/);
  });
});

describe('a client whose lines start at 0', () => {
  it('gets 0-based lines in stacks and breakpoints', async () => {
    const dc = await open({ linesStartAt1: false });
    try {
      let bp: DebugProtocol.Breakpoint | undefined;
      const pnr = lineOf('FSR_ResumeDone', 'World_SetPanicNoCore');
      const stop = await launch(dc, { scenario: 'shared-swap' }, async () => {
        bp = (await dc.setBreakpointsRequest({ source: { name: 'fsr-handoff.c', sourceReference: 1 }, breakpoints: [{ line: pnr - 1 }] })).body.breakpoints[0];
      });
      assert.equal(bp!.line, pnr - 1);
      assert.equal(stop.reason, 'breakpoint');
      const top = (await frames(dc, stop.threadId!))[0]!;
      assert.equal(top.name, 'FSR_ResumeDone');
      assert.equal(top.line, pnr - 1, `listing line ${pnr}, 0-based`);
      const next = await stopAfter(dc, () => dc.nextRequest({ threadId: stop.threadId! }));
      assert.equal((await frames(dc, next.threadId!))[0]!.line, pnr);
    } finally {
      await close(dc);
    }
  });
});
