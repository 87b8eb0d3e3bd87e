import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BackMap_Describe, BackMap_Set, BackMap_Unset, HostMemory, INVALID_MPN64, Kseg_MapMPN, Machine, PageType,
  PFrame_DirAlloc, PFrame_DirSet, PFrame_Get, PFrame_GetMPN, PFrame_Lock, PFrame_Lookup, PFrame_SetRegular, PFrame_Unlock,
  VmMem_UpdateAllocStats, VmMem_UpdateFreeStats, World, decodePFrame, pfMakeHi, pfMakeLo, pframeFields, pframeWrite,
  PFrameMakePTE, pteToMPN,
} from '../../engine/index';

function setup() {
  const host = new HostMemory([{ baseMPN: 2 ** 32 - 2, pages: 64 }]);
  const machine = new Machine(host);
  const world = machine.addWorld(new World(1001, 'vm', host, 1024, 16));
  return { host, machine, world };
}

describe('PFrame operations', () => {
  it('PFrame_Lock is a non-recursive lock and PFrame_Unlock checks the holder', () => {
    const { world } = setup();
    assert.equal(PFrame_Lock(world, 5, 'a'), 'VMK_OK');
    assert.equal(PFrame_Lock(world, 6, 'b'), 'VMK_BUSY');
    assert.equal(world.pframes.pdirLock.holder, 'a');
    assert.throws(() => PFrame_Unlock(world, 5, 'b'), /held by a, not b/);
    PFrame_Unlock(world, 5, 'a');
    assert.equal(world.pframes.pdirLock.holder, null);
    assert.throws(() => PFrame_Unlock(world, 5, 'a'), /held by nobody/);
  });

  it('PFrame_DirSet and PFrame_Lookup: the two-level index, with counters', () => {
    const { host, world } = setup();
    assert.equal(PFrame_Lookup(world, 600).status, 'VMK_NOT_FOUND');
    assert.equal(PFrame_Lookup(world, 1024).status, 'VMK_BAD_PARAM');
    const dir = host.allocMPN(); // 2^32 - 2: the first page, below 2^32
    const dir2 = host.allocMPN();
    assert.equal(PFrame_DirSet(world, 600, dir2), 'VMK_OK');
    assert.deepEqual(PFrame_Lookup(world, 600), { status: 'VMK_OK', dirIndex: 1, pageIndex: 88, dirMPN: dir2 });
    assert.equal(world.pframes.pdirInfo[1], PFrameMakePTE(dir2));
    assert.equal(world.pframes.numPDirEntries, 1);
    PFrame_DirSet(world, 0, dir, 2 ** 32 + 5);
    assert.equal(world.pframes.numPDirEntries, 2);
    assert.equal(world.pframes.numPDirEntries2, 1);
    PFrame_DirSet(world, 600, INVALID_MPN64, INVALID_MPN64);
    assert.equal(world.pframes.numPDirEntries, 1);
    assert.equal(pteToMPN(world.pframes.pdirInfo[1]!), INVALID_MPN64);
    assert.equal(PFrame_DirSet(world, -1, dir), 'VMK_BAD_PARAM');
  });

  it('PFrame_DirAlloc installs a pdir page that reads as NONE, or REMOTE during FSR, without materializing', () => {
    const { host, world } = setup();
    const { status, mpn } = PFrame_DirAlloc(host, world, 700);
    assert.equal(status, 'VMK_OK');
    assert.equal(host.backmapLookup(mpn)!.owner, world.owners.pdir);
    assert.equal(host.isMaterialized(mpn), false);
    assert.deepEqual([...host.read(mpn).subarray(0, 16)], new Array(16).fill(0));
    world.pframes.defaultPageTypeIsRemote = true;
    world.pframes.defaultPageTypeIsRemoteMaxPgNum = 1000;
    // Directory 1 holds pgNums 512..1023: REMOTE below the bound, NONE from it on.
    assert.equal(host.read(mpn)[8], PageType.REMOTE << 4);
    assert.equal(host.read(mpn)[8 * (999 - 512)], PageType.REMOTE << 4);
    assert.equal(host.read(mpn)[8 * (1000 - 512)], 0);
    assert.equal(PFrame_DirAlloc(host, world, 701).status, 'VMK_BUSY');
  });

  it('PFrame_Get maps the pdir page: the PFrame is its bytes at 8·pageIndex', () => {
    const { host, world } = setup();
    const dir = host.allocMPN();
    PFrame_DirSet(world, 512, dir);
    const mpn = 2 ** 32 + 7;
    const got = PFrame_Get(host, world, 512 + 3);
    assert.equal(got.status, 'VMK_OK');
    pframeWrite(got.ref!, pfMakeLo(PageType.REGULAR, mpn), pfMakeHi(mpn));
    const bytes = Kseg_MapMPN(host, dir).u8.subarray(24, 32);
    assert.deepEqual([...bytes], [0x10, 0x01, 0, 0, 7, 0, 0, 0]);
    assert.equal(PFrame_GetMPN(got.ref!), mpn);
    assert.equal(PFrame_Get(host, world, 0).status, 'VMK_NOT_FOUND');
  });

  it('PFrame_SetRegular rewrites type and index and keeps pin count and flags', () => {
    const { host, world } = setup();
    PFrame_DirAlloc(host, world, 0);
    const ref = PFrame_Get(host, world, 9).ref!;
    pframeWrite(ref, pfMakeLo(PageType.SWAP_OUT, 5, 1) | (4 << 16) | 0x4, 5);
    assert.equal(PFrame_SetRegular(world, ref, 9, 2 ** 33 + 1), 'VMK_OK');
    const f = pframeFields(ref);
    assert.equal(f.type, PageType.REGULAR);
    assert.equal(f.pinCount, 4);
    assert.equal(f.isCptDone, 1);
    assert.equal(f.extra, 0, 'swapped extra bits do not carry over into the regular union');
    assert.equal(PFrame_GetMPN(ref), 2 ** 33 + 1);
    assert.equal(PFrame_SetRegular(world, ref, 10, 1), 'VMK_BAD_PARAM');
    assert.equal(decodePFrame(ref.page.u32[18]!, ref.page.u32[19]!).indexHighBits, 2);
  });

  it('BackMap_Set / BackMap_Unset refuse a second owner or a wrong (world, pgNum)', () => {
    const { host, world, machine } = setup();
    const mpn = host.allocMPN();
    assert.equal(BackMap_Set(host, mpn, world.owners.mainmem, 77), 'VMK_OK');
    assert.equal(BackMap_Set(host, mpn, machine.pshare.owner, 0), 'VMK_BUSY');
    assert.match(BackMap_Describe(host, mpn), /vm main memory \(world 1001\), pgNum 0x4d/);
    assert.equal(BackMap_Unset(host, mpn, world.owners.mainmem, 78), 'VMK_BAD_PARAM');
    assert.equal(BackMap_Unset(host, mpn, world.owners.pdir, 77), 'VMK_BAD_PARAM');
    assert.equal(BackMap_Unset(host, mpn, world.owners.mainmem, 77), 'VMK_OK');
    assert.equal(BackMap_Unset(host, mpn, world.owners.mainmem, 77), 'VMK_NOT_FOUND');
    assert.equal(BackMap_Set(host, 3, world.owners.mainmem, 1), 'VMK_INVALID_ADDRESS');
    assert.match(BackMap_Describe(host, mpn), /no BackMap entry \(allocated, unowned\)/);
  });

  it('VmMem_UpdateAllocStats / VmMem_UpdateFreeStats balance', () => {
    const { world } = setup();
    VmMem_UpdateAllocStats(world, 1, 100, 3);
    VmMem_UpdateFreeStats(world, 1, 100);
    assert.deepEqual(world.stats, { allocated: 2, allocs: 3, frees: 1 });
  });

  it('Kseg_MapMPN refuses an MPN outside host memory', () => {
    const { host } = setup();
    assert.throws(() => Kseg_MapMPN(host, 12), /Kseg_MapMPN: MPN 0xc is not in host memory/);
  });
});
