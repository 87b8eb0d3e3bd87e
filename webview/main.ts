// The host-memory webview: receives validated messages from the extension, keeps the last view (applying
// deltas), and draws the map (zoomable, with MPN axes), swap bitmaps, the timeline, the state machines
// and the selected page — everything the state at the step the header names. Knows no vscode API beyond postMessage.

import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import './style.css';
import { MapCanvas, type MapModel } from './mapCanvas';
import { type MapSource, mpnToIndex, pan, sourceCentre, sourcePages, totalIndex, zoomTo, cellSpan } from './geometry';
import { layoutTimeline, renderTimeline } from './timeline';
import { renderMachine } from './machineGraph';
import { type FromWebview, type HostMapViewMsg, type PageInfoMsg, CELL_CLASS_LABELS, parseToWebview } from './protocol';
import { type Palette, readPalette } from './theme';

declare function acquireVsCodeApi(): { postMessage(msg: unknown): void };
const vscode = acquireVsCodeApi();
const post = (m: FromWebview): void => vscode.postMessage(m);

/** The adapter's limits for a zoomed window (engine/hostmap.ts MAX_WINDOW_CELLS, MAX_WINDOW_PAGES). */
const MAX_WINDOW_CELLS = 64 * 1024;
const MAX_WINDOW_PAGES = 4 * 1024 * 1024;

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
function button(text: string, title: string, onClick: () => void): HTMLElement {
  const b = document.createElement('vscode-button');
  b.setAttribute('secondary', '');
  b.textContent = text;
  b.title = title;
  b.addEventListener('click', onClick);
  return b;
}

// ---- the page ---------------------------------------------------------------------------------

const header = el('div', 'header');
const title = el('span', 'title', 'Host memory');
const status = el('span', 'muted', 'waiting for an FSR debug session…');
const stopLine = el('span', 'stepline');
header.append(title, status, stopLine);
document.body.append(header);
const errorLine = el('div', 'error');
document.body.append(errorLine);

const mapSec = section('MPN space', 'map');
const legend = el('div', 'legend');
const options = el('div', 'options');
const whole = document.createElement('vscode-checkbox');
whole.setAttribute('label', 'whole host');
whole.title = 'the whole host (else up to the highest MPN used so far)';
const zoomOut = button('−', 'zoom out (Ctrl+wheel on the map)', () => zoomBy(0.5));
const zoomIn = button('+', 'zoom in (Ctrl+wheel or double-click on the map)', () => zoomBy(2));
const zoomFit = button('fit', 'show the whole (used) host again', () => setZoom(null));
zoomFit.id = 'zoom-fit';
zoomIn.id = 'zoom-in';
zoomOut.id = 'zoom-out';
const mapInfo = el('span', 'muted');
mapInfo.id = 'map-info';
options.append(whole, zoomOut, zoomIn, zoomFit, mapInfo);
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
const timeHelp = el('div', 'muted', 'Click a mark to go to its step.');
const timeline = el('div', 'timeline');
const timeInfo = el('div', 'muted');
timeSec.append(timeHelp, timeline, timeInfo);

const machSec = section('State machines', 'machines');
const machineBoxes = [el('div', 'machine'), el('div', 'machine')];
machSec.append(...machineBoxes);

const invSec = section('Invariants', 'invariants');
const invList = el('div');
invSec.append(invList);

const pageSec = section('Page', 'page');
pageSec.classList.add('page');
const pageBody = el('div', 'muted', 'Click a cell of the map to decode its page.');
pageSec.append(pageBody);

// ---- state ------------------------------------------------------------------------------------

let palette: Palette = readPalette();
const map = new MapCanvas(canvas, palette);
let view: HostMapViewMsg | null = null;
let sessionId: string | null = null;
let sessionName = '';
let bookmarks: Array<{ name: string; step: number }> = [];
const model: MapModel = { layout: { cellPages: 1, cells: 0, regions: [] }, cells: new Uint8Array(0), window: null, srcPointers: [], dstPointers: [], srcDirs: 0, dstDirs: 0, broken: [], selected: null };
const swapBuckets: Array<Uint8Array | null> = [null, null];
const swapMeta: Array<HostMapViewMsg['source']['swap']> = [null, null];

