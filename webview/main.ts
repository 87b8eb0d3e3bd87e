// The host-memory webview: receives validated messages from the extension, keeps the last view (applying
// deltas), and draws the map, swap bitmaps, timeline, state machines and the clicked page. Knows no vscode API beyond postMessage.

import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import './style.css';
import { MapCanvas, type MapModel } from './mapCanvas';
import { type FromWebview, type HostMapViewMsg, type PageInfoMsg, CELL_CLASS_LABELS, parseToWebview } from './protocol';
import { type Palette, readPalette } from './theme';

declare function acquireVsCodeApi(): { postMessage(msg: unknown): void };
const vscode = acquireVsCodeApi();
const post = (m: FromWebview): void => vscode.postMessage(m);

// ---- DOM helpers (text only, never HTML) ------------------------------------------------------

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function section(title: string, id: string): HTMLElement {
  const s = el('section');
  s.id = id;
  s.append(el('h2', undefined, title));
  document.body.append(s);
  return s;
}

// ---- the page ---------------------------------------------------------------------------------

const header = el('div', 'header');
const title = el('span', 'title', 'Host memory');
const status = el('span', 'muted', 'waiting for an FSR debug session…');
const stopLine = el('span', 'muted');
header.append(title, status, stopLine);
document.body.append(header);
const errorLine = el('div', 'error');
document.body.append(errorLine);

const mapSec = section('MPN space', 'map');
const legend = el('div', 'legend');
const options = el('div', 'options');
const whole = document.createElement('vscode-checkbox');
whole.setAttribute('label', 'whole host (else up to the highest used MPN)');
options.append(whole);
const mapInfo = el('span', 'muted');
options.append(mapInfo);
const wrap = el('div', 'mapwrap');
const canvas = el('canvas', 'map');
const tooltip = el('div', 'tooltip');
tooltip.hidden = true;
wrap.append(canvas, tooltip);
mapSec.append(legend, options, wrap);

const swapSec = section('Swap bitmaps', 'swap');
const swapRow = el('div', 'row2');
swapSec.append(swapRow);
const swapSides = (['source', 'destination'] as const).map((side) => {
  const box = el('div');
  const label = el('div', undefined, side);
  const c = el('canvas', 'swap');
  const info = el('div', 'muted');
  box.append(label, c, info);
  swapRow.append(box);
  return { side, label, canvas: c, info };
});

const timeSec = section('Phase timeline', 'timeline');
const timeline = el('div', 'timeline');
const timeInfo = el('div', 'muted');
timeSec.append(timeline, timeInfo);

const machSec = section('State machines', 'machines');
const resumeRow = el('div', 'machine');
const copyRow = el('div', 'machine');
machSec.append(resumeRow, copyRow);

const invSec = section('Invariants', 'invariants');
const invList = el('div');
invSec.append(invList);

const pageSec = section('Page', 'page');
pageSec.classList.add('page');
const pageBody = el('div', 'muted', 'Click a cell of the map to see its page and PFrame.');
pageSec.append(pageBody);

// ---- state ------------------------------------------------------------------------------------

let palette: Palette = readPalette();
const map = new MapCanvas(canvas, palette);
let view: HostMapViewMsg | null = null;
const model: MapModel = { layout: { cellPages: 1, cells: 0, regions: [] }, cells: new Uint8Array(0), srcPointers: [], dstPointers: [], brokenCells: [], selected: -1 };
const swapBuckets: Array<Uint8Array | null> = [null, null];
const swapMeta: Array<HostMapViewMsg['source']['swap']> = [null, null];

function decodeB64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function renderLegend(): void {
  legend.replaceChildren();
  CELL_CLASS_LABELS.forEach((label, i) => {
    if (i === 3 || i === 7 || i === 10) return; // pages2 and other owners are rare: named on hover
    const item = el('span');
    const sw = el('span', 'sw');
    sw.style.background = palette.classCss[i] ?? '';
    item.append(sw, document.createTextNode(label));
    legend.append(item);
  });
  const arrows = el('span', 'muted', 'lines: each world’s pdirInfo entries → the pdir pages they name');
  legend.append(arrows);
}
renderLegend();

