// Unit tests for engine/hostmap.ts and the webview contract: cells by owner kept current from the change
// log (equal to a full scan after every kind of move, including bulk steps and going back), deltas,
// pdir pointer runs following the redirect, windows, lanes, machines, pages decoded as Variables shows
// them, and adapter/fsrRequests.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PFRAME_LAYOUT_NOTES, Session, builtinScenario, parseScenario, type ScenarioInput } from '../../engine/index';
import {
  CELL_CLASS_MASK, CELL_HAS_DST_PDIR, CELL_HAS_FREE, CELL_HAS_SRC_PDIR, CELL_MIXED, CellClass, HostMapTracker, MAX_LANE_MARKS, POINTER_STRIDE, fromBase64, indexToMPN, mapLayout,
  mpnToIndex, pdirPointers, slotClasses, summarizeCells, toBase64,
} from '../../engine/hostmap';
import { HostMemory } from '../../engine/host';
import { handleFsrRequest, pageDump } from '../../adapter/fsrRequests';
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

test('layout: cells never straddle ranges and stay under the limit; the index space maps both ways', () => {
  const host = new HostMemory([{ baseMPN: 0x3f0000000, pages: 32768 }, { baseMPN: 0x2000000000, pages: 65536 }], 1);
  const l = mapLayout(host, 1000);
  assert.ok(l.cells <= 1000);
  assert.equal(l.regions[1]!.firstCell, l.regions[0]!.cells);
  assert.equal(l.regions[0]!.cells, Math.ceil(32768 / l.cellPages));
  assert.equal(l.regions[1]!.firstIndex, 32768);
  assert.equal(indexToMPN(l, 32768), 0x2000000000);
  assert.equal(indexToMPN(l, 32767), 0x3f0000000 + 32767);
  assert.equal(mpnToIndex(l, 0x2000000005), 32773);
  assert.equal(mpnToIndex(l, 0x1000), -1);
});

/** The overview a viewer holds after applying `v` to `cells`. */
function applyView(cells: Uint8Array | null, v: { cells: string | null; delta: number[] | null }): Uint8Array {
  if (v.cells) return fromBase64(v.cells);
  const out = cells!.slice();
  for (let i = 0; i < v.delta!.length; i += 2) out[v.delta![i]!] = v.delta![i + 1]!;
  return out;
}

/**
 * Follow a run with views after every kind of move — runs (bulk steps included), steps, steps back,
 * gotos back and forward — and check each time that the cells kept from the change log are the cells
 * a full scan gives, that the viewer's copy (deltas applied) is too, and that no view rescanned.
 */
function followAndCompare(s: Session, moves: number, bp: boolean): { views: number; rescans: number } {
  s.rt.setExceptionFilters([]);
  if (bp) s.rt.setBreakpoints(['function', 'phase'], [{ kind: 'phase', name: 'pdir redirect' }, { kind: 'function', name: 'VmMemMigrateAddPageToDest' }]);
  const t = new HostMapTracker(s);
  const layout = mapLayout(s.machine.host);
  const classes = slotClasses(s.machine.host, s.src, s.dst);
  const full = new Uint8Array(layout.cells);
  let v = t.view();
  let held = applyView(null, v);
  let views = 0;
  let rescans = 0;
  const check = (what: string) => {
    v = t.view(v.id);
    views++;
    if (t.lastUpdate.rescanned) rescans++;
    held = applyView(held, v);
    summarizeCells(s.machine.host, layout, classes, full);
    const bad = full.findIndex((b, i) => held[i] !== b);
    assert.equal(bad, -1, `${what} (step ${s.rt.stepCount}): cell ${bad} is ${held[bad]} in the view, ${full[bad]} in a full scan`);
  };
  for (let k = 0; k < moves && !s.rt.finished; k++) {
    const n = 1 + ((k * 7919) % 37);
    if (k % 2) {
      s.rt.continue();
      s.rt.run(n);
    } else {
      for (let j = 0; j < n; j++) {
        const a = s.rt.actors.find((x) => !x.done);
        if (!a) break;
        s.rt.step(a.id, k % 4 ? 'over' : 'in');
        s.rt.run();
      }
    }
    check('forward');
    if (k % 3 === 0) {
      s.rt.gotoStep(Math.max(0, s.rt.stepCount - ((k % 5) + 1) * 3));
      check('back');
    }
    if (k % 11 === 0) {
      const to = Math.max(0, s.rt.stepCount - 20);
      s.rt.gotoStep(to);
      check('goto back');
      s.rt.gotoStep(to + 40);
      check('goto forward');
    }
  }
  s.rt.setBreakpoints(['function', 'phase'], []);
  s.runToEnd();
  check('end');
  s.rt.gotoStep(Math.floor(s.rt.stepCount / 2));
  check('half way back');
  s.runToEnd();
  check('end again');
  return { views, rescans };
}

