// The generated parts of package.json's `fsr` debugger contribution: the launch attributes' JSON
// schema (from the engine's zod ScenarioSchema), initialConfigurations and one snippet per built-in scenario. No vscode.

import { z } from 'zod';
import { BUILTIN_NAMES, ScenarioSchema, builtinScenario } from '../engine/index';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Drop what editors do not need from zod's JSON schema: $schema, MAX_SAFE_INTEGER bounds; optionally `required`. */
function tidy(node: Json, dropRequired: boolean): Json {
  if (Array.isArray(node)) return node.map((n) => tidy(n, dropRequired));
  if (node === null || typeof node !== 'object') return node;
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$schema') continue;
    if (dropRequired && k === 'required') continue;
    if ((k === 'maximum' || k === 'minimum') && (v === Number.MAX_SAFE_INTEGER || v === Number.MIN_SAFE_INTEGER)) continue;
    out[k] = tidy(v, dropRequired);
  }
  return out;
}

export function launchAttributes(): Record<string, Json> {
  const teaches = BUILTIN_NAMES.map((n) => builtinScenario(n).teaches);
  const faults = tidy(z.toJSONSchema(ScenarioSchema.shape.faults, { io: 'input', unrepresentable: 'any' }) as Json, false) as { [k: string]: Json };
  delete faults.default;
  const overrides = tidy(z.toJSONSchema(ScenarioSchema, { io: 'input', unrepresentable: 'any' }) as Json, true) as { [k: string]: Json };
  return {
    scenario: {
      description: 'The scenario to simulate: a built-in name or the path of a scenario JSON file (relative to the workspace folder).',
      anyOf: [
        { type: 'string', enum: BUILTIN_NAMES, enumDescriptions: teaches },
        { type: 'string', pattern: '\\.json$', description: 'A scenario JSON file (the same format as the built-ins; see “Scenario files” in the README).' },
      ],
    },
    stopOnEntry: { type: 'boolean', default: true, description: 'Stop at the start of the handoff, before any actor runs.' },
    seed: { type: 'integer', minimum: 0, description: "Overrides the scenario's seed: the whole run is a function of (scenario, seed)." },
    faults: { ...faults, description: "Faults to inject, added to the scenario's own." },
    overrides: { ...overrides, description: 'A partial scenario merged over the chosen one (e.g. {"vm": {"memMB": 64}}), then validated again.' },
    listingPath: { type: 'string', description: 'Show the simulated listing from this file instead of the adapter (it must hold the same text).' },
    trace: { type: 'boolean', default: false, description: 'Log every Debug Adapter Protocol message to the Debug Console.' },
    startAtStep: {
      type: 'integer',
      minimum: 0,
      markdownDescription: 'Open the run stopped at this step (a moment to share: FSR: Copy Link to This Moment writes it). Step numbers are the run\'s own — the same whatever breakpoints are set — so a step names one moment of (scenario, seed, faults, overrides). A step past the end opens at the end.',
    },
    bookmarks: {
      type: 'array',
      markdownDescription: 'Named steps of this run, shown in the **FSR Bookmarks** view (a click goes there), e.g. `[{"name": "the first redirect", "step": 2278}]`.',
      items: {
        type: 'object',
        required: ['name', 'step'],
        additionalProperties: false,
        properties: { name: { type: 'string', minLength: 1, description: 'What happens at this step.' }, step: { type: 'integer', minimum: 0, description: 'The step.' } },
        defaultSnippets: [{ label: 'a bookmark', body: { name: '$1', step: '^${2:0}' } }],
      },
    },
    scenarioDigest: {
      type: 'string',
      pattern: '^[0-9a-f]{16}$',
      patternErrorMessage: 'The 16 hex digits a link to a moment carries.',
      markdownDescription: 'Written by FSR: Copy Link to This Moment for a scenario file: a digest of the file as it was. If the file has changed since, the session warns that the step may not be the same moment.',
    },
  };
}

export interface LaunchSnippet {
  label: string;
  description: string;
  body: { type: 'fsr'; request: 'launch'; name: string; scenario: string; stopOnEntry: boolean };
}

export function launchConfig(name: string): LaunchSnippet['body'] {
  return { type: 'fsr', request: 'launch', name: `FSR: ${name}`, scenario: name, stopOnEntry: true };
}

export function configurationSnippets(): LaunchSnippet[] {
  return BUILTIN_NAMES.map((n) => ({ label: `FSR: ${n}`, description: builtinScenario(n).teaches, body: launchConfig(n) }));
}

/** The `fsr` entry of contributes.debuggers, generated parts included. */
export function debuggerContribution(): Record<string, Json> {
  return {
    type: 'fsr',
    label: 'FSR Handoff',
    languages: ['fsr-listing', 'c'],
    configurationAttributes: { launch: { required: ['scenario'], properties: launchAttributes() } },
    initialConfigurations: [launchConfig('shared-swap') as unknown as Json],
    configurationSnippets: configurationSnippets() as unknown as Json[],
  };
}
