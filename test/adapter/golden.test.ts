// Golden DAP transcripts against the built adapter: a whole short session on shared-swap, and a
// PFrame above 2^32 on high-mpn, request by request with every event in wire order. UPDATE_GOLDEN=1 rewrites.

import { describe, it } from 'node:test';
import { INIT, Transcript, close, golden, open } from './helpers';

/** Nothing in these transcripts is volatile (simulated time, seeded scenario); sequence numbers are not printed. */
const mask = (s: string) => s;

describe('golden transcripts', () => {
  it('shared-swap: launch, function breakpoints, stop, stack, scopes, locals, FSR, step in, step back, the BPN walk', async () => {
    const dc = await open();
    const t = new Transcript(dc, mask);
    try {
      t.note('initialize was sent by open(): ' + JSON.stringify(INIT));
      const initialized = dc.waitForEvent('initialized');
      const entry = dc.waitForEvent('stopped');
      await t.req('launch', { scenario: 'shared-swap', stopOnEntry: true });
      await initialized;
      await t.req('setFunctionBreakpoints', { breakpoints: [{ name: 'World_SetPanicNoCore' }, { name: 'Alloc_BPNTToMainMemPage', condition: 'bpn >= 0x200000000' }, { name: 'FSRInfo' }] });
      await t.req('setExceptionBreakpoints', { filters: ['fail', 'panic', 'invariant'] });
      await t.req('configurationDone');
      await entry;
      let stopped = dc.waitForEvent('stopped');
      await t.req('continue', { threadId: 1 });
      await stopped;
      await t.req('threads');
      await t.req('stackTrace', { threadId: 2 });
      const sc = (await t.req('scopes', { frameId: 20002 })).body as { scopes: Array<{ variablesReference: number }> };
      await t.req('variables', { variablesReference: sc.scopes[0]!.variablesReference });
      await t.req('variables', { variablesReference: sc.scopes[1]!.variablesReference });
      stopped = dc.waitForEvent('stopped');
      await t.req('stepIn', { threadId: 2 });
      await stopped;
      await t.req('stackTrace', { threadId: 2, levels: 2 });
      stopped = dc.waitForEvent('stopped');
      await t.req('stepBack', { threadId: 2 });
      await stopped;
      await t.req('stackTrace', { threadId: 2, levels: 1 });
      await t.req('evaluate', { expression: 'BusMem_TranslateBPN(dst, BPN_MAINMEM(600))', frameId: 20002, context: 'repl' });
      await t.req('evaluate', { expression: 'fsr->resumeState', frameId: 20002, context: 'hover' });
      await t.req('exceptionInfo', { threadId: 2 });
      golden('shared-swap-session', t.text());
    } finally {
      await close(dc);
    }
  });

  it('high-mpn: a PFrame whose MPN needs indexHighBits, its walk and its bytes', async () => {
    const dc = await open();
    const t = new Transcript(dc, mask);
    try {
      const initialized = dc.waitForEvent('initialized');
      const entry = dc.waitForEvent('stopped');
      await t.req('launch', { scenario: 'high-mpn', stopOnEntry: true });
      await initialized;
      await t.req('configurationDone');
      await entry;
      const ref = (r: { body?: unknown }) => (r.body as { variablesReference: number }).variablesReference;
      const pf = ref(await t.req('evaluate', { expression: 'src.pages[4953]', frameId: 10000, context: 'repl' }));
      const fields = (await t.req('variables', { variablesReference: pf })).body as { variables: Array<{ name: string; variablesReference: number }> };
      const extra = fields.variables.find((v) => v.name === 'extra')!.variablesReference;
      const member = ((await t.req('variables', { variablesReference: extra })).body as { variables: Array<{ variablesReference: number }> }).variables[0]!.variablesReference;
      await t.req('variables', { variablesReference: member });
      await t.req('evaluate', { expression: 'BusMem_TranslateBPN(src, BPN_MAINMEM(4953))', frameId: 10000, context: 'repl' });
      await t.req('evaluate', { expression: 'src.pframes.pdirInfo[9]', frameId: 10000, context: 'watch' });
      await t.req('readMemory', { memoryReference: '0xfffffeda000', offset: 392, count: 16 });
      await t.req('readMemory', { memoryReference: '0x100000000000', count: 32 });
      await t.req('setVariable', { variablesReference: pf, name: 'indexHighBits', value: '64' });
      // The edit's invalidated and output events may arrive after the response: wait for them, so
      // the transcript's order does not depend on timing.
      const invalidated = dc.waitForEvent('invalidated');
      await t.req('setVariable', { variablesReference: pf, name: 'type', value: 'SWAPPED' });
      await invalidated;
      await new Promise((r) => setTimeout(r, 20));
      await t.req('variables', { variablesReference: pf });
      golden('high-mpn-pframe', t.text());
    } finally {
      await close(dc);
    }
  });
});
