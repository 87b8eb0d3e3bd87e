// Types for no-node-builtins.mjs (imported by build.mjs and by test/web/bundle.test.ts).
import type { Plugin } from 'esbuild';

export const WEB_SUBSTITUTES: Readonly<Record<string, string>>;
export function isNodeBuiltin(path: string): boolean;
export function noNodeBuiltins(options?: { substitutes?: Readonly<Record<string, string>>; root?: string }): Plugin;
