// A moment of a run as text a person can paste — the link (`<scheme>://<extension id>/moment?…`) and the
// equivalent launch.json configuration — read back with every mistake named; and the checks behind
// FSR: Go to Step… and Show Value History's rows. Pure: no vscode, no Node (runs in a browser host too).

import type { HistoryBody as HistoryAnswer } from '../adapter/timeTravel';

/** A breakpoint a link carries: on a function (or phase) of the listing, or on a line of it. */
export type LinkBreakpoint = ({ function: string } | { line: number }) & { condition?: string; hitCondition?: string; logMessage?: string };

/** What a link to a moment holds: the run (scenario, seed, faults, overrides), the step, and what helps to look there. */
export interface Moment {
  /** A built-in scenario's name, or a scenario file's path in the workspace (relative to its folder). */
  scenario: string;
  step: number;
  seed?: number;
  faults?: unknown[];
  overrides?: Record<string, unknown>;
  /** The digest of the scenario file the link was made with (file scenarios only). */
  scenarioDigest?: string;
  bookmarks?: Array<{ name: string; step: number }>;
  breakpoints?: LinkBreakpoint[];
}

/** A link that cannot be read; the message names what is wrong in it. */
export class LinkError extends Error {
  override name = 'LinkError';
}

export const LINK_PATH = '/moment';
const PARAMS = ['scenario', 'step', 'seed', 'faults', 'overrides', 'digest', 'bookmarks', 'breakpoints'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const brief = (s: string): string => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);

/**
 * A value as it goes into the query. VS Code hands a URI handler the query percent-decoded once, so a
 * value must hold no `&` after one decoding: JSON writes it as \u0026 (only strings can hold one).
 */
function jsonValue(v: unknown): string {
  return JSON.stringify(v).replace(/&/g, '\\u0026');
}
function scenarioValue(s: string): string {
  return /&/.test(s) || s.startsWith('"') ? jsonValue(s) : s;
}

