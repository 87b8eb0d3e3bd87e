// Reads DAP messages from a byte stream (`Content-Length: N\r\n\r\n` + N bytes of JSON) and never goes
// deaf: a malformed frame is skipped up to the next header and reported (answered as an error when its
// body still names a request). Replaces @vscode/debugadapter's reader; no Node (bytes are Uint8Array).

/** A frame that could not be read. `request` is set when its body still names a request to answer. */
export interface WireProblem {
  reason: string;
  /** The start of the bytes skipped, printable, at most PREVIEW characters. */
  preview: string;
  request?: { seq: number; command: string };
}

export interface WireHandlers {
  message(msg: { type: string } & Record<string, unknown>): void;
  problem(p: WireProblem): void;
}

export interface WireOptions {
  /** Pending bytes that sit this long with nothing more arriving are a frame that will never complete. */
  idleMs?: number;
  /** The largest body accepted (a writeMemory of 1 MiB is about 1.4 MB of JSON). */
  maxMessage?: number;
}

export const WIRE_IDLE_MS = 1000;
export const MAX_MESSAGE = 16 * 1024 * 1024;
/** A header block longer than this without its blank line is not a header. */
const MAX_HEADER = 8192;
const PREVIEW = 80;
/** Skipped bytes kept to try to read a request out of them. */
const MAX_KEPT = 2 * 1024 * 1024;

const CR = 13;
const LF = 10;
const NEEDLE = Array.from('content-length', (c) => c.charCodeAt(0));
/** The header's usual spelling, up to its digits. */
const PLAIN = Array.from('Content-Length: ', (c) => c.charCodeAt(0));

const lower = (b: number): number => (b >= 65 && b <= 90 ? b + 32 : b);
const latin1 = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
};
const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8');

/** Printable, bounded text for a message about bytes that were not understood. */
function preview(bytes: Uint8Array): string {
  const text = utf8Lenient.decode(bytes.subarray(0, PREVIEW * 4)).replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '?'); // eslint-disable-line no-control-regex
  const chars = [...text];
  return chars.length > PREVIEW ? chars.slice(0, PREVIEW).join('') + '…' : text;
}

type Header = { ok: true; length: number; end: number } | { ok: false; reason: string } | { wait: true };

const CONTENT_LENGTH = /^content-length[ \t]*:[ \t]*(.*)$/i;

export class WireReader {
  private buf = new Uint8Array(4096);
  private start = 0;
  private end = 0;
  /** Skipping a bad frame: why, the length its header announced (if any), the bytes skipped so far. */
  private skip: { reason: string; declared: number | null; kept: Uint8Array[]; keptBytes: number; total: number } | null = null;
  /** A good header was read: its frame starts at `start`, its body at `bodyAt` and is `length` bytes; bytes before `scanned` were searched for a header. */
  private frame: { bodyAt: number; length: number; scanned: number } | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private ended = false;
  private readonly idleMs: number;
  private readonly maxMessage: number;

  constructor(private readonly on: WireHandlers, opts: WireOptions = {}) {
    this.idleMs = opts.idleMs ?? WIRE_IDLE_MS;
    this.maxMessage = opts.maxMessage ?? MAX_MESSAGE;
  }

  push(chunk: Uint8Array): void {
    if (this.ended || chunk.length === 0) return;
    this.append(chunk);
    this.drain();
    this.arm();
  }

  /** The stream ended: whatever is pending is a frame that will never complete. */
  close(): void {
    if (this.ended) return;
    this.disarm();
    this.flushPending('the stream ended');
    this.ended = true;
  }

  // ---- the byte buffer ----------------------------------------------------------------------

  private get size(): number {
    return this.end - this.start;
  }

  private append(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buf.length) {
      const size = this.size;
      if (size + chunk.length <= this.buf.length) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const next = new Uint8Array(Math.max(2 * (size + chunk.length), 4096));
        next.set(this.buf.subarray(this.start, this.end));
        this.buf = next;
      }
      this.start = 0;
      this.end = size;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  private at(i: number): number {
    return this.buf[this.start + i]!;
  }

