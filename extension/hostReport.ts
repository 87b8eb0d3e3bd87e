// Where this extension host runs, as it sees itself: the entry VS Code loaded (package.json `main` or
// `browser`), the UI kind, and what the global scope holds (a web worker has `importScripts` and
// `WorkerGlobalScope`, no `process`), and whether the handoff's scan runs in WebAssembly here
// (engine/dirscan.ts; a worker whose CSP refuses WebAssembly runs it in JavaScript). Logged at
// activation and returned by the API, so tests can prove which host ran the extension.

import * as vscode from 'vscode';
import { wasmScanAvailable } from '../engine/index';

export interface HostReport {
  /** The entry VS Code loaded: dist/extension.js (`node`) or dist/web/extension.js (`web`). */
  entry: 'node' | 'web';
  uiKind: 'desktop' | 'web';
  /** `typeof process` in the extension host's global scope. */
  process: string;
  /** `typeof importScripts` (a worker's). */
  importScripts: string;
  /** The global scope is a WorkerGlobalScope. */
  worker: boolean;
  /** The handoff's scan loop compiled to WebAssembly here (else the JavaScript loop runs). */
  wasmScan: boolean;
}

export function hostReport(entry: 'node' | 'web'): HostReport {
  const g = globalThis as { process?: unknown; importScripts?: unknown; WorkerGlobalScope?: abstract new () => unknown };
  return {
    entry,
    uiKind: vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop',
    process: typeof g.process,
    importScripts: typeof g.importScripts,
    worker: typeof g.WorkerGlobalScope === 'function' && globalThis instanceof g.WorkerGlobalScope,
    wasmScan: wasmScanAvailable(),
  };
}

export function describeHost(r: HostReport): string {
  const where = r.worker && r.process === 'undefined' ? 'a web worker' : r.process === 'object' ? 'Node' : 'an unknown host';
  return `entry ${r.entry}, running in ${where} (uiKind ${r.uiKind}, typeof process ${r.process}, typeof importScripts ${r.importScripts}, WorkerGlobalScope ${r.worker}), handoff scan in ${r.wasmScan ? 'WebAssembly' : 'JavaScript'}`;
}
