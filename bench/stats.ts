// Shared helpers of the benchmarks: repeated measurement, median and spread.

export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, runs: sorted.length };
}

/** Milliseconds per call of `run`, calling it for about `budgetMs`. */
export function timePerCall(run: () => unknown, budgetMs: number): number {
  let calls = 0;
  const started = performance.now();
  while (performance.now() - started < budgetMs || calls < 3) {
    run();
    calls++;
  }
  return (performance.now() - started) / calls;
}

export const fmt = (s: Spread, digits = 2) =>
  `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
