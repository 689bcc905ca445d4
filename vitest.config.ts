import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // tfjs keeps one global engine per process; forks keep test files from sharing it.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // No cache shared between libraries (the user's ~/.cache/glimpse): each test's library starts
    // from nothing, and a test that wants one names its own.
    env: { GLIMPSE_CACHE_DIR: '' },
  },
});
