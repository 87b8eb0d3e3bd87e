// The `fsr` launch configuration: scenario (built-in name or JSON file), stopOnEntry, seed, faults,
// overrides, listingPath, trace. Validates each and names what is allowed. File reads go through the injected accessor; no Node.

import { shown } from './args';
import { BUILTIN_NAMES, type Scenario, ScenarioError, builtinScenario, didYouMean, nearest, parseScenarioText, withOverrides } from '../engine/index';

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
}

/** A launch attribute that is wrong; the message names it and what is allowed. */
export class LaunchError extends Error {}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The launch attributes this adapter reads (VS Code adds its own, such as type, request and name, which are left alone). */
export const LAUNCH_ATTRIBUTES = ['scenario', 'stopOnEntry', 'seed', 'faults', 'overrides', 'listingPath', 'trace'] as const;

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

  let scenario: Scenario;
  if (BUILTIN_NAMES.includes(name)) {
    scenario = builtinScenario(name);
  } else {
    let bytes: Uint8Array;
    try {
      bytes = await files.readFile(name);
    } catch (e) {
      throw new LaunchError(`"scenario": ${shown(name)} is not a built-in (${builtins})${didYouMean(name, BUILTIN_NAMES)} and cannot be read as a file: ${(e as Error).message}`);
    }
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
  return { scenario, source: name, stopOnEntry: args.stopOnEntry === true, listingPath: args.listingPath as string | undefined, trace: args.trace === true };
}

function rethrow<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ScenarioError) throw new LaunchError(e.message);
    throw e;
  }
}
