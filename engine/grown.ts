// Growing a typed array by doubling: for lists whose final length a loop learns only as it goes
// (a VM's MemZip cache pages, a bulk step's undo lists), kept off the JS heap.

/** `a`'s elements at the start of a typed array of the same kind and twice (at least one) its length. */
export function grown<T extends Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(1, a.length * 2));
  b.set(a);
  return b;
}
