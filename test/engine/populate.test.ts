import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  BusMem_TranslateBPN, HostMemory, INVALID_MPN64, Machine, PFrame_Get, PageType, decodePFrame, makeMainMemBPN,
  pageTypeName, pfIndex, pframeHi, pframeLo, populateVM, type PageMix, type VmSpec,
} from '../../engine/index';

function populate(spec: Partial<VmSpec> & { memMB: number }, baseMPN = 2 ** 32 - 300, hostPages = spec.memMB * 300 + 4096) {
  const host = new HostMemory([{ baseMPN, pages: hostPages }], 9);
  const machine = new Machine(host);
  const world = populateVM(machine, { worldID: 1001, name: 'vm', seed: 5, ...spec });
  return { host, machine, world };
}

/** Check every page of the world against the model's rules; returns counts by type name. */
function checkAllPages(p: ReturnType<typeof populate>): Record<string, number> {
  const { host, machine, world } = p;
  const counts: Record<string, number> = {};
  for (let pg = 0; pg < world.pframes.numMainMemPages; pg++) {
    const ref = PFrame_Get(host, world, pg).ref!;
    const lo = pframeLo(ref);
    const hi = pframeHi(ref);
    const f = decodePFrame(lo, hi);
    const name = pageTypeName(f.type);
    counts[name] = (counts[name] ?? 0) + 1;
    const walk = BusMem_TranslateBPN(host, world, makeMainMemBPN(pg));
    const index = pfIndex(lo, hi);
    switch (f.type) {
      case PageType.REGULAR:
        assert.equal(walk.mpn, index, `pgNum ${pg} translates to the MPN its PFrame holds`);
        assert.deepEqual(host.backmapLookup(index), { owner: world.owners.mainmem, pgNum: pg }, `BackMap of MPN ${index}`);
        break;
      case PageType.COW:
        assert.equal(walk.mpn, index);
        assert.equal(host.backmapLookup(index)!.owner, machine.pshare.owner);
        break;
      case PageType.SWAPPED:
        assert.equal(walk.mpn, INVALID_MPN64);
        assert.ok(world.swap.swapFile.isUsed(index), `slot ${index} used`);
        break;
      case PageType.ZIPPED:
        assert.equal(walk.mpn, INVALID_MPN64);
        assert.equal(host.backmapLookup(index)!.owner, world.owners.memzip);
        break;
      default:
        assert.equal(walk.mpn, INVALID_MPN64);
    }
  }
  return counts;
}

describe('populateVM', () => {
  it('fills every page per the mix, each one consistent with the BackMap, swap and memzip', () => {
    const p = populate({ memMB: 8 });
    const counts = checkAllPages(p);
    const n = 8 * 256;
    assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), n);
    // DEFAULT_MIX: 80/6/6/4/2/2 — within a loose band on 2048 pages.
    assert.ok(counts.REGULAR! > n * 0.72 && counts.REGULAR! < n * 0.88, `REGULAR ${counts.REGULAR}`);
    assert.equal(p.world.stats.allocated, counts.REGULAR, 'stats count the REGULAR pages');
    assert.equal(p.world.swap.swapFile.usedSlots, counts.SWAPPED);
    assert.equal(p.world.alloc.memzip.numZipped, counts.ZIPPED);
    assert.equal(p.world.pframes.numPDirEntries, 4);
    assert.equal(p.machine.pshare.totalRefs(), counts.COW);
  });

  it('is deterministic: the same spec gives the same pdir bytes; another seed does not', () => {
    const bytes = (seed: number) => {
      const { host, world } = populate({ memMB: 2, seed });
      return Array.from({ length: world.numDirs }, (_, d) => [...host.read(world.dirMPN(d))]).flat();
    };
    assert.deepEqual(bytes(3), bytes(3));
    assert.notDeepEqual(bytes(3), bytes(4));
  });

  it('puts the host above 2^32 so PFrames need indexHighBits', () => {
    const { host, world } = populate({ memMB: 1, mix: { regular: 1 } }, 2 ** 37);
    const ref = PFrame_Get(host, world, 0).ref!;
    assert.equal(decodePFrame(pframeLo(ref), pframeHi(ref)).indexHighBits, 32);
  });

  it('rejects a bad description, naming the field and what is allowed', () => {
    assert.throws(() => populate({ memMB: 0 }), /memMB must be a positive integer, got 0/);
    assert.throws(() => populate({ memMB: 1, mix: { huge: 1 } as PageMix }), /unknown page type "huge" in mix \(allowed: regular, cow, swapped, zipped, ballooned, none\)/);
    assert.throws(() => populate({ memMB: 1, mix: { regular: -1 } }), /mix\.regular must be a non-negative number/);
    assert.throws(() => populate({ memMB: 1, mix: { regular: 0 } }), /at least one page type/);
    assert.throws(() => populate({ memMB: 1, largePageFraction: 2 }), /largePageFraction must be in 0\.\.1/);
    assert.throws(() => populate({ memMB: 4 }, 0, 100), /host out of memory/);
  });

  it('every populated page translates to the MPN its PFrame holds (property)', () => {
    const mix = fc.record({
      regular: fc.nat(10), cow: fc.nat(10), swapped: fc.nat(10), zipped: fc.nat(10), ballooned: fc.nat(10), none: fc.nat(10),
    }).filter((m) => Object.values(m).some((w) => w > 0));
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 3 }), mix, fc.integer({ min: 0, max: 2 ** 20 }), fc.integer({ min: 0, max: 2 ** 37 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (memMB, m, seed, baseMPN, largePageFraction) => {
        checkAllPages(populate({ memMB, mix: { ...m }, seed, largePageFraction }, baseMPN));
      },
    ), { numRuns: 60 });
  });
});
