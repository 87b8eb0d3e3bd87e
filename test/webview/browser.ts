// The host-memory webview, bundled from its sources (esbuild, as build.mjs does) and run in headless
// Chromium with a stand-in for the VS Code API: tests send it the extension's messages and read what
// it posts and draws. Knows the message contract, not the extension.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import type { FromWebview, ToWebview } from '../../webview/protocol';

const root = join(import.meta.dirname, '..', '..');

/** A few colours of VS Code's Dark Modern theme (what the webview reads). */
export const DARK: Record<string, string> = {
  'editor-background': '#1f1f1f',
  foreground: '#cccccc',
  descriptionForeground: '#9d9d9d',
  errorForeground: '#f85149',
  focusBorder: '#0078d4',
  'panel-border': '#2b2b2b',
  'badge-background': '#616161',
  'badge-foreground': '#f8f8f8',
  'charts-blue': '#3794ff',
  'charts-orange': '#d18616',
  'charts-green': '#89d185',
  'charts-purple': '#b180d7',
  'charts-yellow': '#cca700',
  'charts-red': '#f14c4c',
  'font-family': 'system-ui, sans-serif',
  'font-size': '13px',
  'editor-font-family': 'monospace',
};

export function chromiumPath(): string | null {
  for (const p of [process.env.FSR_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) if (p && existsSync(p)) return p;
  return null;
}

let bundled: { js: string; css: string } | null = null;
async function bundle(): Promise<{ js: string; css: string }> {
  if (bundled) return bundled;
  const dir = mkdtempSync(join(tmpdir(), 'fsr-webview-'));
  try {
    await esbuild.build({ entryPoints: [join(root, 'webview', 'main.ts')], outfile: join(dir, 'webview.js'), bundle: true, platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'warning', mainFields: ['module', 'main'] });
    bundled = { js: readFileSync(join(dir, 'webview.js'), 'utf8'), css: readFileSync(join(dir, 'webview.css'), 'utf8') };
    return bundled;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface WebviewPage {
  page: Page;
  /** Send the extension's message; resolves with the messages the webview posted while handling it. */
  send(msg: ToWebview): Promise<FromWebview[]>;
  /** Everything the webview posted so far (and forget it). */
  take(): Promise<FromWebview[]>;
  close(): Promise<void>;
}

/** A fresh webview page of `width` × `height` CSS pixels. */
export async function openWebview(width = 1100, height = 900): Promise<WebviewPage> {
  const exe = chromiumPath();
  if (!exe) throw new Error('no Chromium: apt-get install -y chromium, or set FSR_CHROMIUM');
  const { js, css } = await bundle();
  const { chromium } = await import('playwright-core');
  const browser: Browser = await chromium.launch({ executablePath: exe, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width, height } });
  page.on('pageerror', (e) => console.error('webview page error:', e.message));
  await page.setContent('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body></body></html>');
  // A dark theme's colours, as VS Code sets them on the webview's root.
  await page.addStyleTag({ content: `:root { ${Object.entries(DARK).map(([k, v]) => `--vscode-${k}: ${v};`).join(' ')} }` });
  await page.addStyleTag({ content: css });
  // Functions given to page.evaluate are strings here: a test transform may wrap functions in helpers the page lacks.
  await page.evaluate('window.__posted = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))) });');
  await page.addScriptTag({ content: js });
  const take = async () => (await page.evaluate('window.__posted.splice(0)')) as FromWebview[];
  return {
    page,
    take,
    async send(msg) {
      await page.evaluate(`window.dispatchEvent(new MessageEvent('message', { data: ${JSON.stringify(msg)} }))`);
      // Let rendering and the custom elements settle.
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => r(null)))');
      return take();
    },
    close: () => browser.close(),
  };
}
