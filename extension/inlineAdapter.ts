// The debug adapter inside the extension host, the one way it runs on both hosts (Node and the
// browser's web worker): FsrDebugSession over the editor's file system. No Node here; the desktop's
// process mode is adapterFactory.ts.

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

/** The adapter inline: the web host's only kind, the desktop's default. */
export class InlineAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  createDebugAdapterDescriptor(): vscode.DebugAdapterDescriptor {
    return new vscode.DebugAdapterInlineImplementation(new FsrDebugSession(workspaceFileAccessor));
  }
}
