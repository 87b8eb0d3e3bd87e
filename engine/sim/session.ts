// A debug session of one scenario: builds the host, the two worlds and the helpers from the
// scenario, wires the handoff program to the runtime and the invariant checks, and offers what a
// debugger needs — control, stacks, watches, names for conditions, the outcome. No protocol here.

import { HostMemory, PAGE_SIZE, type ScanPolicy } from '../host';
import { INVALID_MPN64, PageType, decodeExtra, decodePFrame, hexNumber, mpnHex, pageTypeName, pfType, pteHex } from '../pframe';
import { populateVM } from '../populate';
import { Rng } from '../rng';
import { SwapFile } from '../swap';
import { BackMap_Describe } from '../vmmem';
import { BusMem_TranslateBPN, makeMainMemBPN, type WalkTrace } from '../busmem';
import { Machine, PAGE_2_DIRINDEX, World } from '../world';
import { FsrContext, RESUME_STATES, SWAP_COPY_STATES, type FSRInfo } from './context';
import { ExprError, type Resolver, type Value, quoted } from './expr';
import { didYouMean } from '../suggest';
import { HANDOFF_SECTIONS, LISTING_HEADER, SEED_SPELLINGS } from './handoff/index';
import { type InvariantBreak, checkEnd, checkStep } from './invariants';
import { EDIT_SITE, type HistoryTarget, currentValue, describeTarget } from './history';
import { ChangeKind, wordsKey } from './changes';
import { type Frame, buildListing } from './program';
import { type ActorSpec, Runtime, type RuntimeEvent, type StopInfo } from './runtime';
import type { Scenario } from './scenario';

/** The listing of the simulated functions: built once, its line numbers are stable. */
export const LISTING = buildListing(LISTING_HEADER, HANDOFF_SECTIONS, SEED_SPELLINGS);

/** The functions the Debug Console and conditions can call. */
const CONSOLE_FUNCTIONS = ['pframe', 'backmap', 'BusMem_TranslateBPN', 'vtop', 'BPN_MAINMEM'];

export const SOURCE_WORLD_ID = 2099100;
export const DEST_WORLD_ID = 2099200;
export const HELPER_WORLD_ID = 2099300;

export interface SessionOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /**
   * Check every page again when the run ends (default false: each change is already checked after
   * its step; tests turn this on to police the bulk paths). The outcome's promises are always checked.
   */
  fullCheckAtEnd?: boolean;
  /** Steps of history kept for going back (default 1,000,000; older steps are evicted). */
  historyLimit?: number;
  /** Which host ranges the handoff scans in WebAssembly (default 'big'; tests compare 'always' and 'never'). */
  scan?: ScanPolicy;
}

export type WatchTarget =
  | { kind: 'pframe'; world: WorldRef; pgNum: number; field: string }
  | { kind: 'pdirInfo'; world: WorldRef; dirIndex: number }
  | { kind: 'fsr'; field: 'resumeState' | 'swapCopyState' | 'hasSwapCopy' | 'swapCopyWorldID' | 'memMinToTransferMB' | 'cpuMinToTransferMHz' };
export type WorldRef = 'source' | 'destination' | number;

export interface RunOutcome {
  victor: 'source' | 'destination' | 'none';
  resumeState: string;
  finished: boolean;
  failures: string[];
  panicked: boolean;
  pdirsRedirected: number;
  swapSlotsInDestination: number;
  swapCopyState: string;
  invariantBreaks: string[];
}

/** A phase reached at each of `steps` (in order), at one statement, by one actor: a bulk step's iterations. */
export interface PhaseRun {
  steps: Float64Array;
  name: string;
  actor: string;
  fn: string;
  line: number;
}

export interface PhaseMark {
  step: number;
  name: string;
  actor: string;
  fn: string;
  line: number;
}

export class Session {
  readonly machine: Machine;
  readonly cx: FsrContext;
  readonly rt: Runtime<FsrContext>;
  readonly src: World;
  readonly dst: World;
  readonly seed: number;
  private readonly exceptions: Array<{ step: number; filter: string; message: string }> = [];
  /** Phases reached, oldest first: one mark each, or a run of steps for a bulk step's iterations. */
  private readonly phaseMarks: Array<PhaseMark | PhaseRun> = [];

