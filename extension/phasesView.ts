// The "FSR Phases" tree (in its own FSR Handoff view container): the handoff's stages with their phase labels and functions,
// each with a checkbox that adds or removes the function breakpoint of that name. Knows no adapter.

import * as vscode from 'vscode';
import { type Stage, STAGES } from './stages';

type Node = { kind: 'stage'; stage: Stage } | { kind: 'phase'; name: string } | { kind: 'fn'; name: string };

function functionBreakpoints(name: string): vscode.FunctionBreakpoint[] {
  return vscode.debug.breakpoints.filter((b): b is vscode.FunctionBreakpoint => b instanceof vscode.FunctionBreakpoint && b.functionName === name);
}

/** Add (checked) or remove (unchecked) the function breakpoint on `name`. */
export function setFunctionBreakpoint(name: string, on: boolean): void {
  const existing = functionBreakpoints(name);
  if (on && existing.length === 0) vscode.debug.addBreakpoints([new vscode.FunctionBreakpoint(name)]);
  if (!on && existing.length > 0) vscode.debug.removeBreakpoints(existing);
}

export class PhasesView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  readonly view: vscode.TreeView<Node>;

  constructor() {
    this.view = vscode.window.createTreeView('fsr.phases', { treeDataProvider: this, manageCheckboxStateManually: true, showCollapseAll: true });
    this.disposables.push(
      this.view,
      this.changed,
      this.view.onDidChangeCheckboxState((e) => {
        for (const [node, state] of e.items) if (node.kind !== 'stage') setFunctionBreakpoint(node.name, state === vscode.TreeItemCheckboxState.Checked);
      }),
      vscode.debug.onDidChangeBreakpoints(() => this.changed.fire(undefined)),
    );
  }

  getChildren(node?: Node): Node[] {
    if (!node) return STAGES.map((stage) => ({ kind: 'stage', stage }));
    if (node.kind !== 'stage') return [];
    const kids: Node[] = [];
    if (node.stage.phase) kids.push({ kind: 'phase', name: node.stage.phase });
    for (const f of node.stage.functions) kids.push({ kind: 'fn', name: f });
    return kids;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'stage') {
      const item = new vscode.TreeItem(node.stage.name, vscode.TreeItemCollapsibleState.Collapsed);
      item.tooltip = node.stage.what;
      item.description = node.stage.phase ? `phase: ${node.stage.phase}` : undefined;
      item.contextValue = 'stage';
      return item;
    }
    const on = functionBreakpoints(node.name).length > 0;
    const item = new vscode.TreeItem(node.kind === 'phase' ? `phase "${node.name}"` : node.name, vscode.TreeItemCollapsibleState.None);
    item.id = `${node.kind}:${node.name}`;
    item.checkboxState = on ? vscode.TreeItemCheckboxState.Checked : vscode.TreeItemCheckboxState.Unchecked;
    item.tooltip = node.kind === 'phase' ? `Break where the phase "${node.name}" is reached (a function breakpoint on the phase label)` : `Break when ${node.name} is entered`;
    item.iconPath = new vscode.ThemeIcon(node.kind === 'phase' ? 'milestone' : 'symbol-function');
    return item;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
