// The end-to-end UI test in a real VS Code (code-server + headless Chromium): installs the .vsix, opens
// examples/, ticks World_SetPanicNoCore in FSR Phases, runs shared-swap to it, reads a PFrame in Variables,
// sees the host-memory map, steps back, and reads from the extension's own log which host ran it.
// `host: 'web'` pins the extension to the browser's web worker extension host (`extensions.webWorker`,
// `remote.extensionKind`), where VS Code loads package.json's `browser` entry, and then also measures
// big-vm there (launch to the first stop, a step, the renderer's memory, the page's longest frame).
// Screenshots go to test/screenshots/ (git-ignored; `web-…` for the web run). Knows the UI only.
import { cpSync, mkdirSync } from 'node:fs';
/* global document, window, requestAnimationFrame, performance */ // used inside page.evaluate, which runs in the page
import { join } from 'node:path';
import { chromiumBrowserPid, rendererRss } from '../../web/rss.mjs';
import { ensureTools, installVsix, launchBrowser, root, scratch, startCodeServer } from '../codeServer.mjs';

const shots = join(root, 'test', 'screenshots');
const EXT_ID = 'fsr-handoff.fsr-handoff-debugger';

/** The settings that run our extension in the web worker extension host instead of the Node one. */
export const WEB_WORKER_SETTINGS = { 'extensions.webWorker': true, 'remote.extensionKind': { [EXT_ID]: ['web'] } };

/** Chromium's renderers' resident memory, for the browser whose profile is in `dir`. */
function rendererRssOf(dir) {
  const pid = chromiumBrowserPid(dir);
  return pid ? rendererRss(pid) : NaN;
}

