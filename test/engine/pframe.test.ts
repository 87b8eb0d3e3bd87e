import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  PFRAME_LAYOUT,
  PageType,
  decodeExtra,
  decodePFrame,
  encodeExtra,
  encodePFrame,
  extraUnionFor,
  pageTypeName,
  pfGetMPN,
  pfIndex,
  pfMakeHi,
  pfMakeLo,
  pfWithTypeIndex,
  pteHex,
  slideMPNCPrecedence,
  slideMPNLowBitsOnly,
  type PFrameFields,
  INVALID_MPN64,
} from '../../engine/pframe';

const zero: PFrameFields = {
  isMappedInVMX: 0, isCptBusy: 0, isCptDone: 0, isExposedToVMM: 0, type: 0, indexHighBits: 0,
  extra: 0, pinCount: 0, isInvalGoingOn: 0, isNotAtMigDest: 0, indexLowBits: 0,
};

/** Each field alone at its maximum, and the 64-bit pattern it must give (computed by hand). */
const SINGLE_FIELDS: Array<[keyof PFrameFields, number, string]> = [
  ['isMappedInVMX', 1, '0x0000000000000001'],
  ['isCptBusy', 1, '0x0000000000000002'],
  ['isCptDone', 1, '0x0000000000000004'],
  ['isExposedToVMM', 1, '0x0000000000000008'],
  ['type', 15, '0x00000000000000f0'],
  ['indexHighBits', 63, '0x0000000000003f00'],
  ['extra', 3, '0x000000000000c000'],
  ['pinCount', 16383, '0x000000003fff0000'],
  ['isInvalGoingOn', 1, '0x0000000040000000'],
  ['isNotAtMigDest', 1, '0x0000000080000000'],
  ['indexLowBits', 0xffffffff, '0xffffffff00000000'],
];

