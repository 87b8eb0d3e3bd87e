// The headless simulator's commands (run, list, listing, help) as one function of argv that writes
// lines and returns an exit code. Knows the engine's public API only: no DAP, no editor, no process.exit.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  BUILTIN_NAMES, LISTING, ScenarioError, Session, builtinScenario, didYouMean, parseScenarioText, type BreakpointSpec, type Runtime, type Scenario,
} from '../engine/index';

/** Where the commands write, and how they read a scenario file (replaceable in tests). */
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  readFile(path: string): string;
}

export const EXIT_OK = 0;
export const EXIT_INVARIANT = 1;
export const EXIT_USAGE = 2;
/** Every step is kept for going back (about 1 KB each): a run that goes on this long is stuck. */
export const DEFAULT_MAX_STEPS = 200_000;

interface RunOptions {
  breaks: string[];
  seed: number | undefined;
  maxSteps: number;
  log: boolean;
}

export const USAGE = `fsr-sim — play an FSR same-host handoff headless and check "nothing lost"

usage:
  fsr-sim run <scenario|file.json> [--break NAME]... [--seed N] [--log] [--max-steps N]
  fsr-sim list                  the built-in scenarios and what each teaches
  fsr-sim listing               the simulated functions as numbered pseudo-C
  fsr-sim --help

run prints every phase reached (step, actor, function, listing line), each failure and
invariant break as it happens, a stop with the actor's call stack at each --break (a function
name, a seed macro, or a phase label such as "pdir redirect"), then the outcome and the
invariant report.
  --break NAME   stop (and go on) there; repeatable
  --seed N       override the scenario's seed (the schedule and the VM's page layout)
  --log          print the run's vmkernel-style log lines (simulated time)
  --max-steps N  give up after N steps (default ${DEFAULT_MAX_STEPS}): the run did not finish

exit code: 0 the run completed (a failed handoff is an outcome), 1 an invariant broke or the
run did not complete (no actor could run, or --max-steps ran out), 2 bad usage or a bad scenario.`;

/** Run the CLI on `argv` (without node and the script); returns the exit code. */
export function main(argv: string[], io: CliIO = defaultIO()): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        break: { type: 'string', multiple: true, short: 'b' },
        seed: { type: 'string' },
        'max-steps': { type: 'string' },
        log: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    return usageError(io, (e as Error).message);
  }
  const { values: opts, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (opts.help || command === 'help') {
    io.out(USAGE);
    return EXIT_OK;
  }
  if (command === undefined) return usageError(io, 'no command given');
  const runOnly = (opts.break?.length ?? 0) > 0 || opts.seed !== undefined || opts['max-steps'] !== undefined || opts.log;
  if (command !== 'run' && runOnly) return usageError(io, `--break, --seed, --max-steps and --log go with "run", not "${command}"`);
  switch (command) {
    case 'list':
      if (rest.length) return usageError(io, `"list" takes no arguments (got ${rest.join(' ')})`);
      return list(io);
    case 'listing':
      if (rest.length) return usageError(io, `"listing" takes no arguments (got ${rest.join(' ')})`);
      return listing(io);
    case 'run': {
      if (rest.length !== 1) return usageError(io, rest.length ? `"run" takes one scenario, got ${rest.length}: ${rest.join(' ')}` : '"run" needs a scenario: a built-in name or a scenario JSON file');
      const seed = wholeNumber(opts.seed);
      if (Number.isNaN(seed)) return usageError(io, `--seed must be an integer ≥ 0, got "${opts.seed}"`);
      const maxSteps = wholeNumber(opts['max-steps']) ?? DEFAULT_MAX_STEPS;
      if (Number.isNaN(maxSteps) || maxSteps === 0) return usageError(io, `--max-steps must be an integer ≥ 1, got "${opts['max-steps']}"`);
      return run(io, rest[0]!, { breaks: opts.break ?? [], seed, maxSteps, log: opts.log ?? false });
    }
    default:
      return usageError(io, `unknown command ${JSON.stringify(command)} (commands: run, list, listing)${didYouMean(command, ['run', 'list', 'listing', 'help'])}`);
  }
}

