// Launch configurations for `fsr`: F5 with no launch.json offers the built-in scenarios, the dynamic
// list shows each one, and a relative scenario path is resolved against the workspace folder. Knows no adapter.
// No Node here (the web entry shares it): paths are joined as URIs.

import * as vscode from 'vscode';
import { BUILTIN_NAMES, builtinScenario } from '../engine/index';
import { launchConfig } from './manifest';

/**
 * What a browser tab takes, for the picker: the big scenario measured in a browser's web worker
 * (`npm run bench -- browser` and the web UI test, headless Chromium on 2 shared cores: 64 GiB ≈ 0.5 s
 * to the first stop in the worker, 1.6–7 s as code-server's web UI shows it, +0.15–0.2 GiB of the
 * tab's memory; README, "In a browser", has the larger sizes). Small VMs are instant anywhere.
 */
function browserNote(memMB: number): string {
  return memMB >= 16384 ? ' — fine in a browser tab: a few seconds to the first stop and 0.2 GiB of its memory' : '';
}

export async function pickScenario(placeHolder = 'Choose an FSR handoff scenario to debug'): Promise<string | undefined> {
  const items = BUILTIN_NAMES.map((name) => {
    const s = builtinScenario(name);
    const size = s.vm.memMB >= 1024 ? `${s.vm.memMB / 1024} GiB` : `${s.vm.memMB} MB`;
    return { label: name, description: `${size} VM, ${s.swap.mode} swap${browserNote(s.vm.memMB)}`, detail: s.teaches };
  });
  const pick = await vscode.window.showQuickPick(items, { placeHolder, matchOnDetail: true });
  return pick?.label;
}

/** Initial configurations (creating launch.json) and F5 without one. */
export class FsrConfigurationProvider implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return BUILTIN_NAMES.map(launchConfig);
  }

  async resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    if (!config.type && !config.request && !config.name) {
      const name = await pickScenario();
      return name ? launchConfig(name) : undefined;
    }
    if (config.type === 'fsr' && config.scenario === undefined) {
      const name = await pickScenario('This configuration names no scenario: choose one');
      if (!name) return undefined;
      config.scenario = name;
    }
    return config;
  }

  resolveDebugConfigurationWithSubstitutedVariables(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration {
    const s = config.scenario;
    if (typeof s === 'string' && !BUILTIN_NAMES.includes(s) && !/^[a-z][a-z0-9+.-]+:\/\//i.test(s)) {
      const base = folder ?? vscode.workspace.workspaceFolders?.[0];
      const absolute = /^(?:[\\/]|[a-z]:[\\/])/i.test(s);
      if (!base || (absolute && base.uri.scheme === 'file')) return config;
      // A file path on the desktop; in a remote or virtual folder (a browser's), a URI on its file system.
      const uri = absolute ? base.uri.with({ path: s.replace(/\\/g, '/') }) : vscode.Uri.joinPath(base.uri, s);
      config.scenario = uri.scheme === 'file' ? uri.fsPath : uri.toString();
    }
    return config;
  }
}

/** "Run and Debug → FSR Handoff…" lists every built-in scenario. */
export class FsrDynamicConfigurationProvider implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return BUILTIN_NAMES.map(launchConfig);
  }
}