  constructor(readonly scenario: Scenario, opts: SessionOptions = {}) {
    const seed = opts.seed ?? scenario.seed;
    this.seed = seed;
    const host = new HostMemory(scenario.host.ranges, seed, opts.scan);
    const machine = (this.machine = new Machine(host));
    const src = (this.src = populateVM(machine, {
      worldID: SOURCE_WORLD_ID,
      name: 'vm-src',
      memMB: scenario.vm.memMB,
      mix: scenario.vm.mix,
      seed,
      largePageFraction: scenario.vm.largePageFraction,
      swapHeadroomSlots: scenario.swap.swapOuts + 8,
    }));
    src.swap.migSwapFile = fileWithUsed(`${src.name}.mig.vswp`, scenario.swap.migSwapUsedSlots);
    src.swap.cptSwapFile = fileWithUsed(`${src.name}.cpt.vswp`, scenario.swap.cptSwapUsedSlots);
    const dst = (this.dst = machine.addWorld(new World(DEST_WORLD_ID, 'vm-dst', host, src.pframes.numMainMemPages, 0)));
    dst.swap.swapFile = scenario.swap.mode === 'shared' ? new SwapFile(src.swap.swapFile.name, 0, src.swap.swapFile.storage) : new SwapFile(`${dst.name}.vswp`, 0);
    dst.swap.swapperEnabled = false;

    const faults = {
      swapCopyFailAtExtent: null as number | null,
      reservationTransferFail: false,
      missingDestPdir: null as number | null,
      sourceTimeout: false,
      staleShadow: false,
      slowPcpu: null as { pcpu: number; delaySteps: number } | null,
    };
    for (const f of scenario.faults) {
      if (f.kind === 'swapCopyFail') faults.swapCopyFailAtExtent = f.atExtent;
      else if (f.kind === 'reservationTransferFail') faults.reservationTransferFail = true;
      else if (f.kind === 'missingDestPdir') faults.missingDestPdir = f.dirIndex;
      else if (f.kind === 'sourceTimeout') faults.sourceTimeout = true;
      else if (f.kind === 'staleShadow') faults.staleShadow = true;
      else faults.slowPcpu = { pcpu: f.pcpu, delaySteps: f.delaySteps };
    }
    const r = scenario.reservations;
    const touchedPages = pickTouched(this, scenario.vm.touchedPages, seed);
    const mappedPages = mapVmxPages(this, seed, touchedPages);
    const cx = (this.cx = new FsrContext(
      machine,
      src,
      dst,
      {
        swapShared: scenario.swap.mode === 'shared',
        numPCPUs: scenario.pcpus,
        swapOuts: scenario.swap.swapOuts,
        cptChunks: scenario.checkpointChunks,
        touchedPages,
        faults,
        srcGroup: { memMinMB: r.sourceGroupMemMinMB ?? r.memMinToTransferMB, cpuMinMHz: r.sourceGroupCpuMinMHz ?? r.cpuMinToTransferMHz },
        dstGroup: { memMinMB: r.destGroupMemMinMB, cpuMinMHz: r.destGroupCpuMinMHz },
        seed,
      },
      { memMinToTransferMB: r.memMinToTransferMB, cpuMinToTransferMHz: r.cpuMinToTransferMHz },
      mappedPages,
    ));

    const specs: ActorSpec[] = [
      { name: 'source VMX', entry: 'FSRSourceVMX', args: { srcWorld: src.worldID }, cpu: 0, worldID: src.worldID },
      { name: 'destination VMX', entry: 'FSRDestVMX', args: { dstWorld: dst.worldID, srcWorld: src.worldID }, cpu: 1 % scenario.pcpus, worldID: dst.worldID },
      { name: 'FSRSwapCopyHelper', entry: 'FSRSwapCopyHelper', args: {}, cpu: 2 % scenario.pcpus, worldID: HELPER_WORLD_ID },
      { name: 'swapper', entry: 'Swap_SwapperThread', args: { srcWorld: src.worldID }, cpu: 3 % scenario.pcpus, worldID: src.worldID },
      ...Array.from({ length: scenario.pcpus }, (_, i) => ({ name: `PCPU ${i}`, entry: 'PCPU_Idle', args: { pcpu: i }, cpu: i, worldID: 0 })),
    ];
    const fullCheck = opts.fullCheckAtEnd ?? false;
    const rt = (this.rt = new Runtime<FsrContext>(LISTING, specs, cx, {
      checkInvariants: (): InvariantBreak[] => {
        const out = checkStep(cx);
        if (rt.finished) out.push(...checkEnd(cx, fullCheck));
        return out;
      },
      resolver: (actor, frame) => this.resolver(frame, actor.worldID),
    }, seed, { historyLimit: opts.historyLimit }));
    cx.rt = rt;
    rt.onRewind((step) => {
      while (this.exceptions.length && this.exceptions[this.exceptions.length - 1]!.step > step) this.exceptions.pop();
      const marks = this.phaseMarks;
      for (;;) {
        const last = marks[marks.length - 1];
        if (!last) break;
        if ('steps' in last) {
          // Keep the run's steps up to `step` (they are in order).
          let n = last.steps.length;
          while (n > 0 && last.steps[n - 1]! > step) n--;
          if (n === last.steps.length) break;
          if (n === 0) marks.pop();
          else marks[marks.length - 1] = { ...last, steps: last.steps.subarray(0, n) };
          if (n > 0) break;
        } else if (last.step > step) marks.pop();
        else break;
      }
    });
    rt.onEvent((e) => {
      if (e.type === 'exception') this.exceptions.push({ step: e.step, filter: e.filter, message: e.message });
      if (e.type === 'phase') this.phaseMarks.push({ step: e.step, name: e.name, actor: rt.actor(e.actorId).name, fn: e.fn, line: e.line });
      if (e.type === 'phases') this.phaseMarks.push({ steps: e.steps.slice(), name: e.name, actor: rt.actor(e.actorId).name, fn: e.fn, line: e.line });
    });
  }

