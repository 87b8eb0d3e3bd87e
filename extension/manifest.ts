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
