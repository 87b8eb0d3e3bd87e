// The desktop entry (package.json `main`, dist/extension.js): the extension in the Node extension
// host, where the adapter can also run as a process (fsr.adapter.runAsProcess).

import type * as vscode from 'vscode';
import { FsrAdapterFactory, adapterMode } from './adapterFactory';
import { type FsrExtensionApi, activate as activateFsr } from './extension';

export type { FsrExtensionApi } from './extension';

export function activate(context: vscode.ExtensionContext): FsrExtensionApi {
  return activateFsr(context, { kind: 'node', adapterFactory: (uri) => new FsrAdapterFactory(uri), adapterMode });
}

export function deactivate(): void {}
