/** A throwaway PostgreSQL cluster for one test file: started before its tests, stopped after. */
import { afterAll, beforeAll } from 'vitest';
import { startThrowawayCluster, type ThrowawayCluster } from './pg-cluster.js';

/** Start a cluster before the file's tests and stop it after; the result gives it to a test. */
export function clusterPerFile(): () => ThrowawayCluster {
  let cluster: ThrowawayCluster | undefined;
  beforeAll(async () => {
    cluster = await startThrowawayCluster();
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  return () => {
    if (!cluster) throw new Error('the cluster did not start');
    return cluster;
  };
}
