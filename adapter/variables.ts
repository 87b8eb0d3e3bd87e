// The Variables view as a lazy tree over an engine Session: locals, FSRInfo, each world's PFrame_Info,
// PFrames, swap files and monitor, and the host. Knows no transport, editor or Node; builds children on demand.

import {
  INVALID_MPN64,
  MAX_MPN,
  PAGE_SIZE,
  PFRAME_LAYOUT_NOTES,
  extraMember,
  pframeDecode,
  PageType,
  type Frame,
  type InvariantBreak,
  type PFrameFields,
  type Session,
  type SwapFile,
  type Value,
  type VmxState,
  type WatchTarget,
  type World,
  ALLOC_PDIR_PAGES,
  decodeExtra,
  decodePFrame,
  encodeExtra,
  encodePFrame,
  hexNumber,
  INDEX_NAME,
  quoted,
  didYouMean,
  RESUME_STATES,
  SWAP_COPY_STATES,
  indexMeaning,
  mpnHex,
  pageTypeName,
  pfIndex,
  pfType,
  pteHex,
  pteToMPN,
  type HistoryTarget,
} from '../engine/index';

/** One row of the Variables view (or a Debug Console result). */
export interface VNode {
  name: string;
  value: string;
  type?: string;
  /** A machine address (`0x…`, MPN · 4096) the memory view can open. */
  memoryReference?: string;
  kids?: Kids;
  /** The value for expressions (comparisons, arithmetic); absent for structures. */
  raw?: Value;
  /** Set from text typed by the user; answers the invariant breaks the edit caused. Throws naming what is allowed. */
  set?: (text: string) => InvariantBreak[];
  /** What a data breakpoint on this row watches. */
  watch?: WatchTarget;
  /** Whose changes "Show Value History" and history() list (else `watch`'s). */
  history?: HistoryTarget;
  /** A row that is not a value one can name in an expression (no evaluateName). */
  noPath?: boolean;
}

/** A row's children: a short named list, or an indexed collection read one child at a time. */
export interface Kids {
  named?: () => VNode[];
  indexed?: {
    count: number;
    at: (i: number) => VNode;
    /** Index of the child a path segment names (`[n]` is index n unless the collection says otherwise). */
    find?: (key: number) => number | undefined;
    /**
     * Shown in groups of `size` (and groups of those groups, `size` at a time), each named by `label`
     * (bounds in hex), instead of a client's own decimal chunks. Presentation only: paths still index.
     */
    groups?: { size: number; label: (first: number, last: number) => { name: string; value: string } };
  };
}

/** Thrown for input a user typed that is not acceptable; the message says what is. */
export class InputError extends Error {}

const hex = hexNumber;
/** What a number's name says it is: a world id, an MPN, a BPN (see valueNode). */
const WORLD_NAME = /world$/i;
const MPN_NAME = /mpn/i;
const BPN_NAME = /^bpn$/i;

export function leaf(name: string, value: string, raw?: Value, more: Partial<VNode> = {}): VNode {
  return { name, value, raw, ...more };
}
function numLeaf(name: string, n: number, more: Partial<VNode> = {}): VNode {
  return leaf(name, String(n), n, more);
}
function boolLeaf(name: string, b: boolean, more: Partial<VNode> = {}): VNode {
  return leaf(name, b ? 'TRUE' : 'FALSE', b, more);
}
function group(name: string, value: string, named: () => VNode[], more: Partial<VNode> = {}): VNode {
  return { name, value, kids: { named }, ...more };
}

/** Parse a number typed by a user: decimal, 0x hex, 0b binary, TRUE/FALSE. */
export function parseNumber(text: string, what: string): number {
  const t = text.trim();
  if (/^(true|TRUE)$/.test(t)) return 1;
  if (/^(false|FALSE)$/.test(t)) return 0;
  let n = NaN;
  if (/^0x[0-9a-f]+$/i.test(t)) n = parseInt(t.slice(2), 16);
  else if (/^0b[01]+$/i.test(t)) n = parseInt(t.slice(2), 2);
  else if (/^\d+$/.test(t)) n = Number(t);
  if (!Number.isSafeInteger(n)) throw new InputError(`${what}: ${quoted(text)} is not a whole number (use decimal, 0x… hex or 0b… binary)`);
  return n;
}

