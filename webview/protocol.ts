// The one message contract between the extension and the host-memory webview: every message both
// ways, declared once as zod schemas (types inferred), validated on arrival by both sides. Knows no vscode and no DOM.

import { z } from 'zod';

const int = z.number().int();
const nums = z.array(z.number());

export const MapLayoutSchema = z.object({
  cellPages: int.min(1),
  cells: int.min(0),
  regions: z.array(z.object({ baseMPN: int.min(0), pages: int.min(1), firstCell: int.min(0), cells: int.min(0), firstIndex: int.min(0) })),
});

export const SwapSummarySchema = z.object({
  name: z.string(),
  numSlots: int.min(0),
  usedSlots: int.min(0),
  bucketSlots: int.min(1),
  buckets: z.string(),
});

/** Numbers per pointer run (engine/hostmap.ts POINTER_STRIDE): firstDir, dirs, present, lowest MPN, highest MPN, stride (0: a bundle). */
export const POINTER_STRIDE = 6;

export const WorldSideSchema = z.object({
  name: z.string(),
  worldID: int,
  numDirs: int.min(0),
  presentDirs: int.min(0),
  /** Flat runs of POINTER_STRIDE numbers; null = unchanged. */
  pointers: nums.nullable(),
  numPDirEntries: int,
  statsAllocated: z.number(),
  swap: SwapSummarySchema.nullable(),
  migSwapUsed: int.min(0),
  cptSwapUsed: int.min(0),
  swapperEnabled: z.boolean(),
});

export const WindowSchema = z.object({ firstIndex: int.min(0), cells: int.min(1), cellPages: int.min(1) });

export const WindowCellsSchema = WindowSchema.extend({
  bytes: z.string(),
  /** Flat [dirIndex, MPN, …] of the pdirInfo entries naming a page in the window; null = too many to list. */
  srcPointers: nums.nullable(),
  dstPointers: nums.nullable(),
});

export const LaneSchema = z.object({
  kind: z.enum(['phase', 'fail', 'panic', 'invariant']),
  name: z.string(),
  count: int.min(0),
  firstStep: int,
  lastStep: int,
  marks: z.array(int.min(0)),
  messages: z.array(z.string()).nullable(),
});
export type Lane = z.infer<typeof LaneSchema>;

export const MachineSchema = z.object({
  field: z.enum(['resumeState', 'swapCopyState']),
  provenance: z.string(),
  states: z.array(z.string()).readonly(),
  initial: z.string(),
  transitions: z.array(z.object({ from: z.string(), to: z.string(), by: z.string(), when: z.string() })).readonly(),
  current: z.string(),
  visited: z.array(z.string()),
  taken: z.array(z.object({ from: z.string(), to: z.string(), step: int })),
  beyondHorizon: z.boolean(),
});
export type MachineMsg = z.infer<typeof MachineSchema>;

const FieldRow = z.object({ name: z.string(), decl: z.string(), bits: z.string(), value: z.string(), note: z.string().nullable() });
const Formula = z.object({ expr: z.string(), source: z.string(), value: z.string(), wrong: z.boolean(), why: z.string() });

/** What a clicked page is (the engine's PageInfo, as it travels), decoded at `step`. */
export const PageInfoSchema = z.object({
  step: int.min(0),
  mpn: z.number(),
  mpnHex: z.string(),
  cell: int,
  cellFirstMPN: z.string(),
  cellPages: int,
  owner: z.string(),
  ownerKind: z.string(),
  worldID: int,
  pgNum: int.nullable(),
  indexHex: z.string().nullable(),
  allocated: z.boolean(),
  pframe: z
    .object({
      world: z.enum(['source', 'destination']),
      pgNum: int,
      pgNumHex: z.string(),
      dirIndexHex: z.string(),
      pageIndexHex: z.string(),
      dirMPNHex: z.string(),
      pte: z.string(),
      form: z.string(),
      formNote: z.string().nullable(),
      type: z.string(),
      fields: z.array(FieldRow),
      extra: z.object({ path: z.string(), fields: z.array(FieldRow) }),
      mpnHex: z.string().nullable(),
      index: z.string(),
      formulas: z.array(Formula).nullable(),
    })
    .nullable(),
  pdir: z
    .object({
      pointedBy: z.array(z.object({ world: z.string(), dirIndexHex: z.string() })),
      firstPFrames: z.array(z.object({ pgNumHex: z.string(), type: z.string(), mpnHex: z.string(), pte: z.string() })),
    })
    .nullable(),
  note: z.string(),
});
export type PageInfoMsg = z.infer<typeof PageInfoSchema>;

