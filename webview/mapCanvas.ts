// The MPN map on a canvas: cells at any zoom (an offscreen image at one pixel per cell, scaled up
// without smoothing), MPN addresses in hex on both axes, and each world's pdirInfo above (source) and
// below (destination): runs of directories as ribbons to the pdir pages they name, individual pointers
// once few enough are in view. Knows no messaging; geometry.ts says where everything goes.

import { CELL, CELL_CLASS_LABELS, POINTER_STRIDE } from './protocol';
import { GUTTER, type Layout, type MapGeometry, type MapSource, cellAt as geomCellAt, cellOfIndex, cellSpan, cellXY, colLabels, geometry, hex, mpnToIndex, rowLabels, totalIndex } from './geometry';
import type { Palette } from './theme';

export interface WindowData {
  firstIndex: number;
  cells: number;
  cellPages: number;
  bytes: Uint8Array;
  srcPointers: number[] | null;
  dstPointers: number[] | null;
}

export interface MapModel {
  layout: Layout;
  /** The overview's cells. */
  cells: Uint8Array;
  /** The finer window the adapter sent for the last zoom (null: none). */
  window: WindowData | null;
  srcPointers: number[];
  dstPointers: number[];
  srcDirs: number;
  dstDirs: number;
  /** MPNs where an invariant broke. */
  broken: number[];
  /** The selected page (an MPN), or null. */
  selected: number | null;
}

/**
 * Width of a pdirInfo strip (a vertical axis of directory indexes: the source's left of the cells,
 * the destination's right of them), the room for its pointers, the column header's height.
 */
export const STRIP = 14;
export const GAP = 46;
export const COLHDR = 28;
/** Left of the cells: the source's strip, its pointers, the row labels. Right of them: the destination's. */
export const LEFT = STRIP + GAP + GUTTER;
export const RIGHT = GAP + STRIP + 2;
/** At most this many pointers in view are drawn one by one (more: their runs, as ribbons). */
export const MAX_LINES = 64;

export class MapCanvas {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly off: HTMLCanvasElement;
  private readonly offCtx: CanvasRenderingContext2D;
  private image: ImageData | null = null;
  private pixels: Uint32Array | null = null;
  /** The highest overview cell ever non-free, so the picture does not jump as pages come and go. */
  private highWater = 0;
  /** The last drawn geometry (hit tests and labels use it). */
  g: MapGeometry | null = null;
  /** The zoomed source, or null for the whole (used) host. */
  zoom: MapSource | null = null;
  wholeHost = false;
  private drawnKey = '';

  constructor(readonly canvas: HTMLCanvasElement, private palette: Palette) {
    this.ctx = canvas.getContext('2d')!;
    this.off = document.createElement('canvas');
    this.offCtx = this.off.getContext('2d')!;
  }

  setPalette(p: Palette): void {
    this.palette = p;
    this.image = null;
    this.drawnKey = '';
  }

  /** Forget the geometry (new session or layout). */
  reset(): void {
    this.highWater = 0;
    this.image = null;
    this.zoom = null;
    this.drawnKey = '';
  }

  /** The overview cells shown when not zoomed: up to the high-water mark of used cells, or the whole host. */
  fitSource(m: MapModel): MapSource {
    const n = m.layout.cells;
    if (this.wholeHost) return { kind: 'overview', firstCell: 0, cells: n };
    let hw = this.highWater;
    for (let i = n - 1; i > hw; i--) {
      if ((m.cells[i]! & CELL.CLASS_MASK) !== 0) {
        hw = i;
        break;
      }
    }
    this.highWater = hw;
    return { kind: 'overview', firstCell: 0, cells: Math.min(n, Math.max(64, Math.ceil((hw + 1) * 1.02))) };
  }

  source(m: MapModel): MapSource {
    return this.zoom ?? this.fitSource(m);
  }

