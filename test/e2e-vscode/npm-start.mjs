// The README's first command, as a newcomer runs it: `npm start` in the repository root (a child in its
// own process group, with a shell's environment), waited on until it prints its URL (on a fresh clone
// that includes installing the tools into .tools/). Then: the URL serves VS Code's workbench; in a
// headless Chromium the workbench opens examples/ and the extension's FSR Phases view lists the
// handoff's phases (so the extension is installed and running); Ctrl+C — SIGINT to the process group,
// by its id — stops npm start and code-server with every process they started. Prints
// `N passed, N failed` (or writes it to $FSR_RESULTS when set). The editor's state goes to a scratch
// FSR_STATE_DIR, so a developer's .tools/state is left alone. FSR_START_TIMEOUT_MS: how long to wait
// for the URL (default 15 minutes: a first run downloads ~0.9 GB).
import { spawn } from 'node:child_process';
/* global document, fetch */ // document: inside page.waitForFunction, which runs in the page
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, ensureTools } from '../../scripts/tools.mjs';
import { launchBrowser, root } from './codeServer.mjs';

const START_TIMEOUT_MS = Number(process.env.FSR_START_TIMEOUT_MS ?? 15 * 60_000);
const STOP_TIMEOUT_MS = 30_000;
const shots = join(root, 'test', 'screenshots');

/** Processes whose process group is `pgid`, or whose environment names `marker` (they left the group). */
function survivors(pgid, marker) {
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so read after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      const inGroup = Number(fields[2]) === pgid;
      const marked = !inGroup && readFileSync(`/proc/${name}/environ`, 'utf8').includes(marker);
      if (inGroup || marked) found.push(`${name}: ${readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 200)}`);
    } catch {
      /* gone meanwhile, or not ours to read */
    }
  }
  return found;
}

