// Creates the debug adapter for an `fsr` session: inline (FsrDebugSession over workspace.fs) by
// default, or `node dist/adapter.js` as a process when fsr.adapter.runAsProcess is set. Knows no engine.
// Desktop (Node host) only: the browser entry (extension/browser.ts) uses inlineAdapter.ts alone.

import * as vscode from 'vscode';
import { InlineAdapterFactory } from './inlineAdapter';

export { workspaceFileAccessor } from './inlineAdapter';

export function adapterMode(): 'inline' | 'process' {
  return vscode.workspace.getConfiguration('fsr.adapter').get<boolean>('runAsProcess', false) ? 'process' : 'inline';
}

export class FsrAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly extensionUri: vscode.Uri) {}

  createDebugAdapterDescriptor(_session: vscode.DebugSession): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    if (adapterMode() === 'inline') return new InlineAdapterFactory().createDebugAdapterDescriptor();
    const configured = vscode.workspace.getConfiguration('fsr.adapter').get<string>('nodePath', '').trim();
    const script = vscode.Uri.joinPath(this.extensionUri, 'dist', 'adapter.js').fsPath;
    // Without a configured Node, the editor's own runtime runs the adapter (Electron needs ELECTRON_RUN_AS_NODE).
    return new vscode.DebugAdapterExecutable(configured || process.execPath, [script], { env: configured ? {} : { ELECTRON_RUN_AS_NODE: '1' } });
  }
}
