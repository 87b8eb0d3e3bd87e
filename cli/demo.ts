// `npm run demo`: populate a small VM on a host above 2^32 and print BPN → MPN walks, one per kind
// of page, the way crash's `vtop` would. A first look at the engine from the command line.
import {
  BusMem_TranslateBPN, HostMemory, Machine, PFrame_Get, formatWalk, makeMainMemBPN, pageTypeName, pfType, pframeLo,
  populateVM, type WalkTrace,
} from '../engine/index';

const host = new HostMemory([{ baseMPN: 2 ** 32 - 8, pages: 32 * 1024 }], 1);
const machine = new Machine(host);
const vm = populateVM(machine, { worldID: 1001, name: 'vm-src', memMB: 64, seed: 42 });
console.log(`host: ${host.totalPages} pages from MPN 0x${(2 ** 32 - 8).toString(16)}; ${vm.name}: ${vm.pframes.numMainMemPages} pages in ${vm.numDirs} pdirs\n`);

const shown = new Set<string>();
for (let pg = 0; pg < vm.pframes.numMainMemPages && shown.size < 4; pg++) {
  const type = pageTypeName(pfType(pframeLo(PFrame_Get(host, vm, pg).ref!)));
  if (shown.has(type)) continue;
  shown.add(type);
  const trace: WalkTrace = [];
  BusMem_TranslateBPN(host, vm, makeMainMemBPN(pg), trace);
  console.log(`# pgNum ${pg} (${type})\n${formatWalk(trace)}\n`);
}
const trace: WalkTrace = [];
BusMem_TranslateBPN(host, vm, 0x2_0000_0005, trace);
console.log(`# a BPN outside main memory\n${formatWalk(trace)}`);