  private bytes(from: number, to: number): Uint8Array {
    return this.buf.subarray(this.start + from, this.start + to);
  }

  private consume(n: number): void {
    this.start += n;
    if (this.start === this.end) {
      this.start = this.end = 0;
      if (this.buf.length > 1 << 20) this.buf = new Uint8Array(4096);
    }
  }

  // ---- frames -------------------------------------------------------------------------------

  private drain(): void {
    for (;;) {
      if (this.skip) {
        if (!this.resync()) return;
        continue;
      }
      if (this.frame) {
        if (!this.body()) return;
        continue;
      }
      // Stray line ends between frames are tolerated.
      while (this.size > 0 && (this.at(0) === LF || (this.at(0) === CR && this.size > 1 && this.at(1) === LF))) this.consume(this.at(0) === CR ? 2 : 1);
      if (this.size === 0 || (this.size === 1 && this.at(0) === CR)) return;
      const h = this.header();
      if ('wait' in h) return;
      if (h.ok) {
        this.frame = { bodyAt: h.end, length: h.length, scanned: h.end };
        continue;
      }
      // Skip from the next byte on: the next "Content-Length" may be later in this very header block.
      this.skip = { reason: h.reason, declared: null, kept: [], keptBytes: 0, total: 0 };
      this.keep(1);
    }
  }

  /** Read the header block at `start`: a good one, a bad one, or wait for more. */
  private header(): Header {
    return this.plainHeader() ?? this.anyHeader();
  }

  /**
   * The header every client sends, `Content-Length: digits CR LF CR LF`, read from the bytes
   * without making strings (this runs for every message); null for anything else, which
   * anyHeader reads and judges.
   */
  private plainHeader(): Header | null {
    const n = this.size;
    if (n < PLAIN.length + 5) return null;
    for (let i = 0; i < PLAIN.length; i++) if (this.at(i) !== PLAIN[i]) return null;
    let length = 0;
    let i = PLAIN.length;
    const digitsAt = i;
    for (; i < n && i - digitsAt < 10; i++) {
      const c = this.at(i);
      if (c < 48 || c > 57) break;
      length = length * 10 + (c - 48);
    }
    if (i === digitsAt || i + 4 > n || this.at(i) !== CR || this.at(i + 1) !== LF || this.at(i + 2) !== CR || this.at(i + 3) !== LF) return null;
    if (length === 0 || length > this.maxMessage) return null;
    return { ok: true, length, end: i + 4 };
  }

