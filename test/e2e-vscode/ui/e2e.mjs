// The end-to-end UI test in a real VS Code (code-server + headless Chromium): installs the .vsix, opens
// examples/, ticks World_SetPanicNoCore in FSR Phases, runs shared-swap to it, reads a PFrame in Variables,
// sees the host-memory map, steps back. Screenshots go to test/screenshots/ (git-ignored). Knows the UI only.
import { cpSync, mkdirSync } from 'node:fs';
/* global document */ // used inside page.evaluate, which runs in the webview
import { join } from 'node:path';
import { ensureTools, installVsix, launchBrowser, root, scratch, startCodeServer } from '../codeServer.mjs';

const shots = join(root, 'test', 'screenshots');

/** Runs the steps as checks; returns { passed, failed }. */
export async function runUiTest({ vsix }) {
  mkdirSync(shots, { recursive: true });
  const tools = ensureTools({ chromium: true });
  const s = scratch('fsr-e2e-');
  const results = [];
  installVsix(tools, s, vsix);
  const ws = join(s.dir, 'examples');
  cpSync(join(root, 'examples'), ws, { recursive: true });
  const server = await startCodeServer(tools, s, { workspace: ws });
  const browser = await launchBrowser(tools, s);
  const page = browser.pages()[0] ?? (await browser.newPage());
  let n = 0;
  const shot = async (name) => {
    const file = join(shots, `${String(++n).padStart(2, '0')}-${name}.png`);
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
        await frame.locator(`#${id}`).screenshot({ path: join(shots, `${String(n).padStart(2, '0')}-webview-${id}.png`) });
      }
    });
    await step('clicking a pdir page shows its PFrames', async () => {
      const cv = frame.locator('canvas.map');
      const box = await cv.boundingBox();
      // The first cells are the source's pdir pages (allocated first): click the first cell.
      await cv.click({ position: { x: 4, y: 44 } });
      await frame.locator('#page table').first().waitFor({ timeout: 10_000 });
      if (!box) throw new Error('no canvas box');
      await frame.locator('#page').screenshot({ path: join(shots, `${String(n).padStart(2, '0')}-webview-page.png`) });
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
  } catch {
    // the failing step is already recorded
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
    s.remove();
  }
  return { passed: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const vsix = process.argv[2] ?? join(root, 'fsr-handoff-debugger.vsix');
  runUiTest({ vsix }).then((r) => {
    console.log(`${r.passed} passed, ${r.failed} failed`);
    process.exit(r.failed ? 1 : 0);
  });
}
