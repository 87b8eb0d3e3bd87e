// `npm start`: sets up and starts the product on this machine — installs the tools into .tools/, builds
// and installs the .vsix into code-server, opens examples/ on loopback and prints the URL. Knows no extension internals.
// FSR_STATE_DIR: where the editor keeps its settings, extensions and caches (default .tools/state).
import { spawnSync } from 'node:child_process';
/* global setInterval */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureTools } from './tools.mjs';
import { installVsix, startCodeServer } from '../test/e2e-vscode/codeServer.mjs';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

function fail(message) {
  console.error(`[start] ${message}`);
  process.exit(1);
}

let tools;
try {
  tools = ensureTools();
} catch (e) {
  fail(`could not install the tools into .tools/: ${e?.message ?? e}`);
}
if (spawnSync('node', ['-e', 'require.resolve("esbuild")'], { cwd: root }).status !== 0) {
  console.error('[start] installing the project’s dependencies (npm ci) …');
  if (spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' }).status !== 0) fail('npm ci failed');
}
console.error('[start] building the extension (.vsix) …');
const pack = spawnSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (pack.status !== 0) fail(`npm run package failed (${pack.status ?? pack.signal})`);

// A stable place for the editor's state, so settings and open editors survive restarts.
const state = process.env.FSR_STATE_DIR ? resolve(process.env.FSR_STATE_DIR) : join(root, '.tools', 'state');
const s = {
  dir: state,
  env: { XDG_CONFIG_HOME: join(state, 'xdg-config'), XDG_DATA_HOME: join(state, 'xdg-data'), XDG_CACHE_HOME: join(state, 'xdg-cache') },
  userData: join(state, 'user-data'),
  extensions: join(state, 'extensions'),
};
for (const d of Object.values(s.env)) mkdirSync(d, { recursive: true });
let server;
try {
  installVsix(tools, s, join(root, 'fsr-handoff-debugger.vsix'));
  server = await startCodeServer(tools, s, { workspace: join(root, 'examples'), settings: { 'workbench.startupEditor': 'readme' } });
} catch (e) {
  fail(e?.message ?? String(e));
}
console.log(`\nFSR Handoff Debugger is running in VS Code (code-server) with examples/ open:\n\n  ${server.url}/?folder=${encodeURIComponent(join(root, 'examples'))}\n\nOpen it in a browser on this machine (loopback only). Ctrl+C stops it.`);
let stopping = false;
const stop = async () => {
  stopping = true;
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// code-server ending by itself ends `npm start` (a Ctrl+C reaches both: give our handler its turn first).
server.exited.then((how) => setTimeout(() => {
  if (!stopping) fail(`code-server stopped (${how}); its last output:\n${server.output().split('\n').slice(-20).join('\n')}`);
}, 500));
setInterval(() => {}, 1 << 30);
