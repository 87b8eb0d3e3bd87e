// The headless simulator (cli/sim.ts through its main function, and cli/fsr-sim.ts as a process):
// golden traces under test/golden/ (UPDATE_GOLDEN=1 rewrites them), exit codes, usage errors.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BUILTIN_NAMES, LISTING, Session, builtinScenario } from '../../engine/index';
import { EXIT_INVARIANT, EXIT_OK, EXIT_USAGE, main } from '../../cli/sim';

const root = new URL('../..', import.meta.url).pathname;
const goldenDir = join(root, 'test', 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

/** Run the CLI in-process; `files` stands in for the file system. */
function cli(argv: string[], files: Record<string, string> = {}): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readFile: (p) => {
      if (p in files) return files[p]!;
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
    },
  });
  return { code, out: out.join('\n') + (out.length ? '\n' : ''), err: err.join('\n') };
}

function golden(name: string, text: string): void {
  const file = join(goldenDir, name);
  if (update) {
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(file, text);
    return;
  }
  assert.ok(existsSync(file), `missing golden file test/golden/${name} (run with UPDATE_GOLDEN=1 to create it)`);
  assert.equal(text, readFileSync(file, 'utf8'), `output differs from test/golden/${name} (UPDATE_GOLDEN=1 rewrites it after a deliberate change)`);
}

const small = BUILTIN_NAMES.filter((n) => n !== 'big-vm');

describe('fsr-sim golden traces', () => {
  for (const name of small) {
    it(`run ${name} --log`, () => {
      const r = cli(['run', name, '--log']);
      assert.equal(r.err, '');
      golden(`run-${name}.txt`, r.out);
    });
  }
  it('run shared-swap with breakpoints on a phase, a function and a swap-out', () => {
    const r = cli(['run', 'shared-swap', '--break', 'point of no return', '--break', 'FSRTransferSwapState', '--break', 'Swap_SwapOutPage']);
    assert.equal(r.code, EXIT_OK);
    golden('run-shared-swap-breaks.txt', r.out);
  });
  it('list', () => golden('list.txt', cli(['list']).out));
  it('listing', () => golden('listing.txt', cli(['listing']).out));
  it('--help', () => golden('help.txt', cli(['--help']).out));
});

