// Unit tests for the extension's manifest: the generated debugger contribution is current, every
// scenario has a snippet and a launch.json entry, walkthrough pages exist, the phases tree names real functions.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
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

test('walkthrough steps point at pages that exist, and their buttons start built-in scenarios', () => {
  const steps = pkg.contributes.walkthroughs[0].steps as Array<{ id: string; description: string; media: { markdown: string } }>;
  assert.ok(steps.length > 0);
  assert.equal(new Set(steps.map((s) => s.id)).size, steps.length, 'step ids are unique');
  for (const s of steps) {
    assert.ok(existsSync(s.media.markdown), s.media.markdown);
    for (const m of s.description.matchAll(/command:fsr\.startScenario\?([^)]+)\)/g)) {
      const [name] = JSON.parse(decodeURIComponent(m[1]!)) as [string];
      assert.ok((BUILTIN_NAMES as readonly string[]).includes(name), `${s.id}: ${name} is a built-in scenario`);
    }
  }
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

test('the launch.json schema describes every launch attribute the adapter reads', async () => {
  const { LAUNCH_ATTRIBUTES } = await import('../../adapter/launch');
  const fsr = pkg.contributes.debuggers.find((d: { type: string }) => d.type === 'fsr');
  assert.deepEqual(Object.keys(fsr.configurationAttributes.launch.properties).sort(), [...LAUNCH_ATTRIBUTES].sort());
});

test('every command the extension registers is contributed, and every menu, key and view item names one', () => {
  const registered = new Set<string>();
  for (const f of readdirSync('extension').filter((n: string) => n.endsWith('.ts'))) {
    for (const m of readFileSync(`extension/${f}`, 'utf8').matchAll(/registerCommand\('([^']+)'/g)) registered.add(m[1]!);
  }
  const declared = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));
  assert.deepEqual([...registered].sort(), [...declared].sort());
  const used = [
    ...Object.values(pkg.contributes.menus as Record<string, Array<{ command: string }>>).flat().map((m) => m.command),
    ...pkg.contributes.keybindings.map((k: { command: string }) => k.command),
  ];
  for (const c of used) assert.ok(declared.has(c), `${c} is used in a menu or key but not contributed`);
  for (const c of pkg.contributes.commands as Array<{ icon?: string | { light: string; dark: string } }>) {
    if (c.icon && typeof c.icon === 'object') for (const p of [c.icon.light, c.icon.dark]) assert.ok(existsSync(p), p);
  }
});

test("the examples' bookmarks name phases at their steps (a change to the program that moves them shows here)", async () => {
  const { Session, builtinScenario } = await import('../../engine/index');
  const text = readFileSync('examples/.vscode/launch.json', 'utf8').replace(/^\s*\/\/.*$/gm, '');
  const cfg = JSON.parse(text) as { configurations: Array<{ name: string; scenario: string; startAtStep?: number; bookmarks?: Array<{ name: string; step: number }> }> };
  const marked = cfg.configurations.filter((c) => c.bookmarks);
  assert.ok(marked.length > 0);
  for (const c of marked) {
    const s = new Session(builtinScenario(c.scenario));
    s.runToEnd();
    const phases = s.phases();
    for (const b of [...c.bookmarks!, ...(c.startAtStep !== undefined ? [{ name: 'startAtStep', step: c.startAtStep }] : [])]) {
      const p = phases.find((x) => x.step === b.step);
      assert.ok(p, `${c.name}: no phase at step ${b.step} (${b.name}); phases: ${phases.map((x) => `${x.name}@${x.step}`).join(', ')}`);
      if (b.name !== 'startAtStep') assert.ok(b.name.startsWith(p.name), `${c.name}: "${b.name}" is at step ${b.step}, where the phase is "${p.name}"`);
    }
    const redirects = phases.filter((x) => x.name === 'pdir redirect');
    const last = c.bookmarks!.find((b) => b.name.endsWith('the last'));
    if (last) assert.equal(last.step, redirects.at(-1)!.step);
  }
});

test('the walkthrough opens moments that exist: its links read back and land on a phase of the run', async () => {
  const { Session, builtinScenario } = await import('../../engine/index');
  const { parseLinkText } = await import('../../extension/moment');
  const steps = pkg.contributes.walkthroughs[0].steps as Array<{ description: string }>;
  const links = steps.flatMap((s) => [...s.description.matchAll(/\(command:fsr\.openMomentLink\?([^)]+)\)/g)].map((m) => JSON.parse(decodeURIComponent(m[1]!))[0] as string));
  assert.ok(links.length > 0);
  for (const l of links) {
    const m = parseLinkText(l, 'fsr-handoff.fsr-handoff-debugger');
    const s = new Session(builtinScenario(m.scenario));
    s.runToEnd();
    assert.ok(s.phases().some((p) => p.step === m.step), `${l}: no phase at step ${m.step}`);
  }
});
