// The undo journal: every change to simulated state during a step records how to take it back,
// so history can go backwards exactly. Closures keep it general; bulk steps record one closure.
// A field set is also written to the change log (changes.ts), for history queries.

import { ChangeKind, type ChangeLog } from './changes';

export type Undo = () => void;

/** The entries of a step that changed nothing (shared: never pushed to). */
export const NO_UNDO: Undo[] = [];

export class Journal {
  /** The step's entries; null until the step records its first one (most steps record none). */
  private current: Undo[] | null = null;
  private active = false;
  /** Where field sets are logged as data, and the step they belong to (set by the runtime). */
  changes: ChangeLog | null = null;
  now: () => number = () => 0;

  /** Start collecting undo entries for one step. */
  begin(): void {
    this.active = true;
    this.current = null;
  }
  /** Stop collecting; returns the step's entries (oldest first), NO_UNDO if there were none. */
  end(): Undo[] {
    const e = this.current ?? NO_UNDO;
    this.current = null;
    this.active = false;
    return e;
  }
  get recording(): boolean {
    return this.active;
  }
  record(u: Undo): void {
    if (this.active) this.keep(u);
  }
  private keep(u: Undo): void {
    if (this.current) this.current.push(u);
    else this.current = [u];
  }
  /** Set `obj[key] = value`, remembering the old value. */
  set<T extends object, K extends keyof T>(obj: T, key: K, value: T[K]): void {
    const old = obj[key];
    if (old === value) return;
    obj[key] = value;
    if (this.active) {
      this.keep(() => {
        obj[key] = old;
      });
      this.changes?.push(ChangeKind.FIELD, this.now(), 0, 0, 0, 0, 0, { obj, field: String(key), old, new: value });
    }
  }
  /** Push onto an array, remembering to pop. */
  push<T>(arr: T[], value: T): void {
    arr.push(value);
    if (this.active) {
      this.keep(() => {
        arr.pop();
      });
    }
  }
  /** Set a Map entry, remembering the old entry or its absence. */
  mapSet<K, V>(map: Map<K, V>, key: K, value: V): void {
    const had = map.has(key);
    const old = map.get(key);
    map.set(key, value);
    if (this.active) {
      this.keep(() => {
        if (had) map.set(key, old as V);
        else map.delete(key);
      });
    }
  }
  mapDelete<K, V>(map: Map<K, V>, key: K): void {
    if (!map.has(key)) return;
    const old = map.get(key) as V;
    map.delete(key);
    if (this.active) {
      this.keep(() => {
        map.set(key, old);
      });
    }
  }

  /** Undo a step's entries, newest first. */
  static undo(entries: Undo[]): void {
    for (let i = entries.length - 1; i >= 0; i--) entries[i]!();
  }
}