  private anyHeader(): Header {
    const n = this.size;
    const limit = Math.min(n, MAX_HEADER);
    let blank = -1;
    for (let i = 0; i + 3 < limit; i++) {
      if (this.at(i) === CR && this.at(i + 1) === LF && this.at(i + 2) === CR && this.at(i + 3) === LF) {
        blank = i;
        break;
      }
    }
    const lines = latin1(this.bytes(0, blank >= 0 ? blank : limit)).split('\r\n');
    const notHeader = { ok: false as const, reason: 'bytes that are not a message header (Content-Length: N, a blank line, then N bytes of JSON)' };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (blank >= 0 || i < lines.length - 1) {
        // A whole line: `Name: value`.
        if (!/^[A-Za-z0-9-]+[ \t]*:[\x20-\x7e\t]*$/.test(line)) return blank >= 0 ? { ok: false, reason: `the header line ${JSON.stringify(line.slice(0, 40))} is not "Name: value"` } : notHeader;
      } else {
        // The unfinished last line: it could still become `Name: value` (a Content-Length only with digits).
        const m = /^([A-Za-z0-9-]*)(?:[ \t]*:([\x20-\x7e\t]*))?\r?$/.exec(line);
        if (!m) return notHeader;
        if (m[2] !== undefined && m[1]!.toLowerCase() === 'content-length' && !/^[ \t]*\d*[ \t]*\r?$/.test(m[2])) return { ...notHeader, reason: `Content-Length ${JSON.stringify(m[2].trim().slice(0, 20))} is not a whole number of bytes` };
      }
    }
    if (blank < 0) {
      if (n >= MAX_HEADER) return { ...notHeader, reason: `a header of ${MAX_HEADER} bytes or more without the blank line that ends it` };
      return { wait: true };
    }
    const values = lines.map((l) => CONTENT_LENGTH.exec(l)?.[1]?.trim()).filter((v): v is string => v !== undefined);
    if (values.length === 0) return { ok: false, reason: 'a header without Content-Length' };
    if (new Set(values).size > 1) return { ok: false, reason: `Content-Length given twice (${values.join(', ')})` };
    const v = values[0]!;
    if (!/^\d+$/.test(v)) return { ok: false, reason: `Content-Length ${JSON.stringify(v.slice(0, 20))} is not a whole number of bytes` };
    const length = Number(v);
    if (length === 0) return { ok: false, reason: 'Content-Length 0: a message cannot be empty' };
    if (length > this.maxMessage) return { ok: false, reason: `Content-Length ${v} is more than the ${this.maxMessage}-byte limit` };
    return { ok: true, length, end: blank + 4 };
  }

  /** The body of the current frame, once it is all here; a body that is not a message is skipped. */
  private body(): boolean {
    const f = this.frame!;
    const have = Math.min(this.size, f.bodyAt + f.length);
    // A header inside the body means the length was too large: no JSON text holds one (raw CR LF only between tokens).
    const inner = this.findHeader(Math.max(f.bodyAt, f.scanned - 64), have, true);
    f.scanned = have;
    if (inner >= 0) {
      this.frame = null;
      this.skip = { reason: `Content-Length ${f.length} is more than the message: another header starts ${inner - f.bodyAt} bytes into it`, declared: f.length, kept: [], keptBytes: 0, total: 0 };
      this.keep(inner);
      this.flushSkip();
      return true;
    }
    if (this.size < f.bodyAt + f.length) return false;
    const raw = this.bytes(f.bodyAt, f.bodyAt + f.length);
    let msg: unknown;
    try {
      msg = JSON.parse(utf8.decode(raw));
    } catch {
      // Not JSON (a length too small, or not counted in bytes): skip to the next header after this one.
      this.frame = null;
      this.skip = { reason: `the ${f.length} bytes Content-Length announced are not a JSON message`, declared: f.length, kept: [], keptBytes: 0, total: 0 };
      this.keep(f.bodyAt);
      return true;
    }
    this.frame = null;
    const copy = raw.slice(0, PREVIEW * 4);
    this.consume(f.bodyAt + f.length);
    this.deliver(msg, copy);
    return true;
  }

  private deliver(msg: unknown, raw: Uint8Array): void {
    const type = typeof msg === 'object' && msg !== null && !Array.isArray(msg) ? (msg as { type?: unknown }).type : undefined;
    if (type === 'request' || type === 'response' || type === 'event') {
      this.on.message(msg as { type: string } & Record<string, unknown>);
      return;
    }
    this.on.problem({ reason: 'the message is JSON but not a DAP message (an object with "type": "request", "response" or "event")', preview: preview(raw), request: requestOf(msg, true) });
  }

  // ---- skipping -----------------------------------------------------------------------------

  /** Move `n` bytes from the buffer into the skipped frame. */
  private keep(n: number): void {
    const s = this.skip!;
    const b = this.bytes(0, n);
    if (s.keptBytes + b.length <= MAX_KEPT) {
      s.kept.push(b.slice());
      s.keptBytes += b.length;
    }
    s.total += b.length;
    this.consume(n);
  }

  /** While skipping: find the next header; the bytes before it end the bad frame. */
  private resync(): boolean {
    const at = this.findHeader(0, this.size, false);
    if (at < 0) {
      // Keep a tail that could be the start of "Content-Length".
      const tail = Math.min(this.size, NEEDLE.length);
      if (this.size > tail) this.keep(this.size - tail);
      return false;
    }
    this.keep(at);
    this.flushSkip();
    return true;
  }

  /**
   * Index of "Content-Length" (any case, then blanks and ':', or cut off at `to` after the name) in
   * [from, to), or -1. With `whole`, only a complete line `Content-Length: digits CR LF`.
   */
  private findHeader(from: number, to: number, whole: boolean): number {
    // A whole header line ends in CR LF, which no compact JSON body holds: most bodies end the search
    // with one native scan.
    if (whole && this.buf.subarray(this.start + Math.max(0, from), this.start + to).indexOf(CR) < 0) return -1;
    for (let i = Math.max(0, from); i < to; i++) {
      let k = 0;
      while (k < NEEDLE.length && i + k < to && lower(this.at(i + k)) === NEEDLE[k]) k++;
      if (k < NEEDLE.length) continue;
      let j = i + k;
      while (j < to && (this.at(j) === 32 || this.at(j) === 9)) j++;
      if (j >= to) {
        if (whole) continue;
        return i;
      }
      if (this.at(j) !== 58 /* : */) continue;
      if (!whole) return i;
      j++;
      while (j < to && (this.at(j) === 32 || this.at(j) === 9)) j++;
      const digitsAt = j;
      while (j < to && this.at(j) >= 48 && this.at(j) <= 57) j++;
      if (j > digitsAt && j + 1 < to && this.at(j) === CR && this.at(j + 1) === LF) return i;
    }
    return -1;
  }

  /** Report the frame skipped so far; answer it as an error if a request can be read out of it. */
  private flushSkip(): void {
    const s = this.skip;
    if (!s) return;
    this.skip = null;
    const all = new Uint8Array(s.keptBytes);
    let o = 0;
    for (const k of s.kept) {
      all.set(k, o);
      o += k.length;
    }
    // The body, without a header block in front of it.
    let body = all;
    const blank = findBlank(all);
    if (blank >= 0 && /^[A-Za-z0-9-]+[ \t]*:/.test(latin1(all.subarray(0, Math.min(all.length, 64))))) body = all.subarray(blank + 4);
    let reason = s.reason;
    let msg: unknown;
    try {
      const text = utf8Lenient.decode(body).trim();
      msg = JSON.parse(text);
      if (s.declared !== null) {
        const bytes = new TextEncoder().encode(text).length;
        const hint = s.declared === text.length || s.declared === [...text].length ? ': it was counted in characters, not UTF-8 bytes' : '';
        if (bytes !== s.declared) reason = `Content-Length ${s.declared} does not match the message's ${bytes} bytes${hint}`;
      }
    } catch {
      msg = undefined;
    }
    const skipped = s.total > s.keptBytes ? ` (${s.total} bytes skipped)` : '';
    this.on.problem({ reason: reason + skipped, preview: preview(all), request: requestOf(msg, false) });
  }

  /** Nothing more is coming for what is pending: it is a bad frame. */
  private flushPending(why: string): void {
    if (this.frame) {
      const f = this.frame;
      this.frame = null;
      this.skip = { reason: `Content-Length ${f.length} but only ${this.size - f.bodyAt} bytes came, then ${why}`, declared: f.length, kept: [], keptBytes: 0, total: 0 };
    } else if (!this.skip && this.size > 0) {
      this.skip = { reason: `an unfinished header, then ${why}`, declared: null, kept: [], keptBytes: 0, total: 0 };
    }
    if (!this.skip) return;
    if (this.size > 0) this.keep(this.size);
    this.flushSkip();
  }

  private arm(): void {
    this.disarm();
    if (this.size === 0 && !this.skip && !this.frame) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushPending(`nothing more for ${this.idleMs} ms`);
    }, this.idleMs);
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

function findBlank(b: Uint8Array): number {
  for (let i = 0; i + 3 < b.length; i++) if (b[i] === CR && b[i + 1] === LF && b[i + 2] === CR && b[i + 3] === LF) return i;
  return -1;
}

/** The seq and command of a request, to answer it with an error. */
function requestOf(msg: unknown, typeMissing: boolean): WireProblem['request'] {
  if (typeof msg !== 'object' || msg === null) return undefined;
  const m = msg as Record<string, unknown>;
  if (!(m.type === 'request' || (typeMissing && m.type === undefined)) || typeof m.seq !== 'number' || !Number.isSafeInteger(m.seq) || typeof m.command !== 'string') return undefined;
  return { seq: m.seq, command: m.command };
}
