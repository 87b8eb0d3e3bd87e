// The handoff in the decks' order and meaning: the restore phase after FSR_CheckpointFinished, the
// cancel after the point of no return with the panic as World_SetPanicNoCore's doing, the group the
// reservations are checked against, "mark all pages as unmapped", isCptBusy/isCptDone, the source's
// translations invalidated after every PCPU acknowledged; and stops where a C debugger would stop.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Session, builtinScenario, checkStep, parseScenario, type Scenario, type StopInfo } from '../../engine/index';

function session(name: string, over: Record<string, unknown> = {}): Session {
  const base = builtinScenario(name);
  return new Session(Object.keys(over).length ? parseScenario({ ...base, ...over }, name) : base);
}

/** The step at which `read()` first equals `value` (continuing with no breakpoints). */
function stepWhen(s: Session, read: () => unknown, value: unknown): number {
  s.rt.setExceptionFilters([]);
  for (;;) {
    if (read() === value) return s.rt.stepCount;
    s.rt.step(s.rt.actors.find((a) => !a.done)!.id, 'in');
    const before = s.rt.stepCount;
    s.rt.continue();
    const stop = s.rt.run(1);
    if (stop?.reason === 'end' || (stop === null && s.rt.stepCount === before)) throw new Error(`never reached ${String(value)}`);
  }
}

const top = (s: Session, stop: StopInfo) => {
  const a = s.rt.actor(stop.actorId!);
  const f = a.stack[a.stack.length - 1]!;
  return { fn: f.fn.name, text: f.fn.body[f.pc]!.text, locals: f.locals, depth: a.stack.length };
};