  get listing() {
    return LISTING;
  }
  onEvent(fn: (e: RuntimeEvent) => void): void {
    this.rt.onEvent(fn);
  }

  /** Run to the end with no breakpoints, filters kept (for the CLI, tests and benchmarks). */
  runToEnd(budget = Infinity): StopInfo | null {
    this.rt.continue();
    return this.rt.run(budget);
  }

  // ---- what a debugger shows ----------------------------------------------------------------

  worldRef(ref: WorldRef | string): World {
    if (ref === 'source' || ref === 'src' || ref === 'srcWorld') return this.src;
    if (ref === 'destination' || ref === 'dst' || ref === 'dstWorld') return this.dst;
    const n = typeof ref === 'number' ? ref : Number(ref);
    if (n === this.src.worldID) return this.src;
    if (n === this.dst.worldID) return this.dst;
    throw new ExprError(`no world ${String(ref)} (use source, destination, ${this.src.worldID} or ${this.dst.worldID})`);
  }

  /** A PFrame decoded for display, or why there is none. */
  pframe(world: World, pgNum: number): PFrameView | { error: string } {
    if (!Number.isInteger(pgNum) || pgNum < 0 || pgNum >= world.pframes.numMainMemPages) return { error: `pgNum ${Number.isInteger(pgNum) && pgNum >= 0 ? hexNumber(pgNum) : pgNum} is outside 0..${hexNumber(world.pframes.numMainMemPages - 1)}` };
    const d = PAGE_2_DIRINDEX(pgNum);
    const dirMPN = world.dirMPN(d);
    if (dirMPN === INVALID_MPN64) return { error: `${world.name} has no pdir ${hexNumber(d)} (pdirInfo[${hexNumber(d)}] is not present)` };
    const words = this.machine.host.read(dirMPN);
    const u32 = new Uint32Array(words.buffer, words.byteOffset, 1024);
    const i = (pgNum % 512) * 2;
    return pframeView(u32[i]!, u32[i + 1]!, dirMPN, pgNum % 512);
  }