/** Parse a 64-bit value (a PTE) into its two little-endian words. */
function parse64(text: string, what: string): { lo: number; hi: number } {
  const t = text.trim();
  if (!/^(0x[0-9a-f]{1,16}|\d{1,20})$/i.test(t)) throw new InputError(`${what}: ${quoted(text)} is not a 64-bit number (use 0x… hex or decimal)`);
  const b = BigInt(t);
  if (b > 0xffffffffffffffffn) throw new InputError(`${what}: ${text} does not fit in 64 bits`);
  return { lo: Number(b & 0xffffffffn), hi: Number(b >> 32n) };
}

/** The child of `node` that a path segment names, or undefined. */
export function childOf(node: VNode, key: string | number): VNode | undefined {
  const k = node.kids;
  if (!k) return undefined;
  if (k.named) {
    const s = String(key);
    return k.named().find((c) => c.name === s || c.name === `[${s}]`);
  }
  if (k.indexed) {
    let n: number | undefined = typeof key === 'number' ? key : /^\[?\s*(0x[0-9a-f]+|\d+)\s*\]?$/i.test(key) ? Number(key.replace(/[[\]\s]/g, '')) : undefined;
    if (n === undefined || !Number.isSafeInteger(n)) return undefined;
    if (k.indexed.find) n = k.indexed.find(n);
    if (n === undefined || n < 0 || n >= k.indexed.count) return undefined;
    return k.indexed.at(n);
  }
  return undefined;
}

/** Names a path can take after `node` (for completions). */
export function childNames(node: VNode): string[] {
  if (node.kids?.named) return node.kids.named().map((c) => c.name);
  return [];
}

/** Builds the rows for one Session. Every read is live: nothing decoded is kept across a step. */
export class Inspector {
  constructor(readonly s: Session) {}

  private get host() {
    return this.s.machine.host;
  }

  /** A machine address for the memory view, if `mpn` is in host memory. */
  memRef(mpn: number, byteOffset = 0): string | undefined {
    return mpn !== INVALID_MPN64 && this.host.isValidMPN(mpn) ? hex(mpn * PAGE_SIZE + byteOffset) : undefined;
  }

  private mpnLeaf(name: string, mpn: number, more: Partial<VNode> = {}): VNode {
    return leaf(name, mpnHex(mpn), mpn, { memoryReference: this.memRef(mpn), type: 'MPN', ...more });
  }

  // ---- roots --------------------------------------------------------------------------------

  /** The roots an expression may start from besides locals (also the non-local scopes); a Map, so a typed name is never an inherited key. */
  roots(): ReadonlyMap<string, () => VNode> {
    return new Map([
      ['fsr', () => this.fsr()],
      ['src', () => this.world('src', this.s.src)],
      ['dst', () => this.world('dst', this.s.dst)],
      ['host', () => this.hostNode()],
      // The Debug Console shows a VMX as Variables does (its cached translations expand to their entries).
      ['srcVmx', () => this.monitor(this.s.cx.srcVmx, 'srcVmx')],
      ['dstVmx', () => this.monitor(this.s.cx.dstVmx, 'dstVmx')],
    ]);
  }

  locals(frame: Frame): VNode[] {
    const locals = frame.locals;
    const out: VNode[] = [];
    for (const k of Object.keys(locals)) out.push(this.valueNode(k, locals[k]));
    return out;
  }

  // ---- FSRInfo ------------------------------------------------------------------------------

