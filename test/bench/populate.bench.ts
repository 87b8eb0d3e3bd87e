// populate-64GiB: populating a 64 GiB VM (16 Mi pages, default mix, host above 2^32) vs one
// streaming pass writing the same PFrame bytes (16 Mi × 8 bytes) into fresh memory.
import { HostMemory, Machine, populateVM } from '../../engine/index';
import { PAGES_64GIB, pairs, report } from './harness';

function populateOnce(): number {
  const host = new HostMemory([{ baseMPN: 2 ** 32 - 4096, pages: PAGES_64GIB + (1 << 20) }], 7);
  const machine = new Machine(host);
  const t = performance.now();
  populateVM(machine, { worldID: 1001, name: 'vm', memMB: 64 * 1024, seed: 3 });
  return performance.now() - t;
}

function streamWriteOnce(): number {
  const words = new Uint32Array(PAGES_64GIB * 2);
  const t = performance.now();
  for (let i = 0; i < words.length; i += 2) {
    words[i] = i;
    words[i + 1] = i >>> 1;
  }
  const dt = performance.now() - t;
  if (words[words.length - 2] !== words.length - 2) throw new Error('unreachable');
  return dt;
}

const { values, baselines } = pairs(5, populateOnce, streamWriteOnce);
report('populate-64GiB', values, baselines, '≤8');