  /** The byte of cell i of a source: overview cells, the window's, or (window not here yet) the overview's cell under it. */
  private byteOf(m: MapModel, src: MapSource, i: number): number {
    if (src.kind === 'overview') return m.cells[src.firstCell + i] ?? 0;
    const w = m.window;
    if (w && w.firstIndex === src.firstIndex && w.cellPages === src.cellPages && i < w.cells) return w.bytes[i]!;
    const span = cellSpan(m.layout, src, i);
    if (!span) return 0;
    const c = cellOfIndex(m.layout, { kind: 'overview', firstCell: 0, cells: m.layout.cells }, span.firstIndex);
    return c >= 0 ? m.cells[c]! : 0;
  }

  /** Pages per cell above which a cell is coloured by most of its pages (a pdir page in it shows in its hover). */
  static readonly COARSE_PAGES = 16;
  coarse(m: MapModel, src: MapSource): boolean {
    return (src.kind === 'overview' ? m.layout.cellPages : src.cellPages) > MapCanvas.COARSE_PAGES;
  }

  /** Whether the window data drawn is the adapter's for the zoom (else the overview stands in). */
  windowReady(m: MapModel): boolean {
    const z = this.zoom;
    return !z || z.kind === 'overview' || (m.window !== null && m.window.firstIndex === z.firstIndex && m.window.cellPages === z.cellPages);
  }

  mapHeight(): number {
    return Math.max(160, Math.min(560, Math.round(Math.min((this.canvas.clientWidth || 600) * 0.55, window.innerHeight * 0.5))));
  }

  /** Draw everything; `changed` limits the image update to those overview cells when nothing else moved (null = all). */
  draw(m: MapModel, changed: number[] | null): void {
    const dpr = window.devicePixelRatio || 1;
    const cssW = Math.max(240, this.canvas.clientWidth || this.canvas.parentElement?.clientWidth || 600);
    const src = this.source(m);
    const g = geometry(src, cssW, this.mapHeight(), COLHDR, LEFT, RIGHT);
    this.g = g;
    // Where the cells are, for whoever reads the canvas (tests, accessibility tools).
    Object.assign(this.canvas.dataset, { left: String(g.left), top: String(g.top), cellPx: String(g.cellPx), cols: String(g.cols), cells: String(src.cells) });
    const cssH = g.top + g.height + 16;
    if (this.canvas.width !== Math.round(cssW * dpr) || this.canvas.height !== Math.round(cssH * dpr)) {
      this.canvas.width = Math.round(cssW * dpr);
      this.canvas.height = Math.round(cssH * dpr);
      this.canvas.style.height = `${cssH}px`;
    }
    const key = JSON.stringify([src, g.cols, g.rows, g.cellPx, this.windowReady(m)]);
    // Cells of many pages take the colour of most of their pages; finer ones show a pdir page they hold.
    const pal = this.coarse(m, src) ? this.palette.cellRGBACoarse : this.palette.cellRGBA;
    if (key !== this.drawnKey || !this.image || src.kind !== 'overview') {
      this.off.width = g.cols;
      this.off.height = g.rows;
      this.image = this.offCtx.createImageData(g.cols, g.rows);
      this.pixels = new Uint32Array(this.image.data.buffer);
      changed = null;
    }
    this.drawnKey = key;
    const px = this.pixels!;
    if (changed === null || src.kind !== 'overview') {
      for (let i = 0; i < src.cells; i++) px[i] = pal[this.byteOf(m, src, i)]!;
      px.fill(0, src.cells);
    } else {
      for (const c of changed) {
        const i = c - src.firstCell;
        if (i >= 0 && i < src.cells) px[i] = pal[m.cells[c]!]!;
      }
    }
    this.offCtx.putImageData(this.image!, 0, 0);

    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.off, g.left, g.top, g.cols * g.cellPx, g.rows * g.cellPx);

