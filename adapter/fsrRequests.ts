// The `fsr/…` custom requests the extension's host-memory webview uses, answered from the engine
// Session (engine/hostmap.ts does the summarizing). Knows no transport, no editor and no Node.

import { type Session, type WatchTarget, didYouMean, mpnHex, quoted } from '../engine/index';
import { HostMapTracker } from '../engine/hostmap';

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

export const FSR_REQUESTS = ['fsr/state', 'fsr/view', 'fsr/page', 'fsr/watchPFrame'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Answer one `fsr/…` request; throws an Error naming what is wrong or the requests there are. */
export function handleFsrRequest(session: Session, command: string, args: unknown): unknown {
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
      // A delta against snapshot `since` when the adapter still has it, else the full map.
      if (a.since !== undefined && !isInt(a.since)) throw new Error('fsr/view: "since" must be a snapshot id (an integer) or absent');
      return tracker(session).view(a.since as number | undefined);
    }
    case 'fsr/page': {
      const mpn = typeof a.mpn === 'string' && /^0x[0-9a-f]+$/i.test(a.mpn) ? parseInt(a.mpn, 16) : a.mpn;
      if (mpn !== undefined) {
        if (!isInt(mpn) || mpn < 0) throw new Error('fsr/page: "mpn" must be a non-negative integer or a hex string like "0x100000"');
        return tracker(session).page({ mpn });
      }
      if (!isInt(a.cell) || a.cell < 0) throw new Error('fsr/page: give "cell" (a map cell index) or "mpn"');
      return tracker(session).page({ cell: a.cell });
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