  fsr(): VNode {
    const cx = this.s.cx;
    const f = cx.fsr;
    const named: Partial<Record<string, readonly string[]>> = { resumeState: RESUME_STATES, swapCopyState: [...SWAP_COPY_STATES, 'none'] };
    const edit = (field: 'resumeState' | 'swapCopyState' | 'hasSwapCopy' | 'swapCopyWorldID' | 'memMinToTransferMB' | 'cpuMinToTransferMHz', parse: (t: string) => unknown) =>
      (text: string): InvariantBreak[] => {
        const v = parse(text);
        try {
          return this.s.editFsr(field, v);
        } catch (e) {
          const allowed = named[field];
          throw new InputError(`${(e as Error).message}, got ${quoted(String(v))}${allowed ? didYouMean(String(v), allowed) : ''}`);
        }
      };
    const name = (t: string) => t.trim().replace(/^"(.*)"$/, '$1');
    const w = (field: WatchTarget & { kind: 'fsr' }) => field;
    return group('fsr', `resumeState=${f.resumeState} swapCopyState=${f.swapCopyState}`, () => [
      boolLeaf('hasSwapCopy', f.hasSwapCopy, { set: edit('hasSwapCopy', (t) => (/^(true|1)$/i.test(t.trim()) ? true : /^(false|0)$/i.test(t.trim()) ? false : t)), watch: w({ kind: 'fsr', field: 'hasSwapCopy' }) }),
      numLeaf('swapCopyWorldID', f.swapCopyWorldID, { set: edit('swapCopyWorldID', (t) => parseNumber(t, 'swapCopyWorldID')), watch: w({ kind: 'fsr', field: 'swapCopyWorldID' }) }),
      leaf('swapCopyState', f.swapCopyState, f.swapCopyState, { type: 'FSRSwapCopyState', set: edit('swapCopyState', name), watch: w({ kind: 'fsr', field: 'swapCopyState' }) }),
      leaf('resumeState', f.resumeState, f.resumeState, { type: 'FSRResumeState', set: edit('resumeState', name), watch: w({ kind: 'fsr', field: 'resumeState' }) }),
      numLeaf('memMinToTransferMB', f.memMinToTransferMB, { set: edit('memMinToTransferMB', (t) => parseNumber(t, 'memMinToTransferMB')), watch: w({ kind: 'fsr', field: 'memMinToTransferMB' }) }),
      numLeaf('cpuMinToTransferMHz', f.cpuMinToTransferMHz, { set: edit('cpuMinToTransferMHz', (t) => parseNumber(t, 'cpuMinToTransferMHz')), watch: w({ kind: 'fsr', field: 'cpuMinToTransferMHz' }) }),
      group('memHandoff', `inProgress=${cx.handoff.inProgress} done=${cx.handoff.done}`, () => [
        boolLeaf('inProgress', cx.handoff.inProgress),
        group('acked', `${cx.handoff.acked.filter(Boolean).length}/${cx.handoff.acked.length} PCPUs`, () => cx.handoff.acked.map((a, i) => boolLeaf(`[${i}]`, a))),
        boolLeaf('done', cx.handoff.done),
      ]),
      group('checkpoint', `${cx.cpt.written}/${cx.cpt.numChunks} written, ${cx.cpt.read} read`, () => [
        numLeaf('numChunks', cx.cpt.numChunks),
        numLeaf('written', cx.cpt.written),
        numLeaf('read', cx.cpt.read),
        boolLeaf('finished', cx.cpt.finished),
      ]),
      group('swapCopyHelper', `${cx.helper.copiedSlots} slots copied`, () => Object.entries(cx.helper).map(([k, v]) => (typeof v === 'boolean' ? boolLeaf(k, v) : numLeaf(k, v)))),
    ]);
  }

  // ---- worlds -------------------------------------------------------------------------------

  world(name: string, w: World): VNode {
    const vmx = this.s.cx.vmxOf(w);
    return group(name, `${w.name} (world ${w.worldID})`, () => [
      numLeaf('worldID', w.worldID),
      leaf('name', w.name, w.name),
      this.pframeInfo(w),
      this.pages(w),
      group('swap', `${w.swap.swapFile.usedSlots} slots used, swapper ${w.swap.swapperEnabled ? 'enabled' : 'disabled'}`, () => [
        this.swapFile('swapFile', w.swap.swapFile),
        this.swapFile('migSwapFile', w.swap.migSwapFile),
        this.swapFile('cptSwapFile', w.swap.cptSwapFile),
        boolLeaf('swapperEnabled', w.swap.swapperEnabled),
        numLeaf('activeSwapOuts', w.swap.activeSwapOuts),
      ]),
      this.alloc(w),
      group('stats', `allocated ${w.stats.allocated}`, () =>
        (['allocated', 'allocs', 'frees'] as const).map((f) => numLeaf(f, w.stats[f], { history: { kind: 'stat', world: w.worldID, field: f } })),
      ),
      this.monitor(vmx),
    ], { type: 'World' });
  }

