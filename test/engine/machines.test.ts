// The FSR state machines (engine/sim/machines.ts): every transition the built-in scenarios make is one
// the table holds, every transition the table holds is made by some built-in (so the graph the view
// draws is neither short of nor beyond the program), and a transition outside it is an engine error.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUILTIN_NAMES, ChangeKind, MACHINES, RESUME_MACHINE, SWAP_COPY_MACHINE, Session, builtinScenario, enterState, transitionOf, type FieldChange } from '../../engine/index';

/** The transitions of each machine a run made, as "from → to", from the change log. */
function taken(s: Session): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>(MACHINES.map((m) => [m.field, new Set<string>()]));
  const log = s.rt.changes;
  for (let i = 0; i < log.count; i++) {
    if (log.kind[i] !== ChangeKind.FIELD) continue;
    const c = log.side[i] as FieldChange;
    if (c.obj !== s.cx.fsr || !out.has(c.field)) continue;
    out.get(c.field)!.add(`${String(c.old)} → ${String(c.new)}`);
  }
  return out;
}

test('the built-in scenarios make exactly the transitions the machines hold', () => {
  const seen = new Map<string, Set<string>>(MACHINES.map((m) => [m.field, new Set<string>()]));
  for (const name of BUILTIN_NAMES) {
    if (name === 'big-vm') continue; // the same machines as shared-swap, at 64 GiB
    const s = new Session(builtinScenario(name));
    s.rt.setExceptionFilters([]);
    s.runToEnd();
    assert.ok(s.rt.finished, `${name} finished`);
    for (const [field, set] of taken(s)) {
      const m = MACHINES.find((x) => x.field === field)!;
      for (const t of set) {
        const [from, to] = t.split(' → ');
        assert.ok(transitionOf(m, from!, to!), `${name}: ${field} ${t} is not in the table`);
        seen.get(field)!.add(t);
      }
    }
  }
  for (const m of MACHINES) {
    for (const t of m.transitions) assert.ok(seen.get(m.field)!.has(`${t.from} → ${t.to}`), `${m.field} ${t.from} → ${t.to} (${t.by}) is made by no built-in scenario`);
    assert.ok(m.states.includes(m.initial));
    for (const t of m.transitions) assert.ok(m.states.includes(t.from) && m.states.includes(t.to));
  }
});

test('a transition outside the table stops the run with an engine error and changes nothing', () => {
  const s = new Session(builtinScenario('shared-swap'));
  assert.throws(() => enterState(s.cx, RESUME_MACHINE, 'FSR_RESUME_DEST'), /resumeState FSR_RESUME_NONE → FSR_RESUME_DEST is not a transition of the model's state machine \(from FSR_RESUME_NONE: FSR_RESUME_DESTVERIFY, FSR_RESUME_SOURCE/);
  assert.equal(s.cx.fsr.resumeState, 'FSR_RESUME_NONE');
  // In a run: at the point of no return an edit puts resumeState back to NONE; FSR_ResumeDone's write of DEST is then refused.
  s.rt.setBreakpoints(['function', 'phase'], [{ kind: 'function', name: 'World_SetPanicNoCore' }]);
  assert.equal(s.runToEnd()?.reason, 'function breakpoint');
  assert.equal(s.cx.fsr.resumeState, 'FSR_RESUME_DESTVERIFY');
  s.editFsr('resumeState', 'FSR_RESUME_NONE');
  s.rt.setBreakpoints(['function', 'phase'], []);
  const stop = s.runToEnd();
  assert.match(stop?.description ?? '', /engine error .*resumeState FSR_RESUME_NONE → FSR_RESUME_DEST is not a transition/);
  assert.equal(s.cx.fsr.resumeState, 'FSR_RESUME_NONE');
});

test('the machines name states of the deck and where each transition is made', () => {
  assert.deepEqual([...RESUME_MACHINE.states], ['FSR_RESUME_NONE', 'FSR_RESUME_SOURCE', 'FSR_RESUME_DEST', 'FSR_RESUME_DESTVERIFY']);
  assert.equal(SWAP_COPY_MACHINE.states.length, 8);
  for (const m of MACHINES) for (const t of m.transitions) assert.match(t.by, /^[A-Za-z_]+$/);
});
