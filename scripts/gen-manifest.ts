// Rewrites the generated part of package.json (the `fsr` debugger contribution: launch schema,
// initialConfigurations, snippets) from extension/manifest.ts. `npm run gen:manifest`; a unit test checks it is current.
import { readFileSync, writeFileSync } from 'node:fs';
import { debuggerContribution } from '../extension/manifest';

const file = new URL('../package.json', import.meta.url);
const pkg = JSON.parse(readFileSync(file, 'utf8'));
pkg.contributes ??= {};
const others = (pkg.contributes.debuggers ?? []).filter((d: { type?: string }) => d.type !== 'fsr');
pkg.contributes.debuggers = [debuggerContribution(), ...others];
writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
console.log('package.json: contributes.debuggers[fsr] regenerated');
