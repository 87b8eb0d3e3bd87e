// The state the handoff program runs against — FSRInfo, each side's VMX state, the checkpoint,
// the MemoryHandoff flags, the swap-copy helper — and the journaled ways to change it and the
// memory model, so every step can be undone. Statements (handoff.ts) change state only through here.

import type { BackmapCursor, PageMapping } from '../host';
import { INVALID_MPN64, mpnHex } from '../pframe';
import type { SwapFile, TagSnapshot } from '../swap';
import { type Machine, type PFrame_Info, type World, PAGE_2_DIRINDEX, PFrameMakePTE } from '../world';
import { PFrame_DirSet, PFrame_Get, pframeHi, pframeLo } from '../vmmem';
import { Rng } from '../rng';
import type { Runtime } from './runtime';
import { ChangeKind, pdirKey, slotKey, wordsKey } from './changes';

export const RESUME_STATES = ['FSR_RESUME_NONE', 'FSR_RESUME_SOURCE', 'FSR_RESUME_DEST', 'FSR_RESUME_DESTVERIFY'] as const;
export type ResumeState = (typeof RESUME_STATES)[number];

export const SWAP_COPY_STATES = [
  'FSR_SWAP_COPY_STARTING',
  'FSR_SWAP_COPY_IN_PROGRESS',
  'FSR_SWAP_COPY_DONE',
  'FSR_SWAP_COPY_SLEEPING',
  'FSR_SWAP_COPY_STUNNING',
  'FSR_SWAP_COPY_FAILED',
  'FSR_SWAP_COPY_EXITED',
] as const;
export type SwapCopyState = (typeof SWAP_COPY_STATES)[number] | 'none';

export type MigrateState = 'RUNNING' | 'CHECKPOINT' | 'MIGRATE_CPTLOAD' | 'MIGRATE_PAGEIN' | 'NOT_STARTED' | 'EXITED' | 'PANIC';

export interface FSRInfo {
  hasSwapCopy: boolean;
  swapCopyWorldID: number;
  swapCopyState: SwapCopyState;
  resumeState: ResumeState;
  memMinToTransferMB: number;
  cpuMinToTransferMHz: number;
}

/** What one side's VMX and monitor hold beyond the world's memory. */
export interface VmxState {
  readonly role: 'source' | 'destination';
  readonly world: World;
  migrateState: MigrateState;
  panicNoCore: boolean;
  DVSState: string;
  DVSFilter: string;
  loadHistory: number;
  /** The monitor's cached BPN→MPN translations (its shadow page tables), by pgNum. */
  shadow: Map<number, number>;
  /** Resource group reservations (MemSched/CpuSched group min). */
  group: { memMinMB: number; cpuMinMHz: number };
  swapOpen: boolean;
  swapExclusive: boolean;
  /**
   * The pgNums the VMX has mapped (model): their PFrames take the PFrameMappedInVMX form
   * (isMappedInVMX = 1) until the handoff marks all pages unmapped. The checkpoint saves them.
   */
  readonly mappedPages: readonly number[];
  /** How many of them are still mapped. */
  vmxMappedPages: number;
}

export interface Checkpoint {
  numChunks: number;
  written: number;
  read: number;
  finished: boolean;
  /** The monitor state chunk: the cached translations as they were when written. */
  shadow: Array<[number, number]> | null;
}

export interface MemHandoff {
  inProgress: boolean;
  acked: boolean[];
  done: boolean;
}

export interface SwapCopyHelperState {
  wakeup: boolean;
  cancel: boolean;
  mirrorActive: boolean;
  copiedSlots: number;
  extents: number;
}

/** Faults a scenario injects (scenario.ts documents each). */
export interface Faults {
  swapCopyFailAtExtent: number | null;
  reservationTransferFail: boolean;
  missingDestPdir: number | null;
  sourceTimeout: boolean;
  staleShadow: boolean;
  slowPcpu: { pcpu: number; delaySteps: number } | null;
}

export interface ContextOptions {
  swapShared: boolean;
  numPCPUs: number;
  swapOuts: number;
  cptChunks: number;
  touchedPages: number[];
  faults: Faults;
  srcGroup: { memMinMB: number; cpuMinMHz: number };
  dstGroup: { memMinMB: number; cpuMinMHz: number };
  seed: number;
}

