// The harness's side inside a browser's Web Worker: loads the web bundle (dist/web/extension.js, served
// wrapped as `self.__fsrExtension(require, module, exports)` so that importScripts loads it under a
// strict CSP too), activates it against the vscode stand-in with a virtual workspace read by fetch,
// and answers the Node side's calls through `self.fsrHarness` (Playwright's worker.evaluate).
import { type ExtensionModule, type StandIn, activateExtension, endTimed, makeVscode, timeLaunchAndSteps, walk } from './standin';

declare const importScripts: (...urls: string[]) => void;
type Loader = (require: (name: string) => unknown, module: { exports: ExtensionModule }, exports: ExtensionModule) => void;
const g = globalThis as unknown as { __fsrExtension?: Loader; fsrHarness: unknown };

const ORIGIN = self.location.origin;

function activate(pick?: string): { si: StandIn; api: unknown } {
  const si = makeVscode({
    uiKind: 'web',
    workspace: `${ORIGIN}/examples`,
    pick,
    settings: { 'fsr.hostMemory.openOnStop': false },
    async readFile(uri) {
      const r = await fetch(uri.toString());
      if (!r.ok) throw new Error(`${uri.toString()}: HTTP ${r.status}`);
      return new Uint8Array(await r.arrayBuffer());
    },
  });
  if (!g.__fsrExtension) importScripts(`${ORIGIN}/ext.js`);
  const module = { exports: {} as ExtensionModule };
  g.__fsrExtension!((name) => {
    if (name === 'vscode') return si.vscode;
    throw new Error(`the web bundle asked for "${name}", which a web worker does not have`);
  }, module, module.exports);
  return { si, ...activateExtension(module.exports, `${ORIGIN}/ext`) };
}

g.fsrHarness = {
  async walk(config: Record<string, unknown>, pick?: string) {
    const { si, api } = activate(pick);
    return walk(si, api, config);
  },
  async time(config: Record<string, unknown>, steps: number) {
    const { si } = activate();
    return timeLaunchAndSteps(si, config, steps);
  },
  endTimed,
  /** A full collection where the worker has one (Chromium with --js-flags=--expose-gc). */
  gc() {
    (globalThis as { gc?: () => void }).gc?.();
  },
  hostReport() {
    return (activate().api as { host: unknown }).host;
  },
};
