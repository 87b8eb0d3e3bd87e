// The scenario format (engine parseScenario): bad documents get errors that name the field and
// what is allowed; good ones get the documented defaults. Pure engine API; no CLI, no files.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_NAMES, FAULT_KINDS, ScenarioError, builtinScenario, parseScenario, parseScenarioText, withOverrides } from '../../engine/index';

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
  it('swap.mode "x" → must be one of "shared", "unshared", and what was given', () => {
    assert.deepEqual(problems({ ...base, swap: { mode: 'x' } }), ['swap.mode must be one of: "shared", "unshared", got "x"']);
    assert.deepEqual(problems({ ...base, swap: { mode: 'sharde' } }), ['swap.mode must be one of: "shared", "unshared", got "sharde"; did you mean shared?']);
  });

  it('an unknown field is named, at the top level and inside an object', () => {
    const top = 'name, description, teaches, seed, host, vm, swap, reservations, pcpus, checkpointChunks, faults';
    assert.deepEqual(problems({ ...base, colour: 'red' }), [`the scenario has unknown field "colour" (fields: ${top})`]);
    assert.deepEqual(problems({ ...base, vm: { memMB: 4, memGB: 1 } }), ['vm has unknown field "memGB"; did you mean memMB? (fields: memMB, mix, largePageFraction, touchedPages)']);
    assert.deepEqual(problems({ ...base, vm: { memMB: 4, mix: { regulr: 1 } } }), ['vm.mix has unknown field "regulr"; did you mean regular? (fields: regular, cow, swapped, zipped, ballooned, none)']);
    assert.deepEqual(problems({ ...base, faults: [{ kind: 'sourceTimeout', when: 3 }] }), ['faults[0] has unknown field "when" (fields: kind)']);
    assert.deepEqual(problems({ ...base, pcpu: 2, colour: 1 }), [`the scenario has unknown fields "pcpu" (did you mean pcpus?), "colour" (fields: ${top})`]);
  });

  it('a near-miss fault kind gets a suggestion', () => {
    assert.deepEqual(problems({ ...base, faults: [{ kind: 'missingDstPdir', dirIndex: 1 }] }), [`faults[0].kind must be one of: ${FAULT_KINDS.join(', ')}, got "missingDstPdir"; did you mean missingDestPdir?`]);
    assert.deepEqual(problems({ ...base, faults: [{ dirIndex: 1 }] }), [`faults[0].kind is required: one of ${FAULT_KINDS.join(', ')}`]);
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
    assert.deepEqual(problems({ ...base, name: undefined }), ['name is required (text)']);
    assert.deepEqual(problems({ ...base, swap: undefined }), ['swap is required (an object)']);
    assert.deepEqual(problems({ ...base, vm: { memMB: 0 } }), ['vm.memMB must be an integer 1–1048576, got 0']);
    assert.deepEqual(problems({ ...base, pcpus: 65 }), ['pcpus must be an integer 1–64, got 65']);
    assert.deepEqual(problems({ ...base, checkpointChunks: 1001 }), ['checkpointChunks must be an integer 1–1000, got 1001']);
    assert.deepEqual(problems({ ...base, checkpointChunks: 2.5 }), ['checkpointChunks must be an integer 1–1000, got 2.5']);
    assert.deepEqual(problems({ ...base, seed: -1 }), ['seed must be an integer ≥ 0, got -1']);
    assert.deepEqual(problems({ ...base, vm: { memMB: 4, touchedPages: 65 } }), ['vm.touchedPages must be an integer 0–64, got 65']);
    assert.deepEqual(problems({ ...base, vm: { memMB: 4, largePageFraction: 2 } }), ['vm.largePageFraction must be a number 0–1, got 2']);
    assert.deepEqual(problems({ ...base, vm: { memMB: 4, mix: { regular: -1 } } }), ['vm.mix.regular must be a number ≥ 0, got -1']);
    assert.deepEqual(problems({ ...base, faults: [{ kind: 'slowPcpu', pcpu: 0, delaySteps: 0 }] }), ['faults[0].delaySteps must be an integer ≥ 1, got 0']);
    assert.match(problems({ ...base, host: { ranges: [{ baseMPN: 'zz', pages: 10 }] } })[0]!, /^host\.ranges\[0\]\.baseMPN must be an MPN: .*hex.*, got "zz"$/);
    assert.match(problems({ ...base, host: { ranges: [{ baseMPN: '0x4000000000', pages: 10 }] } })[0]!, /^host\.ranges\[0\]\.baseMPN must be an MPN: .*38 bits.*, got 0x4000000000$/);
    assert.match(problems({ ...base, host: { ranges: [{ baseMPN: 0, pages: 100 }] } })[0]!, /^host\.ranges hold 100 pages, too few for a 4 MB VM/);
    assert.deepEqual(problems({ ...base, host: { ranges: [{ baseMPN: 0, pages: 2 ** 31 }] } }), ['host.ranges[0].pages must be an integer 1–2147483647, got 2147483648']);
    assert.deepEqual(problems({ ...base, host: { ranges: [] } }), ['host.ranges needs at least 1 entry']);
    assert.match(problems({ ...base, host: { ranges: [{ baseMPN: 0, pages: 40000 }, { baseMPN: 100, pages: 40000 }] } })[0]!, /^host\.ranges overlap at MPN 0x64/);
  });

  it('several problems are reported together, each on its own line', () => {
    const ps = problems({ ...base, swap: { mode: 'x' }, colour: 1, faults: [{ kind: 'meteor' }] });
    assert.equal(ps.length, 3);
    assert.throws(
      () => parseScenario({ ...base, swap: { mode: 'x' }, colour: 1 }, 'f.json'),
      { message: 'f.json: 2 problems:\n  - swap.mode must be one of: "shared", "unshared", got "x"\n  - the scenario has unknown field "colour" (fields: name, description, teaches, seed, host, vm, swap, reservations, pcpus, checkpointChunks, faults)' },
    );
  });

  it('a field of the wrong type says what type it must be, not that it is missing', () => {
    const [p, ...rest] = problems({ ...base, vm: { memMB: '4' } });
    assert.deepEqual(rest, []);
    assert.equal(p, 'vm.memMB must be an integer 1–1048576, got "4"');
    assert.deepEqual(problems({ ...base, name: 5 }), ['name must be text, got 5']);
    assert.deepEqual(problems({ ...base, host: { ranges: {} } }), ['host.ranges must be an array, got {}']);
    for (const q of problems({ ...base, seed: 1.5, vm: { memMB: 4.5 }, pcpus: 'x' })) assert.doesNotMatch(q, /\ba int\b|required/);
  });

  it('a page mix of all zeros is refused by the format, not later by the engine', () => {
    assert.match(problems({ ...base, vm: { memMB: 4, mix: {} } })[0]!, /^vm\.mix must give at least one page type .* a weight above 0, got \{\}$/);
  });

  it('overrides are validated like a document and named as overrides', () => {
    const sc = builtinScenario('shared-swap');
    assert.equal(withOverrides(sc, { swap: { mode: 'unshared' } }).swap.mode, 'unshared');
    assert.equal(withOverrides(sc, { swap: { mode: 'unshared' } }).swap.swapOuts, sc.swap.swapOuts, 'a partial override keeps the rest');
    assert.throws(() => withOverrides(sc, { swap: { mode: 'x' } }), (e: unknown) => e instanceof ScenarioError && e.message === 'overrides: swap.mode must be one of: "shared", "unshared", got "x"');
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

describe('scenario files: the text, and names that are JavaScript prototype members', () => {
  const text = JSON.stringify(base, null, 2);

  it('accepts a leading byte-order mark', () => {
    assert.equal(parseScenarioText('\ufeff' + text, 'bom.json').name, 'doc');
  });

  it('a JSON syntax error says its line and column', () => {
    const broken = text.replace('"vm": {', '"vm": {,');
    const line = broken.split('\n').findIndex((l) => l.includes('{,')) + 1;
    const column = broken.split('\n')[line - 1]!.indexOf(',') + 1;
    assert.throws(() => parseScenarioText(broken, 'b.json'), { message: `b.json: not valid JSON at line ${line}, column ${column}: value expected at ","` });
    assert.throws(() => parseScenarioText('{"name": "x",}', 'c.json'), { message: 'c.json: not valid JSON at line 1, column 14: property name expected at "}"' });
    assert.throws(() => parseScenarioText('{"name": "x"', 'd.json'), { message: 'd.json: not valid JSON at line 1, column 13: close brace expected at the end' });
    assert.throws(() => parseScenarioText('  ', 'e.json'), { message: 'e.json: the file is empty: a scenario is one JSON object, like {"name": …}' });
  });

  it('"__proto__", "constructor" and the like are unknown fields like any other, and overrides cannot reach a prototype', () => {
    const doc = JSON.parse(`{"__proto__": {"polluted": 1}, "constructor": 1, "toString": 2, ${text.slice(1)}`) as unknown;
    assert.match(problems(doc)[0]!, /^the scenario has unknown fields "__proto__", "constructor", "toString" \(fields: /);
    const sc = builtinScenario('shared-swap');
    for (const o of ['{"__proto__": {"polluted": 1}}', '{"vm": {"__proto__": {"polluted": 1}}}', '{"constructor": {"prototype": {"polluted": 1}}}']) {
      assert.throws(() => withOverrides(sc, JSON.parse(o) as Record<string, unknown>), ScenarioError);
      assert.equal(({} as Record<string, unknown>).polluted, undefined, `${o} reached Object.prototype`);
    }
    assert.deepEqual(problems({ ...base, faults: [{ kind: 'toString' }] }), [`faults[0].kind must be one of: ${FAULT_KINDS.join(', ')}, got "toString"`]);
    assert.deepEqual(problems({ ...base, swap: { mode: 'constructor' } }), ['swap.mode must be one of: "shared", "unshared", got "constructor"']);
    for (const n of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) assert.throws(() => builtinScenario(n), { message: `no built-in scenario "${n}" (built-ins: ${BUILTIN_NAMES.join(', ')})` });
  });
});
