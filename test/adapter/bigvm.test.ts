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
      assert.equal(pages.indexedVariables, undefined, 'grouped by the adapter, not chunked by the client');
      const tail = await timed('the last 100 PFrames', () => vars(dc, pages.variablesReference, { filter: 'indexed', start: 16 * 1024 * 1024 - 100, count: 100 }));
      assert.equal(Object.keys(tail)[99], '[0xffffff]');
      // 32,768 directories of 512: groups of 512 directories, each of its directories, each of its 512 PFrames.
      const groups = await timed('groups without paging', () => dc.variablesRequest({ variablesReference: pages.variablesReference }));
      assert.deepEqual(groups.body.variables.slice(0, 2).map((g) => g.name), ['[0x0..0x3ffff]', '[0x40000..0x7ffff]']);
      assert.equal(groups.body.variables.length, 64);
      const inner = await timed('a group of directories', () => dc.variablesRequest({ variablesReference: groups.body.variables[63]!.variablesReference }));
      assert.equal(inner.body.variables.length, 512);
      assert.equal(inner.body.variables[511]!.name, '[0xfffe00..0xffffff]');
      assert.match(inner.body.variables[511]!.value, /^pdir 0x7fff: pdir page 0x[0-9a-f]+$/);
      const dir = await timed('a directory', () => dc.variablesRequest({ variablesReference: inner.body.variables[511]!.variablesReference }));
      assert.equal(dir.body.variables.length, 512);
      assert.equal(dir.body.variables[511]!.evaluateName, 'src.pages[0xffffff]');
      const dirs = await timed('pdirInfo', () => evaluate(dc, 'src.pframes.pdirInfo', top.id));
      const last = await timed('the last pdirs', () => vars(dc, dirs.variablesReference, { start: 32700, count: 68 }));
      assert.match(last['[0x7fff]']!.value, /→ pdir MPN 0x[0-9a-f]+$/);
      assert.ok(last['[0x7fff]']!.memoryReference);
      const bm = await timed('BackMap', () => evaluate(dc, 'host.backmap', top.id));
      const total = Number((await evaluate(dc, 'host.totalPages', top.id)).result);
      assert.ok(total > 17 * 1024 * 1024);
      await timed('BackMap tail', () => vars(dc, bm.variablesReference, { start: total - 50, count: 50 }));
      const pf = await timed('the last PFrame', () => evaluate(dc, 'src.pages[16777215].mpn', top.id));
      assert.match(pf.result, /^0x[0-9a-f]+$|INVALID_MPN64/);
    } finally {
      await close(dc);
    }
  });
});