  private pframeInfo(w: World): VNode {
    const pf = w.pframes;
    const lock = pf.pdirLock;
    return group('pframes', `PFrame_Info: ${pf.numMainMemPages} pages, ${pf.numPDirEntries}/${w.numDirs} pdirs`, () => [
      group('pdirLock', lock.holder ? `held by ${lock.holder} (pgNum ${lock.heldFor === null ? "?" : hex(lock.heldFor)})` : 'unlocked', () => [
        leaf('name', lock.name, lock.name),
        leaf('holder', lock.holder ?? 'NULL', lock.holder),
        leaf('heldFor', lock.heldFor === null ? 'NULL' : String(lock.heldFor), lock.heldFor),
        numLeaf('acquisitions', lock.acquisitions),
      ], { type: 'SP_SpinLock' }),
      group('domains', `${pf.domains.length} domain(s)`, () => pf.domains.map((d, i) => group(`[${i}]`, `pgNum ${hex(d.firstPgNum)}..${hex(d.firstPgNum + d.numPages - 1)}`, () => [numLeaf('index', d.index), numLeaf('firstPgNum', d.firstPgNum), numLeaf('numPages', d.numPages)]))),
      leaf('domainMask', hex(pf.domainMask), pf.domainMask),
      numLeaf('numMainMemPages', pf.numMainMemPages),
      boolLeaf('defaultPageTypeIsRemote', pf.defaultPageTypeIsRemote),
      numLeaf('defaultPageTypeIsRemoteMaxPgNum', pf.defaultPageTypeIsRemoteMaxPgNum),
      {
        name: 'pdirInfo',
        value: `PDir_Info[${w.numDirs}]: ${pf.numPDirEntries} present`,
        type: 'PDir_Info *',
        kids: { indexed: { count: w.numDirs, at: (d) => this.pdirEntry(w, d), groups: { size: ALLOC_PDIR_PAGES, label: (a, b) => ({ name: `[${hex(a)}..${hex(b)}]`, value: `pdirInfo[${hex(a)}..${hex(b)}]` }) } } },
      },
      {
        name: 'pages2',
        value: `MPN64[${w.numDirs}]: ${pf.numPDirEntries2} present`,
        kids: { indexed: { count: w.numDirs, at: (d) => this.mpnLeaf(`[${hex(d)}]`, pf.pages2[d]!), groups: { size: ALLOC_PDIR_PAGES, label: (a, b) => ({ name: `[${hex(a)}..${hex(b)}]`, value: '' }) } } },
      },
      numLeaf('numPDirEntries', pf.numPDirEntries),
      numLeaf('numXMapPages', pf.numXMapPages),
      numLeaf('numL3PTPages', pf.numL3PTPages),
      numLeaf('numPDirEntries2', pf.numPDirEntries2),
      numLeaf('numXMapPages2', pf.numXMapPages2),
    ], { type: 'PFrame_Info' });
  }

  /** `pdirInfo[d]`: the PTE naming a pdir page, and that page's PFrames. */
  pdirEntry(w: World, d: number, name = `[${hex(d)}]`): VNode {
    const pte = w.pframes.pdirInfo[d]!;
    const mpn = pteToMPN(pte);
    const first = d * ALLOC_PDIR_PAGES;
    const count = Math.min(ALLOC_PDIR_PAGES, w.pframes.numMainMemPages - first);
    const value = mpn === INVALID_MPN64 ? '0 (not present)' : `${pteHex(pte % 4294967296, Math.floor(pte / 4294967296))} → pdir MPN ${mpnHex(mpn)}`;
    return {
      name,
      value,
      raw: pte,
      type: 'PTE',
      memoryReference: this.memRef(mpn),
      watch: { kind: 'pdirInfo', world: w.worldID, dirIndex: d },
      kids: mpn === INVALID_MPN64 ? undefined : { indexed: { count, at: (i) => this.pframeOf(w, first + i, `[${hex(i)}]`), groups: { size: ALLOC_PDIR_PAGES, label: (a, b) => ({ name: `[${hex(a)}..${hex(b)}]`, value: '' }) } } },
    };
  }

  /**
   * Every PFrame of a world by pgNum (read through pdirInfo when asked; 16 Mi pages cost nothing until
   * shown), grouped by page directory: 512 PFrames a group, named by their pgNums in hex.
   */
  private pages(w: World): VNode {
    const n = w.pframes.numMainMemPages;
    const label = (a: number, b: number) => {
      const d0 = Math.floor(a / ALLOC_PDIR_PAGES);
      const d1 = Math.floor(b / ALLOC_PDIR_PAGES);
      if (d0 !== d1) return { name: `[${hex(a)}..${hex(b)}]`, value: `pdirs ${hex(d0)}..${hex(d1)}` };
      const dir = w.dirMPN(d0);
      return { name: `[${hex(a)}..${hex(b)}]`, value: `pdir ${hex(d0)}: ${dir === INVALID_MPN64 ? 'not present' : `pdir page ${mpnHex(dir)}`}` };
    };
    return { name: 'pages', value: `PFrame[${hex(n)}] by pgNum, ${w.numDirs} pdirs of 512`, kids: { indexed: { count: n, at: (pg) => this.pframeOf(w, pg, `[${hex(pg)}]`), groups: { size: ALLOC_PDIR_PAGES, label } } } };
  }

