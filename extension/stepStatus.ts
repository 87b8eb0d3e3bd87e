// The run's step in the status bar while an `fsr` session is focused — the number to quote (rr's
// `when`); "running" while it moves, so no earlier step is shown as now. A click: FSR: Go to Step….
// Knows no engine; no Node (runs in a browser extension host too).

import * as vscode from 'vscode';
import type { MomentBody } from '../adapter/timeTravel';
import { type FsrSessionEvents, fsrRequest } from './fsrSessions';

export class StepStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('fsr.step', vscode.StatusBarAlignment.Left, 10);
  private readonly disposables: vscode.Disposable[] = [];
  private generation = 0;

  constructor(events: FsrSessionEvents) {
    this.item.name = 'FSR step';
    this.item.command = 'fsr.goToStep';
    this.disposables.push(
      this.item,
      events.onDidChange((e) => {
        if (e.session !== vscode.debug.activeDebugSession) return;
        if (e.kind === 'stopped') void this.show(e.session);
        else if (e.kind === 'running') this.running();
        else if (e.kind === 'ended') this.hide();
      }),
      vscode.debug.onDidChangeActiveDebugSession((s) => (s?.type === 'fsr' ? void this.show(s) : this.hide())),
    );
  }

  private running(): void {
    this.generation++;
    this.item.text = '$(loading~spin) FSR: running';
    this.item.tooltip = 'The run is moving; its step shows when it stops.';
    this.item.show();
  }

  private hide(): void {
    this.generation++;
    this.item.hide();
  }

  private async show(session: vscode.DebugSession): Promise<void> {
    const gen = ++this.generation;
    try {
      const m = await fsrRequest<MomentBody>(session, 'fsr/moment');
      if (gen !== this.generation) return;
      this.item.text = `$(history) FSR step ${m.step}`;
      this.item.tooltip = `Step ${m.step} of ${m.scenario}${m.end !== null ? ` (the run ends at step ${m.end})` : ''}: the run's own clock, the same whatever breakpoints are set. Click to go to another step; FSR: Copy Link to This Moment shares it.`;
      this.item.show();
    } catch {
      // Not launched yet: shown at its first stop.
      if (gen === this.generation) this.item.hide();
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
