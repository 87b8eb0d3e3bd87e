// The built adapter as a TCP server (`--server=PORT` on 127.0.0.1) for nvim-dap, Emacs and other
// clients: one session per connection; bad arguments get a usage message and a non-zero exit.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { ADAPTER, INIT, ensureBuilt, frames, launch } from './helpers';

describe('--server=PORT', () => {
  it('serves sessions over TCP on loopback, several at once', async () => {
    await ensureBuilt();
    const proc = spawn(process.execPath, [ADAPTER, '--server=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let err = '';
        proc.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
          if (m) resolve(Number(m[1]));
        });
        proc.on('exit', (c) => reject(new Error(`adapter exited with ${c}: ${err}`)));
      });
      const clients = [new DebugClient('node', ADAPTER, 'fsr'), new DebugClient('node', ADAPTER, 'fsr')];
      for (const dc of clients) {
        await dc.start(port);
        await dc.initializeRequest(INIT);
      }
      const [a, b] = clients as [DebugClient, DebugClient];
      const sa = await launch(a, { scenario: 'shared-swap', stopOnEntry: true });
      const sb = await launch(b, { scenario: 'high-mpn', stopOnEntry: true });
      assert.equal(sa.reason, 'entry');
      assert.equal(sb.reason, 'entry');
      const ea = (await a.evaluateRequest({ expression: 'src.pframes.numMainMemPages', frameId: (await frames(a, 1))[0]!.id })).body.result;
      const eb = (await b.evaluateRequest({ expression: 'src.pframes.numMainMemPages', frameId: (await frames(b, 1))[0]!.id })).body.result;
      assert.deepEqual([ea, eb], ['4096', '8192']);
      await a.stop();
      // The server and the other session carry on.
      assert.equal((await b.threadsRequest()).body.threads.length, 8);
      await b.stop();
      assert.equal(proc.exitCode, null);
    } finally {
      proc.kill();
    }
  });

  it('refuses a bad port or argument with a usage message', async () => {
    await ensureBuilt();
    const bad = spawnSync(process.execPath, [ADAPTER, '--server=http'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--server: "http" is not a port \(a whole number in 0\.\.65535\)/);
    const unknown = spawnSync(process.execPath, [ADAPTER, '--verbose'], { encoding: 'utf8' });
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown argument "--verbose"\nusage: node dist\/adapter\.js \[--server=PORT\]/);
  });
});
