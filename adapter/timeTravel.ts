// The adapter's time travel beyond DAP's stepBack/reverseContinue: the `fsr/…` requests that move the
// run (goto a step, reverse step over/out, next/previous phase) and the questions to its history
// (history(), executions(), invariants(), the moment to share). The one contract for both ends: the
// extension imports these types. Knows no transport, editor or Node.

import { type HistoryAnswer, type HistoryTarget, type Session, executions, invariantHistory, valueHistory } from '../engine/index';
import type { VNode } from './variables';

/** The requests this module answers or describes (the debug session moves the run for the first four). */
export const TIME_TRAVEL_REQUESTS = ['fsr/goto', 'fsr/reverseStep', 'fsr/phase', 'fsr/history', 'fsr/executions', 'fsr/invariants', 'fsr/moment', 'fsr/bookmarks', 'fsr/watches', 'fsr/unwatch'] as const;
export type TimeTravelRequest = (typeof TIME_TRAVEL_REQUESTS)[number];

export interface GotoArgs {
  step: number;
}
export interface ReverseStepArgs {
  threadId: number;
  how: 'over' | 'out';
}
export interface PhaseArgs {
  direction: 'next' | 'previous';
}
export interface HistoryArgs {
  /** Any path Variables shows (its evaluateName), e.g. `dst.pages[5].type`, `fsr.resumeState`. */
  expression: string;
  frameId?: number;
}
export type HistoryBody = HistoryAnswer;
export interface ExecutionsArgs {
  function: string;
}
export interface ExecutionsBody {
  function: string;
  rows: Array<{ step: number; actor: string }>;
  horizon: number;
}
export interface InvariantsBody {
  breaks: Array<{ name: string; message: string; step: number; heldUntil: number; actor: string }>;
  horizon: number;
}
/** Enough to start the same run again and stop at the same step (a link to this moment). */
export interface MomentBody {
  step: number;
  /** The launch attributes that make the run (scenario, seed, faults, overrides), as given. */
  launch: Record<string, unknown>;
  /** A digest of the scenario file's bytes (file scenarios), to tell a changed file. */
  scenarioDigest: string | null;
  scenario: string;
  seed: number;
  /** The oldest step history keeps: FSR: Go to Step… can go no earlier. */
  horizon: number;
  /** The step the run ends at, when this session has seen it end since the last debugger edit; else null (unknown yet). */
  end: number | null;
}
export interface WatchesBody {
  watches: Array<{ id: number; description: string; owner: string; value: string }>;
}
export interface BookmarksBody {
  bookmarks: Array<{ name: string; step: number }>;
}
export interface UnwatchArgs {
  id: number;
}

/** The history target a Variables row (or a Debug Console result) stands for, or why none. */
export function historyTargetOf(node: VNode, path: string): HistoryTarget {
  if (node.history) return node.history;
  const w = node.watch;
  if (w) return w.kind === 'fsr' ? { kind: 'fsr', field: w.field } : w;
  throw new Error(`${path} has no recorded history here: history() takes a PFrame field, a pdirInfo entry, a BackMap entry (host.backmap[0x…]), an FSRInfo field or a world's stats`);
}

export function history(s: Session, target: HistoryTarget): HistoryBody {
  return valueHistory(s, target);
}

export function executionsOf(s: Session, fn: string): ExecutionsBody {
  return { function: fn, rows: executions(s, fn), horizon: s.rt.historyHorizon };
}

export function invariants(s: Session, name?: string): InvariantsBody {
  return { breaks: invariantHistory(s, name), horizon: s.rt.historyHorizon };
}

/** A history answer as Debug Console rows: one per change, each naming its step (FSR: Go to Step… goes there). */
export function historyNode(name: string, a: HistoryAnswer): VNode {
  const rows = a.rows.map((r) => ({
    name: `step ${r.step}`,
    value: `${r.old} → ${r.new} — ${r.actor}, ${r.fn}:${r.line}${r.span ? ` (a bulk step: ${r.span[1] - r.span[0] + 1} steps, ${r.span[0]}–${r.span[1]})` : ''}`,
    raw: r.step,
    type: 'step',
  }));
  const since = a.horizon > 0 ? ` since step ${a.horizon} (history's horizon)` : '';
  return {
    name,
    value: `${a.what} = ${a.now}: ${a.rows.length === 0 ? `no change${since}` : `${a.rows.length} change${a.rows.length === 1 ? '' : 's'}${since}, the last at step ${a.rows.at(-1)!.step}`}`,
    kids: rows.length ? { indexed: { count: rows.length, at: (i) => rows[i]! } } : undefined,
  };
}

export function executionsNode(name: string, b: ExecutionsBody): VNode {
  const rows = b.rows.map((r) => ({ name: `step ${r.step}`, value: `${r.actor} enters ${b.function}`, raw: r.step, type: 'step' }));
  return { name, value: `${b.function}: entered ${rows.length} time${rows.length === 1 ? '' : 's'}${b.horizon > 0 ? ` since step ${b.horizon}` : ''}`, kids: rows.length ? { indexed: { count: rows.length, at: (i) => rows[i]! } } : undefined };
}

export function invariantsNode(name: string, b: InvariantsBody): VNode {
  const rows = b.breaks.map((r) => ({ name: `step ${r.step}`, value: `${r.name} breaks (${r.actor}); it held until step ${r.heldUntil}: ${r.message}`, raw: r.step, type: 'step' }));
  return { name, value: rows.length ? `${rows.length} invariant${rows.length === 1 ? '' : 's'} broken, the first at step ${b.breaks[0]!.step}` : 'every invariant holds so far', kids: rows.length ? { indexed: { count: rows.length, at: (i) => rows[i]! } } : undefined };
}

/** FNV-1a, 64 bits, of a file's bytes, as hex: enough to tell that a scenario file changed. */
export function digest(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}
