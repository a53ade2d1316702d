import { defineConfig } from 'vitest/config';

/**
 * The fault suite (`npm run test:faults`): the service under hostile requests, SIGKILL, a full
 * disk, a PostgreSQL outage and damaged store files. One file at a time: each drives processes
 * and load of its own, and they would only slow each other down.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    setupFiles: ['./vitest.setup.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