export async function runStartSmokeTest() {
  const state = mkdtempSync(join(tmpdir(), 'fsr-npm-start-'));
  const results = [];
  const check = async (name, fn) => {
    const t0 = Date.now();
    try {
      await fn();
      results.push(true);
      console.log(`  ✔ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      return true;
    } catch (e) {
      results.push(false);
      console.log(`  ✘ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s): ${e?.message ?? e}`);
      return false;
    }
  };

  // A shell's environment: none of the npm_* variables an enclosing `npm test` exported.
  const env = { ...cleanEnv(), FSR_STATE_DIR: state };
  let log = '';
  const child = spawn('npm', ['start'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal));
    child.once('error', (e) => resolve(`spawn error: ${e.message}`));
  });
  let exit = null;
  exited.then((how) => (exit = how));
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const tail = (n = 40) => `the start log's last lines:\n${log.trimEnd().split('\n').slice(-n).map((l) => `    | ${l}`).join('\n')}`;

  let url = null;
  let browser = null;
  try {
    const up = await check(`npm start prints its URL (within ${START_TIMEOUT_MS / 60_000} min)`, async () => {
      const deadline = Date.now() + START_TIMEOUT_MS;
      for (;;) {
        url = /^\s+(http:\/\/127\.0\.0\.1:\d+\/\S*)\s*$/m.exec(log)?.[1] ?? null;
        if (url) return;
        if (exit !== null) throw new Error(`npm start exited (${exit}) without a URL; ${tail()}`);
        if (Date.now() > deadline) throw new Error(`no URL after ${START_TIMEOUT_MS / 1000} s; ${tail()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    });
    if (up) console.log(`    ${url}`);

    const served = up && await check('the URL serves the VS Code workbench', async () => {
      const r = await fetch(url);
      const body = await r.text();
      if (!r.ok) throw new Error(`HTTP ${r.status} from ${url}`);
      if (!/text\/html/.test(r.headers.get('content-type') ?? '')) throw new Error(`content-type ${r.headers.get('content-type')}, not HTML`);
      if (!/vscode-workbench-web-configuration/.test(body) || !/workbench\/workbench\.js/.test(body)) {
        throw new Error(`the page is not the workbench:\n${body.slice(0, 400)}`);
      }
    });

    if (served) {
      await check('in a browser the workbench opens examples/ and the extension lists its phases in FSR Phases', async () => {
        const tools = ensureTools({ chromium: true });
        mkdirSync(join(state, 'browser'), { recursive: true });
        browser = await launchBrowser(tools, { dir: join(state, 'browser') });
        const page = browser.pages()[0] ?? (await browser.newPage());
        try {
          await page.goto(url);
          await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
          // The folder npm start opened: the window's title names it.
          await page.waitForFunction(() => /\bexamples\b/.test(document.title), null, { timeout: 60_000 });
          // The extension's own view (in its own view container), filled by the extension's code once it is activated.
          const container = page.locator('.activitybar [aria-label^="FSR Handoff"]').first();
          await container.waitFor({ timeout: 60_000 });
          await container.click();
          await page.locator('.part.sidebar .monaco-list-row', { hasText: 'Point of no return' }).first().waitFor({ timeout: 60_000 });
        } catch (e) {
          mkdirSync(shots, { recursive: true });
          const file = join(shots, 'npm-start-FAILED.png');
          await page.screenshot({ path: file }).catch(() => {});
          throw new Error(`${e?.message ?? e} (screenshot: ${file}); ${tail(15)}`, { cause: e });
        }
        mkdirSync(shots, { recursive: true });
        await page.screenshot({ path: join(shots, 'npm-start.png') });
      });
    }
  } finally {
    await browser?.close().catch(() => {});
    if (child.pid !== undefined) await stopAndCheck();
    rmSync(state, { recursive: true, force: true });
  }
  return summarize(results);

  async function stopAndCheck() {
    const ran = exit === null;
    const name = ran
      ? 'Ctrl+C (SIGINT to its process group) stops npm start and code-server, and no process is left'
      : 'no process of the failed npm start is left';
    await check(name, async () => {
      if (ran) {
        process.kill(-child.pid, 'SIGINT');
        const timer = new Promise((r) => setTimeout(() => r('timeout'), STOP_TIMEOUT_MS).unref());
        if ((await Promise.race([exited, timer])) === 'timeout') throw new Error(`npm start still runs ${STOP_TIMEOUT_MS / 1000} s after SIGINT; ${tail(15)}`);
      }
      // Give the group's other members a moment to finish exiting.
      let left = survivors(child.pid, state);
      for (let i = 0; i < 50 && left.length; i++) {
        await new Promise((r) => setTimeout(r, 200));
        left = survivors(child.pid, state);
      }
      if (left.length) throw new Error(`still running 10 s after npm start exited:\n    ${left.join('\n    ')}`);
      if (url && (await fetch(url).then(() => true, () => false))) throw new Error(`${url} still answers`);
    });
    // Whatever the check found, leave nothing behind.
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* the group is gone */
    }
    for (const line of survivors(child.pid, state)) {
      try {
        process.kill(Number(line.split(':')[0]), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}

function summarize(results) {
  return { passed: results.filter(Boolean).length, failed: results.filter((r) => !r).length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log('npm start, as the README says (a first run installs the tools into .tools/):');
  const t0 = Date.now();
  runStartSmokeTest().then(
    ({ passed, failed }) => {
      const line = `${passed} passed, ${failed} failed`;
      console.log(`npm start test took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      if (process.env.FSR_RESULTS) writeFileSync(process.env.FSR_RESULTS, `${line}\n`);
      else console.log(line);
      process.exit(failed ? 1 : 0);
    },
    (e) => {
      console.log(`the npm start test could not run: ${e?.stack ?? e}`);
      if (process.env.FSR_RESULTS) writeFileSync(process.env.FSR_RESULTS, '0 passed, 1 failed\n');
      else console.log('0 passed, 1 failed');
      process.exit(1);
    },
  );
}
