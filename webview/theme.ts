// Colours for the canvas, read from the editor's theme (--vscode-* CSS variables) so the map follows
// light, dark and high-contrast themes. Knows the cell classes' meaning, not where the data comes from.

import { CELL_CLASS_LABELS } from './protocol';

export interface Palette {
  /** RGBA (little-endian 0xAABBGGRR, for a Uint32Array over ImageData) per cell byte: a cell holding a pdir page shows as one. */
  cellRGBA: Uint32Array;
  /** The same for cells of many pages (then a cell takes the colour of most of its pages). */
  cellRGBACoarse: Uint32Array;
  /** CSS colour per cell class, for the legend. */
  classCss: string[];
  src: string;
  dst: string;
  srcPdir: string;
  dstPdir: string;
  fg: string;
  bg: string;
  /** Axis labels. */
  muted: string;
  /** A pdirInfo strip's background. */
  stripBg: string;
  error: string;
  cursor: string;
  border: string;
}

type RGB = [number, number, number];

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/** Parse #rgb, #rrggbb, #rrggbbaa or rgb()/rgba() as the canvas would. */
let probe: CanvasRenderingContext2D | null = null;
function toRGB(css: string): RGB {
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe) return [128, 128, 128];
  probe.fillStyle = '#000';
  probe.fillStyle = css;
  const s = String(probe.fillStyle);
  if (s.startsWith('#')) return [parseInt(s.slice(1, 3), 16), parseInt(s.slice(3, 5), 16), parseInt(s.slice(5, 7), 16)];
  const m = /rgba?\(([^)]+)\)/.exec(s);
  if (!m) return [128, 128, 128];
  const [r, g, b] = m[1]!.split(',').map((x) => parseFloat(x));
  return [r ?? 128, g ?? 128, b ?? 128];
}

const mix = (a: RGB, b: RGB, t: number): RGB => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
const rgba = (c: RGB): number => ((255 << 24) | (Math.round(c[2]) << 16) | (Math.round(c[1]) << 8) | Math.round(c[0])) >>> 0;
const css = (c: RGB): string => `rgb(${Math.round(c[0])},${Math.round(c[1])},${Math.round(c[2])})`;

export function readPalette(): Palette {
  const bg = toRGB(cssVar('--vscode-editor-background', '#1e1e1e'));
  const fg = toRGB(cssVar('--vscode-foreground', '#cccccc'));
  const blue = toRGB(cssVar('--vscode-charts-blue', '#3794ff'));
  const orange = toRGB(cssVar('--vscode-charts-orange', '#d18616'));
  const green = toRGB(cssVar('--vscode-charts-green', '#89d185'));
  const purple = toRGB(cssVar('--vscode-charts-purple', '#b180d7'));
  const yellow = toRGB(cssVar('--vscode-charts-yellow', '#cca700'));
  const red = toRGB(cssVar('--vscode-charts-red', '#f14c4c'));
  // Main memory is the owner's hue toned toward the background; pdir pages are the full hue pushed
  // toward the foreground so they stand out even at one pixel per cell.
  const classes: RGB[] = [
    mix(bg, fg, 0.1), // free
    mix(bg, blue, 0.55), // source main memory
    mix(blue, fg, 0.45), // source pdir
    mix(bg, blue, 0.8), // source pages2
    mix(bg, purple, 0.7), // source memzip
    mix(bg, orange, 0.55), // destination main memory
    mix(orange, fg, 0.45), // destination pdir
    mix(bg, orange, 0.8), // destination pages2
    mix(bg, red, 0.7), // destination memzip
    mix(bg, green, 0.6), // pshare
    mix(bg, yellow, 0.7), // other
  ];
  const cellRGBA = new Uint32Array(256);
  const cellRGBACoarse = new Uint32Array(256);
  for (let b = 0; b < 256; b++) {
    let c = classes[b & 0x0f] ?? classes[10]!;
    if (b & 0x40 && b & 0x80) c = mix(c, classes[0]!, 0.35); // partly free
    cellRGBACoarse[b] = rgba(c);
    if (b & 0x10) c = classes[2]!; // holds a source pdir page: shown as one
    else if (b & 0x20) c = classes[6]!; // holds a destination pdir page
    cellRGBA[b] = rgba(c);
  }
  return {
    cellRGBA,
    cellRGBACoarse,
    classCss: classes.map(css).slice(0, CELL_CLASS_LABELS.length),
    src: css(blue),
    dst: css(orange),
    srcPdir: css(classes[2]!),
    dstPdir: css(classes[6]!),
    fg: css(fg),
    bg: css(bg),
    muted: css(mix(bg, fg, 0.65)),
    stripBg: css(mix(bg, fg, 0.08)),
    error: cssVar('--vscode-errorForeground', '#f14c4c'),
    cursor: cssVar('--vscode-focusBorder', '#007fd4'),
    border: cssVar('--vscode-panel-border', css(mix(bg, fg, 0.3))),
  };
}
