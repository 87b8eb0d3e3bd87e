// The `fsr` launch configuration: scenario (built-in name or JSON file), stopOnEntry, seed, faults,
// overrides, listingPath, trace, and the moment to open at (startAtStep, bookmarks, scenarioDigest).
// Validates each and names what is allowed. File reads go through the injected accessor; no Node.

import { shown } from './args';
import { BUILTIN_NAMES, type Scenario, ScenarioError, builtinScenario, didYouMean, nearest, parseScenarioText, withOverrides } from '../engine/index';
import { digest } from './timeTravel';

export interface FileAccessor {
  readFile(path: string): Promise<Uint8Array>;
}

export interface LaunchConfig {
  scenario: Scenario;
  /** Where the scenario came from (a built-in name or a file path), for messages. */
  source: string;
  stopOnEntry: boolean;
  /** Show the listing under this path instead of as a sourceReference. */
  listingPath: string | undefined;
  /** Log every DAP message to the Debug Console (the library's verbose logger). */
  trace: boolean;
  /** Open the run at this step (a shared moment) instead of its start. */
  startAtStep: number | undefined;
  /** Named steps of the run (a teacher's exercise): the Bookmarks view and the timeline show them. */
  bookmarks: Array<{ name: string; step: number }>;
  /** A digest of the scenario file as read (null for a built-in). */
  scenarioDigest: string | null;
  /** The digest a shared link expects, when it differs from the file's now: a warning to give. */
  digestWarning: string | null;
  /** The attributes that make the run, as given (for a link to a moment). */
  runArgs: Record<string, unknown>;
}

/** A launch attribute that is wrong; the message names it and what is allowed. */
export class LaunchError extends Error {}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The launch attributes this adapter reads (VS Code adds its own, such as type, request and name, which are left alone). */
export const LAUNCH_ATTRIBUTES = ['scenario', 'stopOnEntry', 'seed', 'faults', 'overrides', 'listingPath', 'trace', 'startAtStep', 'bookmarks', 'scenarioDigest'] as const;

