// `npm start`: sets up and starts the product on this machine — installs the tools into .tools/, builds
// and installs the .vsix into code-server, opens examples/ on loopback and prints the URL. Knows no extension internals.
import { spawnSync } from 'node:child_process';
/* global setInterval */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTools } from './tools.mjs';
import { installVsix, startCodeServer } from '../test/e2e-vscode/codeServer.mjs';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const tools = ensureTools();
if (spawnSync('node', ['-e', 'require.resolve("esbuild")'], { cwd: root }).status !== 0) {
  console.error('[start] installing the project’s dependencies (npm ci) …');
  spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}
console.error('[start] building the extension (.vsix) …');
const pack = spawnSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (pack.status !== 0) process.exit(pack.status ?? 1);

// A stable place for the editor's state, so settings and open editors survive restarts.
const state = join(root, '.tools', 'state');
const s = {
  dir: state,
  env: { XDG_CONFIG_HOME: join(state, 'xdg-config'), XDG_DATA_HOME: join(state, 'xdg-data'), XDG_CACHE_HOME: join(state, 'xdg-cache') },
  userData: join(state, 'user-data'),
  extensions: join(state, 'extensions'),
};
for (const d of Object.values(s.env)) mkdirSync(d, { recursive: true });
installVsix(tools, s, join(root, 'fsr-handoff-debugger.vsix'));
const server = await startCodeServer(tools, s, { workspace: join(root, 'examples'), settings: { 'workbench.startupEditor': 'readme' } });
console.log(`\nFSR Handoff Debugger is running in VS Code (code-server) with examples/ open:\n\n  ${server.url}/?folder=${encodeURIComponent(join(root, 'examples'))}\n\nOpen it in a browser on this machine (loopback only). Ctrl+C stops it.`);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
