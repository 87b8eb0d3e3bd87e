// The web entry (package.json `browser`, dist/web/extension.js): the extension in the browser's web
// worker extension host (vscode.dev, github.dev, code-server with `remote.extensionKind` web). No
// Node here: the adapter runs inline (there is no process to start), scenario files are read through
// workspace.fs. build.mjs fails the web bundle if anything it pulls in imports a Node built-in.

import type * as vscode from 'vscode';
import { type FsrExtensionApi, activate as activateFsr } from './extension';
import { InlineAdapterFactory } from './inlineAdapter';

export function activate(context: vscode.ExtensionContext): FsrExtensionApi {
  return activateFsr(context, { kind: 'web', adapterFactory: () => new InlineAdapterFactory(), adapterMode: () => 'inline' });
}

export function deactivate(): void {}
