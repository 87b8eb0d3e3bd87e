// Names are data, never object keys: in every place a typed name is looked up, a name that happens
// to be a JavaScript prototype member (toString, constructor, __proto__, hasOwnProperty, valueOf…)
// is one more unknown name. Property tests over random names, many of them prototype members.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BUILTIN_NAMES, ExprError, FAULT_KINDS, PageType, RESUME_STATES, ScenarioError, Session, builtinScenario, evalExpr, parseExpr, parseScenario, withOverrides,
} from '../../engine/index';
import { EXIT_USAGE, main } from '../../cli/sim';
import { Inline } from './inline';

const PROTO = [...new Set([Object.prototype, Function.prototype, Array.prototype, String.prototype, Number.prototype].flatMap((p) => Object.getOwnPropertyNames(p)).concat(['prototype', '__proto__', 'caller', 'arguments']))];
const IDENT = /^[A-Za-z_$][\w$]*$/;
/** Prototype members, their near relatives, and random text. */
const arbName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PROTO) },
  { weight: 1, arbitrary: fc.constantFrom(...PROTO).map((p) => `${p}_`) },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
);
const arbIdent = arbName.filter((n) => IDENT.test(n));
const RUNS = { numRuns: 150, seed: 42 };
const notPolluted = () => assert.deepEqual(Object.keys(Object.prototype), [], 'Object.prototype has no enumerable keys');