describe('PFrame codec', () => {
  for (const [name, value, hex] of SINGLE_FIELDS) {
    it(`places ${name} at its bits`, () => {
      const { lo, hi } = encodePFrame({ ...zero, [name]: value });
      assert.equal(pteHex(lo, hi), hex);
      assert.deepEqual(decodePFrame(lo, hi), { ...zero, [name]: value });
    });
  }

  it('layout covers 64 bits once, in order', () => {
    let next = 0;
    for (const f of PFRAME_LAYOUT) {
      assert.equal(f.bit, next, `${f.name} starts where the previous field ended`);
      next += f.width;
    }
    assert.equal(next, 64);
  });

  it('encodes a hand-computed REGULAR frame above 2^32 byte for byte', () => {
    // type REGULAR, MPN 0x2_8000_1234, isCptBusy, isExposedToVMM, regular.isBackedByLPage, pinCount 3, isNotAtMigDest
    const f: PFrameFields = { ...zero, isCptBusy: 1, isExposedToVMM: 1, type: PageType.REGULAR, indexHighBits: 2, extra: 0b10, pinCount: 3, isNotAtMigDest: 1, indexLowBits: 0x80001234 };
    const { lo, hi } = encodePFrame(f);
    assert.equal(lo, 0x8003821a);
    assert.equal(hi, 0x80001234);
    assert.equal(pteHex(lo, hi), '0x800012348003821a');
    const bytes = new Uint8Array(new Uint32Array([lo, hi]).buffer);
    assert.deepEqual([...bytes], [0x1a, 0x82, 0x03, 0x80, 0x34, 0x12, 0x00, 0x80]);
    assert.equal(pfIndex(lo, hi), 0x280001234);
    assert.equal(pfGetMPN(lo, hi), 0x280001234);
    assert.deepEqual(decodeExtra(f.type, f.extra), { union: 'regular', fields: { isCownint: 0, isBackedByLPage: 1 } });
  });

  it('reads the largest 38-bit MPN exactly', () => {
    const mpn = 2 ** 38 - 1;
    const lo = pfMakeLo(PageType.COW, mpn);
    const hi = pfMakeHi(mpn);
    assert.equal(decodePFrame(lo, hi).indexHighBits, 63);
    assert.equal(pfGetMPN(lo, hi), mpn);
  });

  it('shows why both slide variants are wrong above 2^32', () => {
    const mpn = 0x280001234;
    const lo = pfMakeLo(PageType.REGULAR, mpn);
    const hi = pfMakeHi(mpn);
    // `mpn ← f->unmappedInVMX.indexLowBits` drops the high bits: a different page, 8 GiB lower.
    assert.equal(slideMPNLowBitsOnly(lo, hi), 0x80001234);
    // `f->indexLowBits + f->indexHighBits << 32` is `(low + high) << 32` in C: nowhere near.
    assert.equal(slideMPNCPrecedence(lo, hi), 0x8000123600000000n);
    assert.equal(pfIndex(lo, hi), mpn);
    // Below 2^32 the first variant happens to agree, which is why the bug hides on small hosts.
    const small = 0x1234;
    assert.equal(slideMPNLowBitsOnly(pfMakeLo(PageType.REGULAR, small), pfMakeHi(small)), small);
    assert.notEqual(slideMPNCPrecedence(pfMakeLo(PageType.REGULAR, small), pfMakeHi(small)), BigInt(small));
  });

  it('selects the extra union by type', () => {
    assert.equal(extraUnionFor(PageType.ZIPPED), 'zipped');
    assert.equal(extraUnionFor(PageType.SWAPPED), 'swapped');
    assert.equal(extraUnionFor(PageType.SWAP_OUT), 'swapped');
    assert.equal(extraUnionFor(PageType.SWAP_IN), 'swapin');
    assert.equal(extraUnionFor(PageType.COW), 'pshared');
    assert.equal(extraUnionFor(PageType.BALLOONED), 'pshared');
    assert.equal(extraUnionFor(PageType.REGULAR), 'regular');
    assert.equal(extraUnionFor(PageType.NONE), 'common');
    assert.equal(extraUnionFor(PageType.REMOTE), 'common');
    assert.deepEqual(decodeExtra(PageType.ZIPPED, 3), { union: 'zipped', fields: { zipBlock: 3 } });
    assert.deepEqual(decodeExtra(PageType.SWAPPED, 1), { union: 'swapped', fields: { vmkSwapped: 1, unused: 0 } });
    assert.deepEqual(decodeExtra(PageType.COW, 2), { union: 'pshared', fields: { isBallooned: 0, isAppBallooned: 1 } });
    assert.deepEqual(decodeExtra(PageType.NONE, 2), { union: 'common', fields: { flags: 2 } });
    assert.equal(encodeExtra('pshared', { isBallooned: 1, isAppBallooned: 1 }), 3);
    assert.equal(encodeExtra('zipped', { zipBlock: 2 }), 2);
  });

  it('answers INVALID_MPN64 for types whose index is not an MPN', () => {
    for (const t of [PageType.NONE, PageType.SWAPPED, PageType.SWAP_IN, PageType.ZIPPED, PageType.BALLOONED, PageType.REMOTE]) {
      assert.equal(pfGetMPN(pfMakeLo(t, 77), pfMakeHi(77)), INVALID_MPN64, pageTypeName(t));
    }
    for (const t of [PageType.REGULAR, PageType.COW, PageType.SWAP_OUT]) {
      assert.equal(pfGetMPN(pfMakeLo(t, 77), pfMakeHi(77)), 77, pageTypeName(t));
    }
  });

  it('pfWithTypeIndex keeps the other fields', () => {
    const { lo } = encodePFrame({ ...zero, isCptDone: 1, pinCount: 9, isInvalGoingOn: 1, extra: 1, type: PageType.COW, indexHighBits: 5 });
    const next = pfWithTypeIndex(lo, PageType.REGULAR, 0x1_0000_0007);
    assert.deepEqual(decodePFrame(next, 7), { ...zero, isCptDone: 1, pinCount: 9, isInvalGoingOn: 1, extra: 1, type: PageType.REGULAR, indexHighBits: 1, indexLowBits: 7 });
  });

  it('rejects a field out of range, naming it', () => {
    assert.throws(() => encodePFrame({ ...zero, pinCount: 16384 }), /pinCount must be an integer in 0\.\.16383, got 16384/);
    assert.throws(() => encodePFrame({ ...zero, type: -1 }), /type must be/);
    assert.throws(() => encodePFrame({ ...zero, indexLowBits: 2 ** 32 }), /indexLowBits/);
    assert.throws(() => encodeExtra('regular', { isCownint: 2 }), /extra\.regular\.isCownint/);
  });

  it('decode∘encode is the identity on fields (property)', () => {
    const fields = fc.record({
      isMappedInVMX: fc.integer({ min: 0, max: 1 }), isCptBusy: fc.integer({ min: 0, max: 1 }),
      isCptDone: fc.integer({ min: 0, max: 1 }), isExposedToVMM: fc.integer({ min: 0, max: 1 }),
      type: fc.integer({ min: 0, max: 15 }), indexHighBits: fc.integer({ min: 0, max: 63 }),
      extra: fc.integer({ min: 0, max: 3 }), pinCount: fc.integer({ min: 0, max: 16383 }),
      isInvalGoingOn: fc.integer({ min: 0, max: 1 }), isNotAtMigDest: fc.integer({ min: 0, max: 1 }),
      indexLowBits: fc.integer({ min: 0, max: 0xffffffff }),
    });
    fc.assert(fc.property(fields, (f) => {
      const { lo, hi } = encodePFrame(f);
      assert.deepEqual(decodePFrame(lo, hi), { ...f });
      const ex = decodeExtra(f.type, f.extra);
      assert.equal(encodeExtra(ex.union, ex.fields), f.extra);
    }), { numRuns: 5000 });
  });

  it('encode∘decode is the identity on the 64 bits, and the index matches BigInt arithmetic (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (lo, hi) => {
      const back = encodePFrame(decodePFrame(lo, hi));
      assert.equal(back.lo, lo);
      assert.equal(back.hi, hi);
      const pte = (BigInt(hi) << 32n) | BigInt(lo);
      const expected = (((pte >> 8n) & 0x3fn) << 32n) | (pte >> 32n);
      assert.equal(BigInt(pfIndex(lo, hi)), expected);
    }), { numRuns: 5000 });
  });
});