for (const name of ['shared-swap', 'unshared-swap', 'transfer-fail', 'swap-copy-fail', 'stale-shadow']) {
  test(`${name}: the cells kept from the change log equal a full scan after every move, with no rescan`, () => {
    for (const bp of [false, true]) {
      const r = followAndCompare(new Session(builtinScenario(name)), bp ? 120 : 60, bp);
      assert.equal(r.rescans, 0, `${name}${bp ? ' (fine steps)' : ''}: ${r.rescans} of ${r.views} views rescanned the host`);
    }
  });
}

test('a bulk step that moved more pages than a trace lists is followed by a rescan, and the cells are still right', () => {
  // 512 MB: the transfer's one bulk step hands over 131,072 pages, more than a view looks up one by one.
  const input: ScenarioInput = { ...(builtinScenario('shared-swap') as unknown as ScenarioInput), name: 'half-gig', vm: { memMB: 512 }, host: { ranges: [{ baseMPN: '0x100000', pages: 262144 }] } };
  const s = new Session(parseScenario(input, 'test'));
  const t = new HostMapTracker(s);
  t.view();
  s.rt.setExceptionFilters([]);
  s.runToEnd();
  const v = t.view();
  assert.equal(t.lastUpdate.rescanned, true);
  const layout = mapLayout(s.machine.host);
  const full = new Uint8Array(layout.cells);
  summarizeCells(s.machine.host, layout, slotClasses(s.machine.host, s.src, s.dst), full);
  assert.deepEqual(fromBase64(v.cells!), full);
});

test('shared-swap: cells by owner, the redirect moves the pointer runs to the source pdir pages', () => {
  const s = new Session(builtinScenario('shared-swap'));
  const t = new HostMapTracker(s);
  const v0 = t.view();
  assert.ok(HostMapViewSchema.safeParse(v0).success, JSON.stringify(HostMapViewSchema.safeParse(v0).error?.issues.slice(0, 3)));
  assert.equal(v0.layout.cellPages, 1);
  const cells = fromBase64(v0.cells!);
  assert.equal([...cells].filter((b) => (b & CELL_CLASS_MASK) === CellClass.SRC_PDIR).length, 8);
  assert.equal(v0.source.presentDirs, 8);
  // Each run names dirs firstDir.. at lowest + k·stride: expand them and compare with pdirInfo.
  const expand = (ptr: number[]) => {
    const out = new Map<number, number>();
    for (let i = 0; i < ptr.length; i += POINTER_STRIDE) for (let k = 0; k < ptr[i + 1]!; k++) out.set(ptr[i]! + k, ptr[i + 3]! + k * ptr[i + 5]!);
    return out;
  };
  const srcTargets = expand(v0.source.pointers!);
  for (let d = 0; d < 8; d++) assert.equal(srcTargets.get(d), s.src.dirMPN(d), `dir ${d}`);
  s.runToEnd();
  const v1 = t.view(v0.id);
  assert.equal(v1.since, v0.id);
  assert.equal(v1.source.presentDirs, 0);
  assert.equal(v1.destination.presentDirs, 8);
  const dstTargets = expand(v1.destination.pointers!);
  for (let d = 0; d < 8; d++) assert.equal(dstTargets.get(d), srcTargets.get(d), `dir ${d} redirected to the source's pdir page`);
  assert.equal(v1.victor, 'destination');
  const lane = v1.lanes.find((l) => l.name === 'point of no return')!;
  assert.equal(lane.count, 1);
  const resume = v1.machines.find((m) => m.field === 'resumeState')!;
  assert.deepEqual(resume.visited, ['FSR_RESUME_NONE', 'FSR_RESUME_DESTVERIFY', 'FSR_RESUME_DEST']);
  assert.deepEqual(resume.taken.map((x) => `${x.from}>${x.to}`), ['FSR_RESUME_NONE>FSR_RESUME_DESTVERIFY', 'FSR_RESUME_DESTVERIFY>FSR_RESUME_DEST']);
  assert.equal(resume.current, 'FSR_RESUME_DEST');
  assert.equal(resume.transitions.length, 5);
  // an unknown `since` gets the full map
  const v2 = t.view(12345);
  assert.ok(v2.cells && !v2.delta);
});