export async function resolveLaunch(input: unknown, files: FileAccessor): Promise<LaunchConfig> {
  const args = input ?? {};
  if (!isPlainObject(args)) throw new LaunchError('launch arguments must be an object with at least "scenario"');
  const builtins = BUILTIN_NAMES.join(', ');
  // An attribute one slip away from one of ours would be ignored without a word: it is refused instead.
  for (const key of Object.keys(args)) {
    if ((LAUNCH_ATTRIBUTES as readonly string[]).includes(key)) continue;
    const near = nearest(key, LAUNCH_ATTRIBUTES);
    if (near) throw new LaunchError(`unknown launch attribute ${shown(key)}; did you mean ${near}? (attributes: ${LAUNCH_ATTRIBUTES.join(', ')})`);
  }
  const name = args.scenario;
  if (name === undefined) throw new LaunchError(`"scenario" is required: a built-in name (${builtins}) or a path to a scenario JSON file`);
  if (typeof name !== 'string' || name.trim() === '') throw new LaunchError(`"scenario" must be a built-in name (${builtins}) or a path to a scenario JSON file, got ${shown(name)}`);
  if (args.stopOnEntry !== undefined && typeof args.stopOnEntry !== 'boolean') throw new LaunchError(`"stopOnEntry" must be true or false, got ${shown(args.stopOnEntry)}`);
  if (args.trace !== undefined && typeof args.trace !== 'boolean') throw new LaunchError(`"trace" must be true or false, got ${shown(args.trace)}`);
  if (args.listingPath !== undefined && (typeof args.listingPath !== 'string' || args.listingPath === '')) throw new LaunchError(`"listingPath" must be a file path, got ${shown(args.listingPath)}`);

  let startAtStep: number | undefined;
  if (args.startAtStep !== undefined) {
    const v = args.startAtStep;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new LaunchError(`"startAtStep" must be a step number, a whole number ≥ 0, got ${shown(v)}`);
    startAtStep = v;
  }
  const bookmarks: Array<{ name: string; step: number }> = [];
  if (args.bookmarks !== undefined) {
    if (!Array.isArray(args.bookmarks)) throw new LaunchError(`"bookmarks" must be an array of {"name": "…", "step": N}, got ${shown(args.bookmarks)}`);
    args.bookmarks.forEach((b: unknown, i: number) => {
      if (!isPlainObject(b) || typeof b.name !== 'string' || b.name.trim() === '' || typeof b.step !== 'number' || !Number.isSafeInteger(b.step) || b.step < 0) {
        throw new LaunchError(`"bookmarks"[${i}] must be {"name": "<a name>", "step": <a whole number ≥ 0>}, got ${shown(b)}`);
      }
      bookmarks.push({ name: b.name.trim(), step: b.step });
    });
  }
  if (args.scenarioDigest !== undefined && (typeof args.scenarioDigest !== 'string' || !/^[0-9a-f]{16}$/.test(args.scenarioDigest))) {
    throw new LaunchError(`"scenarioDigest" must be the 16 hex digits a link to a moment carries, got ${shown(args.scenarioDigest)}`);
  }

  let scenario: Scenario;
  let scenarioDigest: string | null = null;
  if (BUILTIN_NAMES.includes(name)) {
    scenario = builtinScenario(name);
  } else {
    let bytes: Uint8Array;
    try {
      bytes = await files.readFile(name);
    } catch (e) {
      throw new LaunchError(`"scenario": ${shown(name)} is not a built-in (${builtins})${didYouMean(name, BUILTIN_NAMES)} and cannot be read as a file: ${(e as Error).message}`);
    }
    scenarioDigest = digest(bytes);
    // The BOM, if any, is kept for parseScenarioText to drop (it accepts one).
    scenario = rethrow(() => parseScenarioText(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes), `scenario file ${name}`));
  }
  if (args.overrides !== undefined) {
    const o = args.overrides;
    if (!isPlainObject(o)) throw new LaunchError(`"overrides" must be an object (a partial scenario, e.g. {"vm": {"memMB": 64}}), got ${shown(o)}`);
    scenario = rethrow(() => withOverrides(scenario, o, 'launch attribute "overrides"'));
  }
  if (args.faults !== undefined) {
    const f = args.faults;
    if (!Array.isArray(f)) throw new LaunchError(`"faults" must be an array of faults (e.g. [{"kind": "missingDestPdir", "dirIndex": 5}]), got ${shown(f)}`);
    // Checked alone first, so a message's faults[i] is the launch attribute's own index.
    rethrow(() => withOverrides(scenario, { faults: f }, 'launch attribute "faults"'));
    scenario = rethrow(() => withOverrides(scenario, { faults: [...scenario.faults, ...f] }, 'launch attribute "faults" (with the scenario\'s own)'));
  }
  if (args.seed !== undefined) {
    const seed = args.seed;
    if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) throw new LaunchError(`"seed" must be an integer ≥ 0, got ${shown(seed)}`);
    scenario = rethrow(() => withOverrides(scenario, { seed: args.seed }, 'launch attribute "seed"'));
  }
  const expected = args.scenarioDigest as string | undefined;
  const digestWarning =
    expected === undefined || scenarioDigest === expected
      ? null
      : scenarioDigest === null
        ? `the link was made with a scenario file, but "${name}" is a built-in now: the run may not be the one the link shows`
        : `scenario file ${name} has changed since the link was made (digest ${scenarioDigest}, the link's ${expected}): the run and its step ${startAtStep ?? 0} may not be the moment the link shows`;
  const runArgs: Record<string, unknown> = { scenario: name };
  for (const k of ['seed', 'faults', 'overrides'] as const) if (args[k] !== undefined) runArgs[k] = args[k];
  return {
    scenario, source: name, stopOnEntry: args.stopOnEntry === true, listingPath: args.listingPath as string | undefined, trace: args.trace === true,
    startAtStep, bookmarks, scenarioDigest, digestWarning, runArgs,
  };
}

function rethrow<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ScenarioError) throw new LaunchError(e.message);
    throw e;
  }
}
