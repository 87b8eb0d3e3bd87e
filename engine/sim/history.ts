// Questions to the recorded history, answered from the change log and the step records (never by
// running the program again): when did this value change, who changed it, from what to what; when
// was this function entered; when did an invariant first break, and until when did it hold.

import { BACKMAP_PGNUM_BITS } from '../host';
import { INVALID_MPN64, PageType, decodePFrame, decodeExtra, hexNumber, mpnHex, pageTypeName, pfIndex, pfType } from '../pframe';
import { PAGE_2_DIRINDEX, PAGE_2_PAGEINDEX, pteToMPN, type World } from '../world';
import { type BackMapMove, ChangeKind, type BitmapChange, type FieldChange, pdirKey, slotKey } from './changes';
import type { Session, WorldRef } from './session';

/** A value whose history can be asked for: any value Variables shows a change of. */
export type HistoryTarget =
  | { kind: 'pframe'; world: WorldRef; pgNum: number; field: string }
  | { kind: 'pdirInfo'; world: WorldRef; dirIndex: number }
  | { kind: 'fsr'; field: string }
  | { kind: 'backmap'; mpn: number }
  | { kind: 'stat'; world: WorldRef; field: 'allocated' | 'allocs' | 'frees' }
  | { kind: 'swapslot'; world: WorldRef; slot: number };

/** The site of a change log entry a debugger's edit made (history reads it for the past, and shows no row for it). */
export const EDIT_SITE = -1;

/** One change: at `step` (the state after it), made by `actor` running `fn` at `line`, `old` → `new`. */
export interface HistoryRow {
  step: number;
  actor: string;
  fn: string;
  line: number;
  old: string;
  new: string;
  /** A bulk step's many changes summed into this row: the steps they span. */
  span?: [number, number];
}

export interface HistoryAnswer {
  /** What was asked, as the debugger names it. */
  what: string;
  /** Its value now. */
  now: string;
  /** The changes, oldest first, within the retained history. */
  rows: HistoryRow[];
  /** The oldest step history reaches (rows before it are not known). */
  horizon: number;
}

