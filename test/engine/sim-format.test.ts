// The scenario format (engine parseScenario): bad documents get errors that name the field and
// what is allowed; good ones get the documented defaults. Pure engine API; no CLI, no files.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_NAMES, FAULT_KINDS, ScenarioError, builtinScenario, parseScenario, withOverrides } from '../../engine/index';

const base = { name: 'doc', host: { ranges: [{ baseMPN: '0x100000', pages: 65536 }] }, vm: { memMB: 4 }, swap: { mode: 'shared' } };

/** The problems parseScenario reports for `doc` (it must throw a ScenarioError). */
function problems(doc: unknown): string[] {
  try {
    parseScenario(doc, 'doc.json');
  } catch (e) {
    assert.ok(e instanceof ScenarioError, `a ScenarioError, not ${(e as Error).constructor.name}: ${(e as Error).message}`);
    assert.match(e.message, /^doc\.json: /, 'the message starts with the source');
    return e.problems;
  }
  assert.fail(`accepted ${JSON.stringify(doc)}`);
}

describe('scenario format: errors name the field and what is allowed', () => {
  it('swap.mode "x" → must be one of "shared", "unshared"', () => {
    assert.deepEqual(problems({ ...base, swap: { mode: 'x' } }), ['swap.mode must be one of: "shared", "unshared"']);
  });

  it('an unknown field is named, at the top level and inside an object', () => {
    assert.deepEqual(problems({ ...base, colour: 'red' }), ['the scenario has unknown field(s) "colour"']);
    assert.deepEqual(problems({ ...base, vm: { memMB: 4, memGB: 1 } }), ['vm has unknown field(s) "memGB"']);
    assert.deepEqual(problems({ ...base, vm: { memMB: 4, mix: { regulr: 1 } } }), ['vm.mix has unknown field(s) "regulr"']);
    assert.deepEqual(problems({ ...base, faults: [{ kind: 'sourceTimeout', when: 3 }] }), ['faults[0] has unknown field(s) "when"']);
  });

  it('faults[0].kind unknown (or missing) → the fault kinds there are', () => {
    for (const fault of [{ kind: 'meteor' }, {}]) {
      const [p, ...rest] = problems({ ...base, faults: [fault] });
      assert.deepEqual(rest, []);
      assert.match(p!, /^faults\[0\]\.kind/);
      for (const k of FAULT_KINDS) assert.ok(p!.includes(k), `${p} lists ${k}`);
    }
  });

  it('a slowPcpu fault on a PCPU the host lacks → the PCPUs there are', () => {
    assert.deepEqual(problems({ ...base, pcpus: 2, faults: [{ kind: 'slowPcpu', pcpu: 2 }] }), ['faults[0].pcpu is 2, but there are only 2 PCPUs (0..1)']);
    assert.doesNotThrow(() => parseScenario({ ...base, pcpus: 2, faults: [{ kind: 'slowPcpu', pcpu: 1 }] }));
  });

  it('a missing destination pdir outside the VM, and a swap-copy fault on a shared file, are refused', () => {
    // 4 MB = 1024 pages = 2 pdirs of 512.
    assert.deepEqual(problems({ ...base, faults: [{ kind: 'missingDestPdir', dirIndex: 2 }] }), ['faults[0].dirIndex is 2, but the VM has 2 pdirs']);
    assert.deepEqual(problems({ ...base, faults: [{ kind: 'swapCopyFail' }] }), ['faults[0] (swapCopyFail) needs swap.mode "unshared": a shared swap file is not copied']);
  });

  it('required fields, ranges and MPNs', () => {
    assert.deepEqual(problems({ ...base, name: undefined }), ['name is required']);
    assert.deepEqual(problems({ ...base, swap: undefined }), ['swap is required']);
    const [memMB] = problems({ ...base, vm: { memMB: 0 } });
    assert.match(memMB!, /^vm\.memMB must be 1 or more/);
    assert.match(problems({ ...base, pcpus: 65 })[0]!, /^pcpus is at most 64/);
    assert.match(problems({ ...base, vm: { memMB: 4, largePageFraction: 2 } })[0]!, /^vm\.largePageFraction: .*0\.\.1/);
    assert.match(problems({ ...base, host: { ranges: [{ baseMPN: 'zz', pages: 10 }] } })[0]!, /^host\.ranges\[0\]\.baseMPN: .*hex/);
    assert.match(problems({ ...base, host: { ranges: [{ baseMPN: '0x4000000000', pages: 10 }] } })[0]!, /^host\.ranges\[0\]\.baseMPN: .*38 bits/);
    assert.match(problems({ ...base, host: { ranges: [{ baseMPN: 0, pages: 100 }] } })[0]!, /^host\.ranges hold 100 pages, too few for a 4 MB VM/);
    assert.match(problems({ ...base, host: { ranges: [{ baseMPN: 0, pages: 2 ** 31 }] } })[0]!, /^host\.ranges\[0\]\.pages: .*at most 2147483647/);
    assert.match(problems({ ...base, host: { ranges: [{ baseMPN: 0, pages: 40000 }, { baseMPN: 100, pages: 40000 }] } })[0]!, /^host\.ranges overlap at MPN 0x64/);
  });

  it('several problems are reported together, each on its own line', () => {
    const ps = problems({ ...base, swap: { mode: 'x' }, colour: 1, faults: [{ kind: 'meteor' }] });
    assert.equal(ps.length, 3);
    assert.throws(
      () => parseScenario({ ...base, swap: { mode: 'x' }, colour: 1 }, 'f.json'),
      { message: 'f.json: 2 problems:\n  - swap.mode must be one of: "shared", "unshared"\n  - the scenario has unknown field(s) "colour"' },
    );
  });

  it('a field of the wrong type says what type it must be, not that it is missing', () => {
    const [p, ...rest] = problems({ ...base, vm: { memMB: '4' } });
    assert.deepEqual(rest, []);
    assert.match(p!, /^vm\.memMB must be a number/);
    assert.doesNotMatch(p!, /required/);
  });

  it('a page mix of all zeros is refused by the format, not later by the engine', () => {
    assert.match(problems({ ...base, vm: { memMB: 4, mix: {} } })[0]!, /^vm\.mix/);
  });

  it('overrides are validated like a document and named as overrides', () => {
    const sc = builtinScenario('shared-swap');
    assert.equal(withOverrides(sc, { swap: { mode: 'unshared' } }).swap.mode, 'unshared');
    assert.equal(withOverrides(sc, { swap: { mode: 'unshared' } }).swap.swapOuts, sc.swap.swapOuts, 'a partial override keeps the rest');
    assert.throws(() => withOverrides(sc, { swap: { mode: 'x' } }), (e: unknown) => e instanceof ScenarioError && e.message === 'overrides: swap.mode must be one of: "shared", "unshared"');
  });
});