/** undefined when absent, NaN when not a whole number. */
function wholeNumber(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  return /^\d+$/.test(v) && Number.isSafeInteger(Number(v)) ? Number(v) : NaN;
}

function defaultIO(): CliIO {
  return {
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
    readFile: (path) => readFileSync(path, 'utf8'),
  };
}

function usageError(io: CliIO, message: string): number {
  io.err(`fsr-sim: ${message}`);
  io.err('run "fsr-sim --help" for usage');
  return EXIT_USAGE;
}

function list(io: CliIO): number {
  const width = Math.max(...BUILTIN_NAMES.map((n) => n.length));
  for (const name of BUILTIN_NAMES) io.out(`${name.padEnd(width)}  ${builtinScenario(name).teaches}`);
  return EXIT_OK;
}

function listing(io: CliIO): number {
  const lines = LISTING.text.replace(/\n$/, '').split('\n');
  const width = String(lines.length).length;
  lines.forEach((text, i) => io.out(`${String(i + 1).padStart(width)}  ${text}`.trimEnd()));
  return EXIT_OK;
}

/** A built-in by name, else a scenario file; a problem is a message for the user. */
function loadScenario(io: CliIO, arg: string): Scenario | string {
  if (BUILTIN_NAMES.includes(arg)) return builtinScenario(arg);
  let text: string;
  try {
    text = io.readFile(arg);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !/[./\\]/.test(arg)) return `no built-in scenario ${JSON.stringify(arg)} (built-ins: ${BUILTIN_NAMES.join(', ')}) and no file by that name${didYouMean(arg, BUILTIN_NAMES)}`;
    return `cannot read scenario file ${arg}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`;
  }
  try {
    return parseScenarioText(text, arg);
  } catch (e) {
    if (e instanceof ScenarioError) return e.message;
    throw e;
  }
}

/** Set the breakpoints: a phase label if there is one by that name, else a function or macro. */
function setBreaks(io: CliIO, rt: Pick<Runtime<unknown>, 'phases' | 'setBreakpoints'>, names: string[]): string[] {
  const phases = rt.phases();
  const specs: BreakpointSpec[] = names.map((name) => (phases.includes(name) ? { kind: 'phase', name } : { kind: 'function', name }));
  const results = rt.setBreakpoints(['function', 'phase'], specs);
  const problems: string[] = [];
  results.forEach((r, i) => {
    if (r.verified && r.note) io.out(`--break ${names[i]}: ${r.note}`);
    if (r.verified) return;
    const also = specs[i]!.kind === 'function' ? `, nor a phase (phases: ${phases.join(', ')})` : '';
    // The engine's "; did you mean …?" goes last.
    const [, said, hint] = /^(.*?)(; did you mean .*\?)?$/s.exec(r.message ?? 'not a place to stop')!;
    problems.push(`--break ${names[i]}: ${said}${also}${hint ?? ''}`);
  });
  return problems;
}

