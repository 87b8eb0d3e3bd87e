// The phase timeline: one lane per phase (then FAILs, panics, invariant breaks and bookmarks), its
// name at the lane's head so that no two labels can overlap; marks closer than a few pixels collapse
// into one cluster (big-vm's 32,768 redirects are one bar). Every mark goes to its step when clicked.
// The layout is pure (tests check it); `renderTimeline` draws it with DOM elements, text only.

import type { Lane } from './protocol';

export interface TimelineMark {
  x0: number;
  x1: number;
  /** The steps it stands for (sampled for a big lane), ascending. */
  steps: number[];
  /** All the marks after the current step: seen before a step back. */
  ahead: boolean;
  title: string;
}

export interface TimelineLaneRow {
  kind: Lane['kind'] | 'bookmark';
  name: string;
  count: number;
  y: number;
  marks: TimelineMark[];
}

export interface TimelineLayout {
  labelWidth: number;
  width: number;
  laneHeight: number;
  height: number;
  maxStep: number;
  rows: TimelineLaneRow[];
  /** Step axis ticks under the lanes. */
  ticks: Array<{ x: number; text: string }>;
  cursorX: number;
}

export const LABEL_WIDTH = 150;
export const LANE_HEIGHT = 18;
/** Marks closer than this (px) are one cluster. */
export const CLUSTER_PX = 4;

export function xOf(step: number, layout: { labelWidth: number; width: number; maxStep: number }): number {
  const w = Math.max(10, layout.width - layout.labelWidth - 8);
  return layout.labelWidth + (w * step) / Math.max(1, layout.maxStep);
}