describe('scenario format: defaults and round trips', () => {
  it('a minimal document gets the documented defaults', () => {
    const s = parseScenario(base);
    assert.equal(s.seed, 1);
    assert.equal(s.description, '');
    assert.equal(s.teaches, '');
    assert.equal(s.host.ranges[0]!.baseMPN, 0x100000, 'hex MPN strings become numbers');
    assert.equal(s.vm.largePageFraction, 0.25);
    assert.equal(s.vm.touchedPages, 4);
    assert.equal(s.vm.mix, undefined);
    assert.deepEqual(s.swap, { mode: 'shared', swapOuts: 4, migSwapUsedSlots: 0, cptSwapUsedSlots: 0 });
    assert.deepEqual(s.reservations, { memMinToTransferMB: 0, cpuMinToTransferMHz: 0, destGroupMemMinMB: 0, destGroupCpuMinMHz: 0 });
    assert.equal(s.pcpus, 4);
    assert.equal(s.checkpointChunks, 4);
    assert.deepEqual(s.faults, []);
    assert.deepEqual(parseScenario({ ...base, faults: [{ kind: 'slowPcpu', pcpu: 0 }, { kind: 'swapCopyFail' }], swap: { mode: 'unshared' } }).faults, [
      { kind: 'slowPcpu', pcpu: 0, delaySteps: 40 },
      { kind: 'swapCopyFail', atExtent: 0 },
    ]);
  });

  it('every built-in is a valid document that reads back as itself (JSON round trip)', () => {
    for (const name of BUILTIN_NAMES) {
      const s = builtinScenario(name);
      assert.equal(s.name, name);
      assert.ok(s.teaches.length > 0, `${name} says what it teaches`);
      assert.deepEqual(parseScenario(JSON.parse(JSON.stringify(s)), name), s);
    }
  });

  it('an unknown built-in names the built-ins there are', () => {
    assert.throws(() => builtinScenario('nope'), (e: unknown) => e instanceof RangeError && e.message === `no built-in scenario "nope" (built-ins: ${BUILTIN_NAMES.join(', ')})`);
  });
});
