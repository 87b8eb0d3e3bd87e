// Unit tests for engine/hostmap.ts and the webview contract: cells by owner, deltas that rebuild the
// full map, pdir pointers following the redirect, swap summaries, pages, and adapter/fsrRequests.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Session, builtinScenario } from '../../engine/index';
import { CELL_CLASS_MASK, CELL_HAS_DST_PDIR, CELL_HAS_FREE, CELL_HAS_SRC_PDIR, CELL_MIXED, CellClass, HostMapTracker, fromBase64, mapLayout, toBase64 } from '../../engine/hostmap';
import { HostMemory } from '../../engine/host';
import { handleFsrRequest } from '../../adapter/fsrRequests';
import { CELL, HostMapViewSchema, PageInfoSchema, parseFromWebview, parseToWebview } from '../../webview/protocol';

test('base64 round-trips every length', () => {
  for (let n = 0; n < 40; n++) {
    const u = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
    assert.deepEqual(fromBase64(toBase64(u)), u);
    assert.equal(toBase64(u), Buffer.from(u).toString('base64'));
  }
});

test('the webview protocol and the engine agree on the cell byte', () => {
  assert.equal(CELL.CLASS_MASK, CELL_CLASS_MASK);
  assert.equal(CELL.HAS_SRC_PDIR, CELL_HAS_SRC_PDIR);
  assert.equal(CELL.HAS_DST_PDIR, CELL_HAS_DST_PDIR);
  assert.equal(CELL.MIXED, CELL_MIXED);
  assert.equal(CELL.HAS_FREE, CELL_HAS_FREE);
});

test('layout: cells never straddle ranges and stay under the limit', () => {
  const host = new HostMemory([{ baseMPN: 0x3f0000000, pages: 32768 }, { baseMPN: 0x2000000000, pages: 65536 }], 1);
  const l = mapLayout(host, 1000);
  assert.ok(l.cells <= 1000);
  assert.equal(l.regions[1]!.firstCell, l.regions[0]!.cells);
  assert.equal(l.regions[0]!.cells, Math.ceil(32768 / l.cellPages));
});

test('shared-swap: cells by owner, deltas rebuild the full map, the redirect moves the pointers', () => {
  const s = new Session(builtinScenario('shared-swap'));
  const t = new HostMapTracker(s);
  const v0 = t.view();
  assert.ok(HostMapViewSchema.safeParse(v0).success);
  assert.equal(v0.layout.cellPages, 1);
  const cells = fromBase64(v0.cells!);
  const srcPdirs = [...cells].filter((b) => (b & CELL_CLASS_MASK) === CellClass.SRC_PDIR).length;
  assert.equal(srcPdirs, 8);
  assert.equal(v0.source.presentDirs, 8);
  // pointers: one bucket per dir (8 dirs), each naming the cell of its pdir page
  assert.equal(v0.source.pointers!.length, 8 * 6);
  for (let b = 0; b < 8; b++) assert.equal(cells[v0.source.pointers![b * 6 + 3]!]! & CELL_CLASS_MASK, CellClass.SRC_PDIR);

  s.runToEnd();
  const v1 = t.view(v0.id);
  assert.equal(v1.since, v0.id);
  assert.ok(v1.delta && v1.delta.length > 0, 'a delta');
  for (let i = 0; i < v1.delta!.length; i += 2) cells[v1.delta![i]!] = v1.delta![i + 1]!;
  const full = fromBase64(t.view().cells!);
  assert.deepEqual(cells, full, 'the delta applied to the old map gives the new one');
  // after the handoff the source has no pdir and the destination points at the source's old pdir pages
  assert.equal(v1.source.presentDirs, 0);
  assert.equal(v1.destination.presentDirs, 8);
  for (let b = 0; b < 8; b++) {
    const target = v1.destination.pointers![b * 6 + 3]!;
    assert.equal(target, v0.source.pointers![b * 6 + 3], `dir ${b} redirected to the source's pdir page`);
    assert.equal(full[target]! & CELL_CLASS_MASK, CellClass.DST_PDIR);
  }
  assert.equal(v1.victor, 'destination');
  assert.ok(v1.phases.some((p) => p.name === 'point of no return'));
  assert.deepEqual(v1.fsr.resumeVisited, ['FSR_RESUME_NONE', 'FSR_RESUME_DEST']);
  // an unknown `since` gets the full map
  const v2 = t.view(12345);
  assert.ok(v2.cells && !v2.delta);
});

test('a page: a pdir page names who points at it and decodes its PFrames; a main-memory page its PFrame', () => {
  const s = new Session(builtinScenario('shared-swap'));
  const t = new HostMapTracker(s);
  const pdir = t.page({ mpn: s.src.dirMPN(0) });
  assert.ok(PageInfoSchema.safeParse(pdir).success);
  assert.equal(pdir.ownerKind, 'pdir');
  assert.deepEqual(pdir.pdir!.pointedBy, [{ world: 'vm-src', dirIndex: 0 }]);
  assert.equal(pdir.pdir!.firstPFrames.length, 8);
  const regularPg = [...Array(64).keys()].find((pg) => { const v = s.pframe(s.src, pg); return !('error' in v) && v.type === 'REGULAR'; })!;
  const mpn = (s.pframe(s.src, regularPg) as { mpn: number }).mpn;
  const main = t.page({ mpn });
  assert.equal(main.ownerKind, 'mainmem');
  assert.equal(main.pframe!.pgNum, regularPg);
  assert.equal(main.pframe!.mpn, mpn);
  assert.throws(() => t.page({ mpn: 5 }), /not in host memory/);
});

test('fsrRequests: view, page, watch, state and clear errors', () => {
  const s = new Session(builtinScenario('unshared-swap'));
  const v = handleFsrRequest(s, 'fsr/view', {}) as { id: number };
  const d = handleFsrRequest(s, 'fsr/view', { since: v.id }) as { delta: number[] | null };
  assert.deepEqual(d.delta, []);
  assert.equal((handleFsrRequest(s, 'fsr/page', { mpn: '0x100000' }) as { ownerKind: string }).ownerKind, 'pdir');
  assert.equal((handleFsrRequest(s, 'fsr/page', { cell: 0 }) as { mpnHex: string }).mpnHex, '0x100000');
  const w = handleFsrRequest(s, 'fsr/watchPFrame', { world: 'source', pgNum: 3 }) as { description: string };
  assert.match(w.description, /PFrame 3/);
  assert.ok('resumeState' in (handleFsrRequest(s, 'fsr/state', undefined) as object));
  assert.throws(() => handleFsrRequest(s, 'fsr/nope', {}), /unknown request "fsr\/nope" \(requests: fsr\/state, fsr\/view/);
  assert.throws(() => handleFsrRequest(s, 'fsr/view', { since: 'x' }), /"since" must be/);
  assert.throws(() => handleFsrRequest(s, 'fsr/page', {}), /give "cell"/);
  assert.throws(() => handleFsrRequest(s, 'fsr/watchPFrame', { world: 'left', pgNum: 1 }), /"world" must be/);
});

test('messages are validated both ways', () => {
  assert.equal(parseFromWebview({ type: 'pickPage', cell: 3 }).ok, true);
  assert.equal(parseFromWebview({ type: 'pickPage', cell: -1 }).ok, false);
  assert.equal(parseFromWebview({ type: 'evil' }).ok, false);
  assert.equal(parseFromWebview('ready').ok, false);
  assert.equal(parseToWebview({ type: 'session', name: 'x', state: 'stopped' }).ok, true);
  const bad = parseToWebview({ type: 'view', view: { id: 0 } });
  assert.equal(bad.ok, false);
});
