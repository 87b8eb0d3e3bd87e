// The time-travel UI test in a real VS Code (code-server + headless Chromium), driven as a person would:
// open the examples' exercise (shared-swap at its first pdir redirect, with bookmarks), reverse step over
// and out from the debug toolbar, FSR: Go to Step…, Jump to Cursor, history() in the Debug Console,
// Show Value History from Variables, FSR Watches, and a copied link opened through the editor's own
// URL handling — the same step, stack and PFrame value. Screenshots go to test/screenshots/ (git-ignored).
/* global navigator */ // used inside page.evaluate, which runs in the page
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTools, installVsix, launchBrowser, root, scratch, startCodeServer } from '../codeServer.mjs';

const shots = join(root, 'test', 'screenshots');
const EXT_ID = 'fsr-handoff.fsr-handoff-debugger';

/** The run's phases as the CLI prints them (step, name, line): what the UI must land on. */
function phasesOf(scenario) {
  const r = spawnSync(process.execPath, [join(root, 'dist', 'fsr-sim.js'), 'run', scenario], { encoding: 'utf8' });
  const phases = [...r.stdout.matchAll(/^\[\s*(\d+)\] phase "([^"]+)": .*, line (\d+)$/gm)].map((m) => ({ step: Number(m[1]), name: m[2], line: Number(m[3]) }));
  if (!phases.length) throw new Error(`fsr-sim run ${scenario} printed no phases:\n${r.stdout}${r.stderr}`);
  return phases;
}