function decodeB64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The legend: every colour as the map draws it (fills, the pdir outline, pointer lines, marks). */
function renderLegend(): void {
  legend.replaceChildren();
  const item = (label: string, style: Partial<CSSStyleDeclaration>, cls = 'sw', key = label) => {
    const it = el('span', 'legend-item');
    it.dataset.key = key;
    const sw = el('span', cls);
    Object.assign(sw.style, style);
    it.append(sw, document.createTextNode(label));
    legend.append(it);
  };
  CELL_CLASS_LABELS.forEach((label, i) => {
    if (i === 3 || i === 7 || i === 10) return; // pages2 and other owners are rare: named on hover
    const pdirOutline = i === 2 ? palette.src : i === 6 ? palette.dst : null;
    item(label, { background: palette.classCss[i] ?? '', borderColor: pdirOutline ?? '' }, pdirOutline ? 'sw pdir' : 'sw', `class-${i}`);
  });
  item('source pdirInfo → its pdir pages', { background: palette.src }, 'line', 'src-pointer');
  item('destination pdirInfo → its pdir pages', { background: palette.dst }, 'line', 'dst-pointer');
  item('invariant broken', { borderColor: palette.error }, 'ring', 'broken');
  item('selected page', { borderColor: palette.cursor }, 'sw selected', 'selected');
}
renderLegend();

/** Apply a view (full or delta). Returns the overview cells changed, null for all, or false when it cannot apply. */
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
  model.srcDirs = v.source.numDirs;
  model.dstDirs = v.destination.numDirs;
  model.window = v.window ? { ...v.window, bytes: decodeB64(v.window.bytes) } : null;
  [v.source.swap, v.destination.swap].forEach((s, i) => {
    if (s) {
      swapMeta[i] = s;
      swapBuckets[i] = decodeB64(s.buckets);
    }
  });
  model.broken = v.invariants.filter((x) => x.mpn !== null).map((x) => parseInt(x.mpn!, 16));
  return changed;
}

function renderHeader(v: HostMapViewMsg): void {
  title.textContent = `Host memory — ${v.scenario}`;
  const s = v.stop;
  stopLine.textContent = `step ${v.step}${s ? ` · ${s.reason}: ${s.description}` : ''}${v.finished ? ` · finished, victor: ${v.victor}` : ''}`;
}

function renderMapInfo(): void {
  const l = model.layout;
  const g = map.g;
  const pages = totalIndex(l);
  const src = g?.source;
  const shown = src ? sourcePages(l, src) : pages;
  const per = src?.kind === 'window' ? src.cellPages : l.cellPages;
  const a = src ? cellSpan(l, src, 0) : null;
  const b = src ? cellSpan(l, src, src.cells - 1) : null;
  const range = a && b ? ` · showing MPN 0x${a.firstMPN.toString(16)}–0x${(b.firstMPN + b.pages - 1).toString(16)}` : '';
  const coarse = src ? map.coarse(model, src) : false;
  mapInfo.textContent = `${pages.toLocaleString()} MPNs in ${l.regions.length} range${l.regions.length > 1 ? 's' : ''}; ${per === 1 ? 'one MPN' : `${per} MPNs`} per cell${coarse ? ' (coloured by most of its pages; zoom in to see each pdir page)' : ''}${map.zoom ? ` · zoomed ×${Math.max(1, Math.round(pages / Math.max(1, shown)))}` : ''}${range}`;
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
    const bw = cw / b.length;
    ctx.fillStyle = i === 0 ? palette.src : palette.dst;
    for (let k = 0; k < b.length; k++) {
      if (b[k] === 0) continue;
      ctx.globalAlpha = 0.25 + (0.75 * b[k]!) / 255;
      ctx.fillRect(k * bw, 0, Math.max(bw, 1), 18);
    }
    ctx.globalAlpha = 1;
  });
}