function run(io: CliIO, arg: string, { breaks, seed, maxSteps, log }: RunOptions): number {
  const scenario = loadScenario(io, arg);
  if (typeof scenario === 'string') {
    io.err(`fsr-sim: ${scenario}`);
    return EXIT_USAGE;
  }
  let s: Session;
  try {
    // A headless check is what CI runs: sweep every page once more when the run ends.
    s = new Session(scenario, { fullCheckAtEnd: true, ...(seed === undefined ? {} : { seed }) });
  } catch (e) {
    // A document the format accepts but the engine cannot build (e.g. a mix of all zeros).
    if (!(e instanceof RangeError)) throw e;
    io.err(`fsr-sim: ${arg}: ${e.message}`);
    return EXIT_USAGE;
  }
  const rt = s.rt;
  const problems = setBreaks(io, rt, breaks);
  if (problems.length) {
    for (const p of problems) io.err(`fsr-sim: ${p}`);
    return EXIT_USAGE;
  }
  // Failures, panics and invariant breaks are printed as they happen; the run does not stop on them.
  rt.setExceptionFilters([]);

  const sc = s.scenario;
  io.out(`scenario ${sc.name} (seed ${s.seed})${sc.description ? `: ${sc.description}` : ''}`);
  const faults = sc.faults.map((f) => f.kind).join(', ') || 'none';
  io.out(`  ${sc.vm.memMB} MB VM (${s.src.pframes.numMainMemPages} pages, ${s.src.numDirs} pdirs), swap ${sc.swap.mode}, ${sc.pcpus} PCPUs, faults: ${faults}`);
  io.out('');

  const stepCol = (n: number) => `[${String(n).padStart(6)}]`;
  s.onEvent((e) => {
    if (e.type === 'phase') {
      io.out(`${stepCol(e.step)} phase ${JSON.stringify(e.name)}: ${rt.actor(e.actorId).name} in ${e.fn}, line ${e.line}`);
    } else if (e.type === 'phases') {
      // A bulk step's iterations: each reached the phase at its own step; a long run is summed up.
      const shown = e.steps.length <= 10 ? e.steps : e.steps.subarray(0, 3);
      for (const step of shown) io.out(`${stepCol(step)} phase ${JSON.stringify(e.name)}: ${rt.actor(e.actorId).name} in ${e.fn}, line ${e.line}`);
      if (shown.length < e.steps.length) io.out(`${' '.repeat(8)} … and ${e.steps.length - shown.length} more, the same phase at the same line, the last at step ${e.steps[e.steps.length - 1]}`);
    } else if (e.type === 'exception') {
      io.out(`${stepCol(e.step)} ${e.filter === 'invariant' ? 'INVARIANT BROKEN' : e.filter.toUpperCase()}: ${rt.actor(e.actorId).name} in ${e.fn}, line ${e.line}: ${e.message}`);
    } else if (e.type === 'output' && log) {
      io.out(`${stepCol(e.step)} log ${e.category === 'stdout' ? '' : `(${e.category}) `}${e.line}`);
    }
  });

  let incomplete = false;
  for (;;) {
    rt.continue();
    // --max-steps bounds the work done (steps executed, a bulk step counting once), not the step number.
    const stop = rt.run(maxSteps - rt.workDone);
    if (stop?.reason === 'end') break;
    if (!stop) {
      incomplete = true;
      io.out(`${stepCol(rt.stepCount)} GAVE UP: still running after ${maxSteps} steps executed (--max-steps)`);
      break;
    }
    if (stop.reason === 'deadlock') {
      incomplete = true;
      io.out(`${stepCol(rt.stepCount)} DEADLOCK: ${stop.description}`);
      break;
    }
    io.out(`${stepCol(rt.stepCount)} stop (${stop.reason}): ${stop.description}`);
    if (stop.actorId !== null) {
      const a = rt.actor(stop.actorId);
      [...a.stack].reverse().forEach((f, i) => io.out(`${' '.repeat(9)}#${i} ${f.fn.name}, line ${f.fn.body[f.pc]?.line ?? '?'}`));
    }
  }

  const o = s.outcome();
  const who = o.victor === 'none' ? (o.panicked ? 'nobody: the VM panicked' : 'nobody') : `the ${o.victor}`;
  io.out('');
  io.out(`outcome after ${rt.stepCount} steps${o.finished ? '' : ' (the run did not finish)'}:`);
  io.out(`  resumes:  ${who} (resumeState ${o.resumeState})`);
  io.out(`  failed:   ${o.failures.length ? o.failures[0] : 'nothing'}`);
  for (const f of o.failures.slice(1)) io.out(`            ${f}`);
  io.out(`  moved:    ${o.pdirsRedirected} of ${s.src.numDirs} pdirs redirected to the destination; ${o.swapSlotsInDestination} used slots in the destination's swap file; swap copy ${o.swapCopyState}`);
  io.out('');
  if (o.invariantBreaks.length === 0) {
    io.out(`invariants: all held (checked after each of the ${rt.workDone} steps executed — a bulk step once, for the fine steps it stands for${o.finished ? ' — and in a full sweep at the end' : ''})`);
  } else {
    io.out(`invariants: ${o.invariantBreaks.length} broken`);
    for (const b of o.invariantBreaks) io.out(`  - ${b}`);
  }
  return o.invariantBreaks.length || incomplete ? EXIT_INVARIANT : EXIT_OK;
}