const hex = (n: number): string => (n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`);

function fmt(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) > 9 ? hex(v) : String(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  return String(v);
}

/** A PFrame field of two words (null words: the directory is absent). Names for type, hex for indices. */
export function pframeField(words: { lo: number; hi: number } | null, field: string): string {
  if (!words) return 'no pdir';
  const { lo, hi } = words;
  const f = decodePFrame(lo, hi) as unknown as Record<string, number>;
  const t = pfType(lo);
  if (field === 'pte') return `0x${(hi >>> 0).toString(16).padStart(8, '0')}${(lo >>> 0).toString(16).padStart(8, '0')}`;
  if (field === 'type') return pageTypeName(t);
  if (field === 'mpn') return t === PageType.REGULAR || t === PageType.COW || t === PageType.SWAP_OUT ? mpnHex(pfIndex(lo, hi)) : mpnHex(INVALID_MPN64);
  if (field in f) return field === 'indexLowBits' || field === 'indexHighBits' ? hex(f[field]!) : String(f[field]);
  const extra = decodeExtra(t, f.extra!).fields;
  if (field in extra) return String(extra[field]);
  return 'none';
}

function owners(s: Session): (entry: number) => string {
  return (e) => {
    if (e === 0) return 'none';
    const o = s.machine.host.owner(e >>> BACKMAP_PGNUM_BITS);
    return `${o?.label ?? 'unknown owner'}, ${o?.kind === 'mainmem' ? 'pgNum' : 'index'} ${hex(e & (2 ** BACKMAP_PGNUM_BITS - 1))}`;
  };
}

/** Who made state `step`, and at which statement; a bulk step's rows may name the statement themselves. */
function who(s: Session, step: number): { actor: string; fn: string; line: number } {
  const at = s.rt.stepAt(step);
  if (!at) return { actor: '?', fn: '?', line: 0 };
  return { actor: s.rt.actor(at.actor).name, fn: at.fn, line: at.line };
}

/** Field values as of step `step`: now, with every later FIELD change taken back. */
function fieldAt(s: Session, obj: object, field: string, step: number): unknown {
  let v = (obj as Record<string, unknown>)[field];
  const log = s.rt.changes;
  for (let i = log.count - 1; i >= 0 && log.step[i]! > step; i--) {
    if (log.kind[i] !== ChangeKind.FIELD) continue;
    const c = log.side[i] as FieldChange;
    if (c.obj === obj && c.field === field) v = c.old;
  }
  return v;
}

export function describeTarget(s: Session, t: HistoryTarget): string {
  switch (t.kind) {
    // Indices in hex, as Variables names the rows.
    case 'pframe': return `${s.worldRef(t.world).name} PFrame ${hexNumber(t.pgNum)}.${t.field}`;
    case 'pdirInfo': return `${s.worldRef(t.world).name} pdirInfo[${hexNumber(t.dirIndex)}]`;
    case 'fsr': return `fsr->${t.field}`;
    case 'backmap': return `BackMap[${mpnHex(t.mpn)}]`;
    case 'stat': return `${s.worldRef(t.world).name} stats.${t.field}`;
    case 'swapslot': return `${s.worldRef(t.world).swap.swapFile.name} slot ${hexNumber(t.slot)}`;
  }
}

/** The value of `t` now, as history rows show values. */
export function currentValue(s: Session, t: HistoryTarget): string {
  switch (t.kind) {
    case 'fsr':
      return fmt((s.cx.fsr as unknown as Record<string, unknown>)[t.field]);
    case 'stat':
      return fmt(s.worldRef(t.world).stats[t.field]);
    case 'pdirInfo': {
      const v = s.worldRef(t.world).pframes.pdirInfo[t.dirIndex]!;
      return v === 0 ? 'not present' : `${hex(v)} (MPN ${mpnHex(pteToMPN(v))})`;
    }
    case 'backmap':
      return owners(s)(s.machine.host.backmapEntry(t.mpn));
    case 'swapslot':
      return s.worldRef(t.world).swap.swapFile.isUsed(t.slot) ? 'used' : 'free';
    case 'pframe': {
      const w = s.worldRef(t.world);
      const dir = w.dirMPN(PAGE_2_DIRINDEX(t.pgNum));
      if (dir === INVALID_MPN64) return pframeField(null, t.field);
      const b = s.machine.host.read(dir);
      const i = PAGE_2_PAGEINDEX(t.pgNum) * 2;
      const u = new Uint32Array(b.buffer, b.byteOffset, 1024);
      return pframeField({ lo: u[i]!, hi: u[i + 1]! }, t.field);
    }
  }
}

/** Every change of `t` within the retained history, oldest first, and its value now. */
export function valueHistory(s: Session, t: HistoryTarget): HistoryAnswer {
  const log = s.rt.changes;
  const rows: HistoryRow[] = [];
  const what = describeTarget(s, t);
  const horizon = s.rt.historyHorizon;
  const site = (line: number): { fn: string; line: number } | undefined => {
    const at = line > 0 ? s.listing.stmtAt(line) : undefined;
    return at ? { fn: at.fn.name, line } : undefined;
  };
  const row = (step: number, old: string, nu: string, at?: { fn: string; line: number }, span?: [number, number]): void => {
    if (old === nu) return;
    const w = who(s, step);
    rows.push({ step, actor: w.actor, fn: at?.fn ?? w.fn, line: at?.line ?? w.line, old, new: nu, ...(span ? { span } : {}) });
  };
  let now: string;
  switch (t.kind) {
    case 'fsr':
    case 'stat': {
      const obj = t.kind === 'fsr' ? s.cx.fsr : s.worldRef(t.world).stats;
      if (!(t.field in obj)) throw new RangeError(`${what}: no such field (fields: ${Object.keys(obj).join(', ')})`);
      now = fmt((obj as unknown as Record<string, unknown>)[t.field]);
      for (let i = 0; i < log.count; i++) {
        if (log.kind[i] !== ChangeKind.FIELD) continue;
        const c = log.side[i] as FieldChange;
        if (c.obj === obj && c.field === t.field) row(log.step[i]!, fmt(c.old), fmt(c.new), site(log.site[i]!), c.span);
      }
      break;
    }
    case 'pdirInfo': {
      const w = s.worldRef(t.world);
      if (t.dirIndex < 0 || t.dirIndex >= w.numDirs) throw new RangeError(`${what}: dirIndex is outside 0..${w.numDirs - 1}`);
      const pte = (v: number) => (v === 0 ? 'not present' : `${hex(v)} (MPN ${mpnHex(pteToMPN(v))})`);
      now = pte(w.pframes.pdirInfo[t.dirIndex]!);
      const key = pdirKey(w.owners.pdir.slot, t.dirIndex);
      for (let i = 0; i < log.count; i++) if (log.kind[i] === ChangeKind.PDIR && log.key[i] === key) row(log.step[i]!, pte(log.a0[i]!), pte(log.b0[i]!), site(log.site[i]!));
      for (const b of s.rt.traces) for (const c of b.trace.pdir(w.owners.pdir.slot, t.dirIndex)) row(c.step, pte(c.old), pte(c.new), c);
      break;
    }
    case 'backmap': {
      const name = owners(s);
      if (!s.machine.host.isValidMPN(t.mpn)) throw new RangeError(`${what}: MPN ${mpnHex(t.mpn)} is not in host memory`);
      now = name(s.machine.host.backmapEntry(t.mpn));
      for (let i = 0; i < log.count; i++) {
        const k = log.kind[i];
        if (k === ChangeKind.BACKMAP && log.key[i] === t.mpn) row(log.step[i]!, name(log.a0[i]!), name(log.b0[i]!), site(log.site[i]!));
        else if (k === ChangeKind.BACKMAP_MOVE) {
          const m = log.side[i] as BackMapMove;
          const j = m.mpns.indexOf(t.mpn);
          if (j >= 0) row(log.step[i]!, name(m.entries[j]! - m.flip), name(m.entries[j]!), site(log.site[i]!));
        }
      }
      for (const b of s.rt.traces) for (const c of b.trace.backmap(t.mpn)) row(c.step, name(c.old), name(c.new), c);
      break;
    }
    case 'swapslot': {
      const w = s.worldRef(t.world);
      const file = w.swap.swapFile;
      const id = s.cx.fileId(file);
      now = file.isUsed(t.slot) ? 'used' : 'free';
      const bit = (v: number) => (v ? 'used' : 'free');
      const key = slotKey(id, t.slot);
      for (let i = 0; i < log.count; i++) {
        if (log.kind[i] === ChangeKind.SLOT && log.key[i] === key) row(log.step[i]!, bit(log.a0[i]!), bit(log.b0[i]!));
        else if (log.kind[i] === ChangeKind.BITMAP && log.key[i] === id) {
          const c = log.side[i] as BitmapChange;
          const get = (b: Uint32Array) => ((b[t.slot >>> 5] ?? 0) >>> (t.slot & 31)) & 1;
          row(log.step[i]!, bit(get(c.old)), bit(get(c.new)));
        }
      }
      break;
    }
    case 'pframe':
      now = pframeHistory(s, t, (step, old, nu, line) => row(step, old, nu, site(line)));
      break;
  }
  rows.sort((a, b) => a.step - b.step);
  return { what, now, rows, horizon };
}

/**
 * A PFrame field changes when its words change in the pdir page the world's directory names, or when
 * the directory names another page (the redirect). Walk the log back from now, keeping the words of
 * every page at this PFrame's index as they were, and the page the directory named.
 */
function pframeHistory(s: Session, t: Extract<HistoryTarget, { kind: 'pframe' }>, row: (step: number, old: string, nu: string, site: number) => void): string {
  const w: World = s.worldRef(t.world);
  if (!Number.isInteger(t.pgNum) || t.pgNum < 0 || t.pgNum >= w.pframes.numMainMemPages) throw new RangeError(`pgNum ${t.pgNum} is outside 0..${w.pframes.numMainMemPages - 1}`);
  const host = s.machine.host;
  const log = s.rt.changes;
  const d = PAGE_2_DIRINDEX(t.pgNum);
  const idx = PAGE_2_PAGEINDEX(t.pgNum);
  const key = pdirKey(w.owners.pdir.slot, d);
  /** The words at this index of each page, as of the point the walk has reached. */
  const asOf = new Map<number, { lo: number; hi: number }>();
  const wordsOf = (mpn: number, step: number): { lo: number; hi: number } | null => {
    if (mpn === INVALID_MPN64) return null;
    const known = asOf.get(mpn);
    if (known) return known;
    if (!host.isMaterialized(mpn)) {
      // A pdir page never written reads as the world's default PFrames, as they were then.
      const pf = w.pframes;
      const remote = fieldAt(s, pf, 'defaultPageTypeIsRemote', step) === true && t.pgNum < (fieldAt(s, pf, 'defaultPageTypeIsRemoteMaxPgNum', step) as number);
      return { lo: remote ? PageType.REMOTE << 4 : 0, hi: 0 };
    }
    const u = host.peekWords(mpn)!;
    return { lo: u[2 * idx]!, hi: u[2 * idx + 1]! };
  };
  let dir = w.dirMPN(d);
  const now = pframeField(wordsOf(dir, s.rt.stepCount), t.field);
  const found: Array<{ step: number; old: string; nu: string; site: number }> = [];
  // The directory changes bulk steps made (their traces answer for them), newest first, merged into the walk.
  const virtual = s.rt.traces.flatMap((b) => b.trace.pdir(w.owners.pdir.slot, d)).sort((a, b) => b.step - a.step);
  let v = 0;
  const redirect = (step: number, oldPTE: number, newPTE: number, line: number): void => {
    const was = pteToMPN(oldPTE);
    found.push({ step, old: pframeField(wordsOf(was, step - 1), t.field), nu: pframeField(wordsOf(pteToMPN(newPTE), step), t.field), site: line });
    dir = was;
  };
  for (let i = log.count - 1; i >= -1; i--) {
    const step = i >= 0 ? log.step[i]! : -1;
    while (v < virtual.length && virtual[v]!.step > step) {
      const c = virtual[v++]!;
      redirect(c.step, c.old, c.new, c.line);
    }
    if (i < 0) break;
    const k = log.kind[i]!;
    if (k === ChangeKind.WORDS) {
      const key2 = log.key[i]!;
      if (key2 % 1024 !== 2 * idx) continue;
      const mpn = Math.floor(key2 / 1024);
      const before = { lo: log.a0[i]!, hi: log.a1[i]! };
      if (mpn === dir && log.site[i] !== EDIT_SITE) found.push({ step, old: pframeField(before, t.field), nu: pframeField({ lo: log.b0[i]!, hi: log.b1[i]! }, t.field), site: log.site[i]! });
      asOf.set(mpn, before);
    } else if (k === ChangeKind.PDIR && log.key[i] === key) {
      redirect(step, log.a0[i]!, log.b0[i]!, log.site[i]!);
    } else if (k === ChangeKind.FIELD) {
      // The world's default type, which a pdir page never written reads as.
      const c = log.side[i] as FieldChange;
      if (c.obj !== w.pframes || (c.field !== 'defaultPageTypeIsRemote' && c.field !== 'defaultPageTypeIsRemoteMaxPgNum')) continue;
      if (dir === INVALID_MPN64 || asOf.has(dir) || host.isMaterialized(dir)) continue;
      found.push({ step, old: pframeField(wordsOf(dir, step - 1), t.field), nu: pframeField(wordsOf(dir, step), t.field), site: log.site[i]! });
    }
  }
  for (const f of found.reverse()) row(f.step, f.old, f.nu, f.site);
  return now;
}

/** Each entry to `fn` in the retained history: the step (the actor stands at its first line) and the actor. */
export function executions(s: Session, fn: string): Array<{ step: number; actor: string }> {
  if (!s.listing.fns.has(fn)) throw new RangeError(`no function ${fn} in the listing`);
  return s.rt.entriesOf(fn).map((e) => ({ step: e.step, actor: s.rt.actor(e.actor).name })).sort((a, b) => a.step - b.step);
}

/** Invariant breaks within the retained history: each with its step and, before it, the last step it held. */
export function invariantHistory(s: Session, name?: string): Array<{ name: string; message: string; step: number; heldUntil: number; actor: string }> {
  const out: Array<{ name: string; message: string; step: number; heldUntil: number; actor: string }> = [];
  const seen = new Set<string>();
  for (const r of s.rt.raisedSoFar) {
    if (r.filter !== 'invariant') continue;
    const colon = r.message.indexOf(': ');
    const inv = colon < 0 ? r.message : r.message.slice(0, colon);
    if (name !== undefined && inv !== name) continue;
    if (seen.has(inv)) continue;
    seen.add(inv);
    out.push({ name: inv, message: r.message, step: r.step, heldUntil: r.step - 1, actor: s.rt.actor(r.actor).name });
  }
  return out;
}
