import { Client, Pool } from 'pg';
import request from 'supertest';
import { createApp } from '../../apps/server/src/bootstrap';
import { Reconciler } from '../../libs/appmanager/src/reconciler/reconciler.service';
import { loadConfig } from '../../libs/config/src/config';
import { freePort } from '../../libs/persistence/src/embedded-postgres';
import express from 'express';
import { contentMiddleware } from '../../libs/resource-kit/src/content';
import { createPino, PinoLogger, prettyStream, readiness, requestContext, requestContextMiddleware, requestMiddleware } from '../../libs/ops/src';
import { createNamespace, startTestServer, testDatabaseUrl, TestServer } from '../support/app';

// Operations endpoints (/healthz, /readyz, /metrics), request ids, structured logs with redaction.

function capture(): { lines: () => Record<string, any>[]; write(s: string): void } {
  const out: string[] = [];
  return { write: (s: string) => void out.push(s), lines: () => out.map((l) => JSON.parse(l) as Record<string, any>) };
}

describe('health', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('GET /healthz answers 200 {status: ok}', async () => {
    const res = await server.http.get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('/healthz, /readyz and /metrics skip the API content negotiation (Accept: application/yaml is no 406)', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const res = await server.http.get(path).set('Accept', 'application/yaml');
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
    }
  });

  it('GET /readyz is 200 with the database, the migrations and a disabled reconciler', async () => {
    const res = await server.http.get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'ready',
      checks: { database: { status: 'ok' }, migrations: { status: 'ok' }, reconciler: { status: 'disabled' } },
    });
  });

  it('GET /api/v1/status is unchanged', async () => {
    const res = await server.http.get('/api/v1/status');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'OK' });
  });

  it('readiness: 503 naming the reconciler when it is enabled but not running, 200 once it runs', async () => {
    const s = await startTestServer({ RECONCILER_ENABLED: 'true' });
    try {
      expect((await s.http.get('/readyz')).status).toBe(200);
      await s.app.get(Reconciler).stop();
      const res = await s.http.get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('unavailable');
      expect(res.body.failed).toEqual(['reconciler']);
      expect(res.body.checks.database).toEqual({ status: 'ok' });
    } finally {
      await s.close();
    }
  });

  it('readiness: the database check fails when nothing answers', async () => {
    const pool = new Pool({ connectionString: `postgresql://postgres:postgres@127.0.0.1:${await freePort()}/none`, connectionTimeoutMillis: 1000 });
    pool.on('error', () => undefined);
    try {
      const r = await readiness({ pool, reconciler: { isRunning: true }, reconcilerEnabled: true, shuttingDown: () => false });
      expect(r.ready).toBe(false);
      expect(r.checks.database.status).toBe('failed');
      expect(r.checks.migrations.status).toBe('failed');
      expect(r.checks.reconciler.status).toBe('ok');
    } finally {
      await pool.end();
    }
  });

  it('readiness: the migrations check fails on a database without the committed migrations', async () => {
    const name = `unmigrated_${Date.now()}`;
    const admin = new Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(testDatabaseUrl());
    url.pathname = `/${name}`;
    const pool = new Pool({ connectionString: url.toString() });
    try {
      const empty = await readiness({ pool, reconciler: { isRunning: false }, reconcilerEnabled: false, shuttingDown: () => false });
      expect(empty.ready).toBe(false);
      expect(empty.checks.database).toEqual({ status: 'ok' });
      expect(empty.checks.migrations.status).toBe('failed');
      // a history with only some of the migrations is not up to date either
      await pool.query(`CREATE TABLE "_prisma_migrations" (migration_name text, finished_at timestamptz, rolled_back_at timestamptz)`);
      await pool.query(`INSERT INTO "_prisma_migrations" VALUES ('00000000000000_init', now(), NULL)`);
      const partial = await readiness({ pool, reconciler: { isRunning: false }, reconcilerEnabled: false, shuttingDown: () => false });
      expect(partial.checks.migrations).toEqual({ status: 'failed', detail: 'committed migrations are not all applied' });
    } finally {
      await pool.end();
      await admin.query(`DROP DATABASE ${name}`);
      await admin.end();
    }
  });
});

