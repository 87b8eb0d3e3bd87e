import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BackMapRange } from '../../engine/backmap';
import { HostMemory } from '../../engine/host';
import { IntMap } from '../../engine/intmap';
import { PageType, TypeCode } from '../../engine/pframe';
import { SwapStorage } from '../../engine/swap';

const entry = (slot: number, pgNum: number) => ((slot << 28) | pgNum) >>> 0;

describe('BackMapRange (2 bytes per MPN)', () => {
  it('answers every raw entry it was given: near and far pgNums, rebased blocks, escapes', () => {
    const r = new BackMapRange(2048);
    r.set(5, entry(2, 1000));
    r.set(6, entry(2, 1001));
    assert.equal(r.get(5), entry(2, 1000));
    // Below the block's base: the block is rebased, the others keep their pgNums.
    r.set(7, entry(2, 10));
    assert.deepEqual([r.get(5), r.get(6), r.get(7)], [entry(2, 1000), entry(2, 1001), entry(2, 10)]);
    // Too far for any one base (span ≥ 4095): kept whole.
    r.set(8, entry(2, 200000));
    assert.equal(r.get(8), entry(2, 200000));
    assert.equal(r.escapedBlocks, 1);
    assert.equal(r.get(7), entry(2, 10));
    // Owners above 7 make entries above 2^31.
    r.set(600, entry(15, 2 ** 28 - 1));
    assert.equal(r.get(600), entry(15, 2 ** 28 - 1));
    assert.equal(r.slot(600), 15);
    r.set(600, 0);
    assert.equal(r.get(600), 0);
    assert.equal(r.slot(600), 0);
  });

  it('is, move and sharedBase agree with get and set', () => {
    const r = new BackMapRange(1024);
    for (let i = 0; i < 512; i++) r.set(i, entry(3, 7000 + i));
    assert.equal(r.is(10, 3, 7010), true);
    assert.equal(r.is(10, 3, 7011), false);
    assert.equal(r.is(10, 4, 7010), false);
    const base = r.sharedBase(10, 3, 4);
    assert.equal(base, 7000, 'the new owner takes the old one\'s base');
    assert.equal(r.move(10, 3, 4, 7010), true);
    assert.equal(r.get(10), entry(4, 7010));
    assert.equal(r.move(10, 3, 4, 7010), false, 'no longer the source\'s');
    assert.equal(r.get(10), entry(4, 7010), 'a refused move changes nothing');
    assert.equal(r.sharedBase(600, 3, 4), -1, 'no entries of the old owner in that block');
  });

  it('never flips an escaped entry: a pgNum at exactly base + 4095 is kept whole and moves the slow way', () => {
    const r = new BackMapRange(512);
    r.set(0, entry(2, 1000));
    r.set(1, entry(2, 5095)); // delta 4095 would be the escape marker itself
    assert.equal(r.escapedBlocks, 1);
    assert.equal(r.sharedBase(1, 2, 3), -1, 'a block with escapes has no shared base');
    assert.equal(r.move(1, 2, 3, 5095), true);
    assert.equal(r.get(1), entry(3, 5095));
    assert.equal(r.get(0), entry(2, 1000));
    assert.throws(() => r.set(5, 12345), /has no owner slot/);
  });

  it('matches a plain map over random writes and moves', () => {
    const op = fc.record({
      off: fc.integer({ min: 0, max: 1535 }),
      slot: fc.integer({ min: 0, max: 15 }),
      to: fc.integer({ min: 1, max: 15 }),
      // Mostly close pgNums, sometimes far ones (rebases and escapes).
      pgNum: fc.oneof(fc.integer({ min: 50000, max: 53000 }), fc.integer({ min: 0, max: 2 ** 28 - 1 })),
      kind: fc.constantFrom('set', 'set', 'set', 'move', 'wrongMove'),
    });
    fc.assert(fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const r = new BackMapRange(1536);
      const ref = new Map<number, number>();
      for (const o of ops) {
        if (o.kind === 'set') {
          const e = o.slot === 0 ? 0 : entry(o.slot, o.pgNum);
          r.set(o.off, e);
          ref.set(o.off, e);
        } else {
          const cur = ref.get(o.off) ?? 0;
          const from = cur >>> 28;
          const pg = cur & (2 ** 28 - 1);
          if (from === 0) continue;
          if (o.kind === 'wrongMove') {
            // A move that names the wrong pgNum or the wrong owner is refused and changes nothing.
            assert.equal(r.move(o.off, from, o.to, (pg + 1) % 2 ** 28), false);
            assert.equal(r.move(o.off, from === 15 ? 14 : from + 1, o.to, pg), false);
            continue;
          }
          assert.equal(r.move(o.off, from, o.to, pg), true);
          ref.set(o.off, entry(o.to, pg));
        }
      }
      for (let off = 0; off < 1536; off++) {
        const e = ref.get(off) ?? 0;
        assert.equal(r.get(off), e, `offset ${off}`);
        assert.equal(r.slot(off), e >>> 28);
      }
    }), { numRuns: 200 });
  });
});