/** Runs the steps as checks; returns { passed, failed, figures }. */
export async function runUiTest({ vsix, host = 'node' }) {
  mkdirSync(shots, { recursive: true });
  const tools = ensureTools({ chromium: true });
  const s = scratch('fsr-e2e-');
  const results = [];
  installVsix(tools, s, vsix);
  const ws = join(s.dir, 'examples');
  cpSync(join(root, 'examples'), ws, { recursive: true });
  const web = host === 'web';
  const server = await startCodeServer(tools, s, { workspace: ws, settings: web ? WEB_WORKER_SETTINGS : {} });
  const figures = {};
  const browser = await launchBrowser(tools, s);
  const page = browser.pages()[0] ?? (await browser.newPage());
  let n = 0;
  const shot = async (name) => {
    const file = join(shots, `${web ? 'web-' : ''}${String(++n).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file });
    return file;
  };
  const step = async (name, fn) => {
    const t0 = Date.now();
    try {
      await fn();
      results.push({ name, ok: true });
      console.log(`  ✔ ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      results.push({ name, ok: false });
      console.log(`  ✘ ${name}: ${e?.message ?? e}`);
      await shot(`FAILED-${name.replace(/\W+/g, '-')}`).catch(() => {});
      throw e;
    }
  };
  try {
    await step('the workbench opens examples/', async () => {
      await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 30_000 }).catch(() => {});
      await page.waitForTimeout(2000);
      await shot('workbench');
    });
    await step('FSR Phases lists the stages; ticking World_SetPanicNoCore adds a function breakpoint', async () => {
      await page.keyboard.press('Control+Shift+D');
      const view = page.locator('.pane-header', { hasText: 'FSR Phases' });
      await view.waitFor({ timeout: 30_000 });
      if ((await view.getAttribute('aria-expanded')) !== 'true') await view.click();
      // Give the tree room: fold the other panes while ticking (unfolded again below).
      const fold = async (title, open) => {
        const h = page.locator('.pane-header', { hasText: title }).first();
        if (((await h.getAttribute('aria-expanded')) === 'true') !== open) await h.click();
      };
      for (const t of ['Variables', 'Watch', 'Call Stack', 'Breakpoints']) await fold(t, false);
      const tree = page.locator('.pane', { has: view });
      const stage = tree.locator('.monaco-list-row', { hasText: 'Point of no return' }).first();
      await stage.waitFor({ timeout: 10_000 });
      await stage.click();
      const fnRow = tree.locator('.monaco-list-row', { hasText: 'World_SetPanicNoCore' }).first();
      await fnRow.waitFor({ timeout: 10_000 });
      await fnRow.locator('.custom-view-tree-node-item-checkbox, input[type=checkbox], .monaco-checkbox').first().click();
      await fold('Breakpoints', true);
      await page.locator('.debug-breakpoints .monaco-list-row', { hasText: 'World_SetPanicNoCore' }).first().waitFor({ timeout: 10_000 });
      await shot('phases-tree');
      await fold('FSR Phases', false);
      for (const t of ['Variables', 'Call Stack']) await fold(t, true);
    });
    await step('F5 starts FSR: shared-swap and stops on entry', async () => {
      await page.keyboard.press('F5');
      await page.locator('.debug-toolbar').waitFor({ timeout: 30_000 });
      await page.locator('.debug-call-stack .monaco-list-row').first().waitFor({ timeout: 30_000 });
      await page.waitForTimeout(1500);
      await shot('entry');
    });
    await step('continue stops at World_SetPanicNoCore in the listing', async () => {
      await page.keyboard.press('F5');
      await page.locator('.debug-call-stack .monaco-list-row', { hasText: 'World_SetPanicNoCore' }).first().waitFor({ timeout: 60_000 });
      await page.locator('.tab', { hasText: 'fsr-handoff.c' }).first().waitFor({ timeout: 30_000 });
      await page.waitForTimeout(1500);
      await page.keyboard.press('Control+J'); // hide the bottom panel: room for the listing and the map
      await page.waitForTimeout(500);
      await shot('point-of-no-return');
    });
    await step("Variables show a PFrame's fields", async () => {
      const vars = page.locator('.debug-variables');
      const scope = vars.locator('.monaco-list-row', { hasText: 'vm-src (source' }).first();
      await scope.waitFor({ timeout: 20_000 });
      await scope.click();
      await vars.locator('.monaco-list-row', { hasText: /^pages/ }).first().waitFor({ timeout: 10_000 }).catch(() => {});
      const pages = vars.locator('.monaco-list-row[aria-label^="pages"]').first();
      await pages.waitFor({ timeout: 10_000 });
      await pages.click();
      const group = vars.locator('.monaco-list-row[aria-label^="[0..99]"]').first();
      if (await group.count()) await group.click();
      const pf = vars.locator('.monaco-list-row[aria-label^="[0]"]').first();
      await pf.waitFor({ timeout: 10_000 });
      await pf.click();
      const field = vars.locator('.monaco-list-row[aria-label^="indexLowBits"]').first();
      await field.waitFor({ timeout: 10_000 });
      const label = await field.getAttribute('aria-label');
      if (!/indexLowBits, value/.test(label ?? '')) throw new Error(`unexpected row ${label}`);
      await vars.locator('.monaco-list-row[aria-label^="type,"]').first().waitFor({ timeout: 5000 });
      await shot('variables-pframe');
    });
    let frame;
    await step('the host-memory webview shows the map', async () => {
      const tab = page.locator('.tab', { hasText: 'Host memory' }).first();
      await tab.waitFor({ timeout: 30_000 });
      await tab.click();
      // The panel opens beside the editor on the first stop; find its iframe and the inner content frame.
      const deadline = Date.now() + 60_000;
      while (!frame && Date.now() < deadline) {
        for (const f of page.frames()) {
          if ((await f.locator('canvas.map').count().catch(() => 0)) > 0) frame = f;
        }
        if (!frame) await page.waitForTimeout(500);
      }
      if (!frame) throw new Error('no host-memory webview frame with a map canvas');
      await frame.locator('.title', { hasText: 'shared-swap' }).waitFor({ timeout: 30_000 });
      const painted = await frame.evaluate(() => {
        const c = document.querySelector('canvas.map');
        if (!c) return 0;
        const ctx = c.getContext('2d');
        const d = ctx.getImageData(0, 0, c.width, c.height).data;
        let lit = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) lit++;
        return lit;
      });
      if (painted < 1000) throw new Error(`the map canvas is nearly empty (${painted} painted pixels)`);
      await frame.locator('.state.current', { hasText: 'DESTVERIFY' }).or(frame.locator('.state.current', { hasText: 'DEST' })).first().waitFor({ timeout: 10_000 });
      await shot('host-memory');
      // The whole webview, section by section (it scrolls inside its panel).
      for (const id of ['map', 'swap', 'timeline', 'machines', 'invariants']) {
        await frame.locator(`#${id}`).screenshot({ path: join(shots, `${web ? 'web-' : ''}${String(n).padStart(2, '0')}-webview-${id}.png`) });
      }
    });
    await step('clicking a pdir page shows its PFrames', async () => {
      const cv = frame.locator('canvas.map');
      const box = await cv.boundingBox();
      // The first cells are the source's pdir pages (allocated first): click the first cell.
      await cv.click({ position: { x: 4, y: 44 } });
      await frame.locator('#page table').first().waitFor({ timeout: 10_000 });
      if (!box) throw new Error('no canvas box');
      await frame.locator('#page').screenshot({ path: join(shots, `${web ? 'web-' : ''}${String(n).padStart(2, '0')}-webview-page.png`) });
      await shot('host-memory-page');
    });
    let stepBefore = '';
    await step('step back goes one step back in time', async () => {
      stepBefore = (await frame.locator('.header').textContent()) ?? '';
      await page.locator('.debug-toolbar .action-label[aria-label^="Step Back"], .debug-toolbar .codicon-debug-step-back').first().click();
      await page.waitForFunction(() => true);
      const deadline = Date.now() + 20_000;
      let now = stepBefore;
      while (now === stepBefore && Date.now() < deadline) {
        await page.waitForTimeout(300);
        now = (await frame.locator('.header').textContent()) ?? '';
      }
      const a = /step (\d+)/.exec(stepBefore)?.[1];
      const b = /step (\d+)/.exec(now)?.[1];
      if (!a || !b || Number(b) >= Number(a)) throw new Error(`the step did not go back (${a} → ${b})`);
      await page.waitForTimeout(800);
      await shot('stepped-back');
    });
    await step(`the extension's own report: it ran in ${web ? "the browser's web worker, not Node" : 'Node'}`, async () => {
      const text = await showLog(page);
      const line = /FSR Handoff Debugger active \(([^\n]*)\)/.exec(text)?.[1];
      if (!line) throw new Error(`no activation line in the FSR Handoff Debugger output:\n${text.slice(0, 1000)}`);
      console.log(`    log: ${line}`);
      figures.hostLine = line;
      const want = web
        ? [/entry web/, /running in a web worker/, /typeof process undefined/, /typeof importScripts function/, /WorkerGlobalScope true/]
        : [/entry node/, /running in Node/, /typeof process object/];
      for (const re of want) if (!re.test(line)) throw new Error(`the host line lacks ${re}: ${line}`);
      figures.wasm = /handoff scan in (\w+)/.exec(line)?.[1];
      await shot('host-report');
    });
    if (web) {
      await step("the workbench's Running Extensions lists ours in the web worker host", async () => {
        await runCommand(page, 'Developer: Show Running Extensions');
        const row = page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: 'FSR Handoff Debugger' }).first();
        await row.waitFor({ timeout: 20_000 });
        const text = (await row.innerText()).replace(/\s+/g, ' ');
        console.log(`    running extensions: ${text}`);
        if (!/web worker/i.test(text)) throw new Error(`the row does not say web worker: ${text}`);
        await shot('running-extensions');
        await page.keyboard.press('Control+W');
      });
      await step('the walkthrough opens, and its first link starts a scenario', async () => {
        await page.keyboard.press('Shift+F5'); // end shared-swap
        await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 20_000 }).catch(() => {});
        await runCommand(page, 'Welcome: Open Walkthrough...');
        const ours = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Debugging an FSR handoff' }).first();
        await ours.waitFor({ timeout: 10_000 });
        await ours.click();
        const title = page.locator('.getting-started-step', { hasText: 'Shared vs unshared swap' }).first();
        await title.waitFor({ timeout: 20_000 });
        await title.click();
        await page.locator('.getting-started-step a, .getting-started-step .button-link', { hasText: 'Debug shared-swap' }).first().click();
        await page.locator('.debug-call-stack .monaco-list-row').first().waitFor({ timeout: 30_000 });
        await page.waitForTimeout(1000);
        await shot('walkthrough');
      });
      await step("launch.json's scenario file, read through workspace.fs from the remote folder; the Debug Console walks a BPN; reverse continue", async () => {
        await page.keyboard.press('Shift+F5'); // end the walkthrough's session
        await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 20_000 }).catch(() => {});
        await runCommand(page, 'Debug: Select and Start Debugging');
        const cfg = page.locator('.quick-input-list .monaco-list-row', { hasText: 'my-scenario.json' }).first();
        await cfg.waitFor({ timeout: 10_000 });
        await cfg.click();
        await page.locator('.debug-call-stack .monaco-list-row').first().waitFor({ timeout: 60_000 });
        await page.keyboard.press('Control+Shift+Y'); // the Debug Console, its input focused
        const repl = page.locator('.repl');
        await repl.locator('.monaco-list-row', { hasText: 'scenario my-scenario' }).first().waitFor({ timeout: 20_000 });
        await page.waitForTimeout(500);
        await page.keyboard.type('BusMem_TranslateBPN(source, BPN_MAINMEM(12))');
        await page.keyboard.press('Enter');
        await repl.locator('.monaco-list-row', { hasText: 'Alloc_BPNToMainMemPage' }).first().waitFor({ timeout: 20_000 });
        await shot('file-scenario-debug-console');
        // On to World_SetPanicNoCore (the breakpoint ticked above), then reverse continue goes back to the entry stop.
        await page.keyboard.press('F5');
        await page.locator('.debug-call-stack .monaco-list-row', { hasText: 'World_SetPanicNoCore' }).first().waitFor({ timeout: 60_000 });
        await page.locator('.debug-toolbar .codicon-debug-reverse-continue').first().click();
        await page.locator('.debug-call-stack .monaco-list-row', { hasText: 'World_SetPanicNoCore' }).first().waitFor({ state: 'hidden', timeout: 30_000 });
        await page.waitForTimeout(800);
        await shot('reverse-continue');
      });
      await step('big-vm (64 GiB) in the web worker: launch to the first stop, a step, memory; the page keeps painting', async () => {
        await page.keyboard.press('Shift+F5'); // end shared-swap
        await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 20_000 }).catch(() => {});
        await page.waitForTimeout(1500);
        const rss0 = rendererRssOf(s.dir);
        // The longest gap between two animation frames of the workbench while the worker builds the VM.
        await page.evaluate(() => {
          const w = window;
          w.__fsrGaps = { max: 0, last: performance.now(), on: true };
          const tick = (t) => {
            const g = w.__fsrGaps;
            g.max = Math.max(g.max, t - g.last);
            g.last = t;
            if (g.on) requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        });
        await runCommand(page, 'FSR: Debug a Built-in Scenario…');
        const input = page.locator('.quick-input-widget input');
        await input.fill('big-vm');
        const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: 'big-vm' }).first();
        await pick.waitFor({ timeout: 10_000 });
        figures.pickerText = (await pick.innerText()).replace(/\s+/g, ' ');
        const t0 = Date.now();
        await page.keyboard.press('Enter');
        // Stopped on entry: the call stack shows a frame of the big-vm session and the toolbar can step.
        await page.locator('.debug-call-stack .monaco-list-row', { hasText: /FSR/ }).first().waitFor({ timeout: 180_000 });
        await page.locator('.debug-toolbar .codicon-debug-step-over').first().waitFor({ timeout: 180_000 });
        await page.locator('.debug-call-stack .monaco-list-row .stack-frame').first().waitFor({ timeout: 180_000 });
        figures.firstStopMs = Date.now() - t0;
        const rss1 = rendererRssOf(s.dir);
        figures.rendererRssMiB = Math.round((rss1 - rss0) / 2 ** 20);
        if (!(rss0 > 0)) throw new Error('found no Chromium renderer to measure');
        await shot('big-vm-entry');
        const frameText = async () => (await page.locator('.debug-call-stack .monaco-list-row .stack-frame').first().innerText()).replace(/\s+/g, ' ');
        const before = await frameText();
        const t1 = Date.now();
        await page.keyboard.press('F10');
        for (let now = before; now === before && Date.now() - t1 < 60_000; ) {
          await page.waitForTimeout(20);
          now = await frameText();
        }
        figures.stepMs = Date.now() - t1;
        figures.maxFrameGapMs = Math.round(await page.evaluate(() => {
          window.__fsrGaps.on = false;
          return window.__fsrGaps.max;
        }));
        console.log(`    big-vm in the web worker: first stop ${figures.firstStopMs} ms, a step ${figures.stepMs} ms (as the UI shows them), renderer memory +${figures.rendererRssMiB} MiB, longest frame ${figures.maxFrameGapMs} ms; picker: ${figures.pickerText}`);
        await shot('big-vm-step');
        if (figures.maxFrameGapMs > 1000) throw new Error(`the page froze for ${figures.maxFrameGapMs} ms while the worker built the VM`);
      });
    }
  } catch {
    // the failing step is already recorded
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
    s.remove();
  }
  return { passed: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length, figures };
}

