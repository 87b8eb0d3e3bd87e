// The `fsr/…` custom requests the extension's host-memory webview uses, answered from the engine
// Session (engine/hostmap.ts does the summarizing). Knows no transport, no editor and no Node.

import { PAGE_SIZE, type Session, type WatchTarget, ALLOC_PDIR_PAGES, didYouMean, hexNumber, mpnHex, quoted } from '../engine/index';
import { HostMapTracker, type ViewRequest } from '../engine/hostmap';
import { pframeSummary } from './variables';

/** One tracker per session: it remembers the last map sent, for deltas. */
const trackers = new WeakMap<Session, HostMapTracker>();
function tracker(session: Session): HostMapTracker {
  let t = trackers.get(session);
  if (!t) {
    t = new HostMapTracker(session);
    trackers.set(session, t);
  }
  return t;
}

/**
 * Start following a session now (at launch), so invariant breaks are dated even if the webview
 * opens later. Optional: the first request does the same.
 */
export function attachFsrRequests(session: Session): void {
  tracker(session);
}

export const FSR_REQUESTS = ['fsr/state', 'fsr/view', 'fsr/page', 'fsr/pageDump', 'fsr/watchPFrame'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** What stopped the run where it is, as the debug session told the client (a view shows it with the step). */
export interface StopShown {
  reason: string;
  description: string;
  exception: string | null;
}

/** Answer one `fsr/…` request; throws an Error naming what is wrong or the requests there are. */
export function handleFsrRequest(session: Session, command: string, args: unknown, stop?: StopShown | null): unknown {
  const a = args === undefined || args === null ? {} : args;
  if (!isObject(a)) throw new Error(`${command}: arguments must be an object`);
  switch (command) {
    case 'fsr/state':
      return {
        resumeState: session.cx.fsr.resumeState,
        swapCopyState: session.cx.fsr.swapCopyState,
        stepCount: session.rt.stepCount,
        phases: session.phases(),
      };
    case 'fsr/view': {
      // A delta against snapshot `since` when the adapter still has it, else the full map; a zoomed
      // window and a page decoded at the same step when asked for.
      const req: ViewRequest = stop === undefined ? {} : { stop };
      if (a.since !== undefined) {
        if (!isInt(a.since)) throw new Error('fsr/view: "since" must be a snapshot id (an integer) or absent');
        req.since = a.since;
      }
      if (a.window !== undefined) {
        const w = a.window;
        if (!isObject(w) || !isInt(w.firstIndex) || !isInt(w.cells) || !isInt(w.cellPages)) throw new Error('fsr/view: "window" must be {firstIndex, cells, cellPages} (whole numbers) or absent');
        req.window = { firstIndex: w.firstIndex, cells: w.cells, cellPages: w.cellPages };
      }
      if (a.page !== undefined) req.page = mpnArg(command, a.page, 'page');
      try {
        return tracker(session).view(req);
      } catch (e) {
        throw new Error(`fsr/view: ${(e as Error).message}`, { cause: e });
      }
    }
    case 'fsr/page': {
      if (a.mpn !== undefined) {
        if (a.pages !== undefined && (!isInt(a.pages) || a.pages < 1)) throw new Error('fsr/page: "pages" must be a whole number ≥ 1 (a stretch of MPNs to pick the most telling page of) or absent');
        return tracker(session).page({ mpn: mpnArg(command, a.mpn, 'mpn'), pages: a.pages as number | undefined });
      }
      if (!isInt(a.cell) || a.cell < 0) throw new Error('fsr/page: give "cell" (a map cell index) or "mpn"');
      return tracker(session).page({ cell: a.cell });
    }
    case 'fsr/pageDump': {
      // A page's bytes for a read-only view (where no hex editor is installed): a memoryReference or an MPN.
      let mpn: number;
      if (a.memoryReference !== undefined) {
        if (typeof a.memoryReference !== 'string' || !/^(0x[0-9a-f]+|\d+)$/i.test(a.memoryReference)) throw new Error('fsr/pageDump: "memoryReference" must be a machine address like "0x100000000" (MPN · 4096)');
        mpn = Math.floor(Number(a.memoryReference) / PAGE_SIZE);
      } else mpn = mpnArg(command, a.mpn, 'mpn');
      return pageDump(session, mpn);
    }
    case 'fsr/watchPFrame': {
      // A data breakpoint the webview asked for: the engine stops with reason 'data breakpoint' when it changes.
      const world = a.world;
      if (world !== 'source' && world !== 'destination') throw new Error('fsr/watchPFrame: "world" must be "source" or "destination"');
      if (!isInt(a.pgNum) || a.pgNum < 0) throw new Error('fsr/watchPFrame: "pgNum" must be a page number');
      const field = a.field === undefined ? 'pte' : a.field;
      if (typeof field !== 'string') throw new Error('fsr/watchPFrame: "field" must be a PFrame field name');
      const target: WatchTarget = { kind: 'pframe', world, pgNum: a.pgNum, field };
      const w = session.watch(target, 'webview');
      const mpn = session.worldRef(world).dirMPN(Math.floor(a.pgNum / 512));
      return { id: w.id, description: w.description, pdirPage: mpnHex(mpn) };
    }
    default:
      throw new Error(`unknown request ${quoted(command)} (requests: ${FSR_REQUESTS.join(', ')})${didYouMean(command, FSR_REQUESTS)}`);
  }
}

/** An MPN argument: a whole number or a hex string like "0x100000". */
function mpnArg(command: string, v: unknown, name: string): number {
  const mpn = typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : v;
  if (!isInt(mpn) || mpn < 0) throw new Error(`${command}: "${name}" must be a non-negative integer or a hex string like "0x100000"`);
  return mpn;
}

/** One line of a page dump: the offset, the bytes in hex, and what they are. */
export interface PageDumpRow {
  offset: string;
  bytes: string;
  /** A pdir page: the PFrame these 8 bytes are (as Variables summarizes it); other pages: the bytes as ASCII. */
  text: string;
}
export interface PageDump {
  step: number;
  mpn: string;
  address: string;
  owner: string;
  /** For a pdir page: whose directory it is ("vm-dst pdirInfo[0x3]"), and that each row is one PFrame. */
  pdirOf: string | null;
  rows: PageDumpRow[];
}

/**
 * A page as a read-only dump: 16 bytes a row with their ASCII, or, for a pdir page, one PFrame (8 bytes)
 * a row with its pgNum and what it says. The same bytes readMemory gives, at the same step.
 */
export function pageDump(s: Session, mpn: number): PageDump {
  const host = s.machine.host;
  if (!host.isValidMPN(mpn)) throw new Error(`MPN ${mpnHex(mpn)} is not in host memory`);
  const bytes = host.read(mpn);
  const b = host.backmapLookup(mpn);
  const hex2 = (x: number) => x.toString(16).padStart(2, '0');
  const rows: PageDumpRow[] = [];
  let pdirOf: string | null = null;
  if (b?.owner.kind === 'pdir') {
    const pointers: Array<{ name: string; dir: number }> = [];
    for (const w of [s.src, s.dst]) for (let d = 0; d < w.numDirs; d++) if (w.dirMPN(d) === mpn) pointers.push({ name: w.name, dir: d });
    const dir = pointers[0]?.dir ?? b.pgNum;
    pdirOf = pointers.length ? pointers.map((p) => `${p.name} pdirInfo[${hexNumber(p.dir)}]`).join(' and ') : `${b.owner.label} (no pdirInfo entry points at it)`;
    const u32 = new Uint32Array(bytes.buffer, bytes.byteOffset, PAGE_SIZE / 4);
    for (let i = 0; i < ALLOC_PDIR_PAGES; i++) {
      const row = Array.from(bytes.subarray(i * 8, i * 8 + 8), hex2).join(' ');
      rows.push({ offset: '0x' + (i * 8).toString(16).padStart(3, '0'), bytes: row, text: `[${hexNumber(i)}] pgNum ${hexNumber(dir * ALLOC_PDIR_PAGES + i)}: ${pframeSummary(u32[2 * i]!, u32[2 * i + 1]!)}` });
    }
  } else {
    for (let o = 0; o < PAGE_SIZE; o += 16) {
      const chunk = bytes.subarray(o, o + 16);
      rows.push({ offset: '0x' + o.toString(16).padStart(3, '0'), bytes: Array.from(chunk, hex2).join(' '), text: Array.from(chunk, (x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('') });
    }
  }
  return { step: s.rt.stepCount, mpn: mpnHex(mpn), address: hexNumber(mpn * PAGE_SIZE), owner: b ? `${b.owner.label}, ${b.owner.kind === 'mainmem' ? 'pgNum' : 'index'} ${hexNumber(b.pgNum)}` : host.isAllocated(mpn) ? 'allocated, no BackMap entry' : 'free', pdirOf, rows };
}
