/**
 * Property tests are reproducible: one pinned seed for the whole run, overridable with FC_SEED
 * (a failure prints the seed and path to replay it). FC_NUM_RUNS sets the runs per property:
 * a few hundred in CI, many more with `npm run test:laws:deep`.
 */
import fc from 'fast-check';

const seed = Number(process.env.FC_SEED ?? 20261125);
const numRuns = Number(process.env.FC_NUM_RUNS ?? 200);
if (!Number.isInteger(seed) || !Number.isInteger(numRuns) || numRuns < 1) {
  throw new Error(`FC_SEED and FC_NUM_RUNS must be integers (got ${process.env.FC_SEED}, ${process.env.FC_NUM_RUNS})`);
}
fc.configureGlobal({ seed, numRuns });
