// The undo journal: every change to simulated state during a step records how to take it back,
// so history can go backwards exactly. Closures keep it general; bulk steps record one closure.

export type Undo = () => void;

export class Journal {
  private current: Undo[] | null = null;

  /** Start collecting undo entries for one step. */
  begin(): void {
    this.current = [];
  }
  /** Stop collecting; returns the step's entries (oldest first). */
  end(): Undo[] {
    const e = this.current ?? [];
    this.current = null;
    return e;
  }
  get recording(): boolean {
    return this.current !== null;
  }
  record(u: Undo): void {
    this.current?.push(u);
  }
  /** Set `obj[key] = value`, remembering the old value. */
  set<T extends object, K extends keyof T>(obj: T, key: K, value: T[K]): void {
    const old = obj[key];
    if (old === value) return;
    obj[key] = value;
    this.current?.push(() => {
      obj[key] = old;
    });
  }
  /** Push onto an array, remembering to pop. */
  push<T>(arr: T[], value: T): void {
    arr.push(value);
    this.current?.push(() => {
      arr.pop();
    });
  }
  /** Set a Map entry, remembering the old entry or its absence. */
  mapSet<K, V>(map: Map<K, V>, key: K, value: V): void {
    const had = map.has(key);
    const old = map.get(key);
    map.set(key, value);
    this.current?.push(() => {
      if (had) map.set(key, old as V);
      else map.delete(key);
    });
  }
  mapDelete<K, V>(map: Map<K, V>, key: K): void {
    if (!map.has(key)) return;
    const old = map.get(key) as V;
    map.delete(key);
    this.current?.push(() => {
      map.set(key, old);
    });
  }

  /** Undo a step's entries, newest first. */
  static undo(entries: Undo[]): void {
    for (let i = entries.length - 1; i >= 0; i--) entries[i]!();
  }
}
