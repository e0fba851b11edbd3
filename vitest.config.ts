import { defineConfig } from 'vitest/config';

// Integration tests run against a real PostgreSQL: the embedded server by default, or
// TEST_DATABASE_URL. One server per run; every test file gets a fresh database cloned from a
// migrated template (see test/global-setup.ts and test/helpers/db.ts).
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
