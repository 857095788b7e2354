import { defineConfig } from 'vitest/config';

// Tests start real servers (PostgreSQL, the emulators, child processes), so
// files run in parallel forks but each file's tests run in order.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'lab/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
