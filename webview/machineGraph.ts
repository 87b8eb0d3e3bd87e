// An FSR state machine drawn as its transition graph (from the model's own table, engine/sim/machines.ts,
// as the view sends it): states in columns by their distance from the initial one, every transition
// an arrow (the ones this run made solid, with their step), the states visited marked and the current
// one lit. The layout is pure (tests check it); `renderMachine` draws it as SVG, text only.

import type { MachineMsg } from './protocol';

export interface GraphNode {
  state: string;
  label: string;
  x: number;
  y: number;
  w: number;
  h: number;
  layer: number;
  status: 'current' | 'visited' | 'unvisited';
}

export interface GraphEdge {
  from: string;
  to: string;
  path: string;
  taken: boolean;
  /** Steps at which this run made it. */
  steps: number[];
  title: string;
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

const NODE_H = 22;
const ROW = 34;
const GAP = 30;
const CHAR = 6.6;

/** The label drawn in a state's box: the enum's distinguishing part. */
export function shortState(s: string): string {
  return s.replace(/^FSR_(RESUME|SWAP_COPY)_/, '');
}

export function layoutMachine(m: MachineMsg): GraphLayout {
  // Layers: breadth-first distance from the initial state (unreachable states last).
  const layer = new Map<string, number>([[m.initial, 0]]);
  const queue = [m.initial];
  while (queue.length) {
    const s = queue.shift()!;
    for (const t of m.transitions) {
      if (t.from === s && !layer.has(t.to)) {
        layer.set(t.to, layer.get(s)! + 1);
        queue.push(t.to);
      }
    }
  }
  const deepest = Math.max(0, ...layer.values());
  for (const s of m.states) if (!layer.has(s)) layer.set(s, deepest + 1);
  const layers: string[][] = [];
  for (const s of m.states) (layers[layer.get(s)!] ??= []).push(s);
  const tallest = Math.max(1, ...layers.map((l) => l?.length ?? 0));
  const nodes: GraphNode[] = [];
  let x = 4;
  layers.forEach((states, li) => {
    if (!states) return;
    const w = Math.max(...states.map((s) => (shortState(s).length + 3) * CHAR + 14));
    const top = ((tallest - states.length) * ROW) / 2 + 4;
    states.forEach((s, i) => {
      const status = s === m.current ? 'current' : m.visited.includes(s) ? 'visited' : 'unvisited';
      nodes.push({ state: s, label: shortState(s), x, y: top + i * ROW, w, h: NODE_H, layer: li, status });
    });
    x += w + GAP;
  });
  const at = new Map(nodes.map((n) => [n.state, n]));
  const edges: GraphEdge[] = m.transitions.map((t) => {
    const a = at.get(t.from)!;
    const b = at.get(t.to)!;
    let path: string;
    if (b.layer > a.layer) {
      const x1 = a.x + a.w;
      const y1 = a.y + a.h / 2;
      const x2 = b.x - 2;
      const y2 = b.y + b.h / 2;
      const mx = (x1 + x2) / 2;
      path = `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
    } else if (b.layer === a.layer) {
      const down = b.y > a.y;
      const x1 = a.x + a.w / 2;
      path = down ? `M${x1},${a.y + a.h} L${x1},${b.y - 2}` : `M${x1},${a.y} L${x1},${b.y + b.h + 2}`;
    } else {
      // A way back to an earlier column: from the top (or bottom) of the box to the right side of the earlier one.
      const up = b.y <= a.y;
      const x1 = a.x + a.w / 2;
      const y1 = up ? a.y : a.y + a.h;
      const x2 = b.x + b.w + 2;
      const y2 = b.y + b.h / 2;
      path = `M${x1},${y1} C${x1},${y2} ${x1},${y2} ${x2},${y2}`;
    }
    const steps = m.taken.filter((k) => k.from === t.from && k.to === t.to).map((k) => k.step);
    return { from: t.from, to: t.to, path, taken: steps.length > 0, steps, title: `${t.from} → ${t.to}: ${t.by}, ${t.when}${steps.length ? ` — made at step ${steps.join(', ')}` : ' — not made on this run (yet)'}` };
  });
  const height = tallest * ROW + 4;
  return { width: x - GAP + 8, height, nodes, edges };
}

const SVG = 'http://www.w3.org/2000/svg';
function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** Draw a machine's graph into `box` (replacing what was there). */
export function renderMachine(box: HTMLElement, m: MachineMsg, note: string): void {
  const g = layoutMachine(m);
  box.replaceChildren();
  const head = document.createElement('div');
  head.className = 'machine-head';
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = m.field;
  const now = document.createElement('span');
  now.className = 'muted';
  now.textContent = ` now ${m.current}${note ? ` · ${note}` : ''}${m.beyondHorizon ? ' · transitions before the history horizon are not known' : ''}`;
  head.append(name, now);
  head.title = m.provenance;
  box.append(head);
  const root = svg('svg', { width: g.width, height: g.height, viewBox: `0 0 ${g.width} ${g.height}`, class: 'graph', role: 'img', 'aria-label': `${m.field} state machine` });
  root.style.maxWidth = '100%';
  const defs = svg('defs', {});
  for (const kind of ['taken', 'idle']) {
    const marker = svg('marker', { id: `arrow-${m.field}-${kind}`, viewBox: '0 0 8 8', refX: 7, refY: 4, markerWidth: 5, markerHeight: 5, orient: 'auto-start-reverse' });
    marker.append(svg('path', { d: 'M0,0 L8,4 L0,8 z', class: `arrowhead ${kind}` }));
    defs.append(marker);
  }
  root.append(defs);
  for (const e of g.edges) {
    const p = svg('path', { d: e.path, class: `edge ${e.taken ? 'taken' : 'idle'}`, 'marker-end': `url(#arrow-${m.field}-${e.taken ? 'taken' : 'idle'})`, 'data-from': e.from, 'data-to': e.to });
    const t = svg('title', {});
    t.textContent = e.title;
    p.append(t);
    root.append(p);
  }
  for (const n of g.nodes) {
    const grp = svg('g', { class: `node ${n.status}`, 'data-state': n.state });
    grp.append(svg('rect', { x: n.x, y: n.y, width: n.w, height: n.h, rx: 4 }));
    const text = svg('text', { x: n.x + n.w / 2, y: n.y + n.h / 2 + 4, 'text-anchor': 'middle' });
    text.textContent = (n.status === 'visited' ? '✓ ' : '') + n.label;
    const t = svg('title', {});
    t.textContent = `${n.state}: ${n.status === 'current' ? 'the state now' : n.status === 'visited' ? 'visited on this run' : 'not visited on this run (yet)'}`;
    grp.append(t, text);
    root.append(grp);
  }
  box.append(root);
}