test('machines and lanes are the state at the step: going back takes the later transitions off, keeps the lanes ahead', () => {
  const s = new Session(builtinScenario('shared-swap'));
  const t = new HostMapTracker(s);
  s.runToEnd();
  const end = t.view();
  const pnr = end.lanes.find((l) => l.name === 'point of no return')!.firstStep;
  s.rt.gotoStep(pnr - 1);
  const back = t.view();
  const resume = back.machines.find((m) => m.field === 'resumeState')!;
  assert.equal(resume.current, 'FSR_RESUME_DESTVERIFY');
  assert.deepEqual(resume.visited, ['FSR_RESUME_NONE', 'FSR_RESUME_DESTVERIFY']);
  assert.equal(back.maxStep, end.step);
  // The lanes still show what is ahead (dimmed by the viewer: steps after `step`).
  const lane = back.lanes.find((l) => l.name === 'pdir redirect')!;
  assert.equal(lane.count, 8);
  assert.ok(lane.marks.every((m) => m > back.step));
});

test('big runs of a phase send at most MAX_LANE_MARKS marks, the first and last among them', () => {
  const s = new Session(builtinScenario('shared-swap'));
  const t = new HostMapTracker(s);
  s.runToEnd();
  const lanes = t.view().lanes;
  for (const l of lanes) assert.ok(l.marks.length <= MAX_LANE_MARKS && l.marks.length <= Math.max(l.count, 0));
  // Lanes are one per phase of the listing, named, in the order first reached.
  const reached = lanes.filter((l) => l.count > 0).map((l) => l.firstStep);
  assert.deepEqual(reached, [...reached].sort((a, b) => a - b));
  assert.deepEqual(new Set(lanes.filter((l) => l.kind === 'phase').map((l) => l.name)), new Set(['pdir redirect', 'point of no return', 'swap bitmap copy', 'resume victor']));
});

test('pointer runs: a stride per run, merged into bundles beyond the limit', () => {
  const s = new Session(builtinScenario('high-mpn'));
  const p = pdirPointers(s.src);
  let dirs = 0;
  for (let i = 0; i < p.length; i += POINTER_STRIDE) {
    dirs += p[i + 1]!;
    assert.ok(p[i + 5]! >= 1);
  }
  assert.equal(dirs, s.src.numDirs);
  const merged = pdirPointers(s.src, 2);
  assert.ok(merged.length / POINTER_STRIDE <= 2);
  assert.equal(merged[0], 0);
});

test('a window: finer cells and the pointers into it, checked arguments', () => {
  const s = new Session(builtinScenario('big-vm'));
  const t = new HostMapTracker(s);
  const v = t.view();
  assert.ok(v.layout.cellPages > 100);
  const first = mpnToIndex(v.layout, s.src.dirMPN(3));
  const w = t.view({ window: { firstIndex: first - 8, cells: 1024, cellPages: 1 } }).window!;
  const bytes = fromBase64(w.bytes);
  assert.equal(bytes.length, 1024);
  assert.equal(bytes[8]! & CELL_CLASS_MASK, CellClass.SRC_PDIR, 'the pdir page of dir 3, one page per cell');
  assert.deepEqual(w.srcPointers!.slice(0, 2), [3, s.src.dirMPN(3)]);
  assert.ok(w.srcPointers!.length / 2 <= 3, 'dir 3 and its neighbours 513 pages apart');
  assert.throws(() => t.view({ window: { firstIndex: 0, cells: 70000, cellPages: 1 } }), /window.cells must be in 1\.\.65536/);
  assert.throws(() => t.view({ window: { firstIndex: 0, cells: 65536, cellPages: 128 } }), /a window covers at most/);
});