describe('names are data: the engine', () => {
  const s = new Session(builtinScenario('shared-swap'));
  s.rt.step(0, 'in');
  const frame = s.rt.actors[0]!.stack.at(-1)!;
  const locals = Object.keys(frame.locals);
  const roots = ['fsr', 'resumeState', 'swapCopyState', 'src', 'dst', 'srcVmx', 'dstVmx', 'memHandoff', 'cpt', 'helper', 'INVALID_MPN64', ...Object.keys(PageType)];

  it('conditions and the console: a root, a field or a function that is not there is an error naming it', () => {
    const r = s.resolver(frame);
    fc.assert(
      fc.property(arbName, (name) => {
        if (!locals.includes(name) && !roots.includes(name)) assert.throws(() => r.path(name, []), (e) => e instanceof ExprError && /^no variable /.test((e as Error).message));
        const fields = Object.keys(s.cx.fsr);
        if (!fields.includes(name)) assert.throws(() => r.path('fsr', [name]), (e) => e instanceof ExprError && /has no field/.test((e as Error).message));
        assert.throws(() => r.path('src', ['pframes', name, 'x']), ExprError);
        if (!['pframe', 'backmap', 'BusMem_TranslateBPN', 'vtop', 'BPN_MAINMEM'].includes(name)) assert.throws(() => s.call(name, []), (e) => e instanceof ExprError && /^unknown function/.test((e as Error).message));
        if (IDENT.test(name) && !locals.includes(name) && !roots.includes(name) && !/^(true|false|null|TRUE|FALSE|NULL)$/.test(name)) {
          assert.throws(() => evalExpr(parseExpr(`${name} == 1`), r), ExprError);
        }
      }),
      RUNS,
    );
  });

  it('function and phase breakpoints: an unknown name is unverified with a message, and the others are set', () => {
    const fns = new Set(s.listing.fns.keys());
    fc.assert(
      fc.property(arbName, (name) => {
        const res = s.rt.setBreakpoints(['function', 'phase'], [{ kind: 'function', name: 'World_SetPanicNoCore' }, { kind: 'function', name }, { kind: 'phase', name }, { kind: 'function', name: 'FSR_ResumeDone' }]);
        assert.equal(res.length, 4);
        assert.ok(res[0]!.verified && res[3]!.verified);
        if (!fns.has(name.trim()) && !s.listing.text.includes(name.trim())) assert.equal(res[1]!.verified, false, name);
        if (!s.rt.phases().includes(name)) assert.match(res[2]!.message ?? '', /^no phase /);
      }),
      RUNS,
    );
  });

  it('scenarios: built-in names, fields, fault kinds, swap modes and overrides', () => {
    const base = { name: 'n', host: { ranges: [{ baseMPN: '0x100000', pages: 65536 }] }, vm: { memMB: 4 }, swap: { mode: 'shared' } };
    const top = Object.keys(base).concat(['description', 'teaches', 'seed', 'reservations', 'pcpus', 'checkpointChunks', 'faults']);
    fc.assert(
      fc.property(arbName, (name) => {
        if (!BUILTIN_NAMES.includes(name)) assert.throws(() => builtinScenario(name), /^RangeError: no built-in scenario /);
        const doc = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
        Object.defineProperty(doc, name, { value: 1, enumerable: true });
        if (!top.includes(name)) assert.throws(() => parseScenario(doc), (e) => e instanceof ScenarioError && /unknown field/.test((e as Error).message));
        if (!(FAULT_KINDS as readonly string[]).includes(name)) assert.throws(() => parseScenario({ ...base, faults: [{ kind: name }] }), (e) => e instanceof ScenarioError && /faults\[0\]\.kind must be one of/.test((e as Error).message));
        if (name !== 'shared' && name !== 'unshared') assert.throws(() => parseScenario({ ...base, swap: { mode: name } }), ScenarioError);
        const o: Record<string, unknown> = {};
        Object.defineProperty(o, name, { value: { polluted: 1 }, enumerable: true });
        try {
          withOverrides(builtinScenario('shared-swap'), o);
        } catch (e) {
          assert.ok(e instanceof ScenarioError, String(e));
        }
        notPolluted();
      }),
      RUNS,
    );
  });

  it('the CLI: a scenario name or --break name is a usage error naming it', () => {
    fc.assert(
      fc.property(arbName.filter((n) => !n.startsWith('-') && !BUILTIN_NAMES.includes(n)), (name) => {
        const err: string[] = [];
        const io = { out: () => {}, err: (l: string) => err.push(l), readFile: () => { throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' }); } };
        assert.equal(main(['run', name], io), EXIT_USAGE);
        assert.match(err[0]!, /^fsr-sim: (no built-in scenario|cannot read scenario file)/);
      }),
      RUNS,
    );
    // --break builds a session per run: fewer of them.
    fc.assert(
      fc.property(fc.constantFrom(...PROTO), (name) => {
        const err: string[] = [];
        const io = { out: () => {}, err: (l: string) => err.push(l), readFile: () => '' };
        assert.equal(main(['run', 'shared-swap', `--break=${name}`], io), EXIT_USAGE, name);
        assert.match(err[0]!, /^fsr-sim: --break .*: no (function or macro named|phase) /);
      }),
      { numRuns: 12, seed: 42 },
    );
  });
});

describe('names are data: the adapter', () => {
  it('evaluate, watch and hover: an unknown identifier is an error naming it, never "{}"', async () => {
    const c = await Inline.stopped();
    const { frameId, refs } = await c.scopes();
    const locals = [...(await c.vars(refs.get('Locals')!)).keys()];
    const known = new Set([...locals, 'fsr', 'src', 'dst', 'host', 'resumeState', 'swapCopyState', 'srcVmx', 'dstVmx', 'memHandoff', 'cpt', 'helper', 'INVALID_MPN64', ...Object.keys(PageType), 'true', 'false', 'null', 'TRUE', 'FALSE', 'NULL']);
    const fsrFields = [...(await c.vars(refs.get('FSR')!)).keys()];
    await fc.assert(
      fc.asyncProperty(arbIdent, fc.constantFrom('repl', 'watch', 'hover'), async (name, context) => {
        if (!known.has(name)) assert.match(await c.err('evaluate', { expression: name, frameId, context }), /no variable/);
        if (!fsrFields.includes(name)) assert.match(await c.err('evaluate', { expression: `fsr.${name}`, frameId, context }), /has no field/);
        assert.match(await c.err('evaluate', { expression: `src->pframes.${name}.x`, frameId, context }), /has no field|is a value/);
        if (!['pframe', 'backmap', 'BusMem_TranslateBPN', 'vtop', 'BPN_MAINMEM'].includes(name)) assert.match(await c.err('evaluate', { expression: `${name}(1)`, frameId, context }), /unknown function/);
        assert.match(await c.err('evaluate', { expression: `pframe(${JSON.stringify(name)}, 0)`, frameId, context }), /no world/);
      }),
      RUNS,
    );
  });

  it('function breakpoints: an unknown name is unverified, the rest are set under ids the client gets', async () => {
    const c = await Inline.stopped();
    const listing = String((await c.ok('source', { sourceReference: 1 })).content);
    await fc.assert(
      fc.asyncProperty(arbName, async (name) => {
        const r = (await c.ok('setFunctionBreakpoints', { breakpoints: [{ name: 'World_SetPanicNoCore' }, { name }, { name: 'pdir redirect' }] })) as { breakpoints: Array<{ id?: number; verified: boolean; message?: string }> };
        assert.equal(r.breakpoints.length, 3);
        assert.ok(r.breakpoints[0]!.verified && r.breakpoints[2]!.verified);
        assert.equal(new Set(r.breakpoints.filter((b) => b.verified).map((b) => b.id)).size, r.breakpoints.filter((b) => b.verified).length, 'distinct ids');
        // Verified only as a word of the listing (a function, or a macro such as "map" in Kseg_MapMPN's text).
        if (r.breakpoints[1]!.verified) assert.ok(listing.includes(name.trim()), name);
        else assert.ok((r.breakpoints[1]!.message ?? '').length > 10);
      }),
      RUNS,
    );
  });

  it('setVariable: names and values, exception filters, data breakpoints and requests', async () => {
    const c = await Inline.stopped();
    const { refs } = await c.scopes();
    const fsr = refs.get('FSR')!;
    const fsrFields = [...(await c.vars(fsr)).keys()];
    const src = await c.vars(refs.get('vm-src')!);
    const pages = await c.vars(src.get('pages')!.variablesReference, { start: 0, count: 1 });
    const page0 = pages.get('[0x0]')!.variablesReference;
    await fc.assert(
      fc.asyncProperty(arbName, async (name) => {
        if (!fsrFields.includes(name)) assert.match(await c.err('setVariable', { variablesReference: fsr, name, value: '1' }), /^no variable /);
        if (!(RESUME_STATES as readonly string[]).includes(name.trim())) assert.match(await c.err('setVariable', { variablesReference: fsr, name: 'resumeState', value: name }), /resumeState must be one of/);
        if (!Object.keys(PageType).includes(name.trim()) && !/^\s*(\d+|0x[0-9a-f]+|0b[01]+|true|false|TRUE|FALSE)\s*$/i.test(name)) assert.match(await c.err('setVariable', { variablesReference: page0, name: 'type', value: name }), /is not a whole number/);
        if (!['fail', 'panic', 'invariant'].includes(name)) assert.match(await c.err('setExceptionBreakpoints', { filters: [name] }), /unknown exception filter/);
        const info = (await c.ok('dataBreakpointInfo', { variablesReference: fsr, name })) as { dataId: string | null };
        if (!fsrFields.includes(name)) assert.equal(info.dataId, null);
        const bad = [JSON.stringify({ kind: 'fsr', field: name }), JSON.stringify({ kind: 'pframe', world: 'source', pgNum: 1, field: name }), JSON.stringify({ kind: name })];
        const set = (await c.ok('setDataBreakpoints', { breakpoints: bad.map((dataId) => ({ dataId })) })) as { breakpoints: Array<{ verified: boolean }> };
        if (!fsrFields.includes(name) && !['pte', 'mpn', 'type', 'pinCount', 'extra'].includes(name)) assert.deepEqual(set.breakpoints.map((b) => b.verified), [false, false, false], name);
        if (!['fsr/state', 'fsr/view', 'fsr/page', 'fsr/watchPFrame'].includes(`fsr/${name}`)) assert.match(await c.err(`fsr/${name}`, {}), /unknown request/);
      }),
      RUNS,
    );
    await c.ok('setExceptionBreakpoints', { filters: ['fail', 'panic', 'invariant'] });
    notPolluted();
  });

  it('launch: a scenario name that is neither a built-in nor a file is refused, naming it', async () => {
    await fc.assert(
      fc.asyncProperty(arbName.filter((n) => !BUILTIN_NAMES.includes(n) && n.trim() !== ''), async (name) => {
        const c = new Inline();
        await c.ok('initialize', { adapterID: 'fsr' });
        assert.match(await c.err('launch', { scenario: name }), /is not a built-in .* and cannot be read as a file/);
        // Prototype members as launch attributes and request names.
        const cmd = await c.req(name, {});
        if (!cmd.success) assert.ok((cmd.message ?? '').length > 5);
      }),
      { numRuns: 60, seed: 42 },
    );
  });
});