function goto(step: number): void {
  if (view && step === view.step) return;
  post({ type: 'goto', step });
}

function renderTimelineNow(v: HostMapViewMsg): void {
  const width = Math.max(300, timeline.clientWidth || document.body.clientWidth - 24);
  const t = layoutTimeline(v.lanes, bookmarks, width, v.step, v.maxStep);
  renderTimeline(timeline, t, v.step, goto);
  const reached = v.lanes.filter((l) => l.kind === 'phase' && l.firstStep >= 0 && l.firstStep <= v.step).sort((a, b) => a.firstStep - b.firstStep);
  timeInfo.textContent = `step ${v.step} of ${v.maxStep} seen${v.maxStep > v.step ? ' (marks after it, dimmed, were seen before going back)' : ''} · ${reached.length ? `phases reached: ${reached.map((l) => l.name).join(', ')}` : 'no phase reached yet'}`;
}

function renderMachines(v: HostMapViewMsg): void {
  v.machines.forEach((m, i) => {
    const box = machineBoxes[i];
    if (!box) return;
    const note = m.field === 'swapCopyState' && m.current === 'none' ? 'no swap copy (yet): a shared swap file is not copied' : '';
    renderMachine(box, m, note);
  });
}

function renderInvariants(v: HostMapViewMsg): void {
  invList.replaceChildren();
  if (v.invariants.length === 0) {
    invList.append(el('div', 'muted', 'All invariants hold.'));
    return;
  }
  for (const inv of v.invariants) {
    const d = el('div', 'invariant', `${inv.step !== null ? `step ${inv.step}: ` : ''}${inv.message}`);
    if (inv.mpn) {
      d.title = 'click to decode this page';
      d.style.cursor = 'pointer';
      d.addEventListener('click', () => select(parseInt(inv.mpn!, 16)));
    }
    invList.append(d);
  }
}