/** The link to `m` for the extension `extensionId`, under the editor's URI scheme (vscode, vscode-insiders, …). */
export function momentLink(m: Moment, scheme: string, extensionId: string): string {
  const q: Array<[string, string]> = [['scenario', scenarioValue(m.scenario)], ['step', String(m.step)]];
  if (m.seed !== undefined) q.push(['seed', String(m.seed)]);
  if (m.faults !== undefined) q.push(['faults', jsonValue(m.faults)]);
  if (m.overrides !== undefined) q.push(['overrides', jsonValue(m.overrides)]);
  if (m.scenarioDigest !== undefined) q.push(['digest', m.scenarioDigest]);
  if (m.bookmarks?.length) q.push(['bookmarks', jsonValue(m.bookmarks)]);
  if (m.breakpoints?.length) q.push(['breakpoints', jsonValue(m.breakpoints)]);
  return `${scheme}://${extensionId}${LINK_PATH}?${q.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
}

/**
 * A link as pasted: checks that it is this extension's (any URI scheme: the editor's differs by
 * product) and reads its moment.
 */
export function parseLinkText(text: string, extensionId: string): Moment {
  const t = text.trim();
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/i.exec(t);
  if (!m) throw new LinkError(`not a link: ${brief(t)} (a link to a moment looks like <scheme>://${extensionId}${LINK_PATH}?scenario=…&step=…)`);
  if (m[2]!.toLowerCase() !== extensionId.toLowerCase()) throw new LinkError(`this link is for ${brief(m[2]!)}, not for this extension (${extensionId})`);
  let query: string;
  try {
    query = decodeURIComponent(m[4] ?? '');
  } catch {
    throw new LinkError('the link is damaged: its query has a % that is not followed by two hex digits (was it cut or edited?)');
  }
  return parseMomentQuery(m[3]!, query);
}

function wholeNumber(v: string, what: string): number {
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new LinkError(`${what} must be a whole number ≥ 0, got ${brief(v)}`);
  return Number(v);
}

function json(v: string, what: string): unknown {
  try {
    return JSON.parse(v);
  } catch (e) {
    throw new LinkError(`${what} is not valid JSON (${(e as Error).message}): ${brief(v)}`);
  }
}

const optString = (o: Record<string, unknown>, k: string, where: string): string | undefined => {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new LinkError(`${where}.${k} must be text, got ${brief(JSON.stringify(v))}`);
  return v;
};

function breakpointsOf(v: unknown): LinkBreakpoint[] {
  if (!Array.isArray(v)) throw new LinkError('breakpoints must be a list, e.g. [{"function": "World_SetPanicNoCore"}, {"line": 520}]');
  return v.map((b: unknown, i) => {
    const where = `breakpoints[${i}]`;
    if (!isObject(b)) throw new LinkError(`${where} must be {"function": "<name>"} or {"line": <n>}`);
    const extra = Object.keys(b).filter((k) => !['function', 'line', 'condition', 'hitCondition', 'logMessage'].includes(k));
    if (extra.length) throw new LinkError(`${where} has unknown field ${brief(extra[0]!)} (fields: function or line, condition, hitCondition, logMessage)`);
    const opts: { condition?: string; hitCondition?: string; logMessage?: string } = {};
    for (const k of ['condition', 'hitCondition', 'logMessage'] as const) {
      const s = optString(b, k, where);
      if (s !== undefined) opts[k] = s;
    }
    if (Object.hasOwn(b, 'function') === Object.hasOwn(b, 'line')) throw new LinkError(`${where} must name either a function or a line, not ${Object.hasOwn(b, 'line') ? 'both' : 'neither'}`);
    if (Object.hasOwn(b, 'function')) {
      const f = b.function;
      if (typeof f !== 'string' || f.trim() === '') throw new LinkError(`${where}.function must be a function's name, got ${brief(JSON.stringify(f))}`);
      return { function: f, ...opts };
    }
    const line = b.line;
    if (typeof line !== 'number' || !Number.isSafeInteger(line) || line < 1) throw new LinkError(`${where}.line must be a line of the listing (a whole number ≥ 1), got ${brief(JSON.stringify(line))}`);
    return { line, ...opts };
  });
}

/** The moment of a link's path and query (as VS Code hands them to a URI handler: the query decoded once). */
export function parseMomentQuery(path: string, query: string): Moment {
  if (path !== LINK_PATH) throw new LinkError(`unknown link path ${brief(path)}: a link to a moment has the path ${LINK_PATH}`);
  const got = new Map<string, string>();
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    if (!(PARAMS as readonly string[]).includes(k)) throw new LinkError(`the link has an unknown part ${brief(k)} (parts: ${PARAMS.join(', ')})`);
    if (got.has(k)) throw new LinkError(`the link gives ${k} twice`);
    got.set(k, v);
  }
  const scenarioText = got.get('scenario');
  if (!scenarioText) throw new LinkError('the link names no scenario (scenario=<a built-in name or a workspace path>)');
  const scenario = scenarioText.startsWith('"') ? json(scenarioText, 'scenario') : scenarioText;
  if (typeof scenario !== 'string' || scenario.trim() === '') throw new LinkError(`scenario must be a built-in name or a workspace path, got ${brief(scenarioText)}`);
  const stepText = got.get('step');
  if (stepText === undefined) throw new LinkError('the link names no step (step=<a whole number>)');
  const m: Moment = { scenario, step: wholeNumber(stepText, 'step') };
  const seed = got.get('seed');
  if (seed !== undefined) m.seed = wholeNumber(seed, 'seed');
  const faults = got.get('faults');
  if (faults !== undefined) {
    const f = json(faults, 'faults');
    if (!Array.isArray(f)) throw new LinkError(`faults must be a list of faults, e.g. [{"kind": "swapCopyFail", "atExtent": 1}], got ${brief(faults)}`);
    m.faults = f;
  }
  const overrides = got.get('overrides');
  if (overrides !== undefined) {
    const o = json(overrides, 'overrides');
    if (!isObject(o)) throw new LinkError(`overrides must be an object (a partial scenario), got ${brief(overrides)}`);
    m.overrides = o;
  }
  const digest = got.get('digest');
  if (digest !== undefined) {
    if (!/^[0-9a-f]{16}$/.test(digest)) throw new LinkError(`digest must be 16 hex digits, got ${brief(digest)}`);
    m.scenarioDigest = digest;
  }
  const bookmarks = got.get('bookmarks');
  if (bookmarks !== undefined) {
    const b = json(bookmarks, 'bookmarks');
    if (!Array.isArray(b)) throw new LinkError(`bookmarks must be a list of {"name": "…", "step": N}, got ${brief(bookmarks)}`);
    m.bookmarks = b.map((x: unknown, i) => {
      if (!isObject(x) || typeof x.name !== 'string' || x.name.trim() === '' || typeof x.step !== 'number' || !Number.isSafeInteger(x.step) || x.step < 0) {
        throw new LinkError(`bookmarks[${i}] must be {"name": "<a name>", "step": <a whole number ≥ 0>}, got ${brief(JSON.stringify(x))}`);
      }
      return { name: x.name, step: x.step };
    });
  }
  const bps = got.get('breakpoints');
  if (bps !== undefined) m.breakpoints = breakpointsOf(json(bps, 'breakpoints'));
  return m;
}

