// The 64 GiB VM (big-vm: 16 Mi pages, 32768 pdirs) through DAP on the built adapter: paging stays
// instant, because rows are computed when asked for and never listed whole.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { close, evaluate, frames, launch, open, vars } from './helpers';

describe('big-vm (64 GiB)', () => {
  it('pages 16 Mi PFrames, 32768 pdirs and the BackMap on demand', async () => {
    const dc = await open();
    try {
      const stop = await launch(dc, { scenario: 'big-vm', stopOnEntry: true });
      const top = (await frames(dc, stop.threadId!))[0]!;
      const timed = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
        const t = performance.now();
        const r = await f();
        const ms = performance.now() - t;
        assert.ok(ms < 250, `${what} took ${ms.toFixed(0)} ms`);
        return r;
      };
      const pages = await timed('evaluate src.pages', () => evaluate(dc, 'src.pages', top.id));
      assert.equal(pages.indexedVariables, 16 * 1024 * 1024);
      const tail = await timed('the last 100 PFrames', () => vars(dc, pages.variablesReference, { filter: 'indexed', start: 16 * 1024 * 1024 - 100, count: 100 }));
      assert.equal(Object.keys(tail)[99], '[16777215]');
      const groups = await timed('groups without paging', () => dc.variablesRequest({ variablesReference: pages.variablesReference }));
      assert.deepEqual(groups.body.variables.slice(0, 2).map((g) => g.name), ['[0..999999]', '[1000000..1999999]']);
      assert.equal(groups.body.variables.length, 17);
      const dirs = await timed('pdirInfo', () => evaluate(dc, 'src.pframes.pdirInfo', top.id));
      assert.equal(dirs.indexedVariables, 32768);
      const last = await timed('the last pdirs', () => vars(dc, dirs.variablesReference, { start: 32700, count: 68 }));
      assert.match(last['[32767]']!.value, /→ pdir MPN 0x[0-9a-f]+$/);
      assert.ok(last['[32767]']!.memoryReference);
      const bm = await timed('BackMap', () => evaluate(dc, 'host.backmap', top.id));
      assert.ok(bm.indexedVariables! > 17 * 1024 * 1024);
      await timed('BackMap tail', () => vars(dc, bm.variablesReference, { start: bm.indexedVariables! - 50, count: 50 }));
      const pf = await timed('the last PFrame', () => evaluate(dc, 'src.pages[16777215].mpn', top.id));
      assert.match(pf.result, /^0x[0-9a-f]+$|INVALID_MPN64/);
    } finally {
      await close(dc);
    }
  });
});