describe('fsr-sim run', () => {
  it('exit code 0 for a completed run, a failed handoff included; 1 when an invariant breaks', () => {
    for (const name of small) {
      const expected = name === 'stale-shadow' ? EXIT_INVARIANT : EXIT_OK;
      assert.equal(cli(['run', name]).code, expected, name);
    }
  });

  it('the phase trace is the session\'s: step, phase, actor, function and listing line, in order', () => {
    const out = cli(['run', 'unshared-swap']).out;
    const traced = [...out.matchAll(/^\[ *(\d+)\] phase "([^"]+)": (.+) in (\w+), line (\d+)$/gm)].map((m) => ({ step: Number(m[1]), name: m[2], actor: m[3], fn: m[4], line: Number(m[5]) }));
    const s = new Session(builtinScenario('unshared-swap'));
    s.rt.setExceptionFilters([]);
    s.runToEnd();
    assert.deepEqual(traced, s.phases());
    assert.ok(traced.some((p) => p.name === 'point of no return' && p.fn === 'FSR_ResumeDone'));
    for (const p of traced) assert.ok(LISTING.text.split('\n')[p.line - 1]!.length > 0, `line ${p.line} is a listing line`);
  });

  it('a --break stops with the actor\'s call stack, innermost first, then goes on to the end', () => {
    const r = cli(['run', 'shared-swap', '--break', 'FSRTransferSwapState']);
    assert.equal(r.code, EXIT_OK);
    const lines = r.out.split('\n');
    const i = lines.findIndex((l) => / stop \(function breakpoint\): destination VMX at FSRTransferSwapState line \d+$/.test(l));
    assert.ok(i >= 0, r.out);
    const fnLine = LISTING.fns.get('FSRTransferSwapState')!.body.find((st) => !st.silent)!.line;
    assert.equal(lines[i + 1]!.trim(), `#0 FSRTransferSwapState, line ${fnLine}`);
    assert.match(lines[i + 2]!.trim(), /^#1 FSRTransferSwapFile, line \d+$/);
    assert.match(lines[i + 3]!.trim(), /^#2 FSR_ResumeDone, line \d+$/);
    assert.match(lines[i + 4]!.trim(), /^#3 FSRDestVMX, line \d+$/);
    assert.equal(lines.filter((l) => / stop \(/.test(l)).length, 1, 'a shared swap file is transferred once');
    assert.match(r.out, /resumes: {2}the destination/);
  });

  it('is deterministic, and --seed N picks the schedule (the scenario\'s own seed gives the same run)', () => {
    const a = cli(['run', 'resume-race', '--log']).out;
    assert.equal(cli(['run', 'resume-race', '--log']).out, a);
    assert.equal(cli(['run', 'resume-race', '--log', '--seed', String(builtinScenario('resume-race').seed)]).out, a);
    const other = cli(['run', 'resume-race', '--log', '--seed', '12345']);
    assert.equal(other.code, EXIT_OK);
    assert.match(other.out, /^scenario resume-race \(seed 12345\)/);
    assert.notEqual(other.out, a);
  });

  it('runs a scenario file; a bad one gets the field and the allowed values, exit code 2', () => {
    const doc = { name: 'mine', host: { ranges: [{ baseMPN: '0x100000000', pages: 8192 }] }, vm: { memMB: 4 }, swap: { mode: 'unshared' } };
    const ok = cli(['run', 'my.json'], { 'my.json': JSON.stringify(doc) });
    assert.equal(ok.code, EXIT_OK, ok.err);
    assert.match(ok.out, /^scenario mine \(seed 1\)/);
    assert.match(ok.out, /resumes: {2}the destination/);

    const bad = cli(['run', 'bad.json'], { 'bad.json': JSON.stringify({ ...doc, swap: { mode: 'x' } }) });
    assert.equal(bad.code, EXIT_USAGE);
    assert.equal(bad.out, '');
    assert.equal(bad.err, 'fsr-sim: bad.json: swap.mode must be one of: "shared", "unshared", got "x"');

    const pcpu = cli(['run', 'p.json'], { 'p.json': JSON.stringify({ ...doc, pcpus: 2, faults: [{ kind: 'slowPcpu', pcpu: 7 }] }) });
    assert.equal(pcpu.code, EXIT_USAGE);
    assert.match(pcpu.err, /faults\[0\]\.pcpu is 7, but there are only 2 PCPUs \(0\.\.1\)/);

    const json = cli(['run', 'broken.json'], { 'broken.json': '{ "name": ' });
    assert.equal(json.code, EXIT_USAGE);
    assert.equal(json.err, 'fsr-sim: broken.json: not valid JSON at line 1, column 11: value expected at the end');
    const bom = cli(['run', 'bom.json'], { 'bom.json': '\ufeff' + JSON.stringify(doc) });
    assert.equal(bom.code, EXIT_OK, bom.err);

    // No VM can be built from a mix of all zeros: a clear message naming vm.mix, exit code 2.
    const zeros = cli(['run', 'z.json'], { 'z.json': JSON.stringify({ ...doc, vm: { memMB: 4, mix: { regular: 0 } } }) });
    assert.equal(zeros.code, EXIT_USAGE);
    assert.match(zeros.err, /^fsr-sim: z\.json: vm\.mix.*at least one page type.* a weight above 0/);

    const missing = cli(['run', './nope.json']);
    assert.equal(missing.code, EXIT_USAGE);
    assert.equal(missing.err, 'fsr-sim: cannot read scenario file ./nope.json: no such file');
  });

  it('an unknown built-in lists the built-ins', () => {
    const r = cli(['run', 'shared-swop']);
    assert.equal(r.code, EXIT_USAGE);
    assert.equal(r.err, `fsr-sim: no built-in scenario "shared-swop" (built-ins: ${BUILTIN_NAMES.join(', ')}) and no file by that name; did you mean shared-swap?`);
  });

  it('an unknown --break name is refused with the engine\'s message and the phases there are', () => {
    const r = cli(['run', 'shared-swap', '--break', 'FSR_ResumeDone', '--break', 'FSR_ResumDone']);
    assert.equal(r.code, EXIT_USAGE);
    assert.equal(r.out, '', 'nothing runs');
    assert.match(r.err, /^fsr-sim: --break FSR_ResumDone: no function or macro named "FSR_ResumDone" in the simulated handoff, nor a phase \(phases: [^)]*pdir redirect[^)]*\); did you mean FSR_ResumeDone\?$/);
  });

  it('a phase label, a function and a seed macro (Atomic_CompareExchange) are places to break', () => {
    const r = cli(['run', 'reservation-fail', '--break', 'resume victor', '--break', 'MemSched_GroupGetAlloc', '--break', 'Atomic_CompareExchange']);
    assert.equal(r.code, EXIT_OK);
    const stops = [...r.out.matchAll(/ stop \((?:function )?breakpoint\): destination VMX at (\w+) line \d+$/gm)].map((m) => m[1]);
    // DESTVERIFY (the phase and the macro on one line), the reservation check, SOURCE after the FAIL.
    assert.deepEqual(stops, ['FSRDestVMX', 'MemSched_GroupGetAlloc', 'FSRCancelPrepareForMemoryTransfer']);
  });

  it('--break takes the slide\'s spelling Alloc_BPNTToMainMemPage for Alloc_BPNToMainMemPage, and says so', () => {
    const r = cli(['run', 'shared-swap', '--break', 'Alloc_BPNTToMainMemPage']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^--break Alloc_BPNTToMainMemPage: "Alloc_BPNTToMainMemPage" is the slide's spelling of Alloc_BPNToMainMemPage$/m);
    assert.match(r.out, /stop \(function breakpoint\): source VMX at Alloc_BPNToMainMemPage line \d+/);
  });

  it('--max-steps: a run that does not finish in time exits 1 and says so', () => {
    const r = cli(['run', 'shared-swap', '--max-steps', '50']);
    assert.equal(r.code, EXIT_INVARIANT);
    assert.match(r.out, /GAVE UP: still running after 50 steps/);
    assert.match(r.out, /outcome after 50 steps \(the run did not finish\)/);
  });

  it('usage errors exit 2', () => {
    for (const argv of [[], ['frob'], ['run'], ['run', 'a', 'b'], ['run', 'shared-swap', '--seed', 'x'], ['run', 'shared-swap', '--seed', '-1'], ['run', 'shared-swap', '--wat'], ['list', '--seed', '3'], ['listing', 'x'], ['run', 'shared-swap', '--max-steps', '0']]) {
      const r = cli(argv);
      assert.equal(r.code, EXIT_USAGE, argv.join(' '));
      assert.match(r.err, /^fsr-sim: [^]+\nrun "fsr-sim --help" for usage$/, argv.join(' '));
    }
  });
});

describe('fsr-sim list and listing', () => {
  it('list: each built-in with its teaches line', () => {
    const lines = cli(['list']).out.trimEnd().split('\n');
    assert.equal(lines.length, BUILTIN_NAMES.length);
    BUILTIN_NAMES.forEach((n, i) => {
      assert.ok(lines[i]!.startsWith(n + ' '), lines[i]);
      assert.ok(lines[i]!.endsWith(builtinScenario(n).teaches));
    });
  });
  it('listing: every line of the listing with its number, as breakpoints and stacks count them', () => {
    const lines = cli(['listing']).out.trimEnd().split('\n');
    assert.equal(lines.length, LISTING.lineCount);
    const src = LISTING.text.split('\n');
    for (const [i, l] of lines.entries()) {
      const m = /^ *(\d+)(?: {2}(.*))?$/.exec(l)!;
      assert.ok(m, l);
      assert.equal(Number(m[1]), i + 1);
      assert.equal(m[2] ?? '', src[i]!.trimEnd());
    }
    const def = LISTING.fns.get('World_SetPanicNoCore')!;
    assert.match(lines[def.firstLine! - 1]!, /^ *\d+ {2}void World_SetPanicNoCore\(World \*world\)$/);
  });
});

describe('fsr-sim as a process (cli/fsr-sim.ts)', () => {
  const exe = (argv: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'cli', 'fsr-sim.ts'), ...argv], { cwd: root, encoding: 'utf8' });
  it('exits 0, 1 and 2 and writes errors to stderr', () => {
    const ok = exe(['run', 'swap-in-use']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /resumes: {2}the source/);
    const broken = exe(['run', 'stale-shadow']);
    assert.equal(broken.status, 1);
    assert.match(broken.stdout, /invariants: \d+ broken/);
    const bad = exe(['run', 'nope']);
    assert.equal(bad.status, 2);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /no built-in scenario "nope"/);
  });
});