  /** The PFrame of `pgNum` in `w`, found through its directory now. */
  pframeOf(w: World, pgNum: number, name: string): VNode {
    const d = Math.floor(pgNum / ALLOC_PDIR_PAGES);
    const dirMPN = w.dirMPN(d);
    if (dirMPN === INVALID_MPN64) return leaf(name, `no pdir: ${w.name} pdirInfo[${hex(d)}] is not present`, null);
    return this.pframe(name, { world: w, pgNum, dirMPN, pageIndex: pgNum % ALLOC_PDIR_PAGES });
  }

  private words(dirMPN: number): Uint32Array {
    const live = this.host.peekWords(dirMPN);
    if (live) return live;
    const b = this.host.read(dirMPN);
    return new Uint32Array(b.buffer, b.byteOffset, PAGE_SIZE / 4);
  }

  /** A PFrame in a pdir page: raw pte, every bitfield by its seed name, the extra union by type, its MPN. */
  pframe(name: string, at: { world?: World; pgNum?: number; dirMPN: number; pageIndex: number }): VNode {
    const read = (): { lo: number; hi: number } => {
      const u32 = this.words(at.dirMPN);
      return { lo: u32[at.pageIndex * 2]!, hi: u32[at.pageIndex * 2 + 1]! };
    };
    const { lo, hi } = read();
    const write = (next: { lo: number; hi: number }): InvariantBreak[] => {
      const bytes = new Uint8Array(8);
      const dv = new DataView(bytes.buffer);
      dv.setUint32(0, next.lo >>> 0, true);
      dv.setUint32(4, next.hi >>> 0, true);
      return this.s.editMemory(at.dirMPN, at.pageIndex * 8, bytes);
    };
    const edit = (field: string) => (text: string): InvariantBreak[] => write(setPFrameField(read(), field, text));
    const watch = (field: string): WatchTarget | undefined => (at.world && at.pgNum !== undefined ? { kind: 'pframe', world: at.world.worldID, pgNum: at.pgNum, field } : undefined);
    const kids = (): VNode[] => {
      const { lo, hi } = read();
      const f = decodePFrame(lo, hi);
      // The same rows the host-memory view's page decode shows (engine/hostmap.ts pframeDecode).
      const d = pframeDecode(lo, hi);
      const note = (text: string | null) => (text ? { named: () => [leaf('note', text, text, { type: 'note' })] } : undefined);
      const out: VNode[] = [];
      out.push(leaf('pte', d.pte, d.pte, { type: 'uint64', set: edit('pte'), watch: watch('pte') }));
      out.push(leaf('form', d.formNote ? `${d.form} (beyond bit 0: model)` : d.form, d.form, { type: 'union PFrame member', kids: note(d.formNote) }));
      for (const row of d.fields) {
        const v = f[row.name as keyof PFrameFields];
        out.push(leaf(row.name, row.value, v, { type: `${row.decl} (bit${row.bits.includes('–') ? 's' : ''} ${row.bits})`, set: edit(row.name), watch: watch(row.name), kids: note(row.note) }));
        if (row.name === 'indexHighBits') {
          // The union as the deck declares it: extra covers bits 8–15, each member beginning with indexHighBits : 6.
          const ex = d.extra;
          const union = ex.path.slice('extra.'.length);
          const exMember = extraMember(lo);
          const member = group(union, extraText(ex.fields), () =>
            ex.fields.map((x, i) => leaf(x.name, x.value, exMember.fields[i]!.value, { type: `${x.decl} (bit${x.bits.includes('–') ? 's' : ''} ${x.bits})`, set: edit(x.name), watch: watch(x.name) })),
          );
          out.push(group('extra', `${ex.path}: ${extraText(ex.fields)}`, () => [member, leaf('note', PFRAME_LAYOUT_NOTES.extra!, null, { type: 'note' })], { raw: f.extra, type: 'union (bits 8–15)', set: edit('extra') }));
        }
      }
      const t = f.type;
      const index = pfIndex(lo, hi);
      const meaning = indexMeaning(t);
      if (meaning === 'MPN') {
        out.push(this.mpnLeaf('mpn', index, { set: edit('mpn'), watch: watch('mpn') }));
        // The slides' two wrong forms beside the right one, each with what it gives for this PFrame.
        for (const m of d.formulas ?? []) out.push(leaf(`mpn ← ${m.expr}`, `${m.value}  ${m.wrong ? '✗ ' : m.why === 'right' ? '✓ ' : ''}${m.why}`, m.value, { type: m.source, noPath: true }));
      } else out.push(leaf('mpn', meaning === 'none' ? 'INVALID_MPN64 (no backing)' : `INVALID_MPN64 (the index is a ${meaning}: ${hex(index)})`, INVALID_MPN64, { type: 'MPN', watch: watch('mpn'), memoryReference: meaning === 'zip cache MPN' ? this.memRef(index) : undefined }));
      if (at.pgNum !== undefined) out.push(leaf('pgNum', hex(at.pgNum), at.pgNum, { type: 'PageNum' }));
      out.push(this.mpnLeaf('dirMPN', at.dirMPN, { value: `${mpnHex(at.dirMPN)} [${hex(at.pageIndex)}]`, memoryReference: this.memRef(at.dirMPN) }));
      return out;
    };
    return { name, value: pframeSummary(lo, hi), type: 'PFrame', kids: { named: kids }, raw: pteHex(lo, hi), memoryReference: this.memRef(at.dirMPN, at.pageIndex * 8) };
  }

