import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostMemory, PAGE_SIZE, fillStale } from '../../engine/host';
import { SwapFile } from '../../engine/swap';

describe('HostMemory', () => {
  it('validates the layout, naming what is wrong', () => {
    assert.throws(() => new HostMemory([]), /at least one memory range/);
    assert.throws(() => new HostMemory([{ baseMPN: -1, pages: 4 }]), /baseMPN must be a non-negative integer, got -1/);
    assert.throws(() => new HostMemory([{ baseMPN: 0, pages: 0 }]), /pages must be a positive integer, got 0/);
    assert.throws(() => new HostMemory([{ baseMPN: 2 ** 38 - 2, pages: 4 }]), /38-bit MPN limit/);
    assert.throws(() => new HostMemory([{ baseMPN: 0, pages: 10 }, { baseMPN: 5, pages: 10 }]), /overlap at MPN 0x5/);
  });

  it('allocates across sparse ranges above 2^32 in order, and reuses freed MPNs first', () => {
    const host = new HostMemory([{ baseMPN: 2 ** 36, pages: 2 }, { baseMPN: 2 ** 32 + 10, pages: 2 }]);
    assert.equal(host.totalPages, 4);
    const got = [host.allocMPN(), host.allocMPN(), host.allocMPN()];
    assert.deepEqual(got, [2 ** 32 + 10, 2 ** 32 + 11, 2 ** 36]);
    assert.equal(host.freePages, 1);
    host.freeMPN(2 ** 32 + 11);
    assert.equal(host.isAllocated(2 ** 32 + 11), false);
    assert.equal(host.allocMPN(), 2 ** 32 + 11);
    assert.equal(host.allocMPN(), 2 ** 36 + 1);
    assert.throws(() => host.allocMPN(), /host out of memory: all 4 pages are allocated/);
    assert.equal(host.isValidMPN(2 ** 32 + 12), false);
    assert.equal(host.isValidMPN(2 ** 36 + 1), true);
  });

  it('allocRun hands out contiguous runs and undo restores the cursor', () => {
    const host = new HostMemory([{ baseMPN: 100, pages: 10 }]);
    assert.deepEqual(host.allocRun(4), { start: 100, count: 4 });
    assert.deepEqual(host.allocRun(100), { start: 104, count: 6 });
    assert.equal(host.freePages, 0);
    host.unallocMPN(109, false);
    assert.equal(host.allocMPN(), 109);
  });

  it('keeps a BackMap per MPN with owner and pgNum', () => {
    const host = new HostMemory([{ baseMPN: 2 ** 33, pages: 8 }]);
    const a = host.registerOwner('mainmem', 1001, 'a');
    host.backmapSet(2 ** 33 + 3, a, 12345);
    assert.deepEqual(host.backmapLookup(2 ** 33 + 3), { owner: a, pgNum: 12345 });
    assert.equal(host.backmapLookup(2 ** 33 + 4), undefined);
    assert.throws(() => host.backmapSet(5, a, 1), /MPN 0x5 is not in host memory/);
    const mpn = host.allocMPN();
    host.backmapSet(mpn, a, 1);
    assert.throws(() => host.freeMPN(mpn), /still has a BackMap entry/);
  });

  it('pages read as seeded stale bytes until written, then as written; reads never materialize', () => {
    const host = new HostMemory([{ baseMPN: 0, pages: 4 }], 42);
    const before = host.read(2);
    const expect = new Uint8Array(PAGE_SIZE);
    fillStale(42, 2, expect);
    assert.deepEqual(before, expect);
    assert.equal(host.isMaterialized(2), false);
    const m = host.map(2);
    assert.deepEqual(m.u8, expect);
    m.u32[0] = 0xdeadbeef;
    assert.deepEqual([...host.read(2).subarray(0, 4)], [0xef, 0xbe, 0xad, 0xde]);
    assert.notDeepEqual(host.read(3), before, 'each MPN has its own stale bytes');
  });

  it('pages of an owner with a fill read as that owner says', () => {
    const host = new HostMemory([{ baseMPN: 0, pages: 4 }]);
    const o = host.registerOwner('pdir', 1, 'p');
    host.setOwnerFill(o, (_m, out) => out.fill(7));
    host.backmapSet(1, o, 0);
    assert.equal(host.read(1)[100], 7);
  });
});

describe('SwapFile', () => {
  it('allocates, frees, grows and reports used ranges', () => {
    const f = new SwapFile('s', 70);
    for (let i = 0; i < 40; i++) assert.equal(f.allocSlot(), i);
    f.freeSlot(3);
    f.freeSlot(4);
    assert.equal(f.usedSlots, 38);
    assert.deepEqual(f.usedRanges(), [[0, 2], [5, 39]]);
    assert.equal(f.allocSlot(), 3);
    f.extend(100);
    assert.equal(f.numSlots, 100);
    f.setUsed(99);
    assert.deepEqual(f.usedRanges(), [[0, 3], [5, 39], [99, 99]]);
    assert.throws(() => f.setUsed(100), /slot 100 is outside 0\.\.99/);
    const g = new SwapFile('g', 100);
    g.setBitmapFrom(f);
    assert.deepEqual(g.usedRanges(), f.usedRanges());
    assert.equal(g.usedSlots, f.usedSlots);
    assert.throws(() => new SwapFile('h', 10).setBitmapFrom(f), /has 10 slots, fewer than s's 100/);
  });

  it('says when it is full', () => {
    const f = new SwapFile('tiny', 2);
    f.allocSlot();
    f.allocSlot();
    assert.throws(() => f.allocSlot(), /swap file tiny is full \(2 slots\)/);
  });
});
