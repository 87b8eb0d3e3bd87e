// Creates the debug adapter for an `fsr` session: inline (FsrDebugSession over workspace.fs) by
// default, or `node dist/adapter.js` as a process when fsr.adapter.runAsProcess is set. Knows no engine.

import * as vscode from 'vscode';
import { FsrDebugSession } from '../adapter/debugSession';
import type { FileAccessor } from '../adapter/launch';

/** The adapter's file reads, through the editor's file system (works for remote and virtual folders too). */
export const workspaceFileAccessor: FileAccessor = {
  async readFile(path: string): Promise<Uint8Array> {
    const uri = /^[a-z][a-z0-9+.-]+:\/\//i.test(path) ? vscode.Uri.parse(path) : vscode.Uri.file(path);
    return vscode.workspace.fs.readFile(uri);
  },
};

export function adapterMode(): 'inline' | 'process' {
  return vscode.workspace.getConfiguration('fsr.adapter').get<boolean>('runAsProcess', false) ? 'process' : 'inline';
}

export class FsrAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly extensionUri: vscode.Uri) {}

  createDebugAdapterDescriptor(_session: vscode.DebugSession): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    if (adapterMode() === 'inline') return new vscode.DebugAdapterInlineImplementation(new FsrDebugSession(workspaceFileAccessor));
    const configured = vscode.workspace.getConfiguration('fsr.adapter').get<string>('nodePath', '').trim();
    const script = vscode.Uri.joinPath(this.extensionUri, 'dist', 'adapter.js').fsPath;
    // Without a configured Node, the editor's own runtime runs the adapter (Electron needs ELECTRON_RUN_AS_NODE).
    return new vscode.DebugAdapterExecutable(configured || process.execPath, [script], { env: configured ? {} : { ELECTRON_RUN_AS_NODE: '1' } });
  }
}
