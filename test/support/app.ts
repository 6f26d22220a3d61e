import { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../apps/server/src/bootstrap';
import { loadConfig } from '../../libs/config/src/config';

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
  const config = { ...loadConfig({ LOG_LEVEL: 'error', ...env }), databaseUrl: testDatabaseUrl() };
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const http = request(app.getHttpServer());
  return { app, http, close: () => app.close() };
}

/** A fresh namespace per test (tests share one database). */
export async function createNamespace(http: TestAgent, prefix = 'ns'): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  const res = await http.post('/namespaces/v1/namespaces').send({ name: `namespaces/${name}` });
  if (res.status !== 200) throw new Error(`cannot create namespace: ${res.status} ${JSON.stringify(res.body)}`);
  return name;
}
