// The handoff at 64 GiB: run to the end, breakpoints that never hit, a step back at the end, and
// peak memory (in a child process, against an empty Node). Value and baseline in the same run.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Session, builtinScenario } from '../../engine/index';
import { gc, median, report } from './harness';

const mode = process.argv[2];

/** One streaming Uint32 read of the source's PFrame bytes: every word of every pdir page. */
function streamRead(s: Session, dirMPNs: number[]): number {
  const t = performance.now();
  let sum = 0;
  for (const mpn of dirMPNs) {
    const w = s.machine.host.peekWords(mpn)!;
    for (let i = 0; i < w.length; i++) sum = (sum + w[i]!) | 0;
  }
  const dt = performance.now() - t;
  if (sum === 0.5) throw new Error('unreachable');
  return dt;
}

/** This process's peak RSS in bytes (VmHWM: unlike getrusage's maxrss it is not inherited across fork). */
function peakRSS(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status);
  if (!kb) throw new Error('no VmHWM in /proc/self/status');
  return Number(kb[1]) * 1024;
}

function fresh(): Session {
  const s = new Session(builtinScenario('big-vm'));
  s.rt.setExceptionFilters([]);
  return s;
}

/** A run to the end without breakpoints, the stream read before it, and stepping at its end. */
function plainRun(): { read: number; run: number; stepBack: number; stepFwd: number } {
  const s = fresh();
  const dirs = Array.from({ length: s.src.numDirs }, (_, d) => s.src.dirMPN(d));
  gc();
  streamRead(s, dirs); // warm
  const read = streamRead(s, dirs);
  gc();
  let t = performance.now();
  s.runToEnd();
  const run = performance.now() - t;
  if (s.outcome().victor !== 'destination') throw new Error('big-vm did not hand over');

  // At the end of the run (a few statements before the last, so that stepping forward does not
  // end the run and start the end-of-run sweep): one step back vs one step forward over the
  // same statement, alternated.
  const back: number[] = [];
  const fwd: number[] = [];
  for (let k = 0; k < 3; k++) s.rt.stepBack(1);
  for (let k = 0; k < 20; k++) {
    t = performance.now();
    s.rt.stepBack(1);
    back.push(performance.now() - t);
    t = performance.now();
    s.rt.step(1, 'in');
    s.rt.run();
    fwd.push(performance.now() - t);
  }
  return { read, run, stepBack: median(back), stepFwd: median(fwd) };
}

/** A run to the end with ten breakpoints that never hit on it: failure paths and functions of other modes. */
function runWithIdleBreakpoints(): number {
  const b = fresh();
  const never = ['FSRCancelPrepareForMemoryTransfer', 'FSRDestAbort', 'FSRSetupSwapMirror', 'SVM_MakeDev', 'SVMAsyncDiskCopyStart',
    'FSRSwapCopyFindExtentCB', 'World_Panic', 'FSRSourceResume'];
  const r = b.rt.setBreakpoints(['function', 'line'], [
    ...never.map((name) => ({ kind: 'function' as const, name })),
    // A condition evaluated once and false; a line in a path this run does not take.
    { kind: 'function', name: 'FSR_ResumeDone', condition: 'resumeState == "FSR_RESUME_SOURCE"' },
    { kind: 'line', line: b.listing.fns.get('FSRCancelPrepareForMemoryTransfer')!.body[1]!.line! },
  ]);
  if (r.length !== 10 || r.some((x) => !x.verified)) throw new Error(`breakpoints not verified: ${JSON.stringify(r)}`);
  gc();
  const t = performance.now();
  const stop = b.runToEnd();
  const idle = performance.now() - t;
  if (stop?.reason !== 'end') throw new Error(`a never-hit breakpoint stopped the run: ${JSON.stringify(stop)}`);
  return idle;
}

if (mode === 'rss-run') {
  const s = fresh();
  s.runToEnd();
  if (s.outcome().victor !== 'destination') throw new Error(`big-vm ended with ${JSON.stringify(s.outcome())}`);
  console.log(JSON.stringify({ maxRSS: peakRSS() }));
} else if (mode === 'rss-empty') {
  console.log(JSON.stringify({ maxRSS: peakRSS() }));
} else {
  // handoff-64GiB and breakpoints-idle: 10 rounds, each one fresh session of each kind. A session
  // made while an earlier one is still alive runs slower (memory the collector has not yet given
  // back), so each round makes one of each kind in turn, the earlier one dropped first, and
  // alternates the order. breakpoints-idle pairs each round's two runs.
  const runs: number[] = [];
  const reads: number[] = [];
  const idles: number[] = [];
  const backs: number[] = [];
  const fwds: number[] = [];
  for (let round = 0; round < 10; round++) {
    for (const withBreakpoints of round % 2 === 0 ? [false, true] : [true, false]) {
      if (withBreakpoints) idles.push(runWithIdleBreakpoints());
      else {
        const r = plainRun();
        reads.push(r.read);
        runs.push(r.run);
        backs.push(r.stepBack);
        fwds.push(r.stepFwd);
      }
    }
  }
  report('handoff-64GiB', runs, reads, '≤3', { note: 'run to the end vs one streaming read of the PFrame bytes' });
  report('breakpoints-idle', idles, runs, '≤1.1', { note: 'ten breakpoints that never hit vs none' });
  report('step-back-64GiB', backs, fwds, '≤2', { note: 'each sample the median of 20 steps at the end' });

  // Peak memory: three children of each kind, alternated.
  const child = (m: string) => JSON.parse(spawnSync(process.execPath, ['--expose-gc', process.argv[1]!, m], { encoding: 'utf8' }).stdout.trim().split('\n').pop()!).maxRSS as number;
  const MiB = 1024 * 1024;
  const pframeMiB = (16 * 1024 * 1024 * 8) / MiB;
  const used: number[] = [];
  const empties: number[] = [];
  for (let i = 0; i < 3; i++) {
    const empty = child('rss-empty');
    const peak = child('rss-run');
    empties.push(empty / MiB);
    used.push((peak - empty) / MiB);
  }
  report('rss-64GiB', used, used.map(() => pframeMiB), '≤1.5', { unit: 'MiB', note: `peak RSS of a run minus an empty Node's (${median(empties).toFixed(0)} MiB), vs the PFrame bytes` });
}
