// The runtime on tiny programs: a step records its undo (the stack only when its shape changes), so
// stepping back across calls, returns and exits, and a statement that throws, leave exactly the state before.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Runtime, buildListing, type FnDef } from '../../engine/index';

interface Cx {
  n: number;
  boom: boolean;
  rt?: Runtime<Cx>;
}

const FNS: FnDef<Cx>[] = [
  {
    name: 'main',
    model: 'a test program',
    sig: 'void main(void)',
    comment: 'calls f, then exits',
    body: [
      { text: 'x = 1;', exec: (_cx, f) => { f.locals.x = 1; return undefined; } },
      { text: 'y = f(x);', calls: ['f'], exec: (_cx, f) => ({ call: 'f', args: { a: f.locals.x! }, into: 'y' }) },
      // Runs as part of the step that returns from f; throws when told to.
      { text: '/* after f */', silent: true, exec: (cx, f) => { f.locals.z = 3; if (cx.boom) throw new Error('boom'); return undefined; } },
      { text: 'exit(y);', exec: (_cx, f) => ({ exit: `exit ${String(f.locals.y)}` }) },
    ],
  },
  {
    name: 'f',
    model: 'a test program',
    sig: 'int f(int a)',
    comment: 'counts, then returns',
    body: [
      { text: 'n++;', exec: (cx, f) => { cx.rt!.journal.set(cx, 'n', cx.n + 1); f.locals.a = (f.locals.a as number) + 1; return undefined; } },
      { text: 'return a;', exec: (cx, f) => { if (cx.boom) cx.rt!.journal.set(cx, 'n', 99); return { ret: f.locals.a }; } },
    ],
  },
];

function make(): { rt: Runtime<Cx>; cx: Cx } {
  const cx: Cx = { n: 0, boom: false };
  const listing = buildListing<Cx>([], [{ deck: 'test', slides: [], fns: FNS }]);
  const rt = new Runtime<Cx>(listing, [{ name: 'main', entry: 'main', args: {}, cpu: 0, worldID: 0 }], cx, { checkInvariants: () => [], resolver: () => ({ path: () => 0 }) }, 1);
  cx.rt = rt;
  return { rt, cx };
}

/** The actor's stack and the context, as text. */
function state(rt: Runtime<Cx>, cx: Cx): string {
  const a = rt.actors[0]!;
  return JSON.stringify({ n: cx.n, done: a.done, exit: a.exitReason, stack: a.stack.map((f) => [f.fn.name, f.pc, f.locals, typeof f.into === 'string' ? f.into : null]) });
}

function stepIn(rt: Runtime<Cx>): void {
  rt.step(0, 'in');
  rt.run();
}

describe('runtime undo', () => {
  it('steps back across a call, a return and the exit to each earlier state exactly', () => {
    const { rt, cx } = make();
    const seen: string[] = [state(rt, cx)];
    while (!rt.finished) {
      stepIn(rt);
      seen.push(state(rt, cx));
    }
    assert.equal(rt.stepCount, seen.length - 1);
    assert.match(seen[seen.length - 1]!, /"exit":"exit 2"/);
    for (let k = seen.length - 2; k >= 0; k--) {
      rt.gotoStep(k);
      assert.equal(state(rt, cx), seen[k], `after going back to step ${k}`);
    }
    // And forward again: the same states.
    for (let k = 1; k < seen.length; k++) {
      rt.gotoStep(k);
      assert.equal(state(rt, cx), seen[k], `after going forward to step ${k}`);
    }
  });

  it('a statement that throws after a return changes nothing: not the stack, the locals or the journaled state', () => {
    const { rt, cx } = make();
    for (let i = 0; i < 3; i++) stepIn(rt); // x = 1; the call; n++ in f
    const before = state(rt, cx);
    const count = rt.stepCount;
    cx.boom = true;
    rt.step(0, 'in');
    const stop = rt.run();
    assert.equal(stop?.reason, 'exception');
    assert.match(stop!.description, /engine error in f line \d+: boom/); // back inside f, at its return
    cx.boom = false;
    assert.equal(rt.stepCount, count);
    assert.equal(state(rt, cx), before);
    // The run goes on from there as if nothing happened.
    while (!rt.finished) stepIn(rt);
    assert.equal(rt.actors[0]!.exitReason, 'exit 2');
    assert.equal(cx.n, 1);
  });
});
