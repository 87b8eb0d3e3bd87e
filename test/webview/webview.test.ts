// The host-memory webview, laid out and drawn from real views of the engine: the timeline's lanes
// (labels that cannot overlap, clusters, clicks that go to a step), the zoomed map's MPN addresses,
// the legend's colours being the colours drawn, the machines as transition graphs, the page decode
// and what a new session or its end clears. Pure layouts in Node; drawing and clicks in headless Chromium.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Session, builtinScenario } from '../../engine/index';
import { HostMapTracker, type HostMapView } from '../../engine/hostmap';
import { LANE_HEIGHT, LABEL_WIDTH, layoutTimeline, stepAt, xOf } from '../../webview/timeline';
import { layoutMachine } from '../../webview/machineGraph';
import { cellSpan, colLabels, geometry, rowLabels, zoomTo, totalIndex, cellOfIndex, mpnToIndex } from '../../webview/geometry';
import type { Lane } from '../../webview/protocol';
import { type WebviewPage, chromiumPath, openWebview } from './browser';

const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('timeline layout', () => {
  const lanes: Lane[] = [
    { kind: 'phase', name: 'resume victor', count: 2, firstStep: 300, lastStep: 301, marks: [300, 301], messages: null },
    { kind: 'phase', name: 'swap bitmap copy', count: 1, firstStep: 305, lastStep: 305, marks: [305], messages: null },
    { kind: 'phase', name: 'point of no return', count: 1, firstStep: 306, lastStep: 306, marks: [306], messages: null },
    { kind: 'phase', name: 'pdir redirect', count: 32768, firstStep: 1000, lastStep: 170_000_000, marks: Array.from({ length: 512 }, (_, i) => 1000 + Math.round((i * (170_000_000 - 1000)) / 511)), messages: null },
    { kind: 'invariant', name: 'invariant broken', count: 1, firstStep: 9000, lastStep: 9000, marks: [9000], messages: ['cached translations match the PFrames'] },
  ];
  const t = layoutTimeline(lanes, [{ name: 'before the redirect', step: 900 }], 900, 80_000_000, 170_000_000);

  it('gives every lane its own row, its name at its head: no two labels can overlap', () => {
    assert.deepEqual(t.rows.map((r) => r.y), [0, 1, 2, 3, 4, 5].map((i) => i * LANE_HEIGHT));
    assert.deepEqual(t.rows.map((r) => r.name), ['resume victor', 'swap bitmap copy', 'point of no return', 'pdir redirect', 'invariant broken', 'bookmarks']);
    for (const r of t.rows) for (const m of r.marks) assert.ok(m.x0 >= LABEL_WIDTH, `${r.name}: marks start right of the labels`);
  });

  it('collapses marks closer than a few pixels into clusters, split at the current step', () => {
    const redirects = t.rows[3]!.marks;
    assert.ok(redirects.length <= 4, `${redirects.length} clusters`);
    const before = redirects.filter((m) => !m.ahead);
    const ahead = redirects.filter((m) => m.ahead);
    assert.ok(before.length >= 1 && ahead.length >= 1);
    assert.ok(before.every((m) => m.steps.every((s) => s <= 80_000_000)));
    assert.ok(ahead.every((m) => m.steps.every((s) => s > 80_000_000)));
    assert.match(redirects[0]!.title, /32768 in all/);
  });

  it('goes to the nearest step of a cluster where it is clicked', () => {
    const m = t.rows[3]!.marks[0]!;
    const x = xOf(40_000_000, t);
    const s = stepAt(m, x, t);
    assert.ok(Math.abs(s - 40_000_000) < 170_000_000 / 511, `step ${s}`);
    assert.equal(stepAt(t.rows[4]!.marks[0]!, 0, t), 9000);
  });
});

describe('machine graphs', () => {
  const s = new Session(builtinScenario('shared-swap'));
  const tr = new HostMapTracker(s);
  s.runToEnd();
  const m = tr.view().machines.find((x) => x.field === 'resumeState')!;
  const g = layoutMachine(json(m));

  it('draws every transition of the model, the ones this run made as taken', () => {
    assert.equal(g.edges.length, 5);
    const taken = g.edges.filter((e) => e.taken).map((e) => `${e.from}>${e.to}`);
    assert.deepEqual(taken, ['FSR_RESUME_NONE>FSR_RESUME_DESTVERIFY', 'FSR_RESUME_DESTVERIFY>FSR_RESUME_DEST']);
    assert.match(g.edges.find((e) => e.to === 'FSR_RESUME_DEST')!.title, /FSR_ResumeDone.*made at step \d+/);
  });

  it('places states by their distance from the initial one, marks the visited and lights the current', () => {
    const at = new Map(g.nodes.map((n) => [n.state, n]));
    assert.equal(at.get('FSR_RESUME_NONE')!.layer, 0);
    assert.equal(at.get('FSR_RESUME_DESTVERIFY')!.layer, 1);
    assert.equal(at.get('FSR_RESUME_SOURCE')!.layer, 1);
    assert.equal(at.get('FSR_RESUME_DEST')!.layer, 2);
    assert.equal(at.get('FSR_RESUME_DEST')!.status, 'current');
    assert.equal(at.get('FSR_RESUME_NONE')!.status, 'visited');
    assert.equal(at.get('FSR_RESUME_SOURCE')!.status, 'unvisited');
    // No two boxes overlap.
    for (const a of g.nodes) for (const b of g.nodes) if (a !== b) assert.ok(a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y, `${a.state} and ${b.state} overlap`);
  });
});