export class FsrContext {
  rt!: Runtime<FsrContext>;
  readonly fsr: FSRInfo;
  readonly srcVmx: VmxState;
  readonly dstVmx: VmxState;
  readonly cpt: Checkpoint;
  readonly handoff: MemHandoff;
  readonly helper: SwapCopyHelperState;
  readonly rng: Rng;
  swapOutsLeft: number;
  /** The source gave up waiting (the sourceTimeout fault) and tried to claim the victory. */
  srcTimedOut = false;
  /** Source pdir MPNs at the point of no return: what the destination must end up with. */
  pnrDirs: Float64Array | null = null;
  /** The source's swap bitmap and slot content tags at the point of no return. */
  pnrSwap: { bitmap: Uint32Array; tags: TagSnapshot } | null = null;
  /** Directories touched in this step, for the invariant checker. */
  dirty: Array<{ world: World; dir: number }> = [];
  swapDirty = false;
  /** SwapMigrate_SetSwapBitmap has run: from here both worlds' swap bitmaps must agree. */
  swapStateCopied = false;
  /** The checker's BackMap cursor (a cache, not state). */
  bm: BackmapCursor | null = null;

  constructor(readonly machine: Machine, readonly src: World, readonly dst: World, readonly opts: ContextOptions, fsr: Pick<FSRInfo, 'memMinToTransferMB' | 'cpuMinToTransferMHz'>, mappedPages: readonly number[] = []) {
    this.fsr = { hasSwapCopy: false, swapCopyWorldID: 0, swapCopyState: 'none', resumeState: 'FSR_RESUME_NONE', ...fsr };
    const vmx = (role: 'source' | 'destination', world: World, group: ContextOptions['srcGroup']): VmxState => ({
      role, world, migrateState: role === 'source' ? 'RUNNING' : 'NOT_STARTED', panicNoCore: false,
      DVSState: role === 'source' ? 'dvs-port-4211:connected' : '', DVSFilter: role === 'source' ? 'dvfilter-fw:rules=12' : '',
      loadHistory: role === 'source' ? 0.42 : 0, shadow: new Map(), group: { ...group }, swapOpen: role === 'source', swapExclusive: role === 'source',
      mappedPages: role === 'source' ? mappedPages : [], vmxMappedPages: role === 'source' ? mappedPages.length : 0,
    });
    this.srcVmx = vmx('source', src, opts.srcGroup);
    this.dstVmx = vmx('destination', dst, opts.dstGroup);
    this.cpt = { numChunks: opts.cptChunks, written: 0, read: 0, finished: false, shadow: null };
    this.handoff = { inProgress: false, acked: new Array(opts.numPCPUs).fill(false), done: false };
    this.helper = { wakeup: false, cancel: false, mirrorActive: false, copiedSlots: 0, extents: 0 };
    this.rng = new Rng(opts.seed ^ 0xf5a);
    this.swapOutsLeft = opts.swapOuts;
  }

  get host() {
    return this.machine.host;
  }
  vmxOf(world: World): VmxState {
    return world === this.src ? this.srcVmx : this.dstVmx;
  }
  /** The source won: it keeps (and may swap) its memory, the destination's copy no longer matters. */
  decidedForSource(): boolean {
    return this.fsr.resumeState === 'FSR_RESUME_SOURCE';
  }
  /** The run is decided and the destination has nothing more to do with the source's memory. */
  get decided(): boolean {
    const r = this.fsr.resumeState;
    return r === 'FSR_RESUME_SOURCE' || this.handoff.done || this.srcVmx.migrateState === 'PANIC';
  }

  // ---- journaled changes ----------------------------------------------------------------------

  set<T extends object, K extends keyof T>(obj: T, key: K, value: T[K]): void {
    this.rt.journal.set(obj, key, value);
  }

  /** A draw from the context's seeded PRNG (its state goes back with the step). */
  random(n: number): number {
    const before = this.rng.state;
    this.rt.journal.record(() => {
      this.rng.state = before;
    });
    return this.rng.below(n);
  }

