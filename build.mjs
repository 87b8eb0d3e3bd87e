// One esbuild config, one context per target (STYLE.md §12). `node build.mjs [--watch]`.
// The engine is bundled for platform 'neutral': any Node built-in it imported would fail here.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {import('esbuild').BuildOptions[]} */
const targets = [
  {
    entryPoints: ['engine/index.ts'],
    outfile: 'dist/engine.js',
    platform: 'neutral',
    format: 'esm',
  },
];

const common = { bundle: true, sourcemap: !production, minify: production, target: 'es2022', logLevel: 'warning' };
const contexts = await Promise.all(targets.map((t) => esbuild.context({ ...common, ...t })));
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
  console.log(`watching ${targets.length} targets`);
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