describe('map geometry', () => {
  const s = new Session(builtinScenario('big-vm'));
  const v = new HostMapTracker(s).view();
  const layout = json(v.layout);

  it('labels rows with the MPN of their first cell and columns with the offset, in hex', () => {
    const g = geometry({ kind: 'overview', firstCell: 0, cells: layout.cells }, 1000, 400, 20);
    const rows = rowLabels(layout, g, 12);
    assert.equal(rows[0]!.text, '0xff000000');
    const second = rows[1]!;
    assert.equal(parseInt(second.text, 16), 0xff000000 + second.row * g.cols * layout.cellPages);
    const cols = colLabels(layout, g);
    assert.equal(cols[0]!.text, '+0x0');
    assert.equal(parseInt(cols[1]!.text.slice(1), 16), cols[1]!.col * layout.cellPages);
  });

  it('zooms to a finer window around a page: one page per cell, addresses exact', () => {
    const pdir = s.src.dirMPN(100);
    const anchor = mpnToIndex(layout, pdir);
    const src = zoomTo(layout, 2048, anchor, totalIndex(layout), 50_000, 65536, 4 << 20);
    assert.equal(src.kind, 'window');
    if (src.kind !== 'window') return;
    assert.equal(src.cellPages, 1);
    const c = cellOfIndex(layout, src, anchor);
    assert.ok(c >= 0);
    assert.equal(cellSpan(layout, src, c)!.firstMPN, pdir);
    const g = geometry(src, 1000, 400, 20);
    const rows = rowLabels(layout, g, 12);
    assert.equal(parseInt(rows[0]!.text, 16), 0xff000000 + src.firstIndex);
    assert.equal(colLabels(layout, g)[1]!.text, `+0x${(colLabels(layout, g)[1]!.col).toString(16)}`);
    // Coarser than the overview: a stretch of overview cells instead.
    const coarse = zoomTo(layout, 16_000_000, anchor, totalIndex(layout), 50_000, 65536, 4 << 20);
    assert.equal(coarse.kind, 'overview');
  });
});