  private swapFile(name: string, f: SwapFile): VNode {
    let ranges: Array<[number, number]> | null = null;
    const get = () => (ranges ??= f.usedRanges());
    return group(name, `${f.name}: ${f.usedSlots}/${f.numSlots} slots used`, () => [
      leaf('name', f.name, f.name),
      numLeaf('numSlots', f.numSlots),
      numLeaf('usedSlots', f.usedSlots),
      {
        name: 'bitmap',
        value: `${f.usedSlots} used slots in ${get().length} range(s)`,
        kids: { indexed: { count: get().length, at: (i) => { const [a, b] = get()[i]!; return leaf(`[${i}]`, a === b ? `slot ${hex(a)}` : `slots ${hex(a)}..${hex(b)} (${b - a + 1})`, b - a + 1); } } },
      },
    ], { type: 'SwapFile' });
  }

  private alloc(w: World): VNode {
    const a = w.alloc;
    return group('alloc', 'Alloc_Info', () => [
      a.lpool
        ? group('lpool', `pool ${a.lpool.id}: ${a.lpool.numLargePages} large pages, owner ${a.lpool.ownerWorldID}`, () => [
            numLeaf('id', a.lpool!.id),
            numLeaf('numLargePages', a.lpool!.numLargePages),
            numLeaf('ownerWorldID', a.lpool!.ownerWorldID),
            leaf('sharedWith', `[${a.lpool!.sharedWith.join(', ')}]`, a.lpool!.sharedWith.slice()),
          ])
        : leaf('lpool', 'NULL', null),
      group('memzip', `${a.memzip.numZipped} zipped pages in ${a.memzip.cacheMPNs.length} cache pages`, () => [
        { name: 'cacheMPNs', value: `MPN[${a.memzip.cacheMPNs.length}]`, kids: { indexed: { count: a.memzip.cacheMPNs.length, at: (i) => this.mpnLeaf(`[${i}]`, a.memzip.cacheMPNs[i]!) } } },
        numLeaf('numZipped', a.memzip.numZipped),
        a.memzip.header
          ? group('header', `owner ${a.memzip.header.owner}`, () => Object.entries(a.memzip.header!).map(([k, v]) => numLeaf(k, v)))
          : leaf('header', 'NULL', null),
      ]),
    ], { type: 'Alloc_Info' });
  }

  /** The VMX and monitor of a world: migrate state, and the monitor's cached translations. */
  private monitor(vmx: VmxState, name = 'monitor'): VNode {
    return group(name, `${vmx.role} VMX: ${vmx.migrateState}, ${vmx.shadow.size} cached translations`, () => {
      const entries = [...vmx.shadow.entries()].sort((a, b) => a[0] - b[0]);
      return [
        leaf('migrateState', vmx.migrateState, vmx.migrateState),
        boolLeaf('panicNoCore', vmx.panicNoCore),
        leaf('DVSState', vmx.DVSState, vmx.DVSState),
        leaf('DVSFilter', vmx.DVSFilter, vmx.DVSFilter),
        numLeaf('loadHistory', vmx.loadHistory),
        boolLeaf('swapOpen', vmx.swapOpen),
        boolLeaf('swapExclusive', vmx.swapExclusive),
        numLeaf('vmxMappedPages', vmx.vmxMappedPages),
        group('group', `memMin ${vmx.group.memMinMB} MB, cpuMin ${vmx.group.cpuMinMHz} MHz`, () => [numLeaf('memMinMB', vmx.group.memMinMB), numLeaf('cpuMinMHz', vmx.group.cpuMinMHz)]),
        {
          name: 'cachedTranslations',
          value: `${entries.length} BPN → MPN (by pgNum)`,
          // In an expression (a condition, a comparison) it is the count, as the engine's dstVmx gives it.
          raw: entries.length,
          kids: {
            indexed: {
              count: entries.length,
              at: (i) => {
                const [pg, mpn] = entries[i]!;
                const now = this.pframeOf(vmx.world, pg, 'now');
                const stale = now.kids ? !now.value.includes(`MPN ${mpnHex(mpn)}`) : true;
                // Its history is the MPN's: who owned the page this translation names, and when that changed.
                return this.mpnLeaf(`[${hex(pg)}]`, mpn, { value: `${mpnHex(mpn)}${stale ? ` (stale: the PFrame is now ${now.value})` : ''}`, history: { kind: 'backmap', mpn } });
              },
              find: (pg) => {
                const i = entries.findIndex(([p]) => p === pg);
                return i < 0 ? undefined : i;
              },
            },
          },
        },
      ];
    }, { type: 'VMX' });
  }