/** The decode of the selected page, as Variables shows it, dated with its step. */
function renderPage(p: PageInfoMsg | null): void {
  pageBody.replaceChildren();
  if (!p) {
    pageBody.className = 'muted';
    pageBody.textContent = model.selected === null ? 'Click a cell of the map to decode its page.' : 'Decoding…';
    return;
  }
  pageBody.className = 'page-decode';
  pageBody.dataset.step = String(p.step);
  pageBody.dataset.mpn = p.mpnHex;
  pageBody.append(el('div', 'page-title', `MPN ${p.mpnHex} — ${sessionName ? `${sessionName}, ` : ''}at step ${p.step}`));
  const t = el('table');
  const row = (k: string, v: string, cls?: string) => {
    const tr = el('tr', cls);
    tr.append(el('td', undefined, k), el('td', undefined, v));
    t.append(tr);
  };
  if (p.cellPages > 1) row('cell', `${p.cellPages} MPNs from ${p.cellFirstMPN}`);
  row('owner', `${p.owner}${p.indexHex !== null ? `, ${p.ownerKind === 'mainmem' ? 'pgNum' : 'index'} ${p.indexHex}` : ''}`);
  row('allocated', p.allocated ? 'yes' : 'no');
  if (p.note) row('what', p.note);
  pageBody.append(t);
  if (p.pdir) {
    pageBody.append(el('h3', undefined, 'First PFrames in this pdir page'));
    const pt = el('table', 'pframes');
    for (const f of p.pdir.firstPFrames) {
      const tr = el('tr');
      tr.append(el('td', undefined, `pgNum ${f.pgNumHex}`), el('td', undefined, f.type), el('td', undefined, f.mpnHex), el('td', undefined, f.pte));
      pt.append(tr);
    }
    pageBody.append(pt);
  }
  const pf = p.pframe;
  if (pf) {
    pageBody.append(el('h3', undefined, `PFrame of ${pf.world} pgNum ${pf.pgNumHex} (pdirInfo[${pf.dirIndexHex}] → pdir page ${pf.dirMPNHex} [${pf.pageIndexHex}])`));
    const ft = el('table', 'pframe');
    ft.id = 'pframe-fields';
    const add = (k: string, decl: string, v: string, note: string | null, cls?: string) => {
      const tr = el('tr', cls);
      tr.dataset.field = k;
      const name = el('td', undefined, k);
      name.title = decl;
      tr.append(name, el('td', 'decl', decl), el('td', 'value', v));
      ft.append(tr);
      if (note) {
        const nr = el('tr', 'note');
        const td = el('td', undefined, note);
        td.colSpan = 3;
        nr.append(td);
        ft.append(nr);
      }
    };
    add('pte', 'uint64', pf.pte, null);
    add('form', 'union PFrame member', pf.formNote ? `${pf.form} (beyond bit 0: model)` : pf.form, pf.formNote, pf.formNote ? 'model' : undefined);
    // The declaration without the name (the first column has it): `uint16 : 1 · bit 3`.
    const decl = (d: string, name: string, bits: string) => `${d.replace(` ${name}`, '')} · bit${/[–-]/.test(bits) ? 's' : ''} ${bits}`;
    for (const f of pf.fields) {
      add(f.name, decl(f.decl, f.name, f.bits), f.value, f.note, f.bits.includes('model') ? 'model' : undefined);
      if (f.name === 'indexHighBits') for (const x of pf.extra.fields) add(`${pf.extra.path}.${x.name}`, decl(x.decl, x.name, x.bits), x.value, null, 'member');
    }
    add('mpn', 'MPN', pf.mpnHex ?? `INVALID_MPN64 (the index is ${pf.index})`, null);
    pageBody.append(ft);
    if (pf.formulas) {
      pageBody.append(el('h3', undefined, 'The MPN three ways, for this PFrame'));
      const mt = el('table', 'formulas');
      mt.id = 'mpn-formulas';
      for (const m of pf.formulas) {
        const tr = el('tr', m.wrong ? 'wrong' : 'right');
        tr.append(el('td', 'expr', m.expr), el('td', 'value', m.value), el('td', 'verdict', m.wrong ? `✗ ${m.why}` : m.why === 'right' ? '✓ right' : m.why), el('td', 'muted', m.source));
        mt.append(tr);
      }
      pageBody.append(mt);
    }
  }
  const actions = el('div', 'actions');
  if (pf) {
    const btn = document.createElement('vscode-button');
    btn.textContent = 'Break when this PFrame changes';
    btn.addEventListener('click', () => post({ type: 'dataBreakpoint', world: pf.world, pgNum: pf.pgNum }));
    actions.append(btn);
  }
  actions.append(button('Show bytes', 'the page\'s 4096 bytes (Hex Editor, or a read-only view)', () => post({ type: 'showBytes', mpn: p.mpn })));
  const result = el('span', 'muted');
  result.id = 'dbp-result';
  actions.append(result);
  pageBody.append(actions);
}

/** Select a page (or the most telling page of `pages` from `mpn`: the adapter picks, a pdir page first). */
function select(mpn: number | null, pages = 1): void {
  model.selected = mpn;
  renderPage(null);
  if (view) map.draw(model, []);
  post(pages > 1 && mpn !== null ? { type: 'select', mpn, pages } : { type: 'select', mpn });
}

// ---- zoom -------------------------------------------------------------------------------------

function windowOf(src: MapSource | null): FromWebview & { type: 'window' } {
  return { type: 'window', window: src && src.kind === 'window' ? { firstIndex: src.firstIndex, cells: src.cells, cellPages: src.cellPages } : null };
}

function setZoom(src: MapSource | null): void {
  map.zoom = src;
  post(windowOf(src));
  if (view) {
    map.draw(model, null);
    renderMapInfo();
  }
}

