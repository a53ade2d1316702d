import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The fault suite has a run of its own: npm run test:faults (vitest.faults.config.ts).
    exclude: [...configDefaults.exclude, 'test/faults/**'],
    setupFiles: ['./vitest.setup.ts'],
    testTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'all', include: ['test/**/*.test.ts'] },
      },
      {
        // The laws again in a process whose clock is in another time zone (+05:45): no answer
        // may depend on it.
        extends: true,
        test: { name: 'laws@Asia/Kathmandu', include: ['test/laws/**/*.test.ts'], env: { TZ: 'Asia/Kathmandu' } },
      },
    ],
  },
});