export async function runTimeTravelUiTest({ vsix }) {
  mkdirSync(shots, { recursive: true });
  const tools = ensureTools({ chromium: true });
  const s = scratch('fsr-tt-e2e-');
  const results = [];
  installVsix(tools, s, vsix);
  const ws = join(s.dir, 'examples');
  cpSync(join(root, 'examples'), ws, { recursive: true });
  const server = await startCodeServer(tools, s, { workspace: ws, settings: { 'fsr.hostMemory.openOnStop': true, 'workbench.editor.enablePreview': false } });
  const browser = await launchBrowser(tools, s);
  await browser.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = browser.pages()[0] ?? (await browser.newPage());
  let n = 0;
  const shot = async (name) => {
    const file = join(shots, `tt-${String(++n).padStart(2, '0')}-${name}.png`);
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

  // ---- helpers: what a person sees and does ----
  const statusStep = page.locator('.statusbar-item', { hasText: /FSR step \d+/ }).first();
  const stepNow = async () => Number(/FSR step (\d+)/.exec((await statusStep.textContent()) ?? '')?.[1] ?? NaN);
  /** Wait until the status bar's step satisfies `ok` (a number: equals it). */
  const waitStep = async (ok, what, timeout = 30_000) => {
    const test = typeof ok === 'number' ? (v) => v === ok : ok;
    const deadline = Date.now() + timeout;
    let v = NaN;
    while (Date.now() < deadline) {
      if (await statusStep.count()) {
        v = await stepNow();
        if (test(v)) return v;
      }
      await page.waitForTimeout(200);
    }
    throw new Error(`the status bar's step did not become ${what} (it shows ${v})`);
  };
  const quickInput = page.locator('.quick-input-widget');
  const quickRows = quickInput.locator('.monaco-list-row');
  /** Run a command by its title from the palette, checking the row picked is that command. */
  const palette = async (title) => {
    // The list fills as it matches, and a command contributed late may not be there at first: take
    // the row that is the command, wherever it lands, and ask again once if it is not there.
    for (let attempt = 1; ; attempt++) {
      await page.keyboard.press('F1');
      await quickInput.waitFor({ state: 'visible', timeout: 10_000 });
      await page.keyboard.type(title, { delay: 5 });
      const row = quickInput.locator(`.monaco-list-row[aria-label^="${title}"]`).first();
      if (await row.waitFor({ timeout: 8000 }).then(() => true, () => attempt === 3 ? Promise.reject(new Error(`the palette has no command "${title}"`)) : false)) {
        await row.click();
        return;
      }
      await page.keyboard.press('Escape');
      await page.waitForTimeout(2000);
    }
  };
  const pickRow = (text) => quickRows.filter({ hasText: text }).first();
  const toolbarButton = (label) => page.locator(`.debug-toolbar .action-label[aria-label^="${label}"]`).first();
  const callStackRows = page.locator('.debug-call-stack .monaco-list-row');
  /** The frames of the focused thread as Call Stack shows them (its rows from the selected frame's thread). */
  const frames = async () => {
    const labels = await callStackRows.evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
    return labels.filter((l) => /^Stack Frame /.test(l)).map((l) => l.replace(/^Stack Frame /, '').replace(/, line \d+.*$/, (m) => m.replace(/, .*$/, '')));
  };
  const fold = async (title, open) => {
    const h = page.locator('.pane-header', { hasText: title }).first();
    if (!(await h.count())) return;
    if (((await h.getAttribute('aria-expanded')) === 'true') !== open) await h.click();
  };
  const repl = page.locator('.repl');
  /** Type into the Debug Console and answer the row the result shows in. */
  const consoleEval = async (expr) => {
    const tab = page.locator('.part.panel .action-label', { hasText: 'Debug Console' }).first();
    if (!(await tab.isVisible())) await page.keyboard.press('Control+J');
    await tab.click();
    const input = page.locator('.repl-input-wrapper .monaco-editor').first();
    await input.waitFor({ timeout: 10_000 });
    await input.click();
    await page.keyboard.type(expr, { delay: 2 });
    await page.keyboard.press('Enter');
    // The list draws only the rows in view: wait for the echo of what was typed, then its answer below it.
    const rows = repl.locator('.monaco-list-row');
    const deadline = Date.now() + 15_000;
    for (;;) {
      const texts = await rows.evaluateAll((rs) => rs.map((r) => r.textContent ?? ''));
      if (texts.length >= 2 && texts.at(-2).includes(expr)) break;
      if (Date.now() > deadline) throw new Error(`the Debug Console shows no answer to ${expr}`);
      await page.waitForTimeout(100);
    }
    return rows.last();
  };

  const phases = phasesOf('shared-swap');
  const redirects = phases.filter((p) => p.name === 'pdir redirect');
  const redirectLine = redirects[0].line;
  let moment;

  try {
    await step('the workbench opens examples/', async () => {
      await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await page.waitForTimeout(2500);
    });

    await step('the exercise opens at its startAtStep; FSR Bookmarks lists its steps and the toolbar has reverse step over/out', async () => {
      await page.keyboard.press('Control+Shift+D');
      await palette('Debug: Select and Start Debugging');
      await pickRow('shared-swap at the first pdir redirect').waitFor({ timeout: 10_000 });
      await pickRow('shared-swap at the first pdir redirect').click();
      await page.locator('.debug-toolbar').waitFor({ timeout: 30_000 });
      await waitStep(redirects[0].step, `${redirects[0].step} (startAtStep)`);
      for (const t of ['Watch', 'Breakpoints', 'FSR Phases']) await fold(t, false);
      await fold('FSR Bookmarks', true);
      const marks = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'FSR Bookmarks' }) }).locator('.monaco-list-row');
      await marks.filter({ hasText: 'pdir redirect, the first' }).filter({ hasText: 'here' }).first().waitFor({ timeout: 15_000 });
      if ((await marks.count()) !== 3) throw new Error(`FSR Bookmarks shows ${await marks.count()} rows, not 3`);
      await toolbarButton('Reverse Step Over').waitFor({ timeout: 10_000 });
      await toolbarButton('Reverse Step Out').waitFor({ timeout: 10_000 });
      await page.waitForTimeout(800);
      await shot('exercise-bookmarks-toolbar');
      await page.locator('.debug-toolbar').screenshot({ path: join(shots, `tt-${String(n).padStart(2, '0')}-toolbar.png`) });
    });

    let beforeOut = [];
    await step('Reverse Step Over from the toolbar goes back one statement of the selected actor', async () => {
      const was = await stepNow();
      const top = (await frames())[0];
      await toolbarButton('Reverse Step Over').click();
      const now = await waitStep((v) => v < was, `less than ${was}`);
      await page.waitForTimeout(800);
      beforeOut = await frames();
      if (!beforeOut.length) throw new Error('Call Stack shows no frames');
      await shot('reverse-step-over');
      console.log(`    step ${was} → ${now}; top frame ${top} → ${beforeOut[0]}`);
    });

    await step('Reverse Step Out from the toolbar goes back to before the call, in the caller', async () => {
      const was = await stepNow();
      await toolbarButton('Reverse Step Out').click();
      await waitStep((v) => v < was, `less than ${was}`);
      await page.waitForTimeout(800);
      const after = await frames();
      if (after.length !== beforeOut.length - 1 || after[0].split(' ')[0] !== beforeOut[1].split(' ')[0]) throw new Error(`not in the caller: ${beforeOut.join(' < ')} → ${after.join(' < ')}`);
      await shot('reverse-step-out');
    });

    await step('Alt+F10 and Alt+Shift+F11 are Reverse Step Over and Reverse Step Out', async () => {
      const a = await stepNow();
      await page.keyboard.press('Alt+F10');
      const b = await waitStep((v) => v < a, `less than ${a}`);
      await page.keyboard.press('Alt+Shift+F11');
      await waitStep((v) => v < b, `less than ${b}`);
    });

    await step('FSR: Go to Step… checks what is typed and lands on the step', async () => {
      await palette('FSR: Go to Step');
      await goToStepBox();
      await page.keyboard.press('Control+A');
      await page.keyboard.type('12.5');
      await quickInput.locator('.quick-input-message', { hasText: 'is not a step number' }).waitFor({ timeout: 5000 });
      await shot('go-to-step-invalid');
      await page.keyboard.press('Control+A');
      await page.keyboard.type('12,345');
      await page.waitForTimeout(300);
      await shot('go-to-step');
      await page.keyboard.press('Enter');
      await waitStep(12345, '12345');
      await page.waitForTimeout(800);
      await shot('went-to-step');
    });

    await step('Jump to Cursor on the pdir redirect line lists its executions, earlier and later, and lands on one', async () => {
      const tab = page.locator('.tab', { hasText: 'fsr-handoff.c' }).first();
      await tab.click();
      await page.locator('.editor-instance .monaco-editor').first().click({ position: { x: 300, y: 200 } });
      await page.keyboard.press('Control+G');
      await page.keyboard.type(String(redirectLine));
      await page.keyboard.press('Enter');
      await page.waitForTimeout(400);
      await palette('Debug: Jump to Cursor');
      await quickInput.locator(`.monaco-list-row[aria-label^="line ${redirectLine} at step"]`).first().waitFor({ timeout: 30_000 });
      await page.waitForTimeout(500);
      const labels = await quickRows.evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
      if (!labels.some((l) => new RegExp(`line ${redirectLine} at step ${redirects[0].step} \\(destination VMX, earlier\\)`).test(l))) throw new Error(`targets: ${labels.join(' | ')}`);
      await shot('jump-to-cursor-targets');
      const target = redirects.find((r) => r.step > 12345);
      await page.keyboard.type(`step ${target.step} (`);
      await page.waitForTimeout(300);
      await page.keyboard.press('Enter');
      await waitStep(target.step, `${target.step}`);
      await page.waitForTimeout(800);
      await shot('jumped-to-cursor');
    });

    await step('history() in the Debug Console lists every change of a pdirInfo entry, with step, actor, function:line, old → new', async () => {
      const row = await consoleEval('history(dst.pframes.pdirInfo[1])');
      const text = (await row.textContent()) ?? '';
      if (!/dst.*pdirInfo\[0x1\].*2 changes/.test(text)) throw new Error(`history() answered "${text}"`);
      await row.click(); // expand the rows
      await repl.locator('.monaco-list-row', { hasText: /step \d+\W*0x\w+ \(MPN 0x\w+\) → 0x\w+ \(MPN 0x\w+\) — destination VMX, PFrame_DirSet:\d+/ }).first().waitFor({ timeout: 10_000 });
      await consoleEval('invariants()');
      await page.waitForTimeout(500);
      await shot('history-debug-console');
    });

    await step('Show Value History on a Variables row: the changes as a list, picking one goes there', async () => {
      await page.keyboard.press('Control+Shift+D');
      await fold('FSR Bookmarks', false);
      await fold('Call Stack', false);
      await fold('Variables', true);
      const vars = page.locator('.debug-variables');
      const locals = vars.locator('.monaco-list-row', { hasText: /^Locals$/ }).first();
      if ((await locals.count()) && (await locals.getAttribute('aria-expanded')) === 'true') await locals.click();
      const fsr = vars.locator('.monaco-list-row', { hasText: /^FSR$/ }).first();
      await fsr.waitFor({ timeout: 15_000 });
      if ((await fsr.getAttribute('aria-expanded')) !== 'true') await fsr.click();
      const row = vars.locator('.monaco-list-row[aria-label^="resumeState"]').first();
      await row.waitFor({ timeout: 10_000 });
      await row.click({ button: 'right' });
      const item = page.getByRole('menuitem', { name: 'Show Value History' }).first();
      await item.waitFor({ timeout: 10_000 });
      await page.waitForTimeout(300);
      await shot('variables-context-menu');
      await item.hover();
      await page.keyboard.press('Enter');
      await quickInput.locator('.monaco-list-row[aria-label^="step "]').first().waitFor({ timeout: 15_000 });
      await page.waitForTimeout(500);
      const labels = await quickRows.evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
      if (labels.length !== 2 || !/FSR_RESUME_NONE → FSR_RESUME_DESTVERIFY/.test(labels[0])) throw new Error(`rows: ${labels.join(' | ')}`);
      await shot('show-value-history');
      const first = Number(/step (\d+)/.exec(labels[0])[1]);
      await quickRows.first().click();
      await waitStep(first, `${first}`);
      await page.waitForTimeout(800);
      await shot('value-history-picked');
    });

    await step('FSR Watches shows the Host memory view\'s "Break when this PFrame changes", and removes it', async () => {
      await fold('Variables', false);
      const tab = page.locator('.tab', { hasText: 'Host memory' }).first();
      await tab.waitFor({ timeout: 30_000 });
      await tab.click();
      let frame;
      const deadline = Date.now() + 60_000;
      while (!frame && Date.now() < deadline) {
        for (const f of page.frames()) if ((await f.locator('canvas.map').count().catch(() => 0)) > 0) frame = f;
        if (!frame) await page.waitForTimeout(500);
      }
      if (!frame) throw new Error('no host-memory webview frame with a map canvas');
      // The first cell of the map (past its MPN axis) is the source's first pdir page.
      const cv = frame.locator('canvas.map');
      const d = await cv.evaluate((c) => ({ left: Number(c.dataset.left), top: Number(c.dataset.top), px: Number(c.dataset.cellPx) }));
      await cv.click({ position: { x: d.left + d.px / 2, y: d.top + d.px / 2 } });
      const btn = frame.locator('button, vscode-button', { hasText: 'Break when this PFrame changes' }).first();
      await btn.waitFor({ timeout: 15_000 });
      await btn.click();
      // FSR Watches is there while the session has watches: it appears now.
      await page.locator('.pane-header', { hasText: 'FSR Watches' }).first().waitFor({ timeout: 15_000 });
      await fold('FSR Watches', true);
      const watches = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'FSR Watches' }) }).locator('.monaco-list-row');
      await watches.first().waitFor({ timeout: 15_000 });
      const label = (await watches.first().textContent()) ?? '';
      if (!/PFrame .*= /.test(label)) throw new Error(`FSR Watches shows "${label}"`);
      await page.waitForTimeout(500);
      await shot('fsr-watches');
      await watches.first().hover();
      await watches.first().locator('.action-label[aria-label^="Remove Watch"]').click();
      await watches.first().waitFor({ state: 'detached', timeout: 10_000 });
      await page.locator('.pane-header', { hasText: 'FSR Watches' }).first().waitFor({ state: 'detached', timeout: 10_000 });
      await fold('Call Stack', true);
    });

    await step('Copy Link to This Moment puts the link and the launch.json configuration on the clipboard', async () => {
      await stepTo(redirects[1].step + 40);
      moment = { step: await stepNow(), frames: await frames() };
      moment.pframe = ((await (await consoleEval('pframe(destination, 600)')).textContent()) ?? '').trim();
      await palette('FSR: Copy Link to This Moment');
      await pickRow('Both, as text').waitFor({ timeout: 10_000 });
      await shot('copy-link-choices');
      await pickRow('Both, as text').click();
      await page.locator('.notification-toast', { hasText: 'Copied a link and a launch.json configuration' }).first().waitFor({ timeout: 10_000 });
      moment.text = await page.evaluate(() => navigator.clipboard.readText());
      moment.link = moment.text.split('\n')[0];
      if (!new RegExp(`^code-oss://${EXT_ID.replace(/\./g, '\\.')}/moment\\?scenario=shared-swap&step=${moment.step}&bookmarks=`).test(moment.link)) throw new Error(`copied link ${moment.link}`);
      if (!moment.text.includes(`"startAtStep": ${moment.step}`)) throw new Error(`copied text:\n${moment.text}`);
      await shot('copied-link');
    });

    await step('the copied link, opened through the editor (Developer: Open URL), starts the same run at the same step, stack and PFrame value', async () => {
      await page.keyboard.press('Shift+F5');
      await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 20_000 });
      await palette('Developer: Open URL');
      await quickInput.locator('.quick-input-message', { hasText: 'URL to open' }).waitFor({ timeout: 10_000 });
      await page.keyboard.type(moment.link, { delay: 0 });
      await page.keyboard.press('Enter');
      // VS Code asks before an extension opens a URI.
      const open = page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Open$/ }).first();
      if (await open.waitFor({ timeout: 10_000 }).then(() => true, () => false)) {
        await shot('open-url-confirm');
        await open.click();
      }
      await waitStep(moment.step, `${moment.step}`, 60_000);
      await page.waitForTimeout(1500);
      const f = await frames();
      if (JSON.stringify(f) !== JSON.stringify(moment.frames)) throw new Error(`stack ${f.join(' < ')} ≠ ${moment.frames.join(' < ')}`);
      const pf = ((await (await consoleEval('pframe(destination, 600)')).textContent()) ?? '').trim();
      if (pf !== moment.pframe) throw new Error(`pframe(destination, 600): ${pf} ≠ ${moment.pframe}`);
      await page.keyboard.press('Control+Shift+D');
      await fold('FSR Bookmarks', true);
      await page.waitForTimeout(800);
      await shot('link-opened');
    });
  } catch {
    // the failing step is already recorded
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
    s.remove();
  }
  return { passed: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length };

  /** The input box of FSR: Go to Step… (not the palette it was chosen from). */
  async function goToStepBox() {
    await quickInput.locator('.quick-input-message', { hasText: 'Now at step' }).waitFor({ timeout: 10_000 });
  }

  async function stepTo(target) {
    await palette('FSR: Go to Step');
    await goToStepBox();
    await page.keyboard.press('Control+A');
    await page.keyboard.type(String(target));
    await page.keyboard.press('Enter');
    await waitStep(target, String(target));
    await page.waitForTimeout(500);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const vsix = process.argv[2] ?? join(root, 'fsr-handoff-debugger.vsix');
  runTimeTravelUiTest({ vsix }).then((r) => {
    console.log(`${r.passed} passed, ${r.failed} failed`);
    process.exit(r.failed ? 1 : 0);
  });
}
