// Types for rss.mjs.
export function chromiumBrowserPid(text: string): number;
export function rendererRss(browserPid: number): number;
