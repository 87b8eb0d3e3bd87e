// readMemory/writeMemory over host machine pages: a memoryReference is a machine address (MPN · 4096
// + byte) in hex. Base64 by hand (no Buffer). Knows no transport, editor or Node.

import { type InvariantBreak, PAGE_SIZE, type Session } from '../engine/index';
import { InputError } from './variables';
import { shown } from './args';
import { fromBase64 as decodeBase64, toBase64 } from '../engine/base64';

/** The most one readMemory/writeMemory may move (VS Code's hex view asks in far smaller chunks). */
export const MAX_TRANSFER = 1 << 20;

export function parseAddress(ref: unknown, offset: unknown): number {
  if (typeof ref !== 'string' || !/^(0x[0-9a-f]+|\d+)$/i.test(ref.trim())) {
    throw new InputError(`memoryReference must be a machine address like "0x100000000" (MPN · 4096), got ${shown(ref)}`);
  }
  if (offset !== undefined && (typeof offset !== 'number' || !Number.isSafeInteger(offset))) throw new InputError(`offset must be a whole number of bytes, got ${shown(offset)}`);
  const addr = Number(ref.trim()) + ((offset as number | undefined) ?? 0);
  if (!Number.isSafeInteger(addr) || addr < 0) throw new InputError(`address ${ref}${offset ? ` + ${String(offset)}` : ''} is outside the machine address space`);
  return addr;
}

/** Up to `count` bytes from `addr`; stops at the first page outside host memory. */
export function readMemory(s: Session, addr: number, count: number): { data: Uint8Array; unreadable: number } {
  const host = s.machine.host;
  const out = new Uint8Array(count);
  let done = 0;
  while (done < count) {
    const a = addr + done;
    const mpn = Math.floor(a / PAGE_SIZE);
    if (!host.isValidMPN(mpn)) break;
    const off = a % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - off, count - done);
    out.set(host.read(mpn).subarray(off, off + n), done);
    done += n;
  }
  return { data: out.subarray(0, done), unreadable: count - done };
}

/** Write `bytes` at `addr` through the session's edit API; every page must be host memory. */
export function writeMemory(s: Session, addr: number, bytes: Uint8Array): InvariantBreak[] {
  const host = s.machine.host;
  for (let a = Math.floor(addr / PAGE_SIZE); a <= Math.floor((addr + Math.max(bytes.length, 1) - 1) / PAGE_SIZE); a++) {
    if (!host.isValidMPN(a)) throw new InputError(`machine page 0x${a.toString(16)} (address 0x${(a * PAGE_SIZE).toString(16)}) is not in host memory; nothing was written`);
  }
  // A write is one edit per page; if one fails, the pages before it are put back, so nothing is half-written.
  const old = readMemory(s, addr, bytes.length).data.slice();
  const breaks: InvariantBreak[] = [];
  const pieces = (data: Uint8Array, upTo: number, each: (mpn: number, off: number, piece: Uint8Array) => void): void => {
    for (let done = 0; done < upTo; ) {
      const a = addr + done;
      const n = Math.min(PAGE_SIZE - (a % PAGE_SIZE), upTo - done);
      each(Math.floor(a / PAGE_SIZE), a % PAGE_SIZE, data.subarray(done, done + n));
      done += n;
    }
  };
  let written = 0;
  try {
    pieces(bytes, bytes.length, (mpn, off, piece) => {
      breaks.push(...s.editMemory(mpn, off, piece));
      written += piece.length;
    });
  } catch (e) {
    pieces(old, written, (mpn, off, piece) => void s.editMemory(mpn, off, piece));
    throw new InputError(`writing ${bytes.length} byte(s) at 0x${addr.toString(16)} failed after ${written}, which were put back; nothing was written: ${(e as Error).message}`);
  }
  return breaks;
}

export { toBase64 };

/** Decode a DAP `data` field; anything but padded base64 is an input error saying what is expected. */
export function fromBase64(s: unknown): Uint8Array {
  if (typeof s !== 'string') throw new InputError('data must be a base64 string');
  try {
    return decodeBase64(s);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
}