describe('the handoff as the decks order it', () => {
  it('RestorePhase: the destination enters MIGRATE CPTLOAD after FSR_CheckpointFinished, as the deck lists it', () => {
    const s = session('shared-swap');
    assert.equal(s.cx.dstVmx.migrateState, 'NOT_STARTED');
    const pagein = stepWhen(s, () => s.cx.srcVmx.migrateState, 'MIGRATE_PAGEIN');
    assert.equal(s.cx.dstVmx.migrateState, 'NOT_STARTED', 'the destination has not begun the restore before the source finishes its checkpoint');
    const cptload = stepWhen(s, () => s.cx.dstVmx.migrateState, 'MIGRATE_CPTLOAD');
    assert.ok(cptload > pagein, `CPTLOAD at step ${cptload}, after the source's PAGEIN at ${pagein}`);
    assert.equal(s.cx.cpt.read, 0, 'and it reads the checkpoint only then');
  });

  it('after the point of no return, the cancel undoes the preparation and the source panics because of World_SetPanicNoCore', () => {
    const s = session('transfer-fail');
    s.rt.setExceptionFilters(['panic']);
    s.rt.setBreakpoints(['function'], [{ kind: 'function', name: 'FSRCancelPrepareForMemoryTransfer' }]);
    s.rt.continue();
    let stop = s.rt.run()!;
    assert.equal(stop.reason, 'function breakpoint');
    assert.equal(s.cx.srcVmx.panicNoCore, true, 'the cancel runs after World_SetPanicNoCore');
    assert.equal(s.src.swap.swapperEnabled, false);
    s.rt.step(stop.actorId!, 'out');
    s.rt.run();
    const cancelled = { swapperEnabled: s.src.swap.swapperEnabled, resumeState: s.cx.fsr.resumeState, panicNoCore: s.cx.srcVmx.panicNoCore };
    assert.deepEqual(cancelled, { swapperEnabled: true, resumeState: 'FSR_RESUME_SOURCE', panicNoCore: true }, 'swapping is back on, the VM handed back to the source');
    assert.notEqual(s.cx.srcVmx.migrateState, 'PANIC', 'the cancel itself decides nothing');
    s.rt.setBreakpoints(['function'], []);
    s.rt.continue();
    stop = s.rt.run()!;
    assert.equal(stop.reason, 'exception');
    assert.equal(stop.exception!.filter, 'panic');
    const t = top(s, stop);
    assert.equal(t.fn, 'FSRSourceResume', 'the source panics when it tries to resume');
    assert.match(t.text, /^World_Panic/);
    assert.equal(s.rt.actor(stop.actorId!).name, 'source VMX');
    assert.equal(s.cx.srcVmx.migrateState, 'PANIC');
    s.rt.continue();
    assert.equal(s.rt.run()!.reason, 'end');
    assert.equal(s.outcome().victor, 'none');
    assert.equal(s.outcome().panicked, true);
  });

  it('FSRVerifyReservationsToTransfer checks the source group, and FSRTransferReservations moves it to the destination\'s', () => {
    const fits = session('shared-swap', { reservations: { memMinToTransferMB: 64, cpuMinToTransferMHz: 500, destGroupMemMinMB: 0, destGroupCpuMinMHz: 0 } });
    fits.runToEnd();
    assert.equal(fits.outcome().victor, 'destination', 'a destination group with no reservation of its own takes the VM\'s');
    assert.deepEqual(fits.cx.dstVmx.group, { memMinMB: 64, cpuMinMHz: 500 });
    assert.deepEqual(fits.cx.srcVmx.group, { memMinMB: 0, cpuMinMHz: 0 });
    const short = session('shared-swap', { reservations: { memMinToTransferMB: 64, cpuMinToTransferMHz: 0, sourceGroupMemMinMB: 32 } });
    short.rt.setExceptionFilters([]);
    short.runToEnd();
    assert.match(short.outcome().failures[0]!, /memMinToTransferMB 64 > the source group's min 32 MB/);
    assert.equal(short.outcome().victor, 'source');
  });

  it('"Mark all pages as unmapped": the pages the VMX mapped leave the PFrameMappedInVMX form, and nothing else changes', () => {
    const s = session('shared-swap');
    const mapped = s.cx.srcVmx.mappedPages;
    assert.equal(mapped.length, 4);
    const read = (w: typeof s.src, pg: number) => {
      const v = s.pframe(w, pg);
      assert.ok(!('error' in v));
      return v;
    };
    for (const pg of mapped) assert.equal(read(s.src, pg).fields.isMappedInVMX, 1, `pgNum ${pg} starts mapped in the VMX`);
    const others = [0, 1, 2, 100, 4095].filter((pg) => !mapped.includes(pg));
    const before = others.map((pg) => read(s.src, pg).pte);
    s.runToEnd();
    assert.equal(s.outcome().victor, 'destination');
    for (const pg of mapped) {
      const v = read(s.dst, pg);
      assert.equal(v.fields.isMappedInVMX, 0, `pgNum ${pg} is unmapped now`);
      assert.equal(v.type, 'REGULAR');
    }
    assert.deepEqual(others.map((pg) => read(s.dst, pg).pte), before);
    assert.equal(s.cx.srcVmx.vmxMappedPages, 0);
    assert.equal(s.dst.pframes.defaultPageTypeIsRemote, false);
  });

  it('the checkpoint sets isCptBusy on the pages it saves while it writes them, then isCptDone', () => {
    const s = session('shared-swap');
    const pg = s.cx.srcVmx.mappedPages[0]!;
    const f = (w = s.src) => (s.pframe(w, pg) as { fields: { isCptBusy: number; isCptDone: number } }).fields;
    const write = s.listing.fns.get('FSR_WriteCptData')!.body.find((st) => st.text.startsWith('Cpt_WriteChunk'))!.line!;
    const chunk = Math.floor((pg * s.cx.cpt.numChunks) / s.src.pframes.numMainMemPages);
    s.rt.setBreakpoints(['line'], [{ kind: 'line', line: write, condition: `chunk == ${chunk}` }]);
    s.rt.continue();
    assert.equal(s.rt.run()!.reason, 'breakpoint');
    assert.deepEqual({ ...f() }, { ...f(), isCptBusy: 1, isCptDone: 0 }, 'busy while its chunk is written');
    s.rt.setBreakpoints(['line'], []);
    stepWhen(s, () => s.cx.cpt.written, s.cx.cpt.numChunks);
    assert.deepEqual([f().isCptBusy, f().isCptDone], [0, 1], 'done once the checkpoint is written');
    s.runToEnd();
    assert.deepEqual([f(s.dst).isCptBusy, f(s.dst).isCptDone], [0, 1], 'and so it stays, on the destination');
  });

  it('the source\'s cached translations are invalidated after every PCPU acknowledged the flags, and an invariant holds it', () => {
    const s = session('shared-swap', { faults: [{ kind: 'slowPcpu', pcpu: 2, delaySteps: 30 }] });
    const wait = s.listing.fns.get('VmMemMigrateMemoryHandoffStarted')!.body.find((st) => st.text.startsWith('while (memHandoff->numAcked'))!.line!;
    s.rt.setBreakpoints(['line'], [{ kind: 'line', line: wait }]);
    s.rt.continue();
    assert.equal(s.rt.run()!.reason, 'breakpoint');
    assert.ok(s.cx.srcVmx.shadow.size > 0, 'still cached while PCPUs have not all read the flags');
    assert.ok(s.cx.handoff.acked.includes(false));
    s.rt.setBreakpoints(['line'], []);
    s.rt.setBreakpoints(['phase'], [{ kind: 'phase', name: 'pdir redirect' }]);
    s.rt.continue();
    assert.equal(s.rt.run()!.reason, 'breakpoint');
    assert.ok(s.cx.handoff.acked.every(Boolean));
    assert.equal(s.cx.srcVmx.shadow.size, 0, 'gone before the first redirect');
    // A translation into a handed-over pdir is what the invariant catches.
    s.rt.continue();
    s.rt.setBreakpoints(['phase'], []);
    s.rt.run();
    s.cx.srcVmx.shadow.set(5, 0x100005);
    assert.ok(checkStep(s.cx).some((b) => b.name === 'handed-over pages have no cached translations'));
  });
});

describe('stops where a C debugger would stop', () => {
  it('the fail filter stops on the failing statement, in the function that takes the FAIL path, with its locals', () => {
    const s = session('reservation-fail');
    s.rt.setExceptionFilters(['fail']);
    s.rt.continue();
    const stop = s.rt.run()!;
    assert.equal(stop.reason, 'exception');
    const t = top(s, stop);
    assert.equal(t.fn, 'FSRVerifyReservationsToTransfer');
    assert.equal(t.text, 'return VMK_MEM_ADMIT_FAILED;  // FAIL');
    assert.equal(t.locals.memMin, 256);
    const depth = t.depth;
    s.rt.step(stop.actorId!, 'over');
    s.rt.run();
    const after = top(s, { ...stop });
    assert.equal(after.fn, 'FSRPrepareForMemoryTransfer', 'stepping on returns the failure to the caller');
    assert.equal(after.depth, depth - 1);
    assert.equal(after.locals.status, 'VMK_MEM_ADMIT_FAILED');
  });

  for (const [name, scenario, actor] of [
    ['FSRSwapCopyHelper', 'unshared-swap', 'FSRSwapCopyHelper'],
    ['Swap_SwapperThread', 'shared-swap', 'swapper'],
    ['PCPU_Idle', 'shared-swap', 'PCPU '],
    ['FSRDestVMX', 'shared-swap', 'destination VMX'],
  ] as const) {
    it(`a function breakpoint on ${name}, an actor's entry, stops as that actor starts, before its first statement`, () => {
      const plain = session(scenario);
      plain.runToEnd();
      const s = session(scenario);
      const [bp] = s.rt.setBreakpoints(['function'], [{ kind: 'function', name }]);
      assert.equal(bp!.verified, true);
      s.rt.continue();
      const stop = s.rt.run()!;
      assert.equal(stop.reason, 'function breakpoint');
      const a = s.rt.actor(stop.actorId!);
      assert.ok(a.name.startsWith(actor), `${a.name} starts`);
      assert.deepEqual(a.stack.map((f) => [f.fn.name, f.pc]), [[name, 0]]);
      assert.match(stop.description, new RegExp(`starts ${name}`));
      // Going on runs the same handoff as without the breakpoint.
      s.rt.setBreakpoints(['function'], []);
      s.rt.continue();
      assert.equal(s.rt.run()!.reason, 'end');
      assert.deepEqual(s.outcome(), plain.outcome());
      assert.deepEqual(s.rt.schedule, plain.rt.schedule);
    });
  }
});

export type { Scenario };
