import { defineConfig } from 'vitest/config';

// Browser journeys: a real server (embedded PostgreSQL, demo data) driven by Debian's Chromium.
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/server-setup.ts'],
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