const browser = chromiumPath() ? describe : describe.skip;
browser('the webview in Chromium', () => {
  let w: WebviewPage;
  let s: Session;
  let t: HostMapTracker;
  let last: HostMapView;
  const show = async (req: Parameters<HostMapTracker['view']>[0] = {}) => {
    last = t.view(req);
    return w.send({ type: 'view', view: json(last) });
  };
  before(async () => {
    w = await openWebview(1100, 1400);
    await w.take();
    s = new Session(builtinScenario('shared-swap'));
    t = new HostMapTracker(s);
    await w.send({ type: 'session', name: 'FSR: shared-swap', id: 'one', state: 'stopped' });
    s.rt.setBreakpoints(['function', 'phase'], [{ kind: 'phase', name: 'pdir redirect' }]);
    s.runToEnd();
    s.runToEnd();
    await show();
  });
  after(() => w?.close());

  it('draws every cell class in the colour its legend shows', async () => {
    // The legend's swatches, as computed colours, and the canvas pixels at cells of those classes.
    const r = (await w.page.evaluate(`(() => {
      const sw = {};
      for (const it of document.querySelectorAll('.legend-item')) {
        const s = it.querySelector('span');
        sw[it.dataset.key] = { bg: getComputedStyle(s).backgroundColor, border: getComputedStyle(s).borderTopColor };
      }
      return sw;
    })()`)) as Record<string, { bg: string; border: string }>;
    const cells = Uint8Array.from(Buffer.from(last.cells!, 'base64'));
    const pixel = async (i: number, dx = 0.5, dy = 0.5) =>
      (await w.page.evaluate(`(() => {
        const c = document.querySelector('canvas.map');
        const d = c.dataset;
        const dpr = c.width / c.clientWidth;
        const px = Number(d.cellPx);
        const x = Number(d.left) + (${i} % Number(d.cols)) * px + px * ${dx};
        const y = Number(d.top) + Math.floor(${i} / Number(d.cols)) * px + px * ${dy};
        const p = c.getContext('2d').getImageData(Math.floor(x * dpr), Math.floor(y * dpr), 1, 1).data;
        return 'rgb(' + p[0] + ', ' + p[1] + ', ' + p[2] + ')';
      })()`)) as string;
    for (const cls of [1, 2, 5, 6]) {
      const i = cls === 2 ? cells.findIndex((b) => (b & 0x10) !== 0) : cls === 6 ? cells.findIndex((b) => (b & 0x20) !== 0) : cells.findIndex((b) => b === cls);
      assert.ok(i >= 0, `a cell of class ${cls}`);
      // Near the cell's corner: a pointer may run along the middle of its row.
      assert.equal(await pixel(i, 0.25, 0.25), r[`class-${cls}`]!.bg, `class ${cls}: the pixel drawn is the legend's colour`);
      // A pdir page is outlined (big cells): in the colour of its legend swatch's border.
      if (cls === 2 || cls === 6) assert.equal(await pixel(i, 1.5 / Number(await w.page.locator('canvas.map').getAttribute('data-cell-px')), 0.5), r[`class-${cls}`]!.border, `class ${cls}: the outline drawn is the legend's border`);
    }
    // The pointer lines' colours are the outlines' (each world's colour).
    assert.equal(r['src-pointer']!.bg, r['class-2']!.border);
    assert.equal(r['dst-pointer']!.bg, r['class-6']!.border);
  });

  it('lays the timeline out in lanes and goes to a mark\'s step when it is clicked', async () => {
    const labels = (await w.page.evaluate(`[...document.querySelectorAll('.lane-label')].map((e) => { const r = e.getBoundingClientRect(); return [r.top, r.bottom, e.textContent]; })`)) as Array<[number, number, string]>;
    for (let i = 1; i < labels.length; i++) assert.ok(labels[i]![0] >= labels[i - 1]![1] - 0.5, `"${labels[i]![2]}" overlaps "${labels[i - 1]![2]}"`);
    const pnr = last.lanes.find((l) => l.name === 'point of no return')!.firstStep;
    await w.page.locator('.lane-phase', { hasText: 'point of no return' }).locator('.tmark').first().click();
    const posted = await w.take();
    assert.deepEqual(posted.filter((m) => m.type === 'goto'), [{ type: 'goto', step: pnr }]);
  });

  it('draws the machines as graphs, the transitions made solid', async () => {
    const edges = (await w.page.evaluate(`[...document.querySelectorAll('svg.graph path.edge')].map((p) => p.dataset.from + '>' + p.dataset.to + ':' + p.getAttribute('class'))`)) as string[];
    assert.ok(edges.includes('FSR_RESUME_NONE>FSR_RESUME_DESTVERIFY:edge taken'));
    assert.ok(edges.includes('FSR_RESUME_DESTVERIFY>FSR_RESUME_DEST:edge taken'), 'made at the point of no return');
    assert.ok(edges.includes('FSR_RESUME_NONE>FSR_RESUME_SOURCE:edge idle'));
    const current = await w.page.locator('svg.graph g.node.current').first().getAttribute('data-state');
    assert.equal(current, 'FSR_RESUME_DEST');
  });

  it('zooms in: asks for a finer window, and shows its addresses', async () => {
    await w.page.locator('#zoom-in').click();
    await w.page.locator('#zoom-in').click();
    const posted = await w.take();
    const win = posted.filter((m) => m.type === 'window').at(-1);
    assert.ok(win && win.type === 'window');
    // shared-swap's map is one page per cell already: zooming in makes cells bigger, a window of pages.
    assert.ok(win.window === null || win.window.cellPages === 1);
    const info = (await w.page.locator('#map-info').textContent())!;
    assert.match(info, /zoomed ×\d+ · showing MPN 0x[0-9a-f]+–0x[0-9a-f]+/);
    await w.page.locator('#zoom-fit').click();
    assert.deepEqual((await w.take()).filter((m) => m.type === 'window'), [{ type: 'window', window: null }]);
  });

  it('decodes the selected page at the view\'s step, as Variables does, and a new session or its end clears it', async () => {
    const mpn = s.src.dirMPN(5) === -1 ? s.dst.dirMPN(5) : s.src.dirMPN(5);
    await show({ page: mpn });
    const title = (await w.page.locator('.page-title').textContent())!;
    assert.equal(title, `MPN 0x${mpn.toString(16)} — FSR: shared-swap, at step ${last.step}`);
    const rows = (await w.page.evaluate(`[...document.querySelectorAll('#pframe-fields tr[data-field]')].map((r) => r.dataset.field + '=' + r.querySelector('td.value').textContent)`)) as string[];
    const pf = last.page!.pframe!;
    assert.ok(rows.includes(`pte=${pf.pte}`));
    assert.ok(rows.some((r) => r.startsWith(`${pf.extra.path}.indexHighBits=`)));
    for (const f of pf.fields) assert.ok(rows.includes(`${f.name}=${f.value}`), f.name);
    // The next stop decodes it again, at that stop.
    s.rt.stepBack(s.rt.lastStop?.actorId ?? 1);
    await show({ page: mpn });
    assert.equal(await w.page.locator('.page-title').textContent(), `MPN 0x${mpn.toString(16)} — FSR: shared-swap, at step ${last.step}`);
    // Another session: nothing of the first is shown until its own view comes.
    await w.send({ type: 'session', name: 'FSR: stale-shadow', id: 'two', state: 'stopped' });
    assert.doesNotMatch((await w.page.locator('#page').textContent())!, /shared-swap/);
    assert.equal(await w.page.locator('.page-title').count(), 0);
    await w.send({ type: 'session', name: 'FSR: stale-shadow', id: 'two', state: 'ended' });
    assert.match((await w.page.locator('#page').textContent())!, /ended/);
  });
});