test('a page is decoded at the step asked, as Variables shows it, with the declared union and the slides\' formulas', () => {
  const s = new Session(builtinScenario('high-mpn'));
  const t = new HostMapTracker(s);
  const pg = [...Array(s.src.pframes.numMainMemPages).keys()].find((p) => { const v = s.pframe(s.src, p); return !('error' in v) && v.type === 'REGULAR' && v.fields.indexHighBits > 0 && v.fields.indexLowBits > 0; })!;
  assert.ok(pg !== undefined, 'high-mpn has a REGULAR page above 2^32');
  const mpn = (s.pframe(s.src, pg) as { mpn: number }).mpn;
  const p = t.page({ mpn });
  assert.ok(PageInfoSchema.safeParse(p).success);
  assert.equal(p.step, 0);
  const pf = p.pframe!;
  assert.equal(pf.pgNumHex, '0x' + pg.toString(16));
  assert.equal(pf.extra.path, 'extra.regular');
  assert.deepEqual(pf.extra.fields.map((f) => f.name), ['indexHighBits', 'isCownint', 'isBackedByLPage']);
  assert.equal(pf.fields.find((f) => f.name === 'indexHighBits')!.note, PFRAME_LAYOUT_NOTES.indexHighBits);
  assert.match(pf.fields.find((f) => f.name === 'isExposedToVMM')!.note!, /uint16 isExposedToVMM : 1/);
  assert.equal(pf.fields.find((f) => f.name === 'indexLowBits')!.value, '0x' + (mpn % 2 ** 32).toString(16));
  const [right, low, prec] = pf.formulas!;
  assert.equal(right!.value, '0x' + mpn.toString(16));
  assert.equal(right!.wrong, false);
  assert.equal(low!.wrong, true, 'indexLowBits alone drops the high bits');
  assert.equal(prec!.wrong, true);
  assert.equal(BigInt(prec!.value), ((BigInt(mpn % 2 ** 32) + BigInt(Math.floor(mpn / 2 ** 32))) << 32n) & 0xffffffffffffffffn);
  // MPN 0x100000000 (indexLowBits 0): the precedence form happens to give it; the page says why it is still wrong.
  const pg2 = [...Array(s.src.pframes.numMainMemPages).keys()].find((q) => { const v = s.pframe(s.src, q); return !('error' in v) && v.type === 'REGULAR' && v.mpn === 2 ** 32; });
  if (pg2 !== undefined) {
    const f2 = t.page({ mpn: 2 ** 32 }).pframe!.formulas!;
    assert.equal(f2[2]!.wrong, false);
    assert.match(f2[2]!.why, /only because indexLowBits is 0/);
    assert.equal(f2[1]!.wrong, true);
  }
  // The view carries the page decoded at its own step.
  s.rt.setBreakpoints(['function', 'phase'], [{ kind: 'function', name: 'World_SetPanicNoCore' }]);
  s.runToEnd();
  const v = t.view({ page: mpn });
  assert.equal(v.page!.step, v.step);
  assert.throws(() => t.view({ page: 5 }), /MPN 0x5 is not in host memory/);
});

