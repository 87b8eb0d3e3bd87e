// The handoff's scan in WebAssembly (engine/dirscan.ts) against the JavaScript loop it stands in
// for: the same random scenarios run with every range scanned ('always') and with none ('never')
// end in the same state, BackMap entry for entry, also when an entry or a PFrame is wrong before
// the handoff (a PFrame naming an MPN 2^32 away is what a block across a multiple of 2^32 could mistake).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { INVALID_MPN64, PageType, Session, makeScanner, parseScenario, pfIndex, pfType, wasmScanAvailable, type ScanPolicy, type ScenarioInput } from '../../engine/index';
import { arbChoices, toScenario } from './random-scenarios';

const FC_SEED = Number(process.env.FC_SEED ?? 20261202);

/**
 * A wrong state before the handoff, at one REGULAR source page from `pg` on: its BackMap entry names
 * the next page, or its PFrame names another MPN (2^32 below or above, or the next one);
 * 'first-above-2^32' takes the first REGULAR page whose MPN is 2^32 or more, and names 2^32 less.
 */
type Corruption = { pg: number; kind: 'entry' | 'mpn-2^32' | 'mpn+2^32' | 'mpn+1' | 'first-above-2^32' } | null;
const arbCorruption: fc.Arbitrary<Corruption> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 3, arbitrary: fc.record({ pg: fc.nat(1 << 16), kind: fc.constantFrom('entry' as const, 'mpn-2^32' as const, 'mpn+2^32' as const, 'mpn+1' as const) }) },
);

/** What a run leaves behind, in full: outcome, log, and every BackMap entry and owner count. */
function runWith(doc: ScenarioInput, corrupt: Corruption, scan: ScanPolicy) {
  const s = new Session(parseScenario(doc, 'random'), { scan });
  s.rt.setExceptionFilters([]);
  const host = s.machine.host;
  if (scan === 'always') assert.ok(host.regions.every((r) => r.scanner !== null), 'every range has a scanner');
  if (scan === 'never') assert.ok(host.regions.every((r) => r.scanner === null), 'no range has one');
  if (corrupt) {
    const n = s.src.pframes.numMainMemPages;
    for (let k = 0; k < n; k++) {
      const pg = (corrupt.pg + k) % n;
      const dir = s.src.dirMPN(Math.floor(pg / 512));
      if (dir === INVALID_MPN64) continue;
      const u32 = host.map(dir).u32;
      const i = pg % 512;
      if (pfType(u32[2 * i]!) !== PageType.REGULAR) continue;
      const mpn = pfIndex(u32[2 * i]!, u32[2 * i + 1]!);
      if (corrupt.kind === 'first-above-2^32' && mpn < 2 ** 32) continue;
      if (corrupt.kind === 'entry') host.backmapSetRaw(mpn, ((s.src.owners.mainmem.slot << 28) | (pg + 1)) >>> 0);
      else {
        const to = corrupt.kind === 'mpn-2^32' || corrupt.kind === 'first-above-2^32' ? mpn - 2 ** 32 : corrupt.kind === 'mpn+2^32' ? mpn + 2 ** 32 : mpn + 1;
        if (to < 0 || to >= 2 ** 38) continue;
        u32[2 * i] = ((u32[2 * i]! & ~0x3f00) | ((Math.floor(to / 2 ** 32) & 0x3f) << 8)) >>> 0;
        u32[2 * i + 1] = to >>> 0;
      }
      break;
    }
  }
  const stop = s.runToEnd(100_000);
  const entries: number[] = [];
  for (const r of host.regions) for (let off = 0; off < r.pages; off++) entries.push(r.backmap.get(off));
  return { stop: stop?.reason, outcome: s.outcome(), log: s.rt.log.slice(), entries, counts: Array.from(host.ownerCounts) };
}

function assertSame(doc: ScenarioInput, corrupt: Corruption): void {
  const a = runWith(doc, corrupt, 'always');
  const b = runWith(doc, corrupt, 'never');
  assert.equal(a.stop, b.stop);
  assert.deepEqual(a.outcome, b.outcome);
  assert.deepEqual(a.log, b.log);
  assert.deepEqual(a.counts, b.counts);
  assert.ok(a.entries.length === b.entries.length && a.entries.every((e, k) => e === b.entries[k]), 'every BackMap entry is the same');
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

  it('scans a pdir page in the last 4 KiB of its memory, even of the largest memory it makes', () => {
    const sc = makeScanner(1000, 2 ** 32);
    assert.ok(sc);
    assert.ok(sc.buffer.byteLength < 2 ** 32, 'its addresses never wrap');
    // 512 PFrames of type NONE there: the scan goes through all of them and moves none.
    const page = new Uint32Array(sc.buffer, sc.buffer.byteLength - 4096, 1024);
    assert.equal(sc.scan(sc.place(page), 0, 512, 0, 0, 0, -1, 1 << 12, 3 << 12), 512);
  });

  it('refuses a range whose words cannot fit in a wasm32 memory', () => {
    assert.equal(makeScanner(2 ** 31), null);
  });

  it('does not take an MPN 2^32 below a block that crosses a multiple of 2^32 for one in it', () => {
    // The VM's MPNs run across 2^32 inside one block of 512 (the range does not start on a block
    // boundary relative to 2^32); a PFrame there names the MPN 2^32 lower, outside host memory.
    for (const below of [256, 100, 500]) {
      const doc: ScenarioInput = {
        name: 'across 2^32', seed: 7,
        host: { ranges: [{ baseMPN: 2 ** 32 - below, pages: 2048 }] },
        vm: { memMB: 2, largePageFraction: 0, touchedPages: 0 },
        swap: { mode: 'shared', swapOuts: 0 },
      };
      assertSame(doc, null);
      assertSame(doc, { pg: 0, kind: 'first-above-2^32' });
    }
  });

  it('leaves the same state as the JavaScript loop on random scenarios, layouts and faults', () => {
    fc.assert(
      fc.property(arbChoices, arbCorruption, (c, corrupt) => {
        assertSame(toScenario(c), corrupt);
      }),
      { numRuns: 200, seed: FC_SEED },
    );
  });
});
