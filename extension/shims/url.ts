// What the web bundle gives for Node's `url` module: @vscode/debugadapter's DebugSession imports it
// for `URL` alone, which every browser and worker has. Used only by build.mjs's web context.
export const URL = globalThis.URL;
