// An esbuild plugin for bundles that run where there is no Node (the web extension in a browser's web
// worker): the build fails, naming the importer, when anything in the bundle imports a Node built-in
// (`node:path`, `fs`, `events`, …), whether or not a package of that name happens to be installed.
// `substitutes` names the few a dependency needs and what stands in for each (a browser module),
// so every exception is written down in build.mjs. Shared by build.mjs and its test.
import { builtinModules, createRequire } from 'node:module';
import { join, resolve } from 'node:path';

/**
 * The web bundle's stand-ins: @vscode/debugadapter's DebugSession imports `url` for URL alone (the
 * platform's, extension/shims/url.ts) and its ProtocolServer extends `events`' EventEmitter (npm's
 * events, the browser port of Node's).
 */
export const WEB_SUBSTITUTES = Object.freeze({ events: 'events', url: './extension/shims/url.ts' });

const builtins = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/** Whether `path` names a Node built-in module (`node:x`, `x`, `x/sub`). */
export function isNodeBuiltin(path) {
  if (path.startsWith('node:')) return true;
  if (path.endsWith('/')) return false; // `events/`: the package in node_modules, as Node reads it
  return builtins.has(path) || builtins.has(path.split('/')[0]);
}

/**
 * @param {{ substitutes?: Record<string, string>, root?: string }} [options] a built-in's name →
 *   the module that stands in for it (a package name, or a path relative to `root`)
 * @returns {import('esbuild').Plugin}
 */
export function noNodeBuiltins({ substitutes = {}, root = process.cwd() } = {}) {
  return {
    name: 'no-node-builtins',
    setup(build) {
      const requireFrom = createRequire(join(root, 'package.json'));
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point' || !isNodeBuiltin(args.path)) return undefined;
        const sub = Object.hasOwn(substitutes, args.path) ? substitutes[args.path] : undefined;
        if (sub !== undefined) {
          if (sub.startsWith('.')) return { path: resolve(root, sub) };
          // A package, perhaps of the built-in's own name (npm's `events`): the trailing slash makes
          // Node resolve the package in node_modules, not the built-in.
          try {
            return { path: requireFrom.resolve(`${sub}/`) };
          } catch (e) {
            return { errors: [{ text: `the stand-in "${sub}" for Node's "${args.path}" is not installed: ${e.message}` }] };
          }
        }
        const from = args.importer ? args.importer.replace(`${root}/`, '') : '(entry)';
        return {
          errors: [{
            text: `Node built-in "${args.path}" imported by ${from}: this bundle runs in a browser's web worker, which has no Node (ARCHITECTURE.md, Build)`,
          }],
        };
      });
    },
  };
}