/** A round step interval for about `n` ticks. */
function tickStep(max: number, n: number): number {
  const raw = max / Math.max(1, n);
  const p = 10 ** Math.floor(Math.log10(Math.max(1, raw)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

export function layoutTimeline(lanes: Lane[], bookmarks: Array<{ name: string; step: number }>, width: number, step: number, maxStep: number): TimelineLayout {
  const max = Math.max(1, maxStep, step, ...bookmarks.map((b) => b.step));
  const base = { labelWidth: LABEL_WIDTH, width, maxStep: max };
  const rows: TimelineLaneRow[] = [];
  const all: Array<{ kind: TimelineLaneRow['kind']; name: string; count: number; steps: number[]; messages: Array<string | null> }> = lanes.map((l) => ({ kind: l.kind, name: l.name, count: l.count, steps: l.marks, messages: l.marks.map((_, i) => l.messages?.[i] ?? null) }));
  if (bookmarks.length) {
    const bs = [...bookmarks].sort((a, b) => a.step - b.step);
    all.push({ kind: 'bookmark', name: 'bookmarks', count: bs.length, steps: bs.map((b) => b.step), messages: bs.map((b) => b.name) });
  }
  all.forEach((l, li) => {
    const marks: TimelineMark[] = [];
    let cur: { x0: number; x1: number; steps: number[]; texts: string[] } | null = null;
    const flush = () => {
      if (!cur) return;
      const first = cur.steps[0]!;
      const last = cur.steps[cur.steps.length - 1]!;
      const n = cur.steps.length;
      const what = l.kind === 'phase' ? l.name : l.kind === 'bookmark' ? 'bookmark' : l.name;
      const texts = cur.texts.filter(Boolean);
      const title =
        n === 1
          ? `${what} at step ${first}${texts.length ? `: ${texts[0]}` : ''} — click to go there`
          : `${what}: ${l.count > l.steps.length ? `${n} of ${l.steps.length} marks shown (${l.count} in all)` : `${n} times`}, steps ${first}–${last}${texts.length ? `\n${texts.slice(0, 6).join('\n')}` : ''} — click to go to the nearest`;
      marks.push({ x0: cur.x0, x1: Math.max(cur.x1, cur.x0 + 2), steps: cur.steps, ahead: first > step, title });
      cur = null;
    };
    l.steps.forEach((s, i) => {
      const x = xOf(s, base);
      // Marks on both sides of the current step stay apart, so "ahead" is never mixed with "done".
      if (cur && x - cur.x1 < CLUSTER_PX && !(cur.steps[0]! <= step && s > step)) {
        cur.x1 = x;
        cur.steps.push(s);
        cur.texts.push(l.messages[i] ?? '');
      } else {
        flush();
        cur = { x0: x, x1: x, steps: [s], texts: [l.messages[i] ?? ''] };
      }
    });
    flush();
    rows.push({ kind: l.kind, name: l.name, count: l.count, y: li * LANE_HEIGHT, marks });
  });
  const t = tickStep(max, Math.max(2, Math.floor((width - LABEL_WIDTH) / 90)));
  const ticks: Array<{ x: number; text: string }> = [];
  for (let s = 0; s <= max; s += t) ticks.push({ x: xOf(s, base), text: s >= 1e6 ? `${s / 1e6}M` : s >= 1e3 ? `${s / 1e3}k` : String(s) });
  return { labelWidth: LABEL_WIDTH, width, laneHeight: LANE_HEIGHT, height: rows.length * LANE_HEIGHT, maxStep: max, rows, ticks, cursorX: xOf(step, base) };
}

/** The step a click at `x` on a mark goes to: the mark's step nearest to x. */
export function stepAt(mark: TimelineMark, x: number, layout: { labelWidth: number; width: number; maxStep: number }): number {
  let best = mark.steps[0]!;
  let d = Infinity;
  for (const s of mark.steps) {
    const e = Math.abs(xOf(s, layout) - x);
    if (e < d) {
      d = e;
      best = s;
    }
  }
  return best;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Draw the layout into `box` (replacing what was there); `onGoto` gets the step a click asks for. */
export function renderTimeline(box: HTMLElement, t: TimelineLayout, step: number, onGoto: (step: number) => void): void {
  box.replaceChildren();
  box.style.height = `${t.height + 22}px`;
  for (const r of t.rows) {
    const lane = el('div', `lane lane-${r.kind}`);
    lane.style.top = `${r.y}px`;
    lane.style.height = `${t.laneHeight}px`;
    const label = el('div', 'lane-label', `${r.name}${r.count > 1 ? ` ×${r.count}` : ''}`);
    if (r.count === 0) {
      const none = el('div', 'lane-none muted', 'not reached');
      none.style.left = `${t.labelWidth}px`;
      lane.append(none);
    }
    label.style.width = `${t.labelWidth - 8}px`;
    label.title = r.kind === 'phase' ? `phase "${r.name}": ${r.count === 0 ? 'not reached on this run' : `reached ${r.count} time${r.count > 1 ? 's' : ''}`}` : label.textContent ?? '';
    lane.append(label);
    for (const m of r.marks) {
      const mk = el('div', `tmark${m.ahead ? ' ahead' : ''}${m.steps.length > 1 ? ' cluster' : ''}`);
      mk.style.left = `${m.x0 - 1}px`;
      mk.style.width = `${m.x1 - m.x0 + 2}px`;
      mk.title = m.title;
      mk.dataset.steps = m.steps.length === 1 ? String(m.steps[0]) : `${m.steps[0]}-${m.steps[m.steps.length - 1]}`;
      mk.addEventListener('click', (e) => {
        const rect = box.getBoundingClientRect();
        onGoto(stepAt(m, e.clientX - rect.left, t));
      });
      lane.append(mk);
    }
    box.append(lane);
  }
  const axis = el('div', 'taxis');
  axis.style.top = `${t.height}px`;
  for (const k of t.ticks) {
    const tick = el('div', 'ttick', k.text);
    tick.style.left = `${k.x}px`;
    axis.append(tick);
  }
  box.append(axis);
  const cur = el('div', 'tcursor');
  cur.style.left = `${t.cursorX - 1}px`;
  cur.style.height = `${t.height}px`;
  cur.title = `now: step ${step}`;
  box.append(cur);
}