/** Runs a command by its palette title (the row whose label is exactly that). */
async function runCommand(page, title) {
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: title }) }).first();
  await row.waitFor({ timeout: 10_000 });
  await row.click();
}

/** The FSR Handoff Debugger output channel's activation line (FSR: Show Adapter Log opens it; the panel's filter finds the line). */
async function showLog(page) {
  await runCommand(page, 'FSR: Show Adapter Log');
  const view = page.locator('.part.panel .view-lines').first();
  await view.waitFor({ timeout: 10_000 });
  const filter = page.locator('.part.panel input[placeholder^="Filter"]').first();
  await filter.fill('FSR Handoff Debugger active');
  const deadline = Date.now() + 10_000;
  let text = '';
  while (!/FSR Handoff Debugger active[^]*\)/.test(text) && Date.now() < deadline) {
    await page.waitForTimeout(300);
    // Monaco draws spaces as no-break spaces and wraps long lines.
    text = (await view.innerText()).replace(/\u00a0/g, ' ').replace(/\n(?!\d{4}-)/g, ' ').replace(/ +/g, ' ');
  }
  return text;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // node test/e2e-vscode/ui/e2e.mjs [--web] [VSIX]
  const web = process.argv.includes('--web');
  const vsix = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? join(root, 'fsr-handoff-debugger.vsix');
  runUiTest({ vsix, host: web ? 'web' : 'node' }).then((r) => {
    console.log(`${r.passed} passed, ${r.failed} failed`);
    process.exit(r.failed ? 1 : 0);
  });
}
