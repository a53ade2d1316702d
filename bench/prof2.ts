import { compiledMachines } from '../src/core/session.js';
import { parsedWorkload } from './workload.js';

const records = parsedWorkload(200_000);
const events = records.filter((r) => r.event).map((r) => [r.sessionId as string, r.event] as const);
function time(name: string, fn: () => void) {
  fn();
  const t = performance.now();
  for (let i = 0; i < 5; i++) fn();
  console.log(name, (((events.length * 5) / (performance.now() - t)) * 1000).toFixed(0), '/s');
}
for (const [name, m] of Object.entries(compiledMachines)) {
  time(name, () => {
    const st = new Map<string, any>();
    for (const [id, e] of events) {
      const s = st.get(id) ?? m.initial;
      st.set(id, (m as any).step(s, e) ?? s);
    }
  });
}
