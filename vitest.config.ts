import { defineConfig } from 'vitest/config';

// Tests start real servers (PostgreSQL, the emulators, child processes), so
// files run in parallel forks but each file's tests run in order. Most of a
// test file's time is spent waiting (for a controller, a timeout, a child
// process), so three forks keep a 2-core machine busy where the default of
// one fork per spare core ran the files one by one.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'lab/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    pool: 'forks',
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
