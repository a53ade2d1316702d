/** Timing helpers for the benchmark scripts: medians over several runs, after a warm-up. */
import os from 'node:os';

/** Run `fn` `runs` times after one warm-up; returns the median of the per-run rates (items/s). */
export function medianRate(items: number, runs: number, fn: () => void): { rate: number; runs: number[] } {
  fn();
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    fn();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push(items / seconds);
  }
  const sorted = [...rates].sort((a, b) => a - b);
  return { rate: sorted[Math.floor(sorted.length / 2)], runs: rates };
}

/** The machine a benchmark ran on. */
export function machine(): { cores: number; memoryGiB: number; cpu: string; node: string } {
  return {
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
  };
}
