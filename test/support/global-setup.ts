import { mkdtempSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { applyMigrations, projectRoot, startEmbeddedPostgres, EmbeddedDatabase } from '../../libs/persistence/src';

// One real PostgreSQL per test run. TEST_DATABASE_URL: use that server. Otherwise testcontainers when
// a Docker engine answers, else the embedded PostgreSQL (the only option on machines without Docker).
// Migrations are applied here; workers read the URL from TEST_DB_URL.

declare global {
  // eslint-disable-next-line no-var
  var __TEST_DB__: { stop(): Promise<void>; dir?: string } | undefined;
}

async function tryTestcontainers(): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  if (process.env.TESTCONTAINERS === 'off') return undefined;
  try {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:16-alpine').start();
    return { url: container.getConnectionUri(), stop: async () => void (await container.stop()) };
  } catch {
    return undefined; // "Could not find a working container runtime strategy": no Docker engine here
  }
}

export default async function globalSetup(): Promise<void> {
  let url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const hasDocker = !!process.env.DOCKER_HOST || require('node:fs').existsSync('/var/run/docker.sock');
    const container = hasDocker ? await tryTestcontainers() : undefined;
    if (container) {
      url = container.url;
      globalThis.__TEST_DB__ = container;
    } else {
      const base = join(projectRoot(), '.test-data');
      mkdirSync(base, { recursive: true });
      const runDir = mkdtempSync(join(base, 'run-'));
      const db: EmbeddedDatabase = await startEmbeddedPostgres(runDir, { quiet: true });
      url = db.url;
      globalThis.__TEST_DB__ = { stop: () => db.stop(), dir: runDir };
    }
  }
  await applyMigrations(url);
  process.env.TEST_DB_URL = url;
}
