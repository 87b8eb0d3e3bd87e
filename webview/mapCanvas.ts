// The MPN map on a canvas: one pixel per cell in an offscreen image, scaled up without smoothing, with
// each world's pdirInfo pointer strip above/below and arrows to the pdir pages. Knows no messaging.

import { CELL, CELL_CLASS_LABELS, type HostMapViewMsg } from './protocol';
import type { Palette } from './theme';

type Layout = HostMapViewMsg['layout'];

export interface MapModel {
  layout: Layout;
  cells: Uint8Array;
  srcPointers: number[];
  dstPointers: number[];
  /** Cells where an invariant broke. */
  brokenCells: number[];
  selected: number;
}

const STRIP = 14;
const GAP = 26;

export class MapCanvas {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly off: HTMLCanvasElement;
  private readonly offCtx: CanvasRenderingContext2D;
  private image: ImageData | null = null;
  private pixels: Uint32Array | null = null;
  private cols = 1;
  private rows = 1;
  private cellPx = 1;
  private shown = 0;
  private top = 0;
  private width = 0;
  /** The highest cell ever non-free, so the picture does not jump as pages come and go. */
  private highWater = 0;
  wholeHost = false;

  constructor(readonly canvas: HTMLCanvasElement, private palette: Palette) {
    this.ctx = canvas.getContext('2d')!;
    this.off = document.createElement('canvas');
    this.offCtx = this.off.getContext('2d')!;
  }

  setPalette(p: Palette): void {
    this.palette = p;
    this.image = null;
  }

  /** Forget the geometry (new session or layout). */
  reset(): void {
    this.highWater = 0;
    this.image = null;
  }

  /** Cells drawn: up to the high-water mark of used cells (whole rows), or the whole host. */
  private shownCells(m: MapModel): number {
    const n = m.layout.cells;
    if (this.wholeHost) return n;
    let hw = this.highWater;
    for (let i = n - 1; i > hw; i--) {
      if ((m.cells[i]! & CELL.CLASS_MASK) !== 0) {
        hw = i;
        break;
      }
    }
    this.highWater = hw;
    return Math.min(n, Math.max(64, Math.ceil((hw + 1) * 1.02)));
  }

  /** Full redraw; `changed` limits the image update to those cells (null = all). */
  draw(m: MapModel, changed: number[] | null): void {
    const dpr = window.devicePixelRatio || 1;
    const cssW = Math.max(200, this.canvas.clientWidth || this.canvas.parentElement?.clientWidth || 600);
    const shown = this.shownCells(m);
    const mapH = Math.max(140, Math.min(520, Math.round(Math.min(cssW * 0.5, window.innerHeight * 0.42))));
    const cellPx = Math.max(1, Math.floor(Math.sqrt((cssW * mapH) / shown)));
    const cols = Math.max(1, Math.floor(cssW / cellPx));
    const rows = Math.ceil(shown / cols);
    const geometryChanged = cols !== this.cols || rows !== this.rows || shown !== this.shown || !this.image || cssW !== this.width;
    this.cols = cols;
    this.rows = rows;
    this.cellPx = cellPx;
    this.shown = shown;
    this.width = cssW;
    this.top = STRIP + GAP;
    const cssH = this.top + rows * cellPx + GAP + STRIP + 2;
    if (this.canvas.width !== Math.round(cssW * dpr) || this.canvas.height !== Math.round(cssH * dpr)) {
      this.canvas.width = Math.round(cssW * dpr);
      this.canvas.height = Math.round(cssH * dpr);
      this.canvas.style.height = `${cssH}px`;
    }

    const pal = this.palette.cellRGBA;
    if (geometryChanged || !this.pixels) {
      this.off.width = cols;
      this.off.height = rows;
      this.image = this.offCtx.createImageData(cols, rows);
      this.pixels = new Uint32Array(this.image.data.buffer);
      changed = null;
    }
    const px = this.pixels!;
    if (changed === null) {
      for (let i = 0; i < shown; i++) px[i] = pal[m.cells[i]!]!;
      px.fill(0, shown);
    } else {
      for (const i of changed) if (i < shown) px[i] = pal[m.cells[i]!]!;
    }
    this.offCtx.putImageData(this.image!, 0, 0);

    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.off, 0, this.top, cols * cellPx, rows * cellPx);

    // Region boundaries (a host may have several ranges).
    ctx.strokeStyle = this.palette.border;
    ctx.lineWidth = 1;
    for (const r of m.layout.regions.slice(1)) {
      if (r.firstCell >= shown) break;
      const { x, y } = this.cellXY(r.firstCell);
      ctx.beginPath();
      ctx.moveTo(x, y);
      ctx.lineTo(x, y + cellPx);
      ctx.lineTo(cssW, y + cellPx);
      ctx.stroke();
    }

    // pdir pages marked individually when cells are big enough to see a mark.
    if (cellPx >= 5) {
      for (let i = 0; i < shown; i++) {
        const b = m.cells[i]!;
        if (!(b & (CELL.HAS_SRC_PDIR | CELL.HAS_DST_PDIR))) continue;
        const { x, y } = this.cellXY(i);
        ctx.strokeStyle = b & CELL.HAS_SRC_PDIR ? this.palette.src : this.palette.dst;
        ctx.lineWidth = 2;
        ctx.strokeRect(x + 1, y + 1, cellPx - 2, cellPx - 2);
      }
    }

