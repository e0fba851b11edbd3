#!/usr/bin/env node
// Bundles src/main.ts and everything it imports from src/ into dist/main.mjs (npm packages stay
// external). `npm start` runs it first: Node then loads one file instead of resolving and
// transforming every TypeScript module (and resolving every npm import) through tsx's loader, which was most of the start-up time.
// Files the app reads at run time are found from the project root (src/platform/paths.ts).
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const started = performance.now();
await build({
  absWorkingDir: root,
  entryPoints: ['src/main.ts'],
  outfile: 'dist/main.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
if (process.argv.includes('--verbose')) console.log(`dist/main.mjs built in ${Math.round(performance.now() - started)} ms`);
