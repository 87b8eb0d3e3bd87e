import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BusMem_TranslateBPN, HostMemory, Machine, PFrame_DirAlloc, PFrame_Get, PFrame_Lock, PFrame_Unlock, PageType, World,
  formatWalk, makeMainMemBPN, pfMakeHi, pfMakeLo, pframeWrite, type WalkTrace,
} from '../../engine/index';

function setup() {
  const host = new HostMemory([{ baseMPN: 2 ** 34, pages: 16 }]);
  const machine = new Machine(host);
  const world = machine.addWorld(new World(2002, 'vm', host, 1000, 16));
  const dir = PFrame_DirAlloc(host, world, 0).mpn;
  const put = (pgNum: number, type: number, index: number, extra = 0) =>
    pframeWrite(PFrame_Get(host, world, pgNum).ref!, pfMakeLo(type, index, extra), pfMakeHi(index));
  return { host, world, dir, put };
}

describe('BPN → MPN walk', () => {
  it('walks every seed step in order and finds the MPN above 2^32', () => {
    const { host, world, put } = setup();
    put(12, PageType.REGULAR, 2 ** 34 + 9);
    const trace: WalkTrace = [];
    const r = BusMem_TranslateBPN(host, world, makeMainMemBPN(12), trace);
    assert.deepEqual(r, { status: 'VMK_OK', mpn: 2 ** 34 + 9, reason: '' });
    assert.deepEqual(trace.map((s) => s.fn), [
      'BusMem_TranslateBPN', 'BusMem_GetMPN', 'Platform_BPN2MPN', 'BPN_IsMainMem', 'VMKCall_GetPFrameMPN',
      'VmMemPf_GetPFrameMPN', 'Alloc_BPNToMainMemPage', 'PFrame_Lock', 'PFrame_Lookup', 'PFrame_Get',
      'PFrame_GetMPN', 'PFrame_Unlock', 'result',
    ]);
    const text = formatWalk(trace);
    assert.match(text, /PFrame_Lookup: dirIndex=0x0 pageIndex=0xc dirMPN=0x400000000/);
    assert.match(text, /indexHighBits=0x4 indexLowBits=0x9/);
    assert.match(text, /result: status=VMK_OK mpn=0x400000009/);
    assert.equal(world.pframes.pdirLock.holder, null, 'the lock is released');
  });

  it('answers with a status, never a throw, for every way the walk can end early', () => {
    const { host, world, put } = setup();
    put(3, PageType.SWAPPED, 17, 1);
    put(4, PageType.BALLOONED, 0, 1);
    const cases: Array<[number, string, RegExp]> = [
      [5, 'VMK_NOT_SUPPORTED', /region 0, not main memory/],
      [2 * 2 ** 32 + 1, 'VMK_NOT_SUPPORTED', /region 2/],
      [-1, 'VMK_BAD_PARAM', /not a non-negative integer/],
      [makeMainMemBPN(1000), 'VMK_BAD_PARAM', /pgNum 0x3e8 is beyond the VM's 1000 main-memory pages/],
      [makeMainMemBPN(600), 'VMK_NOT_FOUND', /pdirInfo\[0x1\] is not present/],
      [makeMainMemBPN(3), 'VMK_NOT_FOUND', /page 0x3 is SWAPPED: its index is a swap slot \(0x11\), not an MPN/],
      [makeMainMemBPN(4), 'VMK_NOT_FOUND', /page 0x4 is BALLOONED: no backing/],
      [makeMainMemBPN(9), 'VMK_NOT_FOUND', /page 0x9 is NONE/],
    ];
    for (const [bpn, status, reason] of cases) {
      const r = BusMem_TranslateBPN(host, world, bpn);
      assert.equal(r.status, status, `bpn ${bpn}`);
      assert.match(r.reason, reason);
      assert.equal(world.pframes.pdirLock.holder, null);
    }
  });

  it('reports a held pdir lock as VMK_BUSY and names the holder', () => {
    const { host, world, put } = setup();
    put(1, PageType.REGULAR, 2 ** 34 + 1);
    PFrame_Lock(world, 1, 'VmMemMigrateTransferPageDir');
    const r = BusMem_TranslateBPN(host, world, makeMainMemBPN(1));
    assert.equal(r.status, 'VMK_BUSY');
    assert.match(r.reason, /held by VmMemMigrateTransferPageDir/);
    PFrame_Unlock(world, 1, 'VmMemMigrateTransferPageDir');
  });
});