  // ---- host ---------------------------------------------------------------------------------

  hostNode(): VNode {
    const host = this.host;
    const regions = host.regions;
    const mpnAt = (i: number): number => {
      for (const r of regions) {
        if (i < r.pages) return r.baseMPN + i;
        i -= r.pages;
      }
      return INVALID_MPN64;
    };
    const indexOf = (mpn: number): number | undefined => {
      let base = 0;
      for (const r of regions) {
        if (mpn >= r.baseMPN && mpn < r.baseMPN + r.pages) return base + (mpn - r.baseMPN);
        base += r.pages;
      }
      return undefined;
    };
    return group('host', `${host.totalPages} pages, ${host.allocatedPages} allocated`, () => [
      group('ranges', `${regions.length} range(s)`, () => regions.map((r, i) => group(`[${i}]`, `${mpnHex(r.baseMPN)}..${mpnHex(r.baseMPN + r.pages - 1)} (${r.pages} pages)`, () => [
        this.mpnLeaf('baseMPN', r.baseMPN),
        numLeaf('pages', r.pages),
        this.mpnLeaf('lastMPN', r.baseMPN + r.pages - 1),
        numLeaf('bumpCursor', r.cursor),
      ]))),
      numLeaf('totalPages', host.totalPages),
      numLeaf('allocatedPages', host.allocatedPages),
      numLeaf('freePages', host.freePages),
      numLeaf('freeStackDepth', host.freeStackDepth),
      numLeaf('materializedPages', host.materializedCount()),
      group('owners', `${host.allOwners().length} BackMap owners`, () => host.allOwners().map((o) => group(`[${o.slot}]`, `${o.label}: ${host.ownerCounts[o.slot]} pages`, () => [
        numLeaf('slot', o.slot),
        leaf('kind', o.kind, o.kind),
        numLeaf('worldID', o.worldID),
        leaf('label', o.label, o.label),
        numLeaf('pages', host.ownerCounts[o.slot]!),
      ]))),
      {
        name: 'backmap',
        value: `BackMap[${host.totalPages}] by MPN: ${host.ownedPages} owned`,
        kids: {
          indexed: {
            count: host.totalPages,
            at: (i) => {
              const mpn = mpnAt(i);
              return this.mpnLeaf(`[${hex(mpn)}]`, mpn, { value: this.backmapText(mpn), raw: host.backmapEntry(mpn), type: 'BackMap entry', history: { kind: 'backmap', mpn } });
            },
            find: indexOf,
            groups: { size: 512, label: (a, b) => ({ name: `[${hex(mpnAt(a))}..${hex(mpnAt(b))}]`, value: '' }) },
          },
        },
      },
    ]);
  }

  backmapText(mpn: number): string {
    const host = this.host;
    const b = host.backmapLookup(mpn);
    if (!b) return host.isAllocated(mpn) ? 'allocated, no owner' : 'free';
    return `${b.owner.label}, ${b.owner.kind === 'mainmem' ? 'pgNum' : 'index'} ${hex(b.pgNum)}`;
  }

  // ---- values of locals and expressions -----------------------------------------------------

