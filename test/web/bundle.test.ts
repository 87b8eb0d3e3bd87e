// The web bundle's rule (ARCHITECTURE.md, Build): nothing in it may pull in a Node built-in. The check
// build.mjs runs (scripts/no-node-builtins.mjs) fails a tiny entry that imports one, even a built-in
// whose name an installed package shares; the real web entry passes it and leaves the desktop-only
// files out.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as esbuild from 'esbuild';
import { WEB_SUBSTITUTES, isNodeBuiltin, noNodeBuiltins } from '../../scripts/no-node-builtins.mjs';

const root = process.cwd();
/** build.mjs's web context, written to memory. */
const webOptions = (entry: string): esbuild.BuildOptions => ({
  entryPoints: [entry], bundle: true, write: false, metafile: true, logLevel: 'silent', target: 'es2022', mainFields: ['module', 'main'],
  platform: 'browser', format: 'cjs', external: ['vscode'], plugins: [noNodeBuiltins({ substitutes: WEB_SUBSTITUTES, root })],
});

/** A scratch folder inside the tree (out/ is ignored), so that node_modules resolves from it. */
function scratch(): string {
  mkdirSync(join(root, 'out'), { recursive: true });
  return mkdtempSync(join(root, 'out', 'web-bundle-'));
}

async function buildErrors(source: string): Promise<string[]> {
  const dir = scratch();
  try {
    const entry = join(dir, 'entry.ts');
    writeFileSync(join(dir, 'helper.ts'), source);
    writeFileSync(entry, "import { x } from './helper';\nexport const y = x;\n");
    await esbuild.build(webOptions(entry));
    return [];
  } catch (e) {
    return ((e as { errors?: esbuild.Message[] }).errors ?? []).map((m) => m.text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a web bundle that imports node:path fails to build, naming the module and who imported it', async () => {
  const errors = await buildErrors("import * as path from 'node:path';\nexport const x = path.join('a', 'b');\n");
  assert.equal(errors.length, 1, errors.join('\n'));
  assert.match(errors[0]!, /^Node built-in "node:path" imported by .*helper\.ts: this bundle runs in a browser's web worker/);
});

test('so does a bare built-in, and one that an installed package shares a name with (events, unsubstituted)', async () => {
  const fs = await buildErrors("import { readFileSync } from 'fs';\nexport const x = readFileSync;\n");
  assert.match(fs.join('\n'), /Node built-in "fs" imported by/);
  const sub = await buildErrors("export { x } from 'fs/promises';\n");
  assert.match(sub.join('\n'), /Node built-in "fs\/promises"/);
  // npm's events is installed (the web bundle's stand-in), so without the plugin esbuild would take it silently.
  const dir = scratch();
  try {
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, "import { EventEmitter } from 'events';\nexport const x = EventEmitter;\n");
    await assert.rejects(esbuild.build({ ...webOptions(entry), plugins: [noNodeBuiltins({ root })] }), /Node built-in "events"/);
    await esbuild.build({ ...webOptions(entry), plugins: [] }); // the plugin, not esbuild, refuses it
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('isNodeBuiltin knows built-ins from packages', () => {
  for (const m of ['node:path', 'path', 'fs/promises', 'node:test', 'events', 'url', 'child_process']) assert.ok(isNodeBuiltin(m), m);
  for (const m of ['vscode', 'zod', '@vscode/debugadapter', 'jsonc-parser', './path', 'events/']) assert.ok(!isNodeBuiltin(m), m);
});

test('the web entry builds under the rule, with the stand-ins and without the desktop-only files', async () => {
  const r = await esbuild.build(webOptions('extension/browser.ts'));
  const inputs = Object.keys(r.metafile!.inputs);
  assert.ok(inputs.includes('extension/shims/url.ts') && inputs.includes('node_modules/events/events.js'), inputs.filter((i) => !i.startsWith('engine')).join('\n'));
  for (const desktopOnly of ['extension/node.ts', 'extension/adapterFactory.ts', 'adapter/main.ts']) assert.ok(!inputs.includes(desktopOnly), desktopOnly);
  for (const i of inputs) assert.ok(!isNodeBuiltin(i), i);
  const out = Object.values(r.metafile!.outputs)[0]!;
  assert.deepEqual([...new Set(out.imports.map((i) => i.path))], ['vscode']);
});
