// One lint config for the whole tree. The layer rules of ARCHITECTURE.md live here too:
// the engine imports nothing from vscode, @vscode/*, Node or the DOM; the adapter imports no
// Node built-in except in its stand-alone entry point.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
/** Node's globals, which a web worker does not have. */
const nodeGlobals = ['process', 'require', 'Buffer', 'setImmediate', '__dirname', '__filename', 'global'].map((name) => ({
  name,
  message: `${name} is Node's: this code also runs in the browser's web worker host (ARCHITECTURE.md, Build).`,
}));
const layerMessage = (layer) =>
  `${layer} must stay free of this import (see ARCHITECTURE.md, layer rules).`;

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', '.tools/', 'test/screenshots/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.mjs', 'test/**/*.ts'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: layerMessage('The engine') },
          ...nodeBuiltins.map((name) => ({ name, message: layerMessage('The engine') }))],
        patterns: [{ group: ['@vscode/*', 'node:*'], message: layerMessage('The engine') },
          { group: ['../adapter/*', '../extension/*', '../webview/*'], message: 'The engine depends on no other layer.' }],
      }],
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'require', 'Buffer', 'setImmediate'],
    },
  },
  {
    // The time-travel glue must also run in a browser extension host: no Node built-ins, no Node globals.
    files: ['extension/{moment,fsrSessions,timeTravel,links,bookmarksView,watchesView,stepStatus}.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins.map((name) => ({ name, message: 'Time-travel UI code runs in a browser extension host too: use vscode.workspace.fs, vscode.env.clipboard, vscode.Uri.' })),
        patterns: [{ group: ['node:*'], message: 'Time-travel UI code runs in a browser extension host too.' }],
      }],
      'no-restricted-globals': ['error', 'process', 'require', 'Buffer', 'setImmediate', '__dirname'],
    },
  },
  {
    files: ['adapter/**/*.ts'],
    ignores: ['adapter/main.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: layerMessage('The adapter') },
          ...nodeBuiltins.map((name) => ({ name, message: 'Only adapter/main.ts (the stand-alone entry) may import Node built-ins.' }))],
        patterns: [{ group: ['node:*'], message: 'Only adapter/main.ts may import Node built-ins.' },
          { group: ['../extension/*', '../webview/*'], message: 'The adapter depends only on the engine.' }],
      }],
      // It runs inline in the browser's web worker host too, where none of these exist.
      'no-restricted-globals': ['error', ...nodeGlobals],
    },
  },
  {
    // The extension as the web entry (extension/browser.ts) bundles it: no Node except in the
    // desktop-only files (the entry node.ts and the process adapter).
    files: ['extension/**/*.ts'],
    ignores: ['extension/node.ts', 'extension/adapterFactory.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins.map((name) => ({ name, message: 'The web extension has no Node: only extension/node.ts and adapterFactory.ts (desktop only) may import Node built-ins.' })),
        patterns: [{ group: ['node:*'], message: 'The web extension has no Node: only extension/node.ts and adapterFactory.ts may import Node built-ins.' }],
      }],
      'no-restricted-globals': ['error', ...nodeGlobals],
    },
  },
);