  /**
   * Watch a value (a data breakpoint): the run stops where it changes. Values are compared and shown
   * as history shows them (hex MPNs and PTEs, type names, "no pdir"), so a stop reads old → new.
   */
  watch(target: WatchTarget, owner = 'debugger'): { id: number; description: string } {
    let t: HistoryTarget;
    if (target.kind === 'fsr') {
      t = { kind: 'fsr', field: target.field };
    } else if (target.kind === 'pdirInfo') {
      const w = this.worldRef(target.world);
      if (target.dirIndex < 0 || target.dirIndex >= w.numDirs) throw new RangeError(`dirIndex ${target.dirIndex} is outside 0..${w.numDirs - 1}`);
      t = target;
    } else {
      const w = this.worldRef(target.world);
      const probe = this.pframe(w, target.pgNum);
      if ('error' in probe && !/has no pdir/.test(probe.error)) throw new RangeError(probe.error);
      const known = ['pte', 'mpn', 'type', ...Object.keys(decodePFrame(0, 0)), 'zipBlock', 'vmkSwapped', 'unused', 'isBallooned', 'isAppBallooned', 'isCownint', 'isBackedByLPage', 'flags'];
      if (!known.includes(target.field)) throw new RangeError(`PFrame has no field ${quoted(target.field)}${didYouMean(target.field, known)} (fields: ${known.join(', ')})`);
      t = target;
    }
    const description = describeTarget(this, t);
    const w = this.rt.addWatch(description, () => currentValue(this, t), owner);
    return { id: w.id, description };
  }

  /** Names a condition, a logpoint or the Debug Console can use, in a frame. Names are looked up as data (own properties, a Map), never as any object's inherited keys. */
  resolver(frame: Frame | undefined, _worldID = 0): Resolver {
    const cx = this.cx;
    const roots = new Map<string, () => Value>([
      ['fsr', () => cx.fsr as unknown as Value],
      ['resumeState', () => cx.fsr.resumeState],
      ['swapCopyState', () => cx.fsr.swapCopyState],
      ['src', () => worldData(this.src)],
      ['dst', () => worldData(this.dst)],
      ['srcVmx', () => vmxData(cx.srcVmx)],
      ['dstVmx', () => vmxData(cx.dstVmx)],
      ['memHandoff', () => cx.handoff as unknown as Value],
      ['cpt', () => ({ numChunks: cx.cpt.numChunks, written: cx.cpt.written, read: cx.cpt.read, finished: cx.cpt.finished })],
      ['helper', () => cx.helper as unknown as Value],
      ['INVALID_MPN64', () => INVALID_MPN64],
    ]);
    const globals = [...roots.keys()];
    for (const [k, code] of Object.entries(PageType)) roots.set(k, () => code);
    return {
      path: (root, parts) => {
        let v: Value;
        const make = roots.get(root);
        if (frame && Object.hasOwn(frame.locals, root)) v = frame.locals[root];
        else if (make) v = make();
        else {
          const locals = frame ? Object.keys(frame.locals) : [];
          throw new ExprError(`no variable ${quoted(root)} here (locals: ${locals.join(', ') || 'none'}; globals: ${globals.join(', ')})${didYouMean(root, [...locals, ...roots.keys()])}`);
        }
        let at = root;
        for (const p of parts) {
          if (v === null || typeof v !== 'object') throw new ExprError(`${at}: ${JSON.stringify(v)} has no field ${quoted(String(p))}`);
          const next = Object.hasOwn(v, p) ? (v as Record<string | number, Value>)[p as string] : undefined;
          if (next === undefined) {
            const fields = Array.isArray(v) ? [] : Object.keys(v);
            throw new ExprError(Array.isArray(v) ? `${at} has no element [${quoted(String(p))}] (indices 0..${v.length - 1})` : `${at} has no field ${quoted(String(p))} (fields: ${fields.join(', ')})${didYouMean(String(p), fields)}`);
          }
          v = next;
          at += typeof p === 'number' ? `[${p}]` : `.${p}`;
        }
        return v;
      },
      call: (fn, args) => this.call(fn, args),
    };
  }

