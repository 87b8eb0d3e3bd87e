// Shared helpers for benchmark figures: timing by best-of-N, alternating value and baseline in
// one process, and the one output line format.

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Best (minimum) wall time in ms of `fn` over `runs` runs, each after a GC. */
export function best(runs: number, fn: () => unknown): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    gc();
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

/** Alternate value and baseline `rounds` times and keep the best of each, so noise hits both alike. */
export function compare(rounds: number, value: () => number, baseline: () => number): { value: number; baseline: number } {
  let v = Infinity;
  let b = Infinity;
  for (let i = 0; i < rounds; i++) {
    gc();
    b = Math.min(b, baseline());
    gc();
    v = Math.min(v, value());
  }
  return { value: v, baseline: b };
}

export function report(name: string, value: number, baseline: number, target: string, unit = 'ms'): void {
  const ratio = value / baseline;
  const fmt = (x: number) => {
    if (unit === 'ms' && x < 1) return `${(x * 1000).toFixed(x < 0.01 ? 2 : 1)}µs`;
    return `${x >= 100 ? x.toFixed(0) : x.toFixed(2)}${unit}`;
  };
  console.log(`${name}: value=${fmt(value)} baseline=${fmt(baseline)} ratio=${ratio.toFixed(2)} target=${target}`);
}

export const PAGES_64GIB = 16 * 1024 * 1024;
