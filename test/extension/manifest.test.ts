// Unit tests for the extension's manifest: the generated debugger contribution is current, every
// scenario has a snippet and a launch.json entry, walkthrough pages exist, the phases tree names real functions.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { BUILTIN_NAMES, LISTING } from '../../engine/index';
import { debuggerContribution } from '../../extension/manifest';
import { STAGES } from '../../extension/stages';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

test('package.json holds the generated fsr debugger contribution (npm run gen:manifest)', () => {
  const fsr = pkg.contributes.debuggers.find((d: { type: string }) => d.type === 'fsr');
  assert.deepEqual(fsr, JSON.parse(JSON.stringify(debuggerContribution())));
});

test('one snippet per built-in scenario, each with what it teaches', () => {
  const fsr = debuggerContribution() as { configurationSnippets: Array<{ description: string; body: { scenario: string } }> };
  assert.deepEqual(fsr.configurationSnippets.map((s) => s.body.scenario), BUILTIN_NAMES);
  for (const s of fsr.configurationSnippets) assert.ok(s.description.length > 10);
});

test('examples/.vscode/launch.json holds every built-in scenario', () => {
  const text = readFileSync('examples/.vscode/launch.json', 'utf8').replace(/^\s*\/\/.*$/gm, '');
  const cfg = JSON.parse(text) as { configurations: Array<{ scenario: string }> };
  for (const n of BUILTIN_NAMES) assert.ok(cfg.configurations.some((c) => c.scenario === n), n);
});

test('walkthrough steps point at pages that exist', () => {
  const steps = pkg.contributes.walkthroughs[0].steps as Array<{ media: { markdown: string } }>;
  assert.equal(steps.length, 5);
  for (const s of steps) assert.ok(existsSync(s.media.markdown), s.media.markdown);
});

test('the phases tree names functions and phases of the listing', () => {
  const phases = new Set<string>();
  for (const fn of LISTING.fns.values()) for (const st of fn.body) if (st.phase) phases.add(st.phase);
  for (const stage of STAGES) {
    for (const f of stage.functions) assert.ok(LISTING.fns.has(f), `${stage.name}: ${f}`);
    if (stage.phase) assert.ok(phases.has(stage.phase), stage.phase);
  }
  const listed = new Set(STAGES.flatMap((s) => s.functions));
  for (const f of LISTING.fns.keys()) assert.ok(listed.has(f), `${f} is in no stage`);
});

test('workspace trust is declared and the process adapter is a restricted setting', () => {
  const t = pkg.capabilities.untrustedWorkspaces;
  assert.equal(t.supported, 'limited');
  assert.ok(t.restrictedConfigurations.includes('fsr.adapter.runAsProcess'));
});