/** Apply a view (full or delta). Returns the cells changed, null for all, or false when it cannot apply. */
function apply(v: HostMapViewMsg): number[] | null | false {
  let changed: number[] | null = null;
  if (v.cells !== null) {
    const sameLayout = JSON.stringify(v.layout) === JSON.stringify(model.layout);
    model.layout = v.layout;
    model.cells = decodeB64(v.cells);
    if (model.cells.length !== v.layout.cells) return false;
    if (!sameLayout) map.reset();
  } else if (v.delta !== null) {
    if (!view || v.since !== view.id || model.cells.length !== v.layout.cells) return false;
    const d = v.delta;
    changed = [];
    for (let i = 0; i < d.length; i += 2) {
      const c = d[i]!;
      if (c < 0 || c >= model.cells.length) return false;
      model.cells[c] = d[i + 1]! & 0xff;
      changed.push(c);
    }
  } else return false;
  if (v.source.pointers) model.srcPointers = v.source.pointers;
  if (v.destination.pointers) model.dstPointers = v.destination.pointers;
  [v.source.swap, v.destination.swap].forEach((s, i) => {
    if (s) {
      swapMeta[i] = s;
      swapBuckets[i] = decodeB64(s.buckets);
    }
  });
  model.brokenCells = v.invariants.map((x) => x.cell).filter((c) => c >= 0);
  return changed;
}

function renderHeader(v: HostMapViewMsg): void {
  title.textContent = `Host memory — ${v.scenario}`;
  const l = v.layout;
  const pages = l.regions.reduce((n, r) => n + r.pages, 0);
  mapInfo.textContent = `${pages.toLocaleString()} MPNs in ${l.regions.length} range${l.regions.length > 1 ? 's' : ''}; ${l.cellPages === 1 ? 'one MPN' : `${l.cellPages} MPNs`} per cell`;
  const s = v.stop;
  stopLine.textContent = `step ${v.step}${s ? ` · ${s.reason}: ${s.description}` : ''}${v.finished ? ` · finished, victor: ${v.victor}` : ''}`;
}

function renderSwapInfo(v: HostMapViewMsg): void {
  const sides = [v.source, v.destination];
  swapSides.forEach((ui, i) => {
    const meta = swapMeta[i];
    const w = sides[i]!;
    ui.label.textContent = `${ui.side}: ${meta?.name ?? '—'}`;
    ui.info.textContent = meta
      ? `${meta.usedSlots.toLocaleString()} of ${meta.numSlots.toLocaleString()} slots used${meta.bucketSlots > 1 ? ` (${meta.bucketSlots} slots per column)` : ''} · mig ${w.migSwapUsed} · cpt ${w.cptSwapUsed} · swapper ${w.swapperEnabled ? 'on' : 'off'}`
      : '';
  });
}

function renderSwap(v: HostMapViewMsg): void {
  renderSwapInfo(v);
  swapSides.forEach((ui, i) => {
    const b = swapBuckets[i];
    const c = ui.canvas;
    const dpr = window.devicePixelRatio || 1;
    const cw = Math.max(50, c.clientWidth);
    c.width = Math.round(cw * dpr);
    c.height = Math.round(18 * dpr);
    const ctx = c.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cw, 18);
    if (!b || b.length === 0) return;
    const color = i === 0 ? palette.src : palette.dst;
    const bw = cw / b.length;
    ctx.fillStyle = color;
    for (let k = 0; k < b.length; k++) {
      if (b[k] === 0) continue;
      ctx.globalAlpha = 0.25 + (0.75 * b[k]!) / 255;
      ctx.fillRect(k * bw, 0, Math.max(bw, 1), 18);
    }
    ctx.globalAlpha = 1;
  });
}

function renderTimeline(v: HostMapViewMsg): void {
  timeline.replaceChildren();
  const max = Math.max(v.maxStep, v.step, 1);
  const pct = (s: number) => `${(100 * s) / max}%`;
  // Labels on up to three levels, each placed on the lowest level where it does not overlap; labels
  // in the right quarter hang to the left of their mark so they stay inside the panel.
  const width = Math.max(200, timeline.clientWidth);
  const levelEnds = [-1e9, -1e9, -1e9];
  for (const p of v.phases) {
    const ahead = p.firstStep > v.step;
    const m = el('div', ahead ? 'mark ahead' : 'mark');
    m.style.left = pct(p.firstStep);
    m.style.width = `calc(${pct(p.lastStep - p.firstStep)} + 2px)`;
    m.title = `${p.name} (${p.actor}) at step ${p.firstStep}${p.count > 1 ? `…${p.lastStep}, ${p.count} times` : ''}`;
    timeline.append(m);
    const text = p.count > 1 ? `${p.name} ×${p.count}` : p.name;
    const x = (width * p.firstStep) / max;
    const w = text.length * 6.5 + 8;
    const right = x > width * 0.75;
    const [from, to] = right ? [x - w, x] : [x, x + w];
    let level = levelEnds.findIndex((end) => end < from);
    if (level < 0) level = levelEnds.indexOf(Math.min(...levelEnds));
    levelEnds[level] = to;
    const label = el('div', ahead ? 'label ahead' : 'label', text);
    label.style.left = pct(p.firstStep);
    label.style.bottom = `${16 + level * 14}px`;
    if (right) label.style.transform = 'translateX(-100%)';
    timeline.append(label);
  }
  for (const inv of v.invariants) {
    if (inv.step === null) continue;
    const b = el('div', 'broke');
    b.style.left = pct(inv.step);
    b.title = `invariant broke at step ${inv.step}: ${inv.message}`;
    timeline.append(b);
  }
  const cur = el('div', 'cursor');
  cur.style.left = pct(v.step);
  cur.title = `now: step ${v.step}`;
  timeline.append(cur);
  const reached = v.phases.filter((p) => p.firstStep <= v.step).map((p) => p.name);
  timeInfo.textContent = `step ${v.step} of ${v.maxStep} seen · ${reached.length ? `last phase: ${reached[reached.length - 1]}` : 'no phase reached yet'}`;
}

