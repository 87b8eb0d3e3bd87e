// Shared helpers for benchmark figures: value and baseline measured in pairs in one process
// (alternated, so that noise on this shared machine hits both alike), reported as medians with the
// spread of every sample, in the one output line format:
//   NAME: value=… baseline=… ratio=… target=… (median of N; value a–b, baseline a–b, ratios a–b[; note])
// The ratio is the median value over the median baseline (so a reader can check it against the two).

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no samples');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Wall times in ms of `fn` over `runs` runs, each after a GC. */
export function times(runs: number, fn: () => unknown): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    gc();
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return out;
}

/** `rounds` pairs of (value, baseline), each sample after a GC; the order within a pair alternates. */
export function pairs(rounds: number, value: () => number, baseline: () => number): { values: number[]; baselines: number[] } {
  const values: number[] = [];
  const baselines: number[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const which of i % 2 === 0 ? [0, 1] : [1, 0]) {
      gc();
      if (which === 0) baselines.push(baseline());
      else values.push(value());
    }
  }
  return { values, baselines };
}

export function fmtValue(x: number, unit = 'ms'): string {
  if (unit === 'ms' && x < 1) return `${(x * 1000).toFixed(x < 0.01 ? 2 : 1)}µs`;
  return `${x >= 100 ? x.toFixed(0) : x.toFixed(2)}${unit}`;
}

const range = (xs: readonly number[], f: (x: number) => string) => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;

/**
 * One figure from paired samples (values[i] and baselines[i] measured together). With one sample
 * each, the line says so instead of a spread.
 */
export function report(name: string, values: readonly number[], baselines: readonly number[], target: string, opts: { unit?: string; note?: string } = {}): void {
  if (values.length !== baselines.length || values.length === 0) throw new Error(`${name}: ${values.length} values for ${baselines.length} baselines`);
  const unit = opts.unit ?? 'ms';
  const f = (x: number) => fmtValue(x, unit);
  const ratios = values.map((v, i) => v / baselines[i]!);
  const spread = values.length === 1 ? 'one sample' : `median of ${values.length}; value ${range(values, f)}, baseline ${range(baselines, f)}, ratios ${range(ratios, (r) => r.toFixed(2))}`;
  console.log(`${name}: value=${f(median(values))} baseline=${f(median(baselines))} ratio=${(median(values) / median(baselines)).toFixed(2)} target=${target} (${spread}${opts.note ? `; ${opts.note}` : ''})`);
}

export const PAGES_64GIB = 16 * 1024 * 1024;