    this.drawRegionBoundaries(m, g);
    if (g.cellPx >= 6) this.drawPdirOutlines(m, g, src);
    this.drawWorld(m, g, 'source');
    this.drawWorld(m, g, 'destination');
    this.drawAxes(m, g, cssW);
    this.drawMarks(m, g, src);
  }

  private drawAxes(m: MapModel, g: MapGeometry, cssW: number): void {
    const ctx = this.ctx;
    ctx.font = '10px var(--vscode-editor-font-family, monospace)';
    ctx.fillStyle = this.palette.muted;
    ctx.textBaseline = 'top';
    ctx.textAlign = 'right';
    // A halo in the background colour keeps labels readable over the source's pointers.
    ctx.strokeStyle = this.palette.bg;
    ctx.lineWidth = 3;
    ctx.lineJoin = 'round';
    for (const l of rowLabels(m.layout, g, 12)) {
      const y = l.y + Math.max(0, (g.cellPx - 10) / 2);
      ctx.strokeText(l.text, g.left - 6, y);
      ctx.fillStyle = this.palette.muted;
      ctx.fillText(l.text, g.left - 6, y);
    }
    ctx.textAlign = 'left';
    ctx.textBaseline = 'bottom';
    for (const l of colLabels(m.layout, g, 6.2)) ctx.fillText(l.text, l.x, g.top - 2);
    ctx.textAlign = 'right';
    ctx.fillText('MPN', g.left - 4, g.top - 2);
    ctx.textAlign = 'left';
    void cssW;
  }

  private drawRegionBoundaries(m: MapModel, g: MapGeometry): void {
    const ctx = this.ctx;
    ctx.strokeStyle = this.palette.border;
    ctx.lineWidth = 1;
    for (const r of m.layout.regions.slice(1)) {
      const c = cellOfIndex(m.layout, g.source, r.firstIndex);
      if (c < 0) continue;
      const { x, y } = cellXY(g, c);
      ctx.beginPath();
      ctx.moveTo(x, y + g.cellPx);
      ctx.lineTo(x, y);
      ctx.lineTo(g.left + g.cols * g.cellPx, y);
      ctx.stroke();
    }
  }

  /** pdir pages outlined in the colour the legend shows for them (only when cells are big enough to see it). */
  private drawPdirOutlines(m: MapModel, g: MapGeometry, src: MapSource): void {
    const ctx = this.ctx;
    // Two pixels on the cell's edge, pixel-aligned: the colour drawn is the legend's, not a blend.
    ctx.lineWidth = 2;
    for (let i = 0; i < src.cells; i++) {
      const b = this.byteOf(m, src, i);
      if (!(b & (CELL.HAS_SRC_PDIR | CELL.HAS_DST_PDIR))) continue;
      const { x, y } = cellXY(g, i);
      ctx.strokeStyle = b & CELL.HAS_SRC_PDIR ? this.palette.src : this.palette.dst;
      ctx.strokeRect(x + 1, y + 1, g.cellPx - 2, g.cellPx - 2);
    }
  }

  private drawMarks(m: MapModel, g: MapGeometry, src: MapSource): void {
    const ctx = this.ctx;
    for (const mpn of m.broken) {
      const c = cellOfIndex(m.layout, src, mpnToIndex(m.layout, mpn));
      if (c < 0) continue;
      const { x, y } = cellXY(g, c);
      ctx.strokeStyle = this.palette.error;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x + g.cellPx / 2, y + g.cellPx / 2, Math.max(6, g.cellPx), 0, Math.PI * 2);
      ctx.stroke();
    }
    if (m.selected !== null) {
      const c = cellOfIndex(m.layout, src, mpnToIndex(m.layout, m.selected));
      if (c >= 0) {
        const { x, y } = cellXY(g, c);
        ctx.strokeStyle = this.palette.cursor;
        ctx.lineWidth = 2;
        ctx.strokeRect(x - 2, y - 2, g.cellPx + 4, g.cellPx + 4);
      }
    }
  }

  /** The index range a geometry shows. */
  private visible(m: MapModel, g: MapGeometry): [number, number] {
    const a = cellSpan(m.layout, g.source, 0);
    const b = cellSpan(m.layout, g.source, g.source.cells - 1);
    return [a ? a.firstIndex : 0, b ? b.firstIndex + b.pages : totalIndex(m.layout)];
  }

  /**
   * A world's pdirInfo as a vertical axis of directory indexes beside the cells (the source's left,
   * the destination's right) and what each entry names: one line per pointer when few are in view
   * (to the map's edge at the target's row, then along it to the cell), else ribbons from stretches
   * of directories to the rows their pdir pages are in. Rows are MPN order, so a VM built directory by
   * directory is a fan; after a redirect the destination's fan points where the source's did.
   */
  private drawWorld(m: MapModel, g: MapGeometry, side: 'source' | 'destination'): void {
    const ctx = this.ctx;
    const runs = side === 'source' ? m.srcPointers : m.dstPointers;
    const numDirs = side === 'source' ? m.srcDirs : m.dstDirs;
    const color = side === 'source' ? this.palette.src : this.palette.dst;
    const mapRight = g.left + g.cols * g.cellPx;
    const stripX = side === 'source' ? 0 : mapRight + GAP;
    /** Where pointers leave the strip and where they meet the cells' edge. */
    const fromX = side === 'source' ? STRIP : stripX;
    const edgeX = side === 'source' ? g.left : mapRight;
    const [lo, hi] = this.visible(m, g);
    const zoomed = this.zoom !== null;

    // Pointers in view: listed by the adapter for a window, else from the exact runs.
    let lines: Array<[number, number]> | null = null;
    const win = m.window && g.source.kind === 'window' && this.windowReady(m) ? (side === 'source' ? m.window.srcPointers : m.window.dstPointers) : undefined;
    if (win) {
      lines = [];
      for (let i = 0; i < win.length; i += 2) lines.push([win[i]!, win[i + 1]!]);
    } else {
      let count = 0;
      const list: Array<[number, number]> = [];
      for (let k = 0; k < runs.length && count <= MAX_LINES; k += POINTER_STRIDE) {
        const [d0, n, , a, b, stride] = runs.slice(k, k + POINTER_STRIDE) as [number, number, number, number, number, number];
        if (stride === 0) {
          if (mpnToIndex(m.layout, a) < hi && mpnToIndex(m.layout, b) >= lo) count = MAX_LINES + 1;
          continue;
        }
        for (let j = 0; j < n; j++) {
          const i = mpnToIndex(m.layout, a + j * stride);
          if (i < lo || i >= hi) continue;
          list.push([d0 + j, a + j * stride]);
          if (++count > MAX_LINES) break;
        }
      }
      if (count <= MAX_LINES) lines = list;
    }
    const individual = lines !== null && lines.length > 0 && lines.length <= MAX_LINES;

    // The strip's directory range: all of them, or (zoomed) those pointing into view.
    let d0 = 0;
    let d1 = Math.max(1, numDirs);
    if (zoomed) {
      let mn = Infinity;
      let mx = -Infinity;
      const see = (d: number) => {
        mn = Math.min(mn, d);
        mx = Math.max(mx, d);
      };
      if (individual) for (const [d] of lines!) see(d);
      else {
        for (let k = 0; k < runs.length; k += POINTER_STRIDE) {
          const [f, n, , a, b, stride] = runs.slice(k, k + POINTER_STRIDE) as [number, number, number, number, number, number];
          const ia = mpnToIndex(m.layout, a);
          const ib = mpnToIndex(m.layout, b);
          if (ia >= hi || ib < lo) continue;
          if (stride === 0) {
            see(f);
            see(f + n - 1);
            continue;
          }
          see(f + Math.max(0, Math.ceil((lo - ia) / stride)));
          see(f + Math.min(n - 1, Math.floor((hi - 1 - ia) / stride)));
        }
      }
      if (mx >= mn) {
        const pad = Math.max(1, Math.round((mx - mn + 1) * 0.05));
        d0 = Math.max(0, mn - pad);
        d1 = Math.min(Math.max(1, numDirs), mx + 1 + pad);
      }
    }
    const yDir = (d: number) => g.top + ((d - d0) / Math.max(1, d1 - d0)) * g.height;

    // The strip: the present directories in the world's colour.
    ctx.fillStyle = this.palette.stripBg;
    ctx.fillRect(stripX, g.top, STRIP, g.height);
    ctx.fillStyle = color;
    for (let k = 0; k < runs.length; k += POINTER_STRIDE) {
      const a = Math.max(d0, runs[k]!);
      const b = Math.min(d1, runs[k]! + runs[k + 1]!);
      if (b <= a) continue;
      ctx.globalAlpha = runs[k + 5] === 0 ? 0.25 + 0.65 * (runs[k + 2]! / Math.max(1, runs[k + 1]!)) : 0.9;
      ctx.fillRect(stripX + 3, yDir(a), STRIP - 6, Math.max(1, yDir(b) - yDir(a)));
    }
    ctx.globalAlpha = 1;

    const rowMid = (c: number) => cellXY(g, c).y + g.cellPx / 2;
    if (individual) {
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = 1.2;
      for (const [d, mpn] of lines!) {
        const c = cellOfIndex(m.layout, g.source, mpnToIndex(m.layout, mpn));
        if (c < 0) continue;
        const { x } = cellXY(g, c);
        const cy = rowMid(c);
        const sy = yDir(d + 0.5);
        const cx = x + g.cellPx / 2;
        ctx.globalAlpha = 0.9;
        ctx.beginPath();
        ctx.moveTo(fromX, sy);
        const mid = (fromX + edgeX) / 2;
        ctx.bezierCurveTo(mid, sy, mid, cy, edgeX, cy);
        ctx.lineTo(cx, cy);
        ctx.stroke();
        ctx.beginPath();
        ctx.arc(cx, cy, Math.max(1.5, Math.min(3, g.cellPx / 4)), 0, Math.PI * 2);
        ctx.fill();
        ctx.globalAlpha = 1;
      }
      // Directory numbers beside the strip where there is room.
      ctx.font = '9px var(--vscode-editor-font-family, monospace)';
      ctx.textBaseline = 'middle';
      ctx.textAlign = side === 'source' ? 'left' : 'right';
      ctx.fillStyle = this.palette.fg;
      let lastY = -Infinity;
      for (const [d] of [...lines!].sort((p, q) => p[0] - q[0])) {
        const y = yDir(d + 0.5);
        if (y - lastY < 11) continue;
        ctx.fillText(hex(d), side === 'source' ? STRIP + 2 : stripX - 2, y);
        lastY = y;
      }
      ctx.textAlign = 'left';
    } else {
      // Ribbons: long runs in pieces of about 22 px of strip, so the fan shows where each stretch goes.
      for (let k = 0; k < runs.length; k += POINTER_STRIDE) {
        const [f, n, , a, , stride] = runs.slice(k, k + POINTER_STRIDE) as [number, number, number, number, number, number];
        if (stride === 0) {
          this.ribbon(m, g, f, f + n - 1, runs[k + 3]!, runs[k + 4]!, false, yDir, d0, d1, lo, hi, fromX, edgeX, color);
          continue;
        }
        const px = yDir(Math.min(d1, f + n)) - yDir(Math.max(d0, f));
        const pieces = Math.max(1, Math.min(64, Math.round(px / 22)));
        for (let p = 0; p < pieces; p++) {
          const da = f + Math.floor((p * n) / pieces);
          const db = f + Math.floor(((p + 1) * n) / pieces) - 1;
          if (db < da) continue;
          this.ribbon(m, g, da, db, a + (da - f) * stride, a + (db - f) * stride, true, yDir, d0, d1, lo, hi, fromX, edgeX, color, stride);
        }
      }
    }
    this.stripLabels(side, stripX, g, d0, d1, numDirs);
  }

  /** Directories da..db (naming pdir pages from `a` to `b`) as a ribbon from the strip to the rows of those pages. */
  private ribbon(m: MapModel, g: MapGeometry, da: number, db: number, a: number, b: number, exact: boolean, yDir: (d: number) => number, d0: number, d1: number, lo: number, hi: number, fromX: number, edgeX: number, color: string, stride = 1): void {
    const ctx = this.ctx;
    let ia = mpnToIndex(m.layout, a);
    let ib = mpnToIndex(m.layout, b);
    if (ia < 0 || ib < 0 || ia >= hi || ib < lo) return;
    if (exact) {
      // Only the directories whose pages are in view.
      if (ia < lo) {
        const skip = Math.ceil((lo - ia) / stride);
        da += skip;
        ia += skip * stride;
      }
      if (ib >= hi) {
        const cut = Math.ceil((ib - (hi - 1)) / stride);
        db -= cut;
        ib -= cut * stride;
      }
      if (db < da) return;
    } else {
      ia = Math.max(ia, lo);
      ib = Math.min(ib, hi - 1);
    }
    if (db < d0 || da >= d1) return;
    const ca = cellOfIndex(m.layout, g.source, ia);
    const cb = cellOfIndex(m.layout, g.source, ib);
    if (ca < 0 || cb < 0) return;
    const ty0 = cellXY(g, ca).y;
    const ty1 = cellXY(g, cb).y + g.cellPx;
    const sy0 = yDir(Math.max(d0, da));
    const sy1 = Math.max(sy0 + 1, yDir(Math.min(d1, db + 1)));
    const mid = (fromX + edgeX) / 2;
    ctx.globalAlpha = exact ? 0.3 : 0.16;
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.moveTo(fromX, sy0);
    ctx.bezierCurveTo(mid, sy0, mid, ty0, edgeX, ty0);
    ctx.lineTo(edgeX, ty1);
    ctx.bezierCurveTo(mid, ty1, mid, sy1, fromX, sy1);
    ctx.closePath();
    ctx.fill();
    // The bracket: the rows holding the stretch's pdir pages.
    ctx.globalAlpha = 0.95;
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    if (!exact) ctx.setLineDash([3, 2]);
    ctx.beginPath();
    const bx = edgeX + (edgeX === g.left ? -2 : 2);
    ctx.moveTo(bx, ty0 + 0.5);
    ctx.lineTo(bx, ty1 - 0.5);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
  }

  private stripLabels(side: 'source' | 'destination', x: number, g: MapGeometry, d0: number, d1: number, numDirs: number): void {
    const ctx = this.ctx;
    const right = side === 'destination';
    ctx.font = '10px var(--vscode-font-family, sans-serif)';
    ctx.textBaseline = 'bottom';
    ctx.textAlign = right ? 'right' : 'left';
    ctx.fillStyle = this.palette.fg;
    ctx.fillText(`${side === 'source' ? 'src' : 'dst'} pdirInfo`, right ? x + STRIP : x, g.top - 14);
    ctx.font = '9px var(--vscode-editor-font-family, monospace)';
    ctx.fillStyle = this.palette.muted;
    if (numDirs > 0) {
      ctx.fillText(`[${hex(d0)}]`, right ? x + STRIP : x, g.top - 2);
      ctx.textBaseline = 'top';
      ctx.fillText(`[${hex(d1 - 1)}]${d1 - d0 < numDirs ? ` of ${hex(numDirs)}` : ''}`, right ? x + STRIP : x, g.top + g.height + 2);
    }
    ctx.textAlign = 'left';
  }

  /** The cell under a point in CSS pixels, or -1. */
  cellAt(x: number, y: number): number {
    return this.g ? geomCellAt(this.g, x, y) : -1;
  }

  /** A hover line for a cell: its MPN range and class. */
  describe(m: MapModel, cell: number): string {
    const g = this.g;
    if (!g) return '';
    const span = cellSpan(m.layout, g.source, cell);
    if (!span) return '';
    const b = this.byteOf(m, g.source, cell);
    const parts: string[] = [CELL_CLASS_LABELS[b & CELL.CLASS_MASK] ?? 'unknown'];
    if (b & CELL.HAS_SRC_PDIR) parts.push('holds a source pdir page');
    if (b & CELL.HAS_DST_PDIR) parts.push('holds a destination pdir page');
    if (b & CELL.MIXED) parts.push('mixed owners');
    const range = span.pages > 1 ? `MPN ${hex(span.firstMPN)}…${hex(span.firstMPN + span.pages - 1)} (${span.pages} pages)` : `MPN ${hex(span.firstMPN)}`;
    return `${range}\n${parts.join(', ')}${this.windowReady(m) ? '' : '\n(zoom: the finer picture is on its way)'}`;
  }
}
