import { defineConfig } from 'prisma/config';

// DATABASE_URL is only needed by engine-using CLI commands (migrate deploy on a machine that can
// download the schema engine). `prisma generate` works without it.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/flink_control_plane' },
});