test('a PFrameMappedInVMX page is shown in that form, the model part marked', () => {
  const s = new Session(builtinScenario('shared-swap'));
  const t = new HostMapTracker(s);
  const pg = s.cx.srcVmx.mappedPages[0]!;
  const mpn = (s.pframe(s.src, pg) as { mpn: number }).mpn;
  const pf = t.page({ mpn }).pframe!;
  assert.equal(pf.form, 'PFrameMappedInVMX');
  assert.match(pf.formNote!, /beyond bit 0 the layout shown is the model's/);
  assert.match(pf.fields.find((f) => f.name === 'type')!.bits, /model/);
  assert.doesNotMatch(pf.fields.find((f) => f.name === 'isMappedInVMX')!.bits, /model/);
});

test('fsrRequests: view with window and page, page, pageDump, watch, state and clear errors', () => {
  const s = new Session(builtinScenario('unshared-swap'));
  const v = handleFsrRequest(s, 'fsr/view', {}) as { id: number };
  const d = handleFsrRequest(s, 'fsr/view', { since: v.id, page: '0x100000', window: { firstIndex: 0, cells: 64, cellPages: 1 } }) as { delta: number[] | null; page: { mpnHex: string }; window: { cells: number } };
  assert.deepEqual(d.delta, []);
  assert.equal(d.page.mpnHex, '0x100000');
  assert.equal(d.window.cells, 64);
  assert.equal((handleFsrRequest(s, 'fsr/page', { mpn: '0x100000' }) as { ownerKind: string }).ownerKind, 'pdir');
  assert.equal((handleFsrRequest(s, 'fsr/page', { cell: 0 }) as { mpnHex: string }).mpnHex, '0x100000');
  assert.equal((handleFsrRequest(s, 'fsr/page', { mpn: '0x100001', pages: 600 }) as { ownerKind: string }).ownerKind, 'pdir', 'the most telling page of a stretch: a pdir page');
  const w = handleFsrRequest(s, 'fsr/watchPFrame', { world: 'source', pgNum: 3 }) as { description: string };
  assert.match(w.description, /PFrame 0x3\./);
  assert.ok('resumeState' in (handleFsrRequest(s, 'fsr/state', undefined) as object));
  assert.throws(() => handleFsrRequest(s, 'fsr/nope', {}), /unknown request "fsr\/nope" \(requests: fsr\/state, fsr\/view/);
  assert.throws(() => handleFsrRequest(s, 'fsr/view', { since: 'x' }), /"since" must be/);
  assert.throws(() => handleFsrRequest(s, 'fsr/view', { window: { firstIndex: 0 } }), /"window" must be \{firstIndex, cells, cellPages\}/);
  assert.throws(() => handleFsrRequest(s, 'fsr/view', { page: -3 }), /"page" must be a non-negative integer/);
  assert.throws(() => handleFsrRequest(s, 'fsr/page', {}), /give "cell"/);
  assert.throws(() => handleFsrRequest(s, 'fsr/page', { mpn: 0x100000, pages: 0 }), /"pages" must be/);
  assert.throws(() => handleFsrRequest(s, 'fsr/watchPFrame', { world: 'left', pgNum: 1 }), /"world" must be/);
  assert.throws(() => handleFsrRequest(s, 'fsr/pageDump', { memoryReference: 'zz' }), /"memoryReference" must be a machine address/);
  assert.throws(() => handleFsrRequest(s, 'fsr/pageDump', { mpn: 7 }), /MPN 0x7 is not in host memory/);
});

test('the page dump: a pdir page one PFrame a row, as Variables summarizes it; another page 16 bytes a row', () => {
  const s = new Session(builtinScenario('shared-swap'));
  const d = pageDump(s, s.src.dirMPN(1));
  assert.equal(d.rows.length, 512);
  assert.match(d.pdirOf!, /vm-src pdirInfo\[0x1\]/);
  const bytes = s.machine.host.read(s.src.dirMPN(1));
  assert.equal(d.rows[3]!.bytes, Array.from(bytes.subarray(24, 32), (x) => x.toString(16).padStart(2, '0')).join(' '));
  assert.match(d.rows[3]!.text, /^\[0x3\] pgNum 0x203: /);
  const main = pageDump(s, (s.pframe(s.src, 1) as { mpn: number }).mpn === -1 ? 0x100002 : 0x100002);
  assert.equal(main.rows.length, 256);
  assert.equal(main.rows[0]!.offset, '0x000');
  assert.equal(main.step, 0);
  assert.deepEqual(handleFsrRequest(s, 'fsr/pageDump', { memoryReference: '0x' + (s.src.dirMPN(1) * 4096).toString(16) }), d);
});

test('messages are validated both ways', () => {
  assert.equal(parseFromWebview({ type: 'select', mpn: 3 }).ok, true);
  assert.equal(parseFromWebview({ type: 'select', mpn: null }).ok, true);
  assert.equal(parseFromWebview({ type: 'select', mpn: -1 }).ok, false);
  assert.equal(parseFromWebview({ type: 'goto', step: 12 }).ok, true);
  assert.equal(parseFromWebview({ type: 'goto', step: -12 }).ok, false);
  assert.equal(parseFromWebview({ type: 'window', window: { firstIndex: 0, cells: 0, cellPages: 1 } }).ok, false);
  assert.equal(parseFromWebview({ type: 'evil' }).ok, false);
  assert.equal(parseFromWebview('ready').ok, false);
  assert.equal(parseToWebview({ type: 'session', name: 'x', id: 'a', state: 'stopped' }).ok, true);
  assert.equal(parseToWebview({ type: 'view', view: { id: 0 } }).ok, false);
});