  /** The Debug Console's functions (compared by name, never looked up as keys). */
  call(fn: string, args: Value[]): Value {
    if (fn === 'pframe') {
      if (args.length !== 2) throw new ExprError('pframe(world, pgNum) takes 2 arguments');
      const v = this.pframe(this.worldRef(args[0] as WorldRef), args[1] as number);
      if ('error' in v) throw new ExprError(v.error);
      return v as unknown as Value;
    }
    if (fn === 'backmap') {
      if (args.length !== 1 || typeof args[0] !== 'number') throw new ExprError('backmap(mpn) takes one MPN');
      return BackMap_Describe(this.machine.host, args[0]);
    }
    if (fn === 'BusMem_TranslateBPN' || fn === 'vtop') {
      if (args.length !== 2 || typeof args[1] !== 'number') throw new ExprError(`${fn}(world, bpn) takes a world and a BPN`);
      return this.translate(this.worldRef(args[0] as WorldRef), args[1]).text;
    }
    if (fn === 'BPN_MAINMEM') {
      if (typeof args[0] !== 'number') throw new ExprError('BPN_MAINMEM(pgNum) takes a page number');
      return makeMainMemBPN(args[0]);
    }
    throw new ExprError(`unknown function ${quoted(fn)} (functions: pframe(world, pgNum), backmap(mpn), BusMem_TranslateBPN(world, bpn), BPN_MAINMEM(pgNum))${didYouMean(fn, CONSOLE_FUNCTIONS)}`);
  }

  /** The BPN → MPN walk with every step and value found, like crash's vtop. */
  translate(world: World, bpn: number): { mpn: number; text: string } {
    const trace: WalkTrace = [];
    const held = world.pframes.pdirLock.holder;
    // The walk takes the pdir lock; a debugger looks without taking it (a held lock is said).
    const saved = world.pframes.pdirLock.holder;
    world.pframes.pdirLock.holder = null;
    try {
      const r = BusMem_TranslateBPN(this.machine.host, world, bpn, trace);
      const lines = trace.map((s) => `${'  '.repeat(s.depth)}${s.fn}${Object.keys(s.values).length ? ': ' : ''}${Object.entries(s.values).map(([k, v]) => `${k}=${v}`).join(' ')}`);
      if (held) lines.push(`(note: ${world.pframes.pdirLock.name} is held by ${held}; the debugger read without it)`);
      return { mpn: r.mpn, text: lines.join('\n') };
    } finally {
      world.pframes.pdirLock.holder = saved;
    }
  }

  // ---- edits from a debugger ----------------------------------------------------------------
  // An edit is a user action outside the program's history. It joins the current step's undo
  // (Runtime.recordEdit): stepping back across that step undoes it, running forward again replays
  // the program without it; an edit made before the first step stays. Each edit answers the
  // invariant breaks it caused that were not reported before.

  /** Write `bytes` into machine page `mpn` at byte `offset` (the page is materialized). */
  editMemory(mpn: number, offset: number, bytes: Uint8Array): InvariantBreak[] {
    const host = this.machine.host;
    if (!host.isValidMPN(mpn)) throw new RangeError(`MPN ${mpnHex(mpn)} is not in host memory`);
    if (!Number.isInteger(offset) || offset < 0 || offset + bytes.length > PAGE_SIZE) {
      throw new RangeError(`a write into one page must lie in bytes 0..${PAGE_SIZE - 1}, got ${offset}..${offset + bytes.length - 1}`);
    }
    const wasMaterialized = host.isMaterialized(mpn);
    const page = host.map(mpn);
    const old = page.u8.slice(offset, offset + bytes.length);
    // The PFrames (word pairs) the write touches, as they were: the change log keeps them, so that
    // what history reads of the pages as they were at an earlier step (a bulk step's trace, a PFrame's
    // history) does not take the edit for the past. Site -1: an edit, not a statement of the program.
    const p0 = offset >>> 3;
    const p1 = (offset + bytes.length + 7) >>> 3;
    const words = page.u32.slice(2 * p0, 2 * p1);
    page.u8.set(bytes, offset);
    for (let p = p0; p < p1; p++) {
      const i = 2 * (p - p0);
      const lo = page.u32[2 * p]!;
      const hi = page.u32[2 * p + 1]!;
      if (lo !== words[i] || hi !== words[i + 1]) this.rt.changes.push(ChangeKind.WORDS, this.rt.stepCount, wordsKey(mpn, 2 * p), words[i]!, words[i + 1]!, lo, hi, undefined, EDIT_SITE);
    }
    this.rt.recordEdit(() => {
      if (wasMaterialized) page.u8.set(old, offset);
      else host.dematerialize(mpn);
    });
    const b = host.backmapLookup(mpn);
    if (b?.owner.kind === 'pdir') {
      const w = this.machine.worlds.get(b.owner.worldID);
      if (w) this.cx.dirty.push({ world: w, dir: b.pgNum });
    }
    return this.checkEdit();
  }