/** One stop's picture of host memory (the engine's HostMapView, as it travels). */
export const HostMapViewSchema = z.object({
  id: int.min(1),
  step: int.min(0),
  scenario: z.string(),
  layout: MapLayoutSchema,
  cells: z.string().nullable(),
  delta: nums.nullable(),
  since: int.nullable(),
  window: WindowCellsSchema.nullable(),
  source: WorldSideSchema,
  destination: WorldSideSchema,
  lanes: z.array(LaneSchema),
  maxStep: int.min(0),
  machines: z.array(MachineSchema),
  invariants: z.array(z.object({ message: z.string(), step: int.nullable(), cell: int, mpn: z.string().nullable() })),
  stop: z.object({ reason: z.string(), description: z.string(), exception: z.string().nullable() }).nullable(),
  finished: z.boolean(),
  victor: z.string(),
  page: PageInfoSchema.nullable(),
});
export type HostMapViewMsg = z.infer<typeof HostMapViewSchema>;

/** Extension → webview. */
export const ToWebviewSchema = z.discriminatedUnion('type', [
  /** The session the panel follows: its name and whether it runs, is stopped or has ended (a new session clears the view). */
  z.object({ type: z.literal('session'), name: z.string().nullable(), id: z.string().nullable(), state: z.enum(['none', 'running', 'stopped', 'ended']) }),
  /** A stop's view: full map or a delta against the view the webview showed last. */
  z.object({ type: z.literal('view'), view: HostMapViewSchema }),
  /** The named steps of the session (launch attribute `bookmarks`). */
  z.object({ type: z.literal('bookmarks'), bookmarks: z.array(z.object({ name: z.string(), step: int.min(0) })) }),
  /** A data breakpoint was set (or refused) for the page the user asked about. */
  z.object({ type: z.literal('dataBreakpoint'), ok: z.boolean(), message: z.string() }),
  /** A page the user picked could not be decoded (the selection is dropped). */
  z.object({ type: z.literal('pageError'), message: z.string() }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type ToWebview = z.infer<typeof ToWebviewSchema>;

/** Webview → extension. */
export const FromWebviewSchema = z.discriminatedUnion('type', [
  /** The webview is loaded (or reloaded): send the session and a full view. */
  z.object({ type: z.literal('ready') }),
  /** A delta did not apply (the webview lost a view): send a full one. */
  z.object({ type: z.literal('refresh') }),
  /** The user picked a page (an MPN) to decode, now and at every stop; null drops the selection. */
  z.object({ type: z.literal('select'), mpn: int.min(0).nullable(), pages: int.min(1).optional() }),
  /** The map shows a zoomed window finer than the overview (null: the overview alone). */
  z.object({ type: z.literal('window'), window: WindowSchema.nullable() }),
  /** Go to a step (a click on the timeline). */
  z.object({ type: z.literal('goto'), step: int.min(0) }),
  /** Open a page's bytes (the Hex Editor, or the read-only view where it is missing). */
  z.object({ type: z.literal('showBytes'), mpn: int.min(0) }),
  /** Break when this PFrame changes. */
  z.object({ type: z.literal('dataBreakpoint'), world: z.enum(['source', 'destination']), pgNum: int.min(0), field: z.string().optional() }),
  /** How long the last view took to apply and draw (for tests and the benchmark). */
  z.object({ type: z.literal('drawn'), id: int, ms: z.number(), bytes: int, page: z.string().nullable() }),
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