/** The launch.json configuration that starts the same run and stops at the moment's step. */
export function launchConfiguration(m: Moment): Record<string, unknown> {
  const c: Record<string, unknown> = { type: 'fsr', request: 'launch', name: `FSR: ${m.scenario} at step ${m.step}`, scenario: m.scenario };
  if (m.seed !== undefined) c.seed = m.seed;
  if (m.faults !== undefined) c.faults = m.faults;
  if (m.overrides !== undefined) c.overrides = m.overrides;
  c.startAtStep = m.step;
  if (m.bookmarks?.length) c.bookmarks = m.bookmarks;
  if (m.scenarioDigest !== undefined) c.scenarioDigest = m.scenarioDigest;
  return c;
}

export function describeBreakpoint(b: LinkBreakpoint, listing = 'fsr-handoff.c'): string {
  const where = 'function' in b ? b.function : `${listing}:${b.line}`;
  const how = [b.condition && `if ${b.condition}`, b.hitCondition && `hit ${b.hitCondition}`, b.logMessage && `logs "${b.logMessage}"`].filter(Boolean).join(', ');
  return how ? `${where} (${how})` : where;
}

/** The configuration as text to paste into launch.json's "configurations" (JSON with comments). */
export function launchText(m: Moment): string {
  const json = JSON.stringify(launchConfiguration(m), null, 2);
  const bps = m.breakpoints ?? [];
  const note = bps.length ? `\n// Breakpoints are not part of launch.json; the link carries them: ${bps.map((b) => describeBreakpoint(b)).join('; ')}` : '';
  return `// ${m.scenario}, stopped at step ${m.step}: the same run (scenario, seed, faults, overrides) opens there.${note}\n${json}`;
}

/** The run's steps as far as known: history's horizon, where the run is now, where it ends (null: not known yet). */
export interface RunExtent {
  horizon: number;
  now: number;
  end: number | null;
}

/** FSR: Go to Step…'s input: the step, or what is wrong with the text (a whole number within the run). */
export function parseStepInput(text: string, x: RunExtent): { step: number } | { error: string } {
  const t = text.trim().replace(/^step\s+/i, '');
  if (t === '') return { error: 'Type a step number, e.g. 343.' };
  // Thousands separators as the CLI and the README print them (27,944) are fine.
  if (!/^\d{1,3}(,\d{3})+$|^\d{1,3}(_\d{3})+$|^\d+$/.test(t)) return { error: `${brief(text.trim())} is not a step number: type a whole number, e.g. 343.` };
  const step = Number(t.replace(/[,_]/g, ''));
  if (!Number.isSafeInteger(step)) return { error: `${t} is too large for a step number.` };
  if (step < x.horizon) return { error: `Step ${step} is before the history horizon: the oldest step kept is ${x.horizon}.` };
  if (x.end !== null && step > x.end) return { error: `The run ends at step ${x.end}: type a step from ${x.horizon} to ${x.end}.` };
  return { step };
}

/** What Go to Step…'s box says about the run. */
export function extentText(x: RunExtent): string {
  const range = x.end !== null ? `steps ${x.horizon}–${x.end}` : `steps from ${x.horizon} (the run's end is not known yet: a step past it lands on the end)`;
  return `Now at step ${x.now}; ${range}.`;
}

export interface HistoryItem {
  label: string;
  description: string;
  detail: string;
  step: number;
}

/** Show Value History's rows: step, old → new, actor and function:line, oldest first; the row of the current step says so. */
export function historyItems(a: HistoryAnswer, now: number): HistoryItem[] {
  return a.rows.map((r) => ({
    label: `step ${r.step}${r.step === now ? ' (now)' : ''}`,
    description: `${r.old} → ${r.new}`,
    detail: `${r.actor}, ${r.fn}:${r.line}${r.span ? ` (inside a bulk step of ${r.span[1] - r.span[0] + 1} steps, ${r.span[0]}–${r.span[1]})` : ''}`,
    step: r.step,
  }));
}

/** Show Value History's title: what, its value now, how many changes since where. */
export function historyTitle(a: HistoryAnswer): string {
  const since = a.horizon > 0 ? ` since step ${a.horizon} (history's horizon)` : '';
  const n = a.rows.length;
  return `${a.what} = ${a.now}: ${n === 0 ? `no change${since}` : `${n} change${n === 1 ? '' : 's'}${since}`}`;
}