function renderMachine(row: HTMLElement, name: string, states: readonly string[], current: string, visited: string[], note: string): void {
  row.replaceChildren(el('span', 'name', name));
  states.forEach((s, i) => {
    if (i > 0) row.append(el('span', 'state arrow', '→'));
    const cls = s === current ? 'state current' : visited.includes(s) ? 'state visited' : 'state';
    const chip = el('span', cls, s.replace(/^FSR_(RESUME|SWAP_COPY)_/, ''));
    chip.title = s + (s === current ? ' (current)' : visited.includes(s) ? ' (visited)' : '');
    row.append(chip);
  });
  if (note) row.append(el('span', 'muted', note));
}

function renderMachines(v: HostMapViewMsg): void {
  const f = v.fsr;
  renderMachine(resumeRow, 'resumeState', f.resumeStates, f.resumeState, f.resumeVisited, '');
  renderMachine(copyRow, 'swapCopyState', f.swapCopyStates, f.swapCopyState, f.swapCopyVisited, f.hasSwapCopy || f.swapCopyState !== 'none' ? '' : '(no swap copy: shared swap file)');
}

function renderInvariants(v: HostMapViewMsg): void {
  invList.replaceChildren();
  if (v.invariants.length === 0) {
    invList.append(el('div', 'muted', 'All invariants hold.'));
    return;
  }
  for (const inv of v.invariants) {
    const d = el('div', 'invariant', `${inv.step !== null ? `step ${inv.step}: ` : ''}${inv.message}`);
    if (inv.cell >= 0) {
      d.title = 'click to show this page';
      d.style.cursor = 'pointer';
      d.addEventListener('click', () => pick(inv.cell));
    }
    invList.append(d);
  }
}

function renderPage(p: PageInfoMsg): void {
  pageBody.className = '';
  pageBody.replaceChildren();
  const t = el('table');
  const row = (k: string, v: string) => {
    const tr = el('tr');
    tr.append(el('td', undefined, k), el('td', undefined, v));
    t.append(tr);
  };
  row('MPN', p.mpnHex);
  if (p.cellPages > 1) row('cell', `${p.cellPages} MPNs from ${p.cellFirstMPN}`);
  row('owner', `${p.owner}${p.pgNum !== null ? `, pgNum ${p.pgNum}` : ''}`);
  row('allocated', p.allocated ? 'yes' : 'no');
  if (p.note) row('what', p.note);
  pageBody.append(t);
  if (p.pdir) {
    pageBody.append(el('h2', undefined, 'First PFrames in this pdir page'));
    const pt = el('table');
    for (const f of p.pdir.firstPFrames) {
      const tr = el('tr');
      tr.append(el('td', undefined, `pgNum ${f.pgNum}`), el('td', undefined, f.type), el('td', undefined, f.mpnHex.startsWith('0xffffffff') ? '—' : f.mpnHex), el('td', undefined, f.pte));
      pt.append(tr);
    }
    pageBody.append(pt);
  }
  const pf = p.pframe;
  if (pf) {
    pageBody.append(el('h2', undefined, `PFrame of ${pf.world} pgNum ${pf.pgNum}`));
    const ft = el('table');
    const add = (k: string, v: string) => {
      const tr = el('tr');
      tr.append(el('td', undefined, k), el('td', undefined, v));
      ft.append(tr);
    };
    add('raw', pf.pte);
    add('type', pf.type);
    add('MPN', pf.mpnHex.startsWith('0xffffffff') ? `none: for ${pf.type} the index is not an MPN (indexLowBits ${pf.fields.indexLowBits})` : pf.mpnHex);
    for (const [k, v] of Object.entries(pf.fields)) add(k, k === 'type' ? `${v} (${pf.type})` : String(v));
    add(`extra (${pf.extra.union})`, Object.entries(pf.extra.fields).map(([k, v]) => `${k}=${v}`).join(' '));
    add('pdir page', `0x${pf.dirMPN.toString(16)} [${pf.pageIndex}]`);
    pageBody.append(ft);
    const actions = el('div', 'actions');
    const btn = document.createElement('vscode-button');
    btn.textContent = 'Break when this PFrame changes';
    btn.addEventListener('click', () => post({ type: 'dataBreakpoint', world: pf.world, pgNum: pf.pgNum }));
    const result = el('span', 'muted');
    result.id = 'dbp-result';
    actions.append(btn, result);
    pageBody.append(actions);
  }
}

