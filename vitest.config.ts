import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault suite has a run of its own: npm run test:faults (vitest.faults.config.ts).
    exclude: [...configDefaults.exclude, 'test/faults/**'],
    setupFiles: ['./vitest.setup.ts'],
    testTimeout: 60_000,
  },
});