  /** A row for a value a frame or expression holds; world IDs, MPNs and PFrame pointers get their meaning. */
  valueNode(name: string, v: Value): VNode {
    if (v === undefined) return leaf(name, 'undefined', undefined);
    if (v === null) return leaf(name, 'NULL', null);
    if (typeof v === 'number') {
      if (WORLD_NAME.test(name) && this.s.machine.worlds.has(v)) {
        const w = this.s.machine.worlds.get(v)!;
        return { name, value: `${v} (${w.name})`, raw: v, type: 'World *', kids: { named: () => this.world(name, w).kids!.named!() } };
      }
      if (MPN_NAME.test(name) && Number.isInteger(v)) return this.mpnLeaf(name, v);
      if (BPN_NAME.test(name) && Number.isInteger(v) && v >= 0) return leaf(name, hex(v), v, { type: 'BPN' });
      if (INDEX_NAME.test(name) && Number.isInteger(v) && v >= 0) return leaf(name, hex(v), v, { type: name === 'pgNum' ? 'PageNum' : 'uint32' });
      return numLeaf(name, v);
    }
    if (typeof v === 'string' || typeof v === 'boolean') return leaf(name, String(v), v);
    if (Array.isArray(v)) {
      const arr = v;
      return { name, value: `[${arr.length}]`, raw: v, kids: { indexed: { count: arr.length, at: (i) => this.valueNode(`[${i}]`, arr[i]) } } };
    }
    const o = v as Record<string, Value>;
    if (typeof o.dirMPN === 'number' && typeof o.pageIndex === 'number' && this.host.isValidMPN(o.dirMPN)) {
      const w = typeof o.world === 'number' ? this.s.machine.worlds.get(o.world) : undefined;
      const pf = this.pframe(name, { world: w, pgNum: typeof o.pgNum === 'number' ? o.pgNum : undefined, dirMPN: o.dirMPN, pageIndex: o.pageIndex });
      return { ...pf, value: `PFrame * → ${mpnHex(o.dirMPN)}[${o.pageIndex}]: ${pf.value}`, raw: v };
    }
    return group(name, summarize(o), () => Object.entries(o).map(([k, x]) => this.valueNode(k, x)), { raw: v });
  }
}

function summarize(o: Record<string, Value>): string {
  const parts = Object.entries(o).slice(0, 4).map(([k, v]) => `${k}: ${v !== null && typeof v === 'object' ? '{…}' : String(v)}`);
  return `{${parts.join(', ')}${Object.keys(o).length > 4 ? ', …' : ''}}`;
}

function extraText(fields: ReadonlyArray<{ name: string; value: string }>): string {
  return fields.map((x) => `${x.name}=${x.value}`).join(' ');
}

/** One line for a PFrame: its type and what its index names. */
export function pframeSummary(lo: number, hi: number): string {
  const t = pfType(lo);
  const name = pageTypeName(t);
  const index = pfIndex(lo, hi);
  const f = decodePFrame(lo, hi);
  const pin = f.pinCount ? ` pinCount=${f.pinCount}` : '';
  switch (indexMeaning(t)) {
    case 'MPN': return `${name} → MPN ${mpnHex(index)}${pin}`;
    case 'swap slot': return `${name} slot ${hex(index)}${pin}`;
    case 'zip cache MPN': return `${name} in zip MPN ${mpnHex(index)} block ${f.extra}${pin}`;
    default: return `${name}${t === PageType.NONE && (lo !== 0 || hi !== 0) ? ` (pte ${pteHex(lo, hi)})` : ''}${pin}`;
  }
}

const TYPE_CODES: ReadonlyMap<string, number> = new Map(Object.entries(PageType));

/** A PFrame with one field set from typed text, through the codec (bit-exact); throws naming the field's range. */
export function setPFrameField(cur: { lo: number; hi: number }, field: string, text: string): { lo: number; hi: number } {
  if (field === 'pte') return parse64(text, 'pte');
  const f = decodePFrame(cur.lo, cur.hi);
  const t = text.trim();
  try {
    if (field === 'type') {
      f.type = TYPE_CODES.get(t) ?? parseNumber(t, `type (a page type: ${[...TYPE_CODES.keys()].join(', ')}, or its code)`);
    } else if (field === 'mpn') {
      const mpn = parseNumber(t, 'mpn');
      if (mpn < 0 || mpn > MAX_MPN) throw new InputError(`mpn must be in 0..${mpnHex(MAX_MPN)} (38 bits)`);
      f.indexHighBits = Math.floor(mpn / 4294967296);
      f.indexLowBits = mpn >>> 0;
    } else if (Object.hasOwn(f, field)) {
      (f as unknown as Record<string, number>)[field] = parseNumber(t, field);
    } else {
      const ex = decodeExtra(f.type, f.extra);
      if (!Object.hasOwn(ex.fields, field)) {
        throw new InputError(`a ${pageTypeName(f.type)} PFrame has no field "${field}" (its extra union is ${ex.union}: ${Object.keys(ex.fields).join(', ')})`);
      }
      ex.fields[field] = parseNumber(t, field);
      f.extra = encodeExtra(ex.union, ex.fields);
    }
    return encodePFrame(f);
  } catch (e) {
    if (e instanceof RangeError) throw new InputError(e.message);
    throw e;
  }
}