/** Zoom by `factor` around the page at `anchor` (index space; default: the middle of what is shown). */
function zoomBy(factor: number, anchor?: number): void {
  if (!view || !map.g) return;
  const l = model.layout;
  const cur = map.g.source;
  const span = sourcePages(l, cur) / factor;
  const fit = map.fitSource(model);
  const fitPages = sourcePages(l, fit);
  if (span >= fitPages) {
    setZoom(null);
    return;
  }
  const g = map.g;
  const area = Math.floor(((g.cols * g.cellPx) * map.mapHeight()) / 4);
  const next = zoomTo(l, span, anchor ?? sourceCentre(l, cur), totalIndex(l), area, MAX_WINDOW_CELLS, MAX_WINDOW_PAGES);
  if (next.kind === 'window' && next.cells <= 1 && cur.kind === 'window' && cur.cellPages === 1) return;
  setZoom(next);
}

// ---- messages ---------------------------------------------------------------------------------

function clearAll(message: string): void {
  view = null;
  model.cells = new Uint8Array(0);
  model.layout = { cellPages: 1, cells: 0, regions: [] };
  model.window = null;
  model.srcPointers = model.dstPointers = [];
  map.reset();
  const ctx = canvas.getContext('2d');
  ctx?.clearRect(0, 0, canvas.width, canvas.height);
  stopLine.textContent = '';
  timeline.replaceChildren();
  timeInfo.textContent = '';
  for (const b of machineBoxes) b.replaceChildren();
  invList.replaceChildren();
  swapSides.forEach((ui) => {
    ui.canvas.getContext('2d')?.clearRect(0, 0, ui.canvas.width, ui.canvas.height);
    ui.info.textContent = '';
    ui.label.textContent = ui.side;
  });
  title.textContent = 'Host memory';
  errorLine.textContent = '';
  swapBuckets.fill(null);
  swapMeta.fill(null);
  pageBody.replaceChildren();
  pageBody.className = 'muted';
  pageBody.textContent = message;
  mapInfo.textContent = '';
}

function onView(v: HostMapViewMsg, bytes: number, t0: number): void {
  const changed = apply(v);
  if (changed === false) {
    post({ type: 'refresh' });
    return;
  }
  view = v;
  renderHeader(v);
  map.draw(model, changed);
  renderMapInfo();
  // The bitmaps come only when they changed; the counters below them every time.
  if (v.source.swap || v.destination.swap) renderSwap(v);
  else renderSwapInfo(v);
  renderTimelineNow(v);
  renderMachines(v);
  renderInvariants(v);
  // The page comes with the view: decoded at this step (the extension keeps the selection, so it is never stale).
  if (v.page) {
    model.selected = v.page.mpn;
    renderPage(v.page);
  } else renderPage(null);
  if (v.page) map.draw(model, []);
  void document.body.offsetHeight; // include style and layout in the time
  const ms = performance.now() - t0;
  post({ type: 'drawn', id: v.id, ms, bytes, page: v.page ? `${v.page.mpnHex}@${v.page.step}` : null });
}

window.addEventListener('message', (e: MessageEvent) => {
  try {
    onMessage(e);
  } catch (err) {
    // Said, never swallowed: a view that cannot be drawn shows why.
    errorLine.textContent = `Could not show the ${(e.data as { type?: string })?.type ?? ''} message: ${(err as Error).message}`;
  }
});

