import { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../apps/server/src/bootstrap';
import { loadConfig } from '../../libs/config/src/config';
import { PrismaService } from '../../libs/persistence/src/prisma.service';

// The whole server (both APIs, real PostgreSQL from global-setup) in the test process.

export interface TestServer {
  app: INestApplication;
  http: TestAgent;
  close(): Promise<void>;
}

export function testDatabaseUrl(): string {
  const url = process.env.TEST_DB_URL;
  if (!url) throw new Error('TEST_DB_URL is not set: run the tests through jest (global-setup starts PostgreSQL)');
  return url;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  // The reconciler is off unless a suite asks for it (RECONCILER_ENABLED: 'true'): resource suites then
  // see exactly their own writes. Lifecycle suites turn it on with short simulated timings (FAST_RUNTIME).
  const config = { ...loadConfig({ LOG_LEVEL: 'error', RECONCILER_ENABLED: 'false', ...env }), databaseUrl: testDatabaseUrl() };
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const http = request(app.getHttpServer());
  openServers++;
  const close = async () => {
    // what this suite created is handed to the namespace terminator, so deployments a suite left
    // RUNNING do not keep the reconciler of later suites busy
    openServers--;
    if (openServers === 0 && createdNamespaces.size) {
      await app
        .get(PrismaService)
        .$executeRaw`UPDATE namespaces SET lifecycle_phase = 'LIFECYCLE_PHASE_TERMINATING' WHERE name = ANY(${[...createdNamespaces]}::text[])`
        .catch(() => undefined);
      createdNamespaces.clear();
    }
    await app.close();
  };
  return { app, http, close };
}

/** Namespaces created by this test file (each file has its own module registry), retired when its last server closes. */
const createdNamespaces = new Set<string>();
let openServers = 0;

/** A fresh namespace per test (tests share one database). */
export async function createNamespace(http: TestAgent, prefix = 'ns'): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  const res = await http.post('/namespaces/v1/namespaces').send({ name: `namespaces/${name}` });
  if (res.status !== 200) throw new Error(`cannot create namespace: ${res.status} ${JSON.stringify(res.body)}`);
  createdNamespaces.add(name);
  return name;
}

/** Reconciler on, simulated Flink with short timings: for lifecycle suites. */
export const FAST_RUNTIME: Record<string, string> = {
  RECONCILER_ENABLED: 'true',
  RECONCILER_INTERVAL_MS: '20',
  RECONCILER_POLL_MS: '20',
  RECONCILER_WATCH_MS: '100',
  SIM_JOB_START_MS: '60',
  SIM_SAVEPOINT_MS: '60',
  SIM_CANCEL_MS: '40',
};

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(fn: () => Promise<T | undefined | false | null>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
