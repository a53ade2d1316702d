/** Lines of docs/benchmarks.md shared by sections: views checked against a replay, PostgreSQL's wait events. */

import { num } from './report-format.js';

type Result = Record<string, unknown>;

/** "Views against a replay after each run: …" for a section's list of checks. */
export function verifiedLine(list: unknown): string {
  const checks = (Array.isArray(list) ? list : []) as Result[];
  if (checks.length === 0) return 'Views against a replay: not checked in this run.';
  const sum = (key: string) => checks.reduce((total, check) => total + num(check[key]), 0);
  return `Views against a replay of every stored record, after each of ${checks.length} runs: ${sum('sessions').toLocaleString('en-US')} sessions, ${sum('mismatches')} differing.`;
}

/** What the instances' PostgreSQL sessions were doing, as shares of the samples. */
export function waitsLine(name: string, waits: unknown): string {
  const counts = (waits ?? {}) as Record<string, number>;
  const samples = counts.samples ?? 0;
  const rows = Object.entries(counts)
    .filter(([key]) => key !== 'samples')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([key, n]) => `\`${key}\` ${(n / Math.max(1, samples)).toFixed(2)}`);
  return `${name}: ${rows.join(', ') || 'no samples'} (sessions of the instances in each state, on average over ${samples} samples)`;
}

/** Where the CPU went, as a line. */
export function cpuLine(name: string, cpu: unknown): string {
  const entries = Object.entries((cpu ?? {}) as Record<string, number>);
  return `${name}: ${entries.map(([key, value]) => `${key} ${value}`).join(', ') || 'not measured'}`;
}