function onMessage(e: MessageEvent): void {
  const t0 = performance.now();
  const r = parseToWebview(e.data);
  if (!r.ok) {
    errorLine.textContent = `Ignored a malformed message: ${r.error}`;
    return;
  }
  const msg = r.msg;
  switch (msg.type) {
    case 'session': {
      const changedSession = msg.id !== sessionId;
      sessionId = msg.id;
      sessionName = msg.name ?? '';
      status.textContent = msg.name ? `${msg.name}: ${msg.state}` : 'no FSR debug session';
      // A new session, or the end of one: nothing of what was shown is true any more.
      if (msg.state === 'none' || msg.state === 'ended') {
        model.selected = null;
        bookmarks = [];
        clearAll(msg.state === 'ended' ? `The session ${msg.name ?? ''} ended.` : 'Click a cell of the map to decode its page.');
      } else if (changedSession) {
        bookmarks = [];
        clearAll(model.selected !== null ? 'Decoding the selected page in the new session…' : 'Click a cell of the map to decode its page.');
      }
      if (msg.state === 'running' && view) stopLine.textContent = `running (the view shows step ${view.step})`;
      // Stopped and nothing drawn yet (a view posted before this page listened is lost): ask again.
      if (msg.state === 'stopped') {
        const id = msg.id;
        window.setTimeout(() => {
          if (!view && sessionId === id) post({ type: 'refresh' });
        }, 1500);
      }
      break;
    }
    case 'view': {
      errorLine.textContent = '';
      const bytes = (msg.view.cells?.length ?? 0) + (msg.view.delta?.length ?? 0) * 4 + (msg.view.window?.bytes.length ?? 0);
      onView(msg.view, bytes, t0);
      break;
    }
    case 'bookmarks':
      bookmarks = msg.bookmarks;
      if (view) renderTimelineNow(view);
      break;
    case 'pageError':
      model.selected = null;
      renderPage(null);
      pageBody.textContent = msg.message;
      if (view) map.draw(model, []);
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
}

// ---- input ------------------------------------------------------------------------------------

function pointerCell(e: MouseEvent): number {
  const rect = canvas.getBoundingClientRect();
  return map.cellAt(e.clientX - rect.left, e.clientY - rect.top);
}

canvas.addEventListener('mousemove', (e) => {
  const rect = canvas.getBoundingClientRect();
  const c = pointerCell(e);
  if (c < 0 || !view) {
    tooltip.hidden = true;
    return;
  }
  tooltip.textContent = map.describe(model, c);
  tooltip.hidden = false;
  tooltip.style.left = `${Math.min(e.clientX - rect.left + 12, rect.width - 280)}px`;
  tooltip.style.top = `${e.clientY - rect.top + 14}px`;
});
canvas.addEventListener('mouseleave', () => (tooltip.hidden = true));
canvas.addEventListener('click', (e) => {
  const c = pointerCell(e);
  const g = map.g;
  if (c < 0 || !g) return;
  const span = cellSpan(model.layout, g.source, c);
  if (!span) return;
  // A cell of many pages: the adapter picks its most telling page (a pdir page if any).
  select(span.firstMPN, span.pages);
});
canvas.addEventListener('dblclick', (e) => {
  const c = pointerCell(e);
  const g = map.g;
  if (c < 0 || !g) return;
  const span = cellSpan(model.layout, g.source, c);
  if (span) zoomBy(4, span.firstIndex);
});
canvas.addEventListener(
  'wheel',
  (e) => {
    if (!view || !map.g) return;
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      const c = pointerCell(e);
      const span = c >= 0 ? cellSpan(model.layout, map.g.source, c) : null;
      zoomBy(e.deltaY < 0 ? 2 : 0.5, span?.firstIndex);
    } else if (map.zoom) {
      // Zoomed: the wheel scrolls through the MPN space, three rows a notch.
      e.preventDefault();
      setZoom(pan(model.layout, map.zoom, Math.sign(e.deltaY) * 3 * map.g.cols));
    }
  },
  { passive: false },
);
whole.addEventListener('change', () => {
  map.wholeHost = (whole as unknown as { checked: boolean }).checked;
  map.reset();
  post(windowOf(null));
  if (view) {
    map.draw(model, null);
    renderMapInfo();
  }
});

let resizeTimer = 0;
new ResizeObserver(() => {
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    if (view) {
      map.draw(model, null);
      renderMapInfo();
      renderSwap(view);
      renderTimelineNow(view);
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

void mpnToIndex;
post({ type: 'ready' });
