// Activation: builds each service (adapter factory, configuration provider, adapter log, phases tree,
// host-memory panel, page bytes view, time travel, commands) and registers it for disposal. Only wiring; no logic of its own.
// Shared by both entries: node.ts (desktop, Node host) and browser.ts (the web worker host) pass
// what differs, so nothing Node-only is imported here.

import * as vscode from 'vscode';
import { BUILTIN_NAMES } from '../engine/index';
import { AdapterLogTrackerFactory, SessionEvents } from './adapterLog';
import { FsrConfigurationProvider, FsrDynamicConfigurationProvider, pickScenario } from './configProvider';
import { BookmarksView } from './bookmarksView';
import { FsrSessionEvents } from './fsrSessions';
import { type DrawnReport, HostMemoryPanel } from './hostMemoryPanel';
import { type HostReport, describeHost, hostReport } from './hostReport';
import { MomentLinks } from './links';
import { launchConfig } from './manifest';
import { PhasesView, setFunctionBreakpoint } from './phasesView';
import { ModelLineDecorator } from './provenance';
import { StepStatus } from './stepStatus';
import { TimeTravelCommands } from './timeTravel';
import { WatchesView } from './watchesView';
import { PageBytes } from './pageBytes';
import type { PageInfoMsg } from '../webview/protocol';

/** What activate() returns: enough for the extension-host tests to see the panel work. */
export interface FsrExtensionApi {
  hostMemory: { readonly isOpen: boolean; readonly lastDrawn: DrawnReport | undefined; readonly lastPage: PageInfoMsg | undefined; onDidDraw: vscode.Event<DrawnReport>; select(mpn: number | undefined): Promise<void> };
  adapterMode(): 'inline' | 'process';
  /** Where this extension host runs (web worker or Node), as it sees itself. */
  host: HostReport;
}

/** What differs between the desktop (Node) and the web worker host. */
export interface FsrHost {
  kind: 'node' | 'web';
  adapterFactory(extensionUri: vscode.Uri): vscode.DebugAdapterDescriptorFactory;
  adapterMode(): 'inline' | 'process';
}

export function activate(context: vscode.ExtensionContext, host: FsrHost): FsrExtensionApi {
  const { adapterMode } = host;
  const report = hostReport(host.kind);
  const log = vscode.window.createOutputChannel('FSR Handoff Debugger', { log: true });
  const events = new SessionEvents();
  const panel = new HostMemoryPanel(context.extensionUri, log);
  const phases = new PhasesView();
  const configs = new FsrConfigurationProvider();
  const fsrSessions = new FsrSessionEvents();
  const pageBytes = new PageBytes(log);

  const startScenario = async (name?: unknown): Promise<boolean> => {
    const scenario = typeof name === 'string' && BUILTIN_NAMES.includes(name) ? name : await pickScenario();
    if (!scenario) return false;
    return vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], launchConfig(scenario));
  };

  context.subscriptions.push(
    log,
    events,
    panel,
    phases,
    new ModelLineDecorator(context.extensionUri),
    vscode.debug.registerDebugConfigurationProvider('fsr', configs, vscode.DebugConfigurationProviderTriggerKind.Initial),
    vscode.debug.registerDebugConfigurationProvider('fsr', new FsrDynamicConfigurationProvider(), vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    vscode.debug.registerDebugAdapterDescriptorFactory('fsr', host.adapterFactory(context.extensionUri)),
    vscode.debug.registerDebugAdapterTrackerFactory('fsr', new AdapterLogTrackerFactory(log, events, adapterMode)),
    pageBytes,
    events.onDidChange((c) => panel.onSessionChange(c)),
    events.onDidChange((c) => pageBytes.onSessionChange(c)),
    vscode.commands.registerCommand('fsr.showHostMemory', () => panel.show()),
    vscode.commands.registerCommand('fsr.startScenario', startScenario),
    vscode.commands.registerCommand('fsr.showLog', () => log.show(true)),
    vscode.commands.registerCommand('fsr.addFunctionBreakpoint', (name?: unknown) => {
      if (typeof name === 'string' && name) setFunctionBreakpoint(name, true);
    }),
    // Time travel: reverse steps, phases, Go to Step, value history, links to a moment, bookmarks, watches.
    fsrSessions,
    new TimeTravelCommands(),
    new MomentLinks(context.extension.id),
    new BookmarksView(fsrSessions),
    new WatchesView(fsrSessions),
    new StepStatus(fsrSessions),
  );
  log.info(`FSR Handoff Debugger active (adapter ${adapterMode()}; ${describeHost(report)})`);

  return {
    hostMemory: {
      get isOpen() {
        return panel.isOpen;
      },
      get lastDrawn() {
        return panel.lastDrawn;
      },
      get lastPage() {
        return panel.lastPage;
      },
      onDidDraw: panel.onDidDraw,
      select: (mpn) => panel.select(mpn),
    },
    adapterMode,
    host: report,
  };
}

export function deactivate(): void {}
