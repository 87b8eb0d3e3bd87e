// Where the map's cells go and what MPNs they stand for, at any zoom: the overview (the host, or the
// used part of it, in the overview's cells), a stretch of overview cells, or a finer window the
// adapter summarizes. Pure arithmetic on the message data: no DOM, so tests check the addresses.

import type { HostMapViewMsg } from './protocol';

export type Layout = HostMapViewMsg['layout'];

/** What the map shows: overview cells from `firstCell`, or a window of the index space at `cellPages`. */
export type MapSource = { kind: 'overview'; firstCell: number; cells: number } | { kind: 'window'; firstIndex: number; cells: number; cellPages: number };

/** Cells laid out in rows: the left gutter holds the MPN of each row, the top one the column offsets. */
export interface MapGeometry {
  source: MapSource;
  cols: number;
  rows: number;
  cellPx: number;
  /** CSS pixels left of the first column (row labels) and above the first row (strip, pointers, column labels). */
  left: number;
  top: number;
  /** Height of the cell area. */
  height: number;
}

export const GUTTER = 80;
export const MAX_CELL_PX = 24;

/** Index-space pages of the host (its ranges one after another). */
export function totalIndex(layout: Layout): number {
  return layout.regions.reduce((n, r) => n + r.pages, 0);
}

export function indexToMPN(layout: Layout, index: number): number {
  for (const r of layout.regions) if (index >= r.firstIndex && index < r.firstIndex + r.pages) return r.baseMPN + (index - r.firstIndex);
  return -1;
}
export function mpnToIndex(layout: Layout, mpn: number): number {
  for (const r of layout.regions) if (mpn >= r.baseMPN && mpn < r.baseMPN + r.pages) return r.firstIndex + (mpn - r.baseMPN);
  return -1;
}

/** The first MPN a cell of the source stands for and how many pages (in index space) it covers. */
export function cellSpan(layout: Layout, src: MapSource, i: number): { firstMPN: number; firstIndex: number; pages: number } | null {
  if (i < 0 || i >= src.cells) return null;
  if (src.kind === 'overview') {
    const c = src.firstCell + i;
    for (const r of layout.regions) {
      if (c >= r.firstCell && c < r.firstCell + r.cells) {
        const off = (c - r.firstCell) * layout.cellPages;
        return { firstMPN: r.baseMPN + off, firstIndex: r.firstIndex + off, pages: Math.min(layout.cellPages, r.pages - off) };
      }
    }
    return null;
  }
  const index = src.firstIndex + i * src.cellPages;
  const total = totalIndex(layout);
  if (index >= total) return null;
  return { firstMPN: indexToMPN(layout, index), firstIndex: index, pages: Math.min(src.cellPages, total - index) };
}

/** The cell of the source holding index-space page `index`, or -1. */
export function cellOfIndex(layout: Layout, src: MapSource, index: number): number {
  if (src.kind === 'window') {
    const i = Math.floor((index - src.firstIndex) / src.cellPages);
    return i >= 0 && i < src.cells ? i : -1;
  }
  for (const r of layout.regions) {
    if (index >= r.firstIndex && index < r.firstIndex + r.pages) {
      const c = r.firstCell + Math.floor((index - r.firstIndex) / layout.cellPages) - src.firstCell;
      return c >= 0 && c < src.cells ? c : -1;
    }
  }
  return -1;
}

/** Rows and cell size for `cells` cells in a width × height area (cells square, at most MAX_CELL_PX). */
export function fit(cells: number, width: number, height: number, top: number, left = GUTTER, right = 0): Omit<MapGeometry, 'source'> {
  const w = Math.max(40, width - left - right);
  const cellPx = Math.max(1, Math.min(MAX_CELL_PX, Math.floor(Math.sqrt((w * height) / Math.max(1, cells)))));
  const cols = Math.max(1, Math.floor(w / cellPx));
  const rows = Math.max(1, Math.ceil(cells / cols));
  return { cols, rows, cellPx, left, top, height: rows * cellPx };
}

/** `left` and `right`: CSS pixels beside the cells (row labels, pdirInfo strips and their pointers). */
export function geometry(src: MapSource, width: number, height: number, top: number, left = GUTTER, right = 0): MapGeometry {
  return { source: src, ...fit(src.cells, width, height, top, left, right) };
}

/** The cell under a point (CSS pixels), or -1. */
export function cellAt(g: MapGeometry, x: number, y: number): number {
  const xx = x - g.left;
  const yy = y - g.top;
  if (xx < 0 || yy < 0) return -1;
  const col = Math.floor(xx / g.cellPx);
  const row = Math.floor(yy / g.cellPx);
  if (col >= g.cols || row >= g.rows) return -1;
  const i = row * g.cols + col;
  return i < g.source.cells ? i : -1;
}

