// "did you mean …?": the nearest known name to a mistyped one, by edit distance. The one place every
// message that suggests a name (scenario fields and names, fault kinds, breakpoint names) gets it from.

/** Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`, counted up to `limit` + 1. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > limit) return limit + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidate nearest to `given` (ignoring case) if it is near enough to be a slip: at most one
 * edit in four characters, and at least one. Ties go to the first candidate.
 */
export function nearest(given: string, candidates: Iterable<string>): string | undefined {
  const g = given.toLowerCase();
  if (g.length === 0 || g.length > 200) return undefined;
  const limit = Math.max(1, Math.floor(g.length / 4));
  let best: string | undefined;
  let bestD = limit + 1;
  for (const c of candidates) {
    if (c === given) continue;
    const d = editDistance(g, c.toLowerCase(), bestD - 1 < limit ? bestD - 1 : limit);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/** `; did you mean X?` (with `prefix`), or '' when nothing is near. */
export function didYouMean(given: string, candidates: Iterable<string>, prefix = '; '): string {
  const n = nearest(given, candidates);
  return n === undefined ? '' : `${prefix}did you mean ${n}?`;
}
