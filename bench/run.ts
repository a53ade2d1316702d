/**
 * `npm run bench`: runs every benchmark script (each prints one JSON line), then writes
 * docs/benchmarks.md with each figure beside the baseline measured in the same run, the
 * command, the machine, and the targets of the benchmarks issue.
 *
 * BENCH_ONLY=core,replay runs a subset (the report keeps the other sections from the last run).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { machine } from './measure.js';

interface Section {
  readonly name: string;
  readonly script: string;
  readonly render: (result: Record<string, unknown>) => string;
}

const fmt = (n: unknown) => (typeof n === 'number' ? Math.round(n).toLocaleString('en-US') : String(n));
const ratio = (n: unknown) => (typeof n === 'number' ? `${n.toFixed(1)}×` : String(n));
const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');

const SECTIONS: Section[] = [
  {
    name: 'core',
    script: 'bench/core.ts',
    render: (r) => `## 1. Core reducer, on already-parsed records

${fmt(r.records)} records over ${fmt(r.sessions)} sessions: every kind, out of order, retried, with stale polls
(the laws' history generator). Median of ${fmt(r.runs)} runs after a warm-up.

| path | records/s | vs XState \`transition()\` |
|---|---:|---:|
| reducer (compiled tables, \`applyRecord\`) | ${fmt(r.reducerPerSecond)} | ${ratio(r.ratioToTransition)} |
| baseline: XState \`transition()\` on the same records, same machines | ${fmt(r.xstateTransitionPerSecond)} | 1.0× |
| XState long-lived actors, one per machine and session | ${fmt(r.xstateActorPerSecond)} | ${ratio((r.xstateActorPerSecond as number) / (r.xstateTransitionPerSecond as number))} |

Targets: at least 1 000 000 records/s (${verdict((r.reducerPerSecond as number) >= 1_000_000)}), at least 25× \`transition()\` (${verdict((r.ratioToTransition as number) >= 25)}).
`,
  },
];

const only = process.env.BENCH_ONLY?.split(',');
const outDir = '.bench';
mkdirSync(outDir, { recursive: true });
for (const section of SECTIONS) {
  if (only && !only.includes(section.name)) continue;
  process.stderr.write(`bench: ${section.name}…\n`);
  const out = execFileSync(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', section.script], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = out.trim().split('\n').pop() ?? '{}';
  writeFileSync(`${outDir}/${section.name}.json`, `${line}\n`);
}

const m = machine();
const parts = [
  `# Benchmarks

Written by \`npm run bench\` (\`bench/run.ts\`); do not edit by hand. Each figure stands beside a
baseline measured in the same run on the same machine.

- Machine: ${m.cores} cores, ${m.memoryGiB} GiB, ${m.cpu}, Node.js ${m.node}
- Command: \`npm run bench\` (each script runs as \`node --max-semi-space-size=64 --import tsx bench/<name>.ts\`)
- Date: ${new Date().toISOString().slice(0, 10)}
`,
];
for (const section of SECTIONS) {
  const file = `${outDir}/${section.name}.json`;
  if (!existsSync(file)) continue;
  parts.push(section.render(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>));
}
mkdirSync('docs', { recursive: true });
writeFileSync('docs/benchmarks.md', `${parts.join('\n')}`);
process.stderr.write('bench: wrote docs/benchmarks.md\n');
