/**
 * Where a machine's CPU goes during a benchmark (Linux `/proc`): the share of its cores in use,
 * and CPU time by kind of process (the service instances, PostgreSQL, this process with its load
 * generator, anything else), in hundredths of a core. Empty where `/proc` is not there.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

type Kind = 'serve' | 'postgres' | 'load generator' | 'other';

function kindOf(pid: number, command: string): Kind {
  if (command.includes(' serve ') || command.includes('main.js serve') || command.includes('service-baseline'))
    return 'serve';
  if (command.startsWith('postgres') || command.includes('/bin/postgres')) return 'postgres';
  if (pid === process.pid) return 'load generator';
  return 'other';
}

function processTicks(): Map<Kind, number> {
  const ticks = new Map<Kind, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const kind = kindOf(Number(entry), command);
      ticks.set(kind, (ticks.get(kind) ?? 0) + Number(fields[11]) + Number(fields[12]));
    } catch {
      // The process ended meanwhile.
    }
  }
  return ticks;
}

function machineTicks(): { busy: number; all: number } {
  const [, ...values] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] as string).split(/\s+/);
  const n = values.map(Number);
  const busy = (n[0] ?? 0) + (n[1] ?? 0) + (n[2] ?? 0) + (n[5] ?? 0) + (n[6] ?? 0) + (n[7] ?? 0);
  return { busy, all: n.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0) };
}

/** CPU use while `work` runs: the machine's busy share, and cores used by each kind of process. */
export async function cpuDuring<T>(work: Promise<T>): Promise<{ result: T; cpu: Record<string, number> }> {
  if (!existsSync('/proc/stat')) return { result: await work, cpu: {} };
  const ticksPerSecond = 100;
  const p0 = processTicks();
  const m0 = machineTicks();
  const started = Date.now();
  const result = await work;
  const seconds = (Date.now() - started) / 1000;
  const p1 = processTicks();
  const m1 = machineTicks();
  const cpu: Record<string, number> = {
    'machine busy (share of all cores)': Math.round(((m1.busy - m0.busy) / (m1.all - m0.all)) * 100) / 100,
  };
  for (const [kind, value] of p1) {
    cpu[`${kind} (cores)`] = Math.round(((value - (p0.get(kind) ?? 0)) / ticksPerSecond / seconds) * 100) / 100;
  }
  return { result, cpu };
}