  /** Set an FSRInfo field; the two states take only their enum names. */
  editFsr(field: keyof FSRInfo, value: unknown): InvariantBreak[] {
    const fsr = this.cx.fsr;
    let v: FSRInfo[keyof FSRInfo];
    if (field === 'resumeState') {
      if (!(RESUME_STATES as readonly unknown[]).includes(value)) throw new RangeError(`resumeState must be one of: ${RESUME_STATES.join(', ')}`);
      v = value as FSRInfo['resumeState'];
    } else if (field === 'swapCopyState') {
      const allowed: readonly unknown[] = [...SWAP_COPY_STATES, 'none'];
      if (!allowed.includes(value)) throw new RangeError(`swapCopyState must be one of: ${allowed.join(', ')}`);
      v = value as FSRInfo['swapCopyState'];
    } else if (field === 'hasSwapCopy') {
      if (typeof value !== 'boolean') throw new RangeError('hasSwapCopy must be true or false');
      v = value;
    } else if (field === 'swapCopyWorldID' || field === 'memMinToTransferMB' || field === 'cpuMinToTransferMHz') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`${field} must be a whole number in 0..4294967295`);
      v = value;
    } else {
      throw new RangeError(`FSRInfo has no field "${String(field)}" (fields: ${Object.keys(fsr).join(', ')})`);
    }
    const old = fsr[field];
    (fsr as unknown as Record<string, unknown>)[field] = v;
    this.rt.recordEdit(() => {
      (fsr as unknown as Record<string, unknown>)[field] = old;
    });
    return this.checkEdit();
  }

  /** The invariants after an edit (the end-of-run sweep too when the run has ended), each reported once. */
  private checkEdit(): InvariantBreak[] {
    const out = checkStep(this.cx);
    if (this.rt.finished) out.push(...checkEnd(this.cx));
    return this.rt.acceptBreaks(out);
  }

  outcome(): RunOutcome {
    const cx = this.cx;
    const step = this.rt.stepCount;
    const ex = this.exceptions.filter((e) => e.step <= step);
    const r = cx.fsr.resumeState;
    const panicked = cx.srcVmx.migrateState === 'PANIC';
    const victor = panicked ? 'none' : r === 'FSR_RESUME_SOURCE' ? 'source' : r === 'FSR_RESUME_DEST' && cx.handoff.done ? 'destination' : 'none';
    let moved = 0;
    if (cx.pnrDirs) for (let d = 0; d < this.dst.numDirs; d++) if (this.dst.pframes.pdirInfo[d] === cx.pnrDirs[d] && cx.pnrDirs[d] !== 0) moved++;
    return {
      victor,
      resumeState: r,
      finished: this.rt.finished,
      failures: ex.filter((e) => e.filter === 'fail').map((e) => e.message),
      panicked,
      pdirsRedirected: moved,
      swapSlotsInDestination: this.dst.swap.swapFile.usedSlots,
      swapCopyState: cx.fsr.swapCopyState,
      invariantBreaks: this.rt.invariantBreaks,
    };
  }

  /** Phase labels reached so far on this timeline. */
  phases(): PhaseMark[] {
    const now = this.rt.stepCount;
    const out: PhaseMark[] = [];
    for (const m of this.phaseMarks) {
      if (!('steps' in m)) {
        if (m.step <= now) out.push(m);
        continue;
      }
      for (const step of m.steps) if (step <= now) out.push({ step, name: m.name, actor: m.actor, fn: m.fn, line: m.line });
    }
    return out;
  }

  /**
   * Phases reached so far, compactly: a single mark, or a run of the same phase at many steps (a bulk
   * step's iterations). For views that draw thousands of them (big-vm's 32,768 pdir redirects).
   */
  phaseRuns(): Array<PhaseMark | PhaseRun> {
    const now = this.rt.stepCount;
    return this.phaseMarks.filter((m) => ('steps' in m ? m.steps.length > 0 && m.steps[0]! <= now : m.step <= now));
  }
}

