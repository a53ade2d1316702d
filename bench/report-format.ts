/** How docs/benchmarks.md writes figures, shared by the sections that render it. */

/** A figure, or NaN when the run did not record one. */
export const num = (v: unknown) => (typeof v === 'number' ? v : Number.NaN);
/** A whole number with thousands separators. */
export const fmt = (n: unknown) => (typeof n === 'number' ? Math.round(n).toLocaleString('en-US') : String(n));
export const ms = (v: unknown) => `${num(v).toLocaleString('en-US', { maximumFractionDigits: 1 })} ms`;
/** Whether a target is met, as the report says it. */
export const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
