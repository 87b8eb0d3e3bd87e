// One esbuild config, one context per target (STYLE.md §12). `node build.mjs [--watch] [--production]`.
// A target builds once its entry file exists. The engine is bundled for platform 'neutral': any
// Node built-in it imported would fail the build. So does the web extension's (noNodeBuiltins).
import * as esbuild from 'esbuild';
import { chmodSync, existsSync } from 'node:fs';
import { WEB_SUBSTITUTES, noNodeBuiltins } from './scripts/no-node-builtins.mjs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {import('esbuild').BuildOptions[]} */
const targets = [
  // The engine alone, proving it needs nothing from Node, the DOM or vscode.
  { entryPoints: ['engine/index.ts'], outfile: 'dist/engine.js', platform: 'neutral', format: 'esm', mainFields: ['module', 'main'] },
  // The stand-alone debug adapter: `node dist/adapter.js` (stdio) or `--server=PORT`.
  { entryPoints: ['adapter/main.ts'], outfile: 'dist/adapter.js', platform: 'node', format: 'cjs' },
  // The extension host side; vscode is provided at run time.
  { entryPoints: ['extension/node.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', external: ['vscode'] },
  // The same extension for the browser's web worker host (package.json `browser`). No Node built-in
  // may enter it; @vscode/debugadapter's two are stood in for (WEB_SUBSTITUTES).
  { entryPoints: ['extension/browser.ts'], outfile: 'dist/web/extension.js', platform: 'browser', format: 'cjs', external: ['vscode'],
    plugins: [noNodeBuiltins({ substitutes: WEB_SUBSTITUTES })] },
  // The webview's browser code.
  { entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife' },
  // The headless simulator: `npx fsr-sim run <scenario|file>`.
  { entryPoints: ['cli/fsr-sim.ts'], outfile: 'dist/fsr-sim.js', platform: 'node', format: 'cjs', banner: { js: '#!/usr/bin/env node' } },
].filter((t) => existsSync(t.entryPoints[0]));

// Packages' ES module builds first, for every target: jsonc-parser's CommonJS build loads its parts by
// dynamic require, which a bundle cannot follow.
const common = { bundle: true, sourcemap: !production, minify: production, target: 'es2022', logLevel: 'warning', mainFields: ['module', 'main'] };
const contexts = await Promise.all(targets.map((t) => esbuild.context({ ...common, ...t })));
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
  console.log(`watching ${targets.length} targets`);
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
// The CLI is run directly too (`./dist/fsr-sim.js`).
if (existsSync('dist/fsr-sim.js')) chmodSync('dist/fsr-sim.js', 0o755);
