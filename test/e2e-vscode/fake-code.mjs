#!/usr/bin/env node
// Stands in for the VS Code executable @vscode/test-electron would download: takes the same arguments
// (--extensionDevelopmentPath, --extensionTestsPath, a folder), runs them in code-server + headless Chromium, exits with the tests' code.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { format } from 'node:util';
import { ensureTools, launchBrowser, scratch, startCodeServer } from './codeServer.mjs';

const TIMEOUT_MS = Number(process.env.FSR_VSCODE_TEST_TIMEOUT_MS ?? 10 * 60_000);

function parseArgs(argv) {
  const o = { dev: [], tests: null, folder: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const [k, v] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const val = () => v ?? argv[++i];
    if (k === '--extensionDevelopmentPath') o.dev.push(resolve(val()));
    else if (k === '--extensionTestsPath') o.tests = resolve(val());
    else if (k === '--user-data-dir' || k === '--extensions-dir' || k === '--locale' || k === '--log') val(); // ignored: code-server gets its own
    else if (!a.startsWith('-')) o.folder = resolve(a);
    // other switches test-electron passes (--no-sandbox, --disable-updates, --skip-welcome, …) do not apply here
  }
  return o;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!o.tests || o.dev.length === 0) {
    console.error('usage: fake-code.mjs --extensionDevelopmentPath=DIR --extensionTestsPath=FILE [FOLDER]');
    return 2;
  }
  const tools = ensureTools({ chromium: true });
  const s = scratch('fsr-ext-host-');
  const server = await startCodeServer(tools, s, { smokeTestDriver: true });
  const browser = await launchBrowser(tools, s);
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    let finish;
    const done = new Promise((r) => (finish = r));
    await page.exposeFunction('codeAutomationExit', (code) => finish(Number(code) || 0));
    // Everything the workbench and the tests log goes to a file; the tests' own output (from the
    // suite's start marker on) also to stdout.
    const logFile = join(dirname(o.tests), 'vscode.log');
    mkdirSync(dirname(logFile), { recursive: true });
    writeFileSync(logFile, '');
    let echo = process.env.FSR_VSCODE_VERBOSE === '1';
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const line = format(...(Array.isArray(args) ? args : [args]));
      const text = line.endsWith('\n') ? line : `${line}\n`;
      appendFileSync(logFile, text);
      if (line.includes('--- extension-host tests ---')) echo = true;
      if (echo) (type === 'error' ? process.stderr : process.stdout).write(text);
    });
    const host = `127.0.0.1:${server.port}`;
    const payload = [...o.dev.map((d) => ['extensionDevelopmentPath', `vscode-remote://${host}${d}`]), ['extensionTestsPath', `vscode-remote://${host}${o.tests}`]];
    const url = `${server.url}/?${o.folder ? `folder=${encodeURIComponent(o.folder)}&` : 'ew=true&'}payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);
    const timer = new Promise((r) => setTimeout(() => r('timeout'), TIMEOUT_MS).unref());
    const code = await Promise.race([done, timer]);
    if (code === 'timeout') {
      console.error(`the extension tests did not finish within ${TIMEOUT_MS / 1000} s`);
      return 1;
    }
    return code;
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
    s.remove();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e?.stack ?? String(e));
    process.exit(1);
  },
);