describe('TypeCode', () => {
  it('is PageType for the codes the hot loops test', () => {
    assert.deepEqual([TypeCode.REGULAR, TypeCode.COW, TypeCode.SWAPPED, TypeCode.ZIPPED], [PageType.REGULAR, PageType.COW, PageType.SWAPPED, PageType.ZIPPED]);
  });
});

describe('TagSnapshot', () => {
  it('reads the tags as they were when taken, whatever is written after, until closed', () => {
    const st = new SwapStorage(8);
    st.write(1, 11);
    st.write(2, 22);
    const snap = st.snapshot();
    st.write(1, 99);
    st.write(1, 98);
    st.write(20, 7); // grows the storage
    assert.deepEqual([snap.at(1), snap.at(2), snap.at(20)], [11, 22, 0]);
    const bitmap = new Uint32Array([0b110]);
    assert.equal(snap.firstDifference(st.tags, bitmap), 1, 'slot 1 changed since');
    st.write(1, 11);
    assert.equal(snap.firstDifference(st.tags, bitmap), -1);
    const other = Uint32Array.from(st.tags);
    other[2] = 5;
    assert.equal(snap.firstDifference(other, bitmap), 2, 'another storage with other content');
    snap.close();
    st.write(2, 33);
    assert.equal(snap.before.has(2), false, 'a closed snapshot remembers nothing more');
  });
});

describe('IntMap', () => {
  it('matches a Map over random sets (0 takes a key out), through growth', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: -3, max: 3 })), { maxLength: 3000 }), (ops) => {
      const m = new IntMap();
      const ref = new Map<number, number>();
      for (const [k, v] of ops) {
        m.set(k, v);
        ref.set(k, v);
      }
      for (let k = 0; k <= 5000; k++) assert.equal(m.get(k), ref.get(k) ?? 0);
    }), { numRuns: 50 });
  });
  it('refuses keys it cannot hold', () => {
    assert.throws(() => new IntMap().set(-1, 1), /int32 ≥ 0, got -1/);
    assert.throws(() => new IntMap().set(2 ** 31, 1), /int32 ≥ 0/);
  });
});

describe('HostMemory page bytes', () => {
  it('a page materialized again keeps its place, so views handed out before still name its bytes', () => {
    const host = new HostMemory([{ baseMPN: 2 ** 33, pages: 16 }]);
    const mpn = 2 ** 33 + 3;
    const first = host.map(mpn);
    first.u32[0] = 0x1234;
    host.dematerialize(mpn);
    assert.equal(host.isMaterialized(mpn), false);
    assert.equal(host.materializedCount(), 0);
    host.mapForOverwrite(mpn).u32[1] = 0xabcd;
    assert.equal(first.u32[1], 0xabcd, 'the old view sees the new bytes');
    assert.equal(host.peekWords(mpn)![1], 0xabcd);
    assert.equal(host.materializedCount(), 1);
  });
});
