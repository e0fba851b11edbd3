import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's root folder (where package.json is), found by walking up from this module. Code
 * runs both from its sources (`src/…` through tsx: tests, CLI) and from the bundle `npm start`
 * builds (`dist/main.mjs`), so files the app reads (migrations, shipped data, public assets) are
 * located from the root, never relative to the importing module.
 */
function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'drizzle'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`project root not found above ${from}`);
  }
}

export const ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

/** A path inside the project, e.g. fromRoot('src/modules/registry/data'). */
export const fromRoot = (...parts: string[]) => path.join(ROOT, ...parts);