  /** Log a line in the style of the vmkernel log, stamped with simulated time. */
  log(msg: string): void {
    const a = this.rt.currentActor;
    // Simulated time: 10 µs a step, of the step this line belongs to.
    const us = this.rt.now * 10;
    const t = new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + Math.floor(us / 1000000) * 1000).toISOString().replace(/\.\d+Z$/, '');
    this.rt.output(`${t}.${String(us % 1000000).padStart(6, '0')}Z cpu${a?.cpu ?? 0}:${a?.worldID ?? 0})FSR: ${msg}`);
  }

  /** Write a PFrame's two words (the old ones are remembered). */
  writePFrame(world: World, pgNum: number, lo: number, hi: number): void {
    const ref = PFrame_Get(this.host, world, pgNum).ref;
    if (!ref) throw new Error(`${world.name}: no pdir for pgNum ${pgNum}`);
    this.writeWords(ref.page, ref.word, lo, hi);
    this.dirty.push({ world, dir: PAGE_2_DIRINDEX(pgNum) });
  }
  writeWords(page: PageMapping, word: number, lo: number, hi: number): void {
    const oldLo = page.u32[word]!;
    const oldHi = page.u32[word + 1]!;
    page.u32[word] = lo >>> 0;
    page.u32[word + 1] = hi >>> 0;
    this.rt.journal.record(() => {
      page.u32[word] = oldLo;
      page.u32[word + 1] = oldHi;
    });
    this.rt.changes.push(ChangeKind.WORDS, this.rt.now, wordsKey(page.mpn, word), oldLo, oldHi, lo >>> 0, hi >>> 0);
  }
  /** The two words of a PFrame, or null when its directory is not present. */
  readPFrame(world: World, pgNum: number): { lo: number; hi: number } | null {
    const ref = PFrame_Get(this.host, world, pgNum).ref;
    return ref ? { lo: pframeLo(ref), hi: pframeHi(ref) } : null;
  }

  backmapSetRaw(mpn: number, entry: number): void {
    const host = this.host;
    const old = host.backmapEntry(mpn);
    host.backmapSetRaw(mpn, entry);
    this.rt.journal.record(() => host.backmapSetRaw(mpn, old));
    this.rt.changes.push(ChangeKind.BACKMAP, this.rt.now, mpn, old, 0, entry, 0);
  }

  allocMPN(): number {
    const host = this.host;
    const depth = host.freeStackDepth;
    const mpn = host.allocMPN();
    const fromFree = host.freeStackDepth < depth;
    this.rt.journal.record(() => host.unallocMPN(mpn, fromFree));
    return mpn;
  }
  freeMPN(mpn: number): void {
    const host = this.host;
    host.freeMPN(mpn);
    this.rt.journal.record(() => host.unfreeMPN(mpn));
  }

  /** `PFrame_DirSet`, journaled: pdirInfo, pages2 and the counters go back with the step. */
  dirSet(world: World, pgNum: number, mpn: number, mpn2?: number): void {
    const pf: PFrame_Info = world.pframes;
    const d = PAGE_2_DIRINDEX(pgNum);
    const old = { pte: pf.pdirInfo[d]!, p2: pf.pages2[d]!, n: pf.numPDirEntries, n2: pf.numPDirEntries2 };
    const status = PFrame_DirSet(world, pgNum, mpn, mpn2);
    if (status !== 'VMK_OK') throw new Error(`PFrame_DirSet(${world.name}, ${pgNum}, ${mpnHex(mpn)}): ${status}`);
    this.rt.changes.push(ChangeKind.PDIR, this.rt.now, pdirKey(world.owners.pdir.slot, d), old.pte, 0, pf.pdirInfo[d]!, 0);
    this.rt.journal.record(() => {
      pf.pdirInfo[d] = old.pte;
      pf.pages2[d] = old.p2;
      pf.numPDirEntries = old.n;
      pf.numPDirEntries2 = old.n2;
    });
    this.dirty.push({ world, dir: d });
  }

  /** `PTE_SET` of one pdirInfo entry alone (journaled); answers whether the entry was present before. */
  dirSetEntry(world: World, pgNum: number, mpn: number): boolean {
    const pf: PFrame_Info = world.pframes;
    const d = PAGE_2_DIRINDEX(pgNum);
    const old = pf.pdirInfo[d]!;
    pf.pdirInfo[d] = mpn === INVALID_MPN64 ? 0 : PFrameMakePTE(mpn);
    this.rt.journal.record(() => {
      pf.pdirInfo[d] = old;
    });
    this.rt.changes.push(ChangeKind.PDIR, this.rt.now, pdirKey(world.owners.pdir.slot, d), old, 0, pf.pdirInfo[d]!, 0);
    this.dirty.push({ world, dir: d });
    return old !== 0;
  }
  /** PFrame_Info's usage counters and pages2 after an entry changed (journaled). */
  dirAccount(world: World, pgNum: number, wasPresent: boolean, mpn: number, mpn2?: number): void {
    const pf: PFrame_Info = world.pframes;
    const d = PAGE_2_DIRINDEX(pgNum);
    const old = { p2: pf.pages2[d]!, n: pf.numPDirEntries, n2: pf.numPDirEntries2 };
    pf.numPDirEntries += (mpn !== INVALID_MPN64 ? 1 : 0) - (wasPresent ? 1 : 0);
    if (mpn2 !== undefined) {
      const had2 = pf.pages2[d] !== INVALID_MPN64;
      pf.pages2[d] = mpn2;
      pf.numPDirEntries2 += (mpn2 !== INVALID_MPN64 ? 1 : 0) - (had2 ? 1 : 0);
    }
    this.rt.journal.record(() => {
      pf.pages2[d] = old.p2;
      pf.numPDirEntries = old.n;
      pf.numPDirEntries2 = old.n2;
    });
  }

  // ---- swap -----------------------------------------------------------------------------------

  slotAlloc(file: SwapFile): number {
    if (file.usedSlots >= file.numSlots) this.swapExtend(file, file.numSlots + Math.max(64, file.numSlots >>> 3));
    const slot = file.allocSlot();
    this.rt.journal.record(() => file.freeSlot(slot));
    this.rt.changes.push(ChangeKind.SLOT, this.rt.now, slotKey(this.fileId(file), slot), 0, 0, 1, 0);
    this.swapDirty = true;
    return slot;
  }
  swapExtend(file: SwapFile, numSlots: number): void {
    const before = file.numSlots;
    if (numSlots <= before) return;
    file.extend(numSlots);
    this.rt.journal.record(() => file.truncate(before));
    this.swapDirty = true;
  }
  writeSlotTag(file: SwapFile, slot: number, tag: number): void {
    const storage = file.storage;
    storage.ensure(slot + 1);
    const old = storage.tags[slot]!;
    storage.write(slot, tag);
    this.rt.journal.record(() => {
      storage.write(slot, old);
    });
  }
  copyBitmap(dst: SwapFile, src: SwapFile): void {
    const saved = dst.bitmap.slice();
    const used = dst.usedSlots;
    dst.setBitmapFrom(src);
    this.rt.journal.record(() => dst.restoreBitmap(saved, used));
    this.rt.changes.push(ChangeKind.BITMAP, this.rt.now, this.fileId(dst), 0, 0, 0, 0, { fileId: this.fileId(dst), old: saved, new: dst.bitmap.slice() });
    this.swapDirty = true;
  }

  /** Each swap file's id in the change log: the source's files 1–3, the destination's 4–6. */
  fileId(file: SwapFile): number {
    const k = [this.src.swap.swapFile, this.src.swap.migSwapFile, this.src.swap.cptSwapFile, this.dst.swap.swapFile, this.dst.swap.migSwapFile, this.dst.swap.cptSwapFile].indexOf(file);
    return k + 1;
  }

  // ---- the monitor's translation cache --------------------------------------------------------

  shadowSet(vmx: VmxState, pgNum: number, mpn: number): void {
    this.rt.journal.mapSet(vmx.shadow, pgNum, mpn);
  }
  shadowDelete(vmx: VmxState, pgNum: number): void {
    this.rt.journal.mapDelete(vmx.shadow, pgNum);
  }
  shadowClear(vmx: VmxState): void {
    const old = new Map(vmx.shadow);
    vmx.shadow.clear();
    this.rt.journal.record(() => {
      vmx.shadow.clear();
      for (const [k, v] of old) vmx.shadow.set(k, v);
    });
  }
}

export { INVALID_MPN64 };