    this.drawPointers(m.srcPointers, 'source', cssW, m.layout);
    this.drawPointers(m.dstPointers, 'destination', cssW, m.layout);

    for (const c of m.brokenCells) {
      if (c < 0 || c >= shown) continue;
      const { x, y } = this.cellXY(c);
      ctx.strokeStyle = this.palette.error;
      ctx.lineWidth = 2;
      const r = Math.max(6, cellPx);
      ctx.beginPath();
      ctx.arc(x + cellPx / 2, y + cellPx / 2, r, 0, Math.PI * 2);
      ctx.stroke();
    }
    if (m.selected >= 0 && m.selected < shown) {
      const { x, y } = this.cellXY(m.selected);
      ctx.strokeStyle = this.palette.cursor;
      ctx.lineWidth = 2;
      ctx.strokeRect(x - 2, y - 2, cellPx + 4, cellPx + 4);
    }
  }

  private cellXY(i: number): { x: number; y: number } {
    return { x: (i % this.cols) * this.cellPx, y: this.top + Math.floor(i / this.cols) * this.cellPx };
  }

  /** The world's pdirInfo as a strip of buckets (above: source, below: destination), arrows to the pages. */
  private drawPointers(ptr: number[], side: 'source' | 'destination', cssW: number, _layout: Layout): void {
    const ctx = this.ctx;
    const n = ptr.length / 6;
    if (n === 0) return;
    const color = side === 'source' ? this.palette.src : this.palette.dst;
    const y0 = side === 'source' ? 0 : this.top + this.rows * this.cellPx + GAP;
    const w = cssW / n;
    const half = this.cellPx / 2;
    ctx.lineWidth = n > 64 ? 0.6 : 1.2;
    ctx.globalAlpha = n > 64 ? 0.45 : 0.85;
    ctx.strokeStyle = color;
    ctx.beginPath();
    for (let b = 0; b < n; b++) {
      const present = ptr[b * 6 + 2]!;
      const target = ptr[b * 6 + 3]!;
      if (present === 0 || target < 0 || target >= this.shown) continue;
      const x = b * w + w / 2;
      const { x: tx, y: ty } = this.cellXY(target);
      const sy = side === 'source' ? y0 + STRIP : y0;
      const ey = side === 'source' ? ty : ty + this.cellPx;
      ctx.moveTo(x, sy);
      ctx.bezierCurveTo(x, sy + (side === 'source' ? GAP : -GAP), tx + half, ey + (side === 'source' ? -GAP : GAP), tx + half, ey + (side === 'source' ? half * 0 : 0));
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
    for (let b = 0; b < n; b++) {
      const dirs = ptr[b * 6 + 1]!;
      const present = ptr[b * 6 + 2]!;
      ctx.fillStyle = color;
      ctx.globalAlpha = dirs ? 0.15 + 0.85 * (present / dirs) : 0.1;
      ctx.fillRect(b * w + 0.5, y0, Math.max(1, w - 1), STRIP);
    }
    ctx.globalAlpha = 1;
    ctx.fillStyle = this.palette.fg;
    ctx.font = '11px var(--vscode-font-family, sans-serif)';
    ctx.textBaseline = 'middle';
    const label = `${side} pdirInfo`;
    const tw = ctx.measureText(label).width;
    ctx.fillStyle = this.palette.bg;
    ctx.fillRect(2, y0 + 1, tw + 6, STRIP - 2);
    ctx.fillStyle = this.palette.fg;
    ctx.fillText(label, 5, y0 + STRIP / 2);
  }

  /** The cell under a point in CSS pixels, or -1. */
  cellAt(x: number, y: number): number {
    const yy = y - this.top;
    if (yy < 0 || x < 0) return -1;
    const col = Math.floor(x / this.cellPx);
    const row = Math.floor(yy / this.cellPx);
    if (col >= this.cols || row >= this.rows) return -1;
    const i = row * this.cols + col;
    return i < this.shown ? i : -1;
  }

  /** A hover line for a cell: its MPN range and class. */
  describe(m: MapModel, cell: number): string {
    const l = m.layout;
    const r = l.regions.find((g) => cell >= g.firstCell && cell < g.firstCell + g.cells);
    if (!r) return '';
    const first = r.baseMPN + (cell - r.firstCell) * l.cellPages;
    const pages = Math.min(l.cellPages, r.baseMPN + r.pages - first);
    const b = m.cells[cell]!;
    const parts: string[] = [CELL_CLASS_LABELS[b & CELL.CLASS_MASK] ?? 'unknown'];
    if (b & CELL.HAS_SRC_PDIR) parts.push('holds a source pdir page');
    if (b & CELL.HAS_DST_PDIR) parts.push('holds a destination pdir page');
    if (b & CELL.MIXED) parts.push('mixed owners');
    const range = pages > 1 ? `MPN 0x${first.toString(16)}…0x${(first + pages - 1).toString(16)} (${pages} pages)` : `MPN 0x${first.toString(16)}`;
    return `${range}\n${parts.join(', ')}`;
  }
}