export function cellXY(g: MapGeometry, i: number): { x: number; y: number } {
  return { x: g.left + (i % g.cols) * g.cellPx, y: g.top + Math.floor(i / g.cols) * g.cellPx };
}

export const hex = (n: number): string => '0x' + n.toString(16);

/** Row labels: the first MPN of a row, every few rows so that labels `lineHeight` apart never overlap. */
export function rowLabels(layout: Layout, g: MapGeometry, lineHeight = 12): Array<{ row: number; y: number; text: string }> {
  const every = Math.max(1, Math.ceil(lineHeight / g.cellPx));
  const out: Array<{ row: number; y: number; text: string }> = [];
  for (let row = 0; row < g.rows; row += every) {
    const span = cellSpan(layout, g.source, row * g.cols);
    if (!span) break;
    out.push({ row, y: g.top + row * g.cellPx, text: hex(span.firstMPN) });
  }
  return out;
}

/** Column labels: the offset in MPNs of a column from its row's first, every few columns (`charPx` wide digits). */
export function colLabels(layout: Layout, g: MapGeometry, charPx = 6.5): Array<{ col: number; x: number; text: string }> {
  const per = g.source.kind === 'overview' ? layout.cellPages : g.source.cellPages;
  const longest = `+${hex((g.cols - 1) * per)}`.length * charPx + 8;
  const every = Math.max(1, Math.ceil(longest / g.cellPx));
  const out: Array<{ col: number; x: number; text: string }> = [];
  for (let col = 0; col < g.cols; col += every) out.push({ col, x: g.left + col * g.cellPx, text: `+${hex(col * per)}` });
  return out;
}

/**
 * Zoom by `factor` (2: in, 0.5: out) keeping the page at index `anchor` under the same cell if possible.
 * Returns the window to show: overview cells when the resolution is the overview's or coarser, else a
 * finer window (cellPages a power of two) for the adapter to summarize. `area` is the number of cells
 * the canvas can show at 2 px or more, `maxCells` and `maxPages` the adapter's limits for a window.
 */
export function zoomTo(
  layout: Layout,
  spanPages: number,
  anchor: number,
  extentEnd: number,
  area: number,
  maxCells: number,
  maxPages: number,
): MapSource {
  const total = totalIndex(layout);
  const span = Math.max(1, Math.min(spanPages, extentEnd));
  const cellsWanted = Math.min(area, maxCells);
  let cellPages = 1;
  while (span / cellPages > cellsWanted) cellPages *= 2;
  if (cellPages >= layout.cellPages || span > maxPages) {
    // The overview's cells are fine enough: a stretch of them around the anchor.
    const cells = Math.max(1, Math.min(layout.cells, Math.ceil(span / layout.cellPages)));
    const anchorCell = overviewCellOf(layout, anchor);
    const first = clamp(anchorCell - Math.floor(cells / 2), 0, Math.max(0, layout.cells - cells));
    return { kind: 'overview', firstCell: first, cells };
  }
  const cells = Math.max(1, Math.ceil(span / cellPages));
  let first = Math.floor((anchor - (cells * cellPages) / 2) / cellPages) * cellPages;
  first = clamp(first, 0, Math.max(0, Math.floor((total - 1) / cellPages) * cellPages));
  return { kind: 'window', firstIndex: first, cells: Math.min(cells, Math.ceil((total - first) / cellPages)), cellPages };
}

/** Move a zoomed source by `rows` rows of `cols` cells (negative: up), within the host. */
export function pan(layout: Layout, src: MapSource, cells: number): MapSource {
  if (src.kind === 'overview') return { ...src, firstCell: clamp(src.firstCell + cells, 0, Math.max(0, layout.cells - src.cells)) };
  const total = totalIndex(layout);
  const first = clamp(src.firstIndex + cells * src.cellPages, 0, Math.max(0, Math.floor((total - 1) / src.cellPages) * src.cellPages));
  return { ...src, firstIndex: first, cells: Math.min(src.cells, Math.ceil((total - first) / src.cellPages)) };
}

/** Pages a source spans (index space). */
export function sourcePages(layout: Layout, src: MapSource): number {
  return src.kind === 'overview' ? src.cells * layout.cellPages : src.cells * src.cellPages;
}

/** The index-space page at the middle of a source (where zooming out re-centres). */
export function sourceCentre(layout: Layout, src: MapSource): number {
  const span = cellSpan(layout, src, Math.floor(src.cells / 2));
  return span ? span.firstIndex : 0;
}

function overviewCellOf(layout: Layout, index: number): number {
  for (const r of layout.regions) if (index >= r.firstIndex && index < r.firstIndex + r.pages) return r.firstCell + Math.floor((index - r.firstIndex) / layout.cellPages);
  return 0;
}

const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v));
