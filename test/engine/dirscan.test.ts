// The handoff's scan in WebAssembly (engine/dirscan.ts) against the JavaScript loop it stands in
// for: the same random scenarios run with every range scanned ('always') and with none ('never')
// end in the same state, BackMap entry for entry, also when an entry is wrong before the handoff.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { INVALID_MPN64, PageType, Session, makeScanner, parseScenario, pfIndex, pfType, wasmScanAvailable, type ScanPolicy } from '../../engine/index';
import { arbChoices, toScenario, type Choices } from './random-scenarios';

const FC_SEED = Number(process.env.FC_SEED ?? 20261202);

/** What a run leaves behind, in full: outcome, log, and every BackMap entry and owner count. */
function runWith(c: Choices, corrupt: number, scan: ScanPolicy) {
  const s = new Session(parseScenario(toScenario(c), 'random'), { scan });
  s.rt.setExceptionFilters([]);
  const host = s.machine.host;
  if (scan === 'always') assert.ok(host.regions.every((r) => r.scanner !== null), 'every range has a scanner');
  if (scan === 'never') assert.ok(host.regions.every((r) => r.scanner === null), 'no range has one');
  if (corrupt >= 0) {
    // Make the BackMap entry of one REGULAR source page name the page after it: the handoff must
    // stop there, whichever loop does the work.
    for (let k = 0; k < s.src.pframes.numMainMemPages; k++) {
      const pg = (corrupt + k) % s.src.pframes.numMainMemPages;
      const dir = s.src.dirMPN(Math.floor(pg / 512));
      if (dir === INVALID_MPN64) continue;
      const w = host.read(dir);
      const u32 = new Uint32Array(w.buffer, w.byteOffset, 1024);
      const i = pg % 512;
      if (pfType(u32[2 * i]!) !== PageType.REGULAR) continue;
      host.backmapSetRaw(pfIndex(u32[2 * i]!, u32[2 * i + 1]!), ((s.src.owners.mainmem.slot << 28) | (pg + 1)) >>> 0);
      break;
    }
  }
  const stop = s.runToEnd(100_000);
  const entries: number[] = [];
  for (const r of host.regions) for (let off = 0; off < r.pages; off++) entries.push(r.backmap.get(off));
  return { stop: stop?.reason, outcome: s.outcome(), log: s.rt.log.slice(), entries, counts: Array.from(host.ownerCounts) };
}

describe('the handoff scan in WebAssembly', () => {
  it('compiles and validates on this platform', () => {
    assert.equal(wasmScanAvailable(), true);
    const sc = makeScanner(1000, 2 << 20);
    assert.ok(sc, 'a scanner for 1000 pages');
    assert.equal(sc.words.length, 1000);
    assert.ok(sc.words.every((w) => w === 0), 'its words start unset');
    assert.equal(sc.slabBytes, 2 << 20);
    assert.equal(sc.slabsAt % (1 << 20), 0, 'slabs start on a slab boundary');
  });

  it('refuses a range whose words cannot fit in a wasm32 memory', () => {
    assert.equal(makeScanner(2 ** 31), null);
  });

  it('leaves the same state as the JavaScript loop on random scenarios, layouts and faults', () => {
    fc.assert(
      fc.property(arbChoices, fc.oneof({ weight: 2, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat(1 << 16) }), (c, corrupt) => {
        const a = runWith(c, corrupt, 'always');
        const b = runWith(c, corrupt, 'never');
        assert.equal(a.stop, b.stop);
        assert.deepEqual(a.outcome, b.outcome);
        assert.deepEqual(a.log, b.log);
        assert.deepEqual(a.counts, b.counts);
        assert.ok(a.entries.length === b.entries.length && a.entries.every((e, k) => e === b.entries[k]), 'every BackMap entry is the same');
      }),
      { numRuns: 150, seed: FC_SEED },
    );
  });
});
