// The wire: malformed frames never leave the adapter deaf. WireReader on its own (good frames cut
// anywhere arrive whole; after any bad frame the next good one still arrives), then the BUILT
// stand-alone adapter fed each kind of malformed frame followed by a good request.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fc from 'fast-check';
import { WireReader, type WireProblem } from '../../adapter/wire';
import { ADAPTER, ensureBuilt } from './helpers';

const enc = new TextEncoder();
const frame = (body: string, length = enc.encode(body).length, name = 'Content-Length') => `${name}: ${length}\r\n\r\n${body}`;
const request = (seq: number, command: string, args?: unknown) => JSON.stringify({ seq, type: 'request', command, ...(args === undefined ? {} : { arguments: args }) });

/** Feed `chunks` to a reader, then end the stream; what it delivered and reported. */
function read(chunks: Uint8Array[]): { messages: Array<Record<string, unknown>>; problems: WireProblem[] } {
  const messages: Array<Record<string, unknown>> = [];
  const problems: WireProblem[] = [];
  const r = new WireReader({ message: (m) => messages.push(m), problem: (p) => problems.push(p) }, { idleMs: 60_000 });
  for (const c of chunks) r.push(c);
  r.close();
  return { messages, problems };
}

/** Cut `bytes` at the given fractions. */
function cut(bytes: Uint8Array, at: number[]): Uint8Array[] {
  const points = [...new Set(at.map((f) => Math.floor(f * bytes.length)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    if (p > prev) out.push(bytes.subarray(prev, p));
    prev = Math.max(prev, p);
  }
  return out;
}

/** Malformed frames, each as the bytes a broken client might send (some carry a request, seq 900). */
const BAD: Array<[string, string]> = [
  ['non-numeric Content-Length', `Content-Length: abc\r\n\r\n${request(900, 'threads')}`],
  ['negative Content-Length', `Content-Length: -5\r\n\r\n${request(900, 'threads')}`],
  ['zero Content-Length', 'Content-Length: 0\r\n\r\n'],
  ['zero Content-Length with a body', `Content-Length: 0\r\n\r\n${request(900, 'threads')}`],
  ['fractional Content-Length', `Content-Length: 4.5\r\n\r\n${request(900, 'threads')}`],
  ['too small a Content-Length', frame(request(900, 'threads'), 20)],
  ['too large a Content-Length', frame(request(900, 'threads'), 9999)],
  ['a Content-Length past the size limit', 'Content-Length: 99999999999999\r\n\r\n'],
  ['no header', `${request(900, 'threads')}`],
  ['no Content-Length among other headers', `Content-Type: application/json\r\n\r\n${request(900, 'threads')}`],
  ['Content-Length twice', `Content-Length: 5\r\nContent-Length: 6\r\n\r\n${request(900, 'threads')}`],
  ['length counted in characters', frame(request(900, 'evaluate', { expression: 'émoji 🙂 ünïcødé' }), request(900, 'evaluate', { expression: 'émoji 🙂 ünïcødé' }).length)],
  ['garbage without a header end', 'hello, adapter'],
  ['binary garbage', '\u0000\u0001\u00ff\ufffd\r\r\n\u0007'],
  ['an unfinished header', 'Content-Length: 12'],
  ['a header cut before its blank line', 'Content-Length: 12\r\n'],
  ['a body that is not JSON', frame('{{{{{')],
  ['JSON that is not a message', frame('[1,2,3]')],
  ['a request without "type"', frame(JSON.stringify({ seq: 900, command: 'threads' }))],
  ['an overlong header line', `X-Junk: ${'x'.repeat(9000)}`],
];

describe('WireReader', () => {
  it('delivers good frames whole wherever the stream cuts them, with headers in any case', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ command: fc.constantFrom('threads', 'evaluate', 'scopes'), text: fc.string({ unit: 'grapheme', maxLength: 30 }), header: fc.constantFrom('Content-Length', 'content-length', 'CONTENT-LENGTH'), type: fc.boolean() }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
        (msgs, cuts) => {
          const bodies = msgs.map((m, i) => request(i + 1, m.command, { expression: m.text }));
          const wire = msgs.map((m, i) => (m.type ? 'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n' : '') + frame(bodies[i]!, undefined, m.header)).join('');
          const { messages, problems } = read(cut(enc.encode(wire), cuts));
          assert.deepEqual(problems, []);
          assert.deepEqual(messages.map((m) => JSON.stringify(m)), bodies);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  it('after any malformed frame, cut anywhere, the next good frame still arrives and the bad one is reported', () => {
    fc.assert(
      fc.property(fc.constantFrom(...BAD), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }), ([, bad], cuts) => {
        const good = request(1, 'threads');
        const { messages, problems } = read(cut(enc.encode(bad + frame(good)), cuts));
        assert.deepEqual(messages.map((m) => JSON.stringify(m)), [good]);
        assert.ok(problems.length >= 1, 'the bad frame is reported');
        for (const p of problems) assert.ok(p.reason.length > 10 && p.preview.length <= 81, JSON.stringify(p));
      }),
      { numRuns: 400, seed: 11 },
    );
  });

  it('names the request in a frame it cannot trust, and says how the length was wrong', () => {
    const body = request(900, 'evaluate', { expression: 'é' });
    const chars = read([enc.encode(frame(body, body.length) + frame(request(1, 'threads')))]);
    assert.deepEqual(chars.problems.map((p) => p.request), [{ seq: 900, command: 'evaluate' }]);
    assert.equal(chars.problems[0]!.reason, `Content-Length ${body.length} does not match the message's ${body.length + 1} bytes: it was counted in characters, not UTF-8 bytes`);
    const abc = read([enc.encode(`Content-Length: abc\r\n\r\n${request(900, 'threads')}`)]);
    assert.match(abc.problems[0]!.reason, /Content-Length "abc" is not a whole number of bytes/);
    assert.deepEqual(abc.problems[0]!.request, { seq: 900, command: 'threads' });
  });

  it('gives up on a frame that never completes after the idle time, and reads on', async () => {
    const messages: unknown[] = [];
    const problems: WireProblem[] = [];
    const r = new WireReader({ message: (m) => messages.push(m), problem: (p) => problems.push(p) }, { idleMs: 50 });
    const body = request(900, 'threads');
    r.push(enc.encode(frame(body, 100)));
    await new Promise((res) => setTimeout(res, 120));
    assert.equal(problems[0]?.reason, `Content-Length 100 does not match the message's ${body.length} bytes`);
    assert.deepEqual(problems[0]!.request, { seq: 900, command: 'threads' });
    r.push(enc.encode(frame(request(1, 'threads'))));
    assert.equal(messages.length, 1);
    r.close();
  });
});

/** A raw DAP client over the built adapter's stdio, reading its frames independently of WireReader. */
class Raw {
  private out = Buffer.alloc(0);
  readonly messages: Array<Record<string, unknown>> = [];
  stderr = '';
  exit: number | null | undefined = undefined;
  private waiters: Array<() => void> = [];
  constructor(readonly proc: ChildProcess) {
    proc.stdout!.on('data', (d: Buffer) => {
      this.out = Buffer.concat([this.out, d]);
      for (;;) {
        const m = /^Content-Length: (\d+)\r\n\r\n/.exec(this.out.toString('latin1', 0, 64));
        if (!m || this.out.length < m[0].length + Number(m[1])) break;
        this.messages.push(JSON.parse(this.out.toString('utf8', m[0].length, m[0].length + Number(m[1]))) as Record<string, unknown>);
        this.out = this.out.subarray(m[0].length + Number(m[1]));
      }
      this.wake();
    });
    proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    proc.on('exit', (code) => {
      this.exit = code;
      this.wake();
    });
  }
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
  write(s: string): void {
    this.proc.stdin!.write(s);
  }
  /** The response to request `seq`, or null if the adapter exited or `ms` passed. */
  async response(seq: number, ms: number): Promise<Record<string, unknown> | null> {
    const deadline = Date.now() + ms;
    for (;;) {
      const r = this.messages.find((m) => m.type === 'response' && m.request_seq === seq);
      if (r) return r;
      if (this.exit !== undefined || Date.now() > deadline) return null;
      await new Promise<void>((res) => {
        this.waiters.push(res);
        setTimeout(res, 50);
      });
    }
  }
}

describe('the stand-alone adapter on a malformed wire', () => {
  it('answers the next good request after each kind of malformed frame (or exits non-zero saying why)', async () => {
    await ensureBuilt();
    const raw = new Raw(spawn(process.execPath, [ADAPTER], { stdio: ['pipe', 'pipe', 'pipe'] }));
    try {
      raw.write(frame(request(1, 'initialize', { adapterID: 'fsr', pathFormat: 'path' })));
      assert.equal((await raw.response(1, 10_000))?.success, true);
      let seq = 100;
      for (const [name, bad] of BAD) {
        const s = ++seq;
        raw.write(bad);
        raw.write(frame(request(s, 'threads')));
        // The idle limit is 1 s; a deaf adapter never answers.
        const r = await raw.response(s, 8000);
        if (r === null) {
          assert.ok(raw.exit !== undefined && raw.exit !== 0 && raw.stderr.trim() !== '', `after ${name}: no answer to request ${s} within 8 s, and the adapter ${raw.exit === undefined ? 'is still running' : `exited ${raw.exit} with stderr "${raw.stderr}"`}`);
          return;
        }
        assert.equal(r.success, true, `after ${name}: ${JSON.stringify(r)}`);
        assert.deepEqual(r.body, { threads: [] });
        // A bad frame that still names a request is answered, as an error saying what was wrong with it.
        const inner = raw.messages.filter((m) => m.type === 'response' && m.request_seq === 900);
        for (const m of inner.splice(0)) {
          assert.equal(m.success, false, `after ${name}`);
          assert.match(String(m.message), /^request 900 \((threads|evaluate)\) was not run: /);
          raw.messages.splice(raw.messages.indexOf(m), 1);
        }
      }
      // A header in another case is still the header (HTTP header names ignore case): answered as usual.
      raw.write(frame(request(960, 'threads'), undefined, 'content-LENGTH'));
      assert.equal((await raw.response(960, 8000))?.success, true);
      // A frame longer than what follows, and then silence: answered once the idle limit passes.
      raw.write(frame(request(950, 'threads'), 500));
      const late = await raw.response(950, 8000);
      assert.match(String(late?.message), /^request 950 \(threads\) was not run: Content-Length 500 does not match the message's \d+ bytes/);
      raw.write(frame(request(951, 'threads')));
      assert.equal((await raw.response(951, 8000))?.success, true);
      // Every bad frame was said on stderr, naming what was wrong.
      const lines = raw.stderr.trim().split('\n');
      assert.ok(lines.length >= BAD.length, raw.stderr);
      for (const l of lines) assert.match(l, /^fsr adapter: unreadable input: .{10,}/);
      assert.equal(raw.exit, undefined, 'the adapter is still running');
    } finally {
      raw.proc.kill();
    }
  });
});