function pick(cell: number): void {
  model.selected = cell;
  if (view) map.draw(model, []);
  post({ type: 'pickPage', cell });
}

// ---- messages ---------------------------------------------------------------------------------

function onView(v: HostMapViewMsg, bytes: number, t0: number): void {
  const changed = apply(v);
  if (changed === false) {
    post({ type: 'refresh' });
    return;
  }
  view = v;
  renderHeader(v);
  map.draw(model, changed);
  // The bitmaps come only when they changed; the counters below them every time.
  if (v.source.swap || v.destination.swap) renderSwap(v);
  else renderSwapInfo(v);
  renderTimeline(v);
  renderMachines(v);
  renderInvariants(v);
  void document.body.offsetHeight; // include style and layout in the time
  const ms = performance.now() - t0;
  post({ type: 'drawn', id: v.id, ms, bytes });
}

window.addEventListener('message', (e: MessageEvent) => {
  const t0 = performance.now();
  const r = parseToWebview(e.data);
  if (!r.ok) {
    errorLine.textContent = `Ignored a malformed message: ${r.error}`;
    return;
  }
  const msg = r.msg;
  switch (msg.type) {
    case 'session':
      status.textContent = msg.name ? `${msg.name}: ${msg.state}` : 'no FSR debug session';
      if (msg.state === 'none') stopLine.textContent = '';
      break;
    case 'view': {
      errorLine.textContent = '';
      const bytes = (msg.view.cells?.length ?? 0) + (msg.view.delta?.length ?? 0) * 4;
      onView(msg.view, bytes, t0);
      break;
    }
    case 'page':
      renderPage(msg.page);
      pageSec.scrollIntoView({ block: 'nearest' });
      break;
    case 'dataBreakpoint': {
      const r2 = document.getElementById('dbp-result');
      if (r2) r2.textContent = msg.message;
      break;
    }
    case 'error':
      errorLine.textContent = msg.message;
      break;
  }
});

// ---- input ------------------------------------------------------------------------------------

canvas.addEventListener('mousemove', (e) => {
  const rect = canvas.getBoundingClientRect();
  const c = map.cellAt(e.clientX - rect.left, e.clientY - rect.top);
  if (c < 0 || !view) {
    tooltip.hidden = true;
    return;
  }
  tooltip.textContent = map.describe(model, c);
  tooltip.hidden = false;
  tooltip.style.left = `${Math.min(e.clientX - rect.left + 12, rect.width - 260)}px`;
  tooltip.style.top = `${e.clientY - rect.top + 14}px`;
});
canvas.addEventListener('mouseleave', () => (tooltip.hidden = true));
canvas.addEventListener('click', (e) => {
  const rect = canvas.getBoundingClientRect();
  const c = map.cellAt(e.clientX - rect.left, e.clientY - rect.top);
  if (c >= 0) pick(c);
});
whole.addEventListener('change', () => {
  map.wholeHost = (whole as unknown as { checked: boolean }).checked;
  map.reset();
  if (view) map.draw(model, null);
});

let resizeTimer = 0;
new ResizeObserver(() => {
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    if (view) {
      map.draw(model, null);
      renderSwap(view);
    }
  }, 50);
}).observe(document.body);

// The theme changes by swapping the body's class: re-read the colours.
new MutationObserver(() => {
  palette = readPalette();
  map.setPalette(palette);
  renderLegend();
  if (view) {
    map.draw(model, null);
    renderSwap(view);
  }
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

post({ type: 'ready' });
