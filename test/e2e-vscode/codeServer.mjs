// Runs a real VS Code here: code-server (from .tools/, on Node 24) on a free loopback port, and a
// headless Chromium driven by playwright-core. Shared by the stand-in VS Code executable and the UI test; knows no extension.
import { spawn, spawnSync } from 'node:child_process';
/* global fetch */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTools } from '../../scripts/tools.mjs';

export const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A private place for code-server's user data, extensions and config (else it writes under ~). */
export function scratch(prefix = 'fsr-vscode-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const env = { XDG_CONFIG_HOME: join(dir, 'xdg-config'), XDG_DATA_HOME: join(dir, 'xdg-data'), XDG_CACHE_HOME: join(dir, 'xdg-cache') };
  for (const d of Object.values(env)) mkdirSync(d, { recursive: true });
  return { dir, env, userData: join(dir, 'udd'), extensions: join(dir, 'ext'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Install a .vsix into the scratch extensions folder (code-server's own CLI, ~1 s). */
export function installVsix(tools, s, vsix) {
  const r = spawnSync(tools.node, [tools.codeServer, '--user-data-dir', s.userData, '--extensions-dir', s.extensions, '--install-extension', vsix], {
    env: { ...tools.env, ...s.env },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`installing ${vsix} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/**
 * Start code-server on a free loopback port; resolves once it answers HTTP. `settings` are written
 * as the user's settings. Returns { url, port, pid, exited, stop(), output() }; `exited` resolves with
 * code-server's exit code (or signal) when it ends.
 */
export async function startCodeServer(tools, s, { workspace, smokeTestDriver = false, settings = {}, extraArgs = [], log = () => {} } = {}) {
  const port = await freePort();
  const userSettings = join(s.userData, 'User');
  mkdirSync(userSettings, { recursive: true });
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(userSettings, 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'update.mode': 'none',
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    ...settings,
  }, null, 2));
  const args = [
    tools.codeServer,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir', s.userData,
    '--extensions-dir', s.extensions,
    ...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    ...extraArgs,
    ...(workspace ? [workspace] : []),
  ];
  let out = '';
  const child = spawn(tools.node, args, { env: { ...tools.env, ...s.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  child.stdout.on('data', (d) => {
    out += d;
    log(String(d));
  });
  child.stderr.on('data', (d) => {
    out += d;
    log(String(d));
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${out}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`code-server did not answer on ${url} within 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    pid: child.pid,
    exited,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** Headless Chromium (Debian's) through playwright-core, in a fresh profile. */
export async function launchBrowser(tools, s, { width = 1600, height = 1000 } = {}) {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(join(s.dir, 'chromium-profile'), {
    executablePath: tools.chromium,
    headless: true,
    viewport: { width, height },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export { ensureTools };
