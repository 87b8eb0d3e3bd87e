// Base64 without btoa/atob or Buffer (the engine runs where neither exists): page bytes for the
// debugger's memory view and the webview's map cells travel as base64.

const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHA.length; i++) DECODE[ALPHA.charCodeAt(i)] = i;

/** Encode bytes, in chunks so that a 128 KiB map does not build one enormous string step by step. */
export function toBase64(u8: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 3 * 4096;
  for (let off = 0; off < u8.length; off += CHUNK) {
    const end = Math.min(off + CHUNK, u8.length);
    let s = '';
    let i = off;
    for (; i + 2 < end; i += 3) {
      const n = (u8[i]! << 16) | (u8[i + 1]! << 8) | u8[i + 2]!;
      s += ALPHA[n >>> 18]! + ALPHA[(n >>> 12) & 63]! + ALPHA[(n >>> 6) & 63]! + ALPHA[n & 63]!;
    }
    if (i < end) {
      const n = (u8[i]! << 16) | (i + 1 < end ? u8[i + 1]! << 8 : 0);
      s += ALPHA[n >>> 18]! + ALPHA[(n >>> 12) & 63]! + (i + 1 < end ? ALPHA[(n >>> 6) & 63]! : '=') + '=';
    }
    parts.push(s);
  }
  return parts.join('');
}

/** Decode padded base64; a RangeError says what is wrong with anything else. */
export function fromBase64(s: string): Uint8Array {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) {
    throw new RangeError('data must be base64 (A–Z a–z 0–9 + /, padded with = to a multiple of 4)');
  }
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const n = (DECODE[s.charCodeAt(i)]! << 18) | (DECODE[s.charCodeAt(i + 1)]! << 12) | (Math.max(DECODE[s.charCodeAt(i + 2)]!, 0) << 6) | Math.max(DECODE[s.charCodeAt(i + 3)]!, 0);
    if (o < out.length) out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
