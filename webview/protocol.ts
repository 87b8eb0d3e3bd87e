// The one message contract between the extension and the host-memory webview: every message both
// ways, declared once as zod schemas (types inferred), validated on arrival by both sides. Knows no vscode and no DOM.

import { z } from 'zod';

const int = z.number().int();
const nums = z.array(z.number());

export const MapLayoutSchema = z.object({
  cellPages: int.min(1),
  cells: int.min(0),
  regions: z.array(z.object({ baseMPN: int.min(0), pages: int.min(1), firstCell: int.min(0), cells: int.min(0) })),
});

export const SwapSummarySchema = z.object({
  name: z.string(),
  numSlots: int.min(0),
  usedSlots: int.min(0),
  bucketSlots: int.min(1),
  buckets: z.string(),
});

export const WorldSideSchema = z.object({
  name: z.string(),
  worldID: int,
  numDirs: int.min(0),
  presentDirs: int.min(0),
  /** Flat buckets of 6: firstDir, dirs, present, target cell, lowest cell, highest cell; null = unchanged. */
  pointers: nums.nullable(),
  numPDirEntries: int,
  statsAllocated: z.number(),
  swap: SwapSummarySchema.nullable(),
  migSwapUsed: int.min(0),
  cptSwapUsed: int.min(0),
  swapperEnabled: z.boolean(),
});

/** One stop's picture of host memory (the engine's HostMapView, as it travels). */
export const HostMapViewSchema = z.object({
  id: int.min(1),
  step: int.min(0),
  scenario: z.string(),
  layout: MapLayoutSchema,
  cells: z.string().nullable(),
  delta: nums.nullable(),
  since: int.nullable(),
  source: WorldSideSchema,
  destination: WorldSideSchema,
  phases: z.array(z.object({ name: z.string(), firstStep: int, lastStep: int, count: int, actor: z.string() })),
  maxStep: int.min(0),
  fsr: z.object({
    resumeState: z.string(),
    resumeStates: z.array(z.string()).readonly(),
    swapCopyState: z.string(),
    swapCopyStates: z.array(z.string()).readonly(),
    hasSwapCopy: z.boolean(),
    resumeVisited: z.array(z.string()),
    swapCopyVisited: z.array(z.string()),
  }),
  invariants: z.array(z.object({ message: z.string(), step: int.nullable(), cell: int, mpn: z.string().nullable() })),
  stop: z.object({ reason: z.string(), description: z.string(), exception: z.string().nullable() }).nullable(),
  finished: z.boolean(),
  victor: z.string(),
});
export type HostMapViewMsg = z.infer<typeof HostMapViewSchema>;

const PFrameRow = z.object({ pgNum: int, type: z.string(), mpnHex: z.string(), pte: z.string() });

/** What a clicked page is (the engine's PageInfo, as it travels). */
export const PageInfoSchema = z.object({
  mpn: z.number(),
  mpnHex: z.string(),
  cell: int,
  cellFirstMPN: z.string(),
  cellPages: int,
  owner: z.string(),
  ownerKind: z.string(),
  worldID: int,
  pgNum: int.nullable(),
  allocated: z.boolean(),
  pframe: z
    .object({
      world: z.enum(['source', 'destination']),
      pgNum: int,
      pte: z.string(),
      type: z.string(),
      mpn: z.number(),
      mpnHex: z.string(),
      fields: z.record(z.string(), z.number()),
      extra: z.object({ union: z.string(), fields: z.record(z.string(), z.number()) }),
      dirMPN: z.number(),
      pageIndex: int,
    })
    .nullable(),
  pdir: z.object({ pointedBy: z.array(z.object({ world: z.string(), dirIndex: int })), firstPFrames: z.array(PFrameRow) }).nullable(),
  note: z.string(),
});
export type PageInfoMsg = z.infer<typeof PageInfoSchema>;

/** Extension → webview. */
export const ToWebviewSchema = z.discriminatedUnion('type', [
  /** The session the panel follows: its name and whether it runs, is stopped or has ended. */
  z.object({ type: z.literal('session'), name: z.string().nullable(), state: z.enum(['none', 'running', 'stopped', 'ended']) }),
  /** A stop's view: full map or a delta against the view the webview showed last. */
  z.object({ type: z.literal('view'), view: HostMapViewSchema }),
  /** The answer to `pickPage`. */
  z.object({ type: z.literal('page'), page: PageInfoSchema }),
  /** A data breakpoint was set (or refused) for the page the user asked about. */
  z.object({ type: z.literal('dataBreakpoint'), ok: z.boolean(), message: z.string() }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type ToWebview = z.infer<typeof ToWebviewSchema>;

/** Webview → extension. */
export const FromWebviewSchema = z.discriminatedUnion('type', [
  /** The webview is loaded (or reloaded): send the session and a full view. */
  z.object({ type: z.literal('ready') }),
  /** A delta did not apply (the webview lost a view): send a full one. */
  z.object({ type: z.literal('refresh') }),
  /** The user clicked a cell of the map. */
  z.object({ type: z.literal('pickPage'), cell: int.min(0) }),
  /** Break when this PFrame changes. */
  z.object({ type: z.literal('dataBreakpoint'), world: z.enum(['source', 'destination']), pgNum: int.min(0), field: z.string().optional() }),
  /** How long the last view took to apply and draw (for tests and the benchmark). */
  z.object({ type: z.literal('drawn'), id: int, ms: z.number(), bytes: int }),
]);
export type FromWebview = z.infer<typeof FromWebviewSchema>;

/** Validate an incoming message; the error names what was wrong. */
export function parseToWebview(data: unknown): { ok: true; msg: ToWebview } | { ok: false; error: string } {
  const r = ToWebviewSchema.safeParse(data);
  return r.success ? { ok: true, msg: r.data } : { ok: false, error: z.prettifyError(r.error) };
}
export function parseFromWebview(data: unknown): { ok: true; msg: FromWebview } | { ok: false; error: string } {
  const r = FromWebviewSchema.safeParse(data);
  return r.success ? { ok: true, msg: r.data } : { ok: false, error: z.prettifyError(r.error) };
}

/** Cell byte layout (must agree with engine/hostmap.ts; a unit test checks it). */
export const CELL = { CLASS_MASK: 0x0f, HAS_SRC_PDIR: 0x10, HAS_DST_PDIR: 0x20, MIXED: 0x40, HAS_FREE: 0x80 } as const;
export const CELL_CLASS_LABELS = [
  'free',
  'source main memory',
  'source pdir page',
  'source pages2',
  'source MemZip cache',
  'destination main memory',
  'destination pdir page',
  'destination pages2',
  'destination MemZip cache',
  'page-sharing pool (COW)',
  'another owner',
] as const;