export interface PFrameView {
  pte: string;
  type: string;
  mpn: number;
  mpnHex: string;
  fields: ReturnType<typeof decodePFrame>;
  extra: { union: string; fields: Record<string, number> };
  dirMPN: number;
  pageIndex: number;
}

export function pframeView(lo: number, hi: number, dirMPN: number, pageIndex: number): PFrameView {
  const f = decodePFrame(lo, hi);
  const t = pfType(lo);
  const mpn = t === PageType.REGULAR || t === PageType.COW || t === PageType.SWAP_OUT ? f.indexHighBits * 4294967296 + f.indexLowBits : INVALID_MPN64;
  return { pte: pteHex(lo, hi), type: pageTypeName(t), mpn, mpnHex: mpnHex(mpn), fields: f, extra: decodeExtra(t, f.extra), dirMPN, pageIndex };
}

function worldData(w: World): Value {
  const pf = w.pframes;
  return {
    worldID: w.worldID,
    name: w.name,
    pframes: {
      numMainMemPages: pf.numMainMemPages,
      defaultPageTypeIsRemote: pf.defaultPageTypeIsRemote,
      defaultPageTypeIsRemoteMaxPgNum: pf.defaultPageTypeIsRemoteMaxPgNum,
      numPDirEntries: pf.numPDirEntries,
      numXMapPages: pf.numXMapPages,
      numL3PTPages: pf.numL3PTPages,
      numPDirEntries2: pf.numPDirEntries2,
      numXMapPages2: pf.numXMapPages2,
      domainMask: pf.domainMask,
      pdirLock: pf.pdirLock.holder ?? 'unlocked',
      pdirInfo: Array.from(pf.pdirInfo.subarray(0, Math.min(pf.pdirInfo.length, 4096))),
    },
    stats: { ...w.stats },
    swap: { swapperEnabled: w.swap.swapperEnabled, activeSwapOuts: w.swap.activeSwapOuts, usedSlots: w.swap.swapFile.usedSlots, numSlots: w.swap.swapFile.numSlots },
  };
}

function vmxData(v: FsrContext['srcVmx']): Value {
  return { migrateState: v.migrateState, panicNoCore: v.panicNoCore, DVSState: v.DVSState, DVSFilter: v.DVSFilter, loadHistory: v.loadHistory, cachedTranslations: v.shadow.size };
}

function fileWithUsed(name: string, used: number): SwapFile {
  const f = new SwapFile(name, Math.max(used, 0));
  for (let i = 0; i < used; i++) f.allocSlot();
  return f;
}

/** How many pages the source's VMX has mapped (model). */
const VMX_MAPPED_PAGES = 4;

/**
 * The pages the source's VMX has mapped (model: a few REGULAR pages, not among those the guest
 * touches, chosen by the seed): their PFrames take the PFrameMappedInVMX form, isMappedInVMX = 1.
 * Beyond bit 0 the model keeps the unmapped form's layout, so type and index read as before.
 */
function mapVmxPages(s: Session, seed: number, touchedPages: number[]): number[] {
  const rng = new Rng(seed ^ 0x3a9d);
  const host = s.machine.host;
  const total = s.src.pframes.numMainMemPages;
  const touched = new Set(touchedPages);
  const out: number[] = [];
  for (let tries = 0; out.length < Math.min(VMX_MAPPED_PAGES, total) && tries < 4096; tries++) {
    const pg = rng.below(total);
    const v = s.pframe(s.src, pg);
    if ('error' in v || v.type !== 'REGULAR' || touched.has(pg) || out.includes(pg)) continue;
    const page = host.map(v.dirMPN);
    page.u32[v.pageIndex * 2] = (page.u32[v.pageIndex * 2]! | 1) >>> 0;
    out.push(pg);
  }
  return out.sort((a, b) => a - b);
}

/** Deterministic REGULAR pages for the guest to touch. */
function pickTouched(s: Session, n: number, seed: number): number[] {
  const rng = new Rng(seed ^ 0x70c4);
  const out: number[] = [];
  const total = s.src.pframes.numMainMemPages;
  for (let tries = 0; out.length < n && tries < n * 64; tries++) {
    const pg = rng.below(total);
    const v = s.pframe(s.src, pg);
    if (!('error' in v) && v.type === 'REGULAR' && !out.includes(pg)) out.push(pg);
  }
  return out;
}