describe('metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('GET /metrics is Prometheus text with HTTP metrics per route pattern (never the raw URL)', async () => {
    const ns = await createNamespace(server.http);
    expect((await server.http.get(`/api/v1/namespaces/${ns}/deployments`)).status).toBe(200);
    expect((await server.http.get(`/api/v1/namespaces/${ns}/deployments/nope`)).status).toBe(404);
    const res = await server.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.text;
    expect(text).toMatch(/^# TYPE http_requests_total counter$/m);
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/api\/v1\/namespaces\/:namespace\/deployments",status="200"\} [1-9]/m);
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/api\/v1\/namespaces\/:namespace\/deployments\/:name",status="404"\} [1-9]/m);
    expect(text).toMatch(/^http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/api\/v1\/namespaces\/:namespace\/deployments",status="200"\}/m);
    expect(text).not.toContain(ns);
  });

  it('exposes the reconciler, the jobs and savepoints by state, the database pool and the process', async () => {
    const text = (await server.http.get('/metrics')).text;
    for (const name of [
      'reconciler_queue_depth',
      'reconciler_ticks_total',
      'reconciler_steps_total',
      'reconciler_transitions_total',
      'reconciler_errors_total',
      'db_pool_connections',
      'db_pool_idle_connections',
      'db_pool_waiting_requests',
      'db_pool_max_connections',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text).toMatch(new RegExp(`^${name} \\d`, 'm'));
    }
    expect(text).toMatch(/^# TYPE flink_jobs gauge$/m);
    expect(text).toMatch(/^# TYPE flink_savepoints gauge$/m);
    expect(text).toMatch(/^db_pool_max_connections 20$/m);
  });

  it('jobs by state count the Job rows of the database (one GROUP BY at scrape time)', async () => {
    const pool = new Pool({ connectionString: testDatabaseUrl() });
    try {
      const { rows } = await pool.query<{ state: string; n: number }>(
        `SELECT coalesce(status->>'state', 'UNKNOWN') AS state, count(*)::int AS n FROM resources WHERE kind = 'Job' GROUP BY 1`,
      );
      const text = (await server.http.get('/metrics')).text;
      for (const r of rows) expect(text).toContain(`flink_jobs{state="${r.state}"} ${r.n}`);
    } finally {
      await pool.end();
    }
  });
});

describe('request ids and logs', () => {
  it('a sane incoming X-Request-Id is returned; anything else is replaced by a new UUID', async () => {
    const server = await startTestServer();
    try {
      const given = await server.http.get('/api/v1/status').set('X-Request-Id', 'abc-123.def:9');
      expect(given.headers['x-request-id']).toBe('abc-123.def:9');
      for (const bad of ['has space', 'x'.repeat(129), '<script>', '']) {
        const res = await server.http.get('/api/v1/status').set('X-Request-Id', bad);
        expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      }
      // also on answers the content middleware gives before any route (406)
      const refused = await server.http.get('/api/v1/status').set('Accept', 'text/html').set('X-Request-Id', 'r-406');
      expect(refused.status).toBe(406);
      expect(refused.headers['x-request-id']).toBe('r-406');
    } finally {
      await server.close();
    }
  });

  it('every request is logged as one JSON line with its request id, route, status and duration', async () => {
    const sink = capture();
    const config = { ...loadConfig({ LOG_LEVEL: 'log', LOG_FORMAT: 'json', RECONCILER_ENABLED: 'false' }), databaseUrl: testDatabaseUrl() };
    const app = await createApp(config, { logDestination: sink });
    await app.listen(0, '127.0.0.1');
    try {
      const http = request(app.getHttpServer());
      const ns = await createNamespace(http);
      await http
        .post(`/api/v1/namespaces/${ns}/deployment-targets`)
        .set('X-Request-Id', 'req-42')
        .set('Authorization', 'Bearer very-secret-token')
        .send({ metadata: { name: 't1' }, spec: { kubernetes: { namespace: 'x' } } });
      await http.get('/healthz');
      const line = sink.lines().find((l) => l.requestId === 'req-42' && l.msg === 'request');
      expect(line).toMatchObject({
        level: 30,
        method: 'POST',
        route: '/api/v1/namespaces/:namespace/deployment-targets',
        path: `/api/v1/namespaces/${ns}/deployment-targets`,
        status: 201,
      });
      expect(typeof line!.durationMs).toBe('number');
      expect(typeof line!.time).toBe('string');
      expect(JSON.stringify(sink.lines())).not.toContain('very-secret-token');
      // probes are logged at debug level only
      expect(sink.lines().some((l) => l.path === '/healthz')).toBe(false);
    } finally {
      await app.close();
    }
  });

  it('redacts authorization headers, tokens, values and secrets; lines inside a request carry its id', () => {
    const sink = capture();
    const pino = createPino({ logLevel: 'debug', logFormat: 'json' }, sink);
    const logger = new PinoLogger(pino);
    requestContext.run({ requestId: 'ctx-1' }, () => {
      logger.log({ msg: 'incoming', headers: { authorization: 'Bearer abc', accept: 'x' }, token: 't0k', spec: { value: 'v4lue', secret: 's3cret' } }, 'Test');
    });
    logger.warn('outside', 'Test');
    logger.error('failed', 'Error: boom\n    at somewhere (x.ts:1:1)', 'Test');
    const [inside, outside, failed] = sink.lines();
    expect(inside).toMatchObject({ level: 30, requestId: 'ctx-1', context: 'Test', headers: { authorization: '[REDACTED]', accept: 'x' }, token: '[REDACTED]' });
    expect(inside.spec).toEqual({ value: '[REDACTED]', secret: '[REDACTED]' });
    expect(outside).toMatchObject({ level: 40, msg: 'outside', context: 'Test' });
    expect(outside.requestId).toBeUndefined();
    expect(failed).toMatchObject({ level: 50, msg: 'failed', context: 'Test' });
    expect(failed.err.stack).toContain('Error: boom');
  });

  it('the request id survives body parsing (handlers after the content middleware see it)', async () => {
    const sink = capture();
    const app = express();
    app.use(requestMiddleware(createPino({ logLevel: 'error', logFormat: 'json' }, sink)));
    app.use(contentMiddleware({ maxBodyBytes: 1024 }));
    app.use(requestContextMiddleware());
    app.post('/api/echo', (req, res) => void res.json({ seen: requestContext.getStore()?.requestId ?? null, body: req.body }));
    const res = await request(app).post('/api/echo').set('X-Request-Id', 'body-1').send({ a: 1 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ seen: 'body-1', body: { a: 1 } });
  });

  it('LOG_LEVEL filters (error drops warn/log/debug); LOG_FORMAT=pretty writes one readable line', () => {
    const sink = capture();
    const logger = new PinoLogger(createPino({ logLevel: 'error', logFormat: 'json' }, sink));
    logger.warn('no');
    logger.log('no');
    logger.debug('no');
    logger.error('yes');
    expect(sink.lines().map((l) => l.msg)).toEqual(['yes']);

    const out: string[] = [];
    const pretty = new PinoLogger(createPino({ logLevel: 'log', logFormat: 'pretty' }, prettyStream({ write: (s: string) => out.push(s) })));
    pretty.log('hello', 'Ctx');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  \[Ctx\] hello\n$/);
  });

  it('LOG_FORMAT is validated; the default is json unless stdout is a terminal', () => {
    expect(loadConfig({}, false).logFormat).toBe('json');
    expect(loadConfig({}, true).logFormat).toBe('pretty');
    expect(loadConfig({ LOG_FORMAT: 'json' }, true).logFormat).toBe('json');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
    expect(loadConfig({}).shutdownTimeoutMs).toBe(20_000);
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT_MS: '-1' })).toThrow(/SHUTDOWN_TIMEOUT_MS/);
  });
});
