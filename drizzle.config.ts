import { defineConfig } from 'drizzle-kit';

// Used only by `npm run db:generate` to turn the schema into a new SQL migration.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/platform/db/schema.ts', './src/modules/*/schema.ts'],
  out: './drizzle',
});
