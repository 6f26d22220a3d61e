import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from '../../libs/persistence/src/embedded-postgres';
import { projectRoot } from '../../libs/persistence/src/project-root';
import { eventually } from '../support/app';
import { buildServer, ServerProcess, startServerProcess, stopServerProcess } from '../support/server-process';
import { Answer, deploymentBody, send, sleep } from './support';

// A database outage under a running server process: PostgreSQL (our own embedded instance, on
// DATABASE_URL) is stopped while the server serves. Every request must answer quickly with 503 in
// the error shape of its API family (no hang, no 500, no stack trace); once PostgreSQL is back on
// the same data directory and port, the same server process serves again by itself.

jest.setTimeout(180_000);

const NS = 'outage';
const API = `/api/v1/namespaces/${NS}`;
/** what "answers within a few seconds" means here */
const ANSWER_WITHIN_MS = 5_000;
/** a frozen database is only noticed by the pool's timeouts (connect 5 s, query 10 s; prisma.service.ts) */
const FROZEN_WITHIN_MS = 15_000;

interface Probe {
  name: string;
  method: string;
  path: string;
  body?: () => unknown;
  family: 'appmanager' | 'platform';
}

let seq = 0;
const PROBES: Probe[] = [
  { name: 'status', method: 'GET', path: '/api/v1/status', family: 'appmanager' },
  { name: 'get deployment', method: 'GET', path: `${API}/deployments/app`, family: 'appmanager' },
  { name: 'list deployments', method: 'GET', path: `${API}/deployments`, family: 'appmanager' },
  { name: 'create deployment', method: 'POST', path: `${API}/deployments`, body: () => deploymentBody(`new-${seq++}`, 't'), family: 'appmanager' },
  { name: 'patch deployment', method: 'PATCH', path: `${API}/deployments/app`, body: () => ({ metadata: { labels: { [`l${seq++}`]: 'x' } } }), family: 'appmanager' },
  { name: 'create target', method: 'POST', path: `${API}/deployment-targets`, body: () => ({ metadata: { name: `t-${seq++}` }, spec: {} }), family: 'appmanager' },
  { name: 'list events', method: 'GET', path: `${API}/events`, family: 'appmanager' },
  { name: 'get namespace', method: 'GET', path: `/namespaces/v1/namespaces/${NS}`, family: 'platform' },
  { name: 'list namespaces', method: 'GET', path: '/namespaces/v1/namespaces', family: 'platform' },
  { name: 'create namespace', method: 'POST', path: '/namespaces/v1/namespaces', body: () => ({ name: `namespaces/o-${seq++}` }), family: 'platform' },
];

/**
 * startEmbeddedPostgres (and applyMigrations) from the compiled server, in a process of its own: the
 * embedded-postgres package is ESM-only and jest's module sandbox cannot import it. SIGTERM stops
 * PostgreSQL (fast shutdown) and then the helper.
 */
interface Database {
  url: string;
  stop(): Promise<void>;
}
async function startDatabase(buildRoot: string, dir: string, port: number): Promise<Database> {
  const script = `
    const { startEmbeddedPostgres } = require(${JSON.stringify(join(buildRoot, 'libs/persistence/src/embedded-postgres.js'))});
    const { applyMigrations } = require(${JSON.stringify(join(buildRoot, 'libs/persistence/src/migrations.js'))});
    startEmbeddedPostgres(${JSON.stringify(dir)}, { port: ${port}, quiet: true }).then(async (db) => {
      await applyMigrations(db.url);
      process.on('SIGTERM', () => db.stop().then(() => process.exit(0), () => process.exit(1)));
      process.stdout.write(db.url + '\\n');
    }, (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`;
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (c) => (out += c));
  const url = await new Promise<string>((ok, fail) => {
    let line = '';
    child.stdout!.on('data', (c) => {
      line += c;
      if (line.includes('\n')) ok(line.trim());
    });
    child.once('exit', (code) => fail(new Error(`embedded PostgreSQL helper exited with ${code}: ${out}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((ok) => {
        if (child.exitCode !== null) return ok();
        child.once('exit', () => ok());
        child.kill('SIGTERM');
      }),
  };
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(entry));
    } catch {
      /* exited */
    }
  }
  return out;
}

function expectUnavailable(p: Probe, res: Answer, within = ANSWER_WITHIN_MS): void {
  const ctx = `${p.name} (${res.status} in ${res.ms} ms): ${res.text}`;
  expect([ctx, res.status]).toEqual([ctx, 503]);
  expect([ctx, res.ms < within]).toEqual([ctx, true]);
  expect(res.text).not.toMatch(/\n\s+at |node_modules|Prisma|ECONNREFUSED/);
  if (p.family === 'appmanager') {
    expect([ctx, res.body]).toEqual([ctx, expect.objectContaining({ kind: 'ApiException', apiVersion: 'v1', statusCode: 503, message: expect.any(String), reason: expect.any(String) })]);
  } else {
    expect([ctx, res.body]).toEqual([ctx, { code: 'UNAVAILABLE', description: expect.any(String), cause: null, ok: false }]);
  }
}

describe('database outage', () => {
  let build: ReturnType<typeof buildServer>;
  let dir: string;
  let pgPort: number;
  let db: Database | undefined;
  let buildRoot: string;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    build = buildServer();
    dir = mkdtempSync(join(projectRoot(), '.test-data', 'outage-'));
    pgPort = await freePort();
    buildRoot = resolve(build.main, '..', '..', '..', '..');
    db = await startDatabase(buildRoot, dir, pgPort);
  }, 120_000);

  afterAll(async () => {
    if (server) await stopServerProcess(server, 'SIGKILL');
    await db?.stop().catch(() => undefined);
    build?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('PostgreSQL stopped: every request 503 within seconds in its family shape; PostgreSQL back: the same process recovers', async () => {
    server = await startServerProcess(build.main, { DATABASE_URL: db!.url, PORT: String(await freePort()), RECONCILER_ENABLED: 'false', AUTH_MODE: 'none', LOG_LEVEL: 'error' });
    const url = server.url;
    const pid = server.child.pid!;
    expect((await send(url, 'POST', '/namespaces/v1/namespaces', { name: `namespaces/${NS}` })).status).toBe(200);
    expect((await send(url, 'POST', `${API}/deployment-targets`, { metadata: { name: 't' }, spec: {} })).status).toBe(201);
    expect((await send(url, 'POST', `${API}/deployments`, deploymentBody('app', 't'))).status).toBe(201);
    // warm the pool: idle connections exist when the database goes away
    await Promise.all(Array.from({ length: 20 }, () => send(url, 'GET', `${API}/deployments/app`)));

    const downAt = Date.now();
    await db!.stop();
    db = undefined;
    const timings: number[] = [];
    // several rounds: first the pool's idle connections die, then new connections are refused
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(PROBES.map((p) => send(url, p.method, p.path, p.body?.(), ANSWER_WITHIN_MS + 5_000)));
      answers.forEach((res, i) => expectUnavailable(PROBES[i], res));
      timings.push(...answers.map((a) => a.ms));
      await sleep(500);
    }
    // readiness reports the outage too (liveness stays up: a restart would not help)
    expect((await send(url, 'GET', '/readyz', undefined, ANSWER_WITHIN_MS)).status).toBe(503);
    expect((await send(url, 'GET', '/healthz', undefined, ANSWER_WITHIN_MS)).status).toBe(200);
    expect(server.child.exitCode).toBeNull();

    // PostgreSQL back on the same data directory and port: no server restart
    db = await startDatabase(buildRoot, dir, pgPort);
    const upAt = Date.now();
    await eventually(async () => (await send(url, 'GET', '/api/v1/status', undefined, ANSWER_WITHIN_MS)).status === 200, 20_000, 'status 200 after the outage');
    const recoveredMs = Date.now() - upAt;
    const created: string[] = [];
    for (const p of PROBES) {
      const res = await send(url, p.method, p.path, p.body?.(), ANSWER_WITHIN_MS);
      if (p.name === 'create deployment') created.push(res.body?.metadata?.name);
      const ctx = `${p.name} after recovery: ${res.status} ${res.text}`;
      expect([ctx, res.status >= 200 && res.status < 300]).toEqual([ctx, true]);
    }
    // the writes refused during the outage left nothing behind; the one deployment is intact
    const list = await send(url, 'GET', `${API}/deployments`);
    expect(list.body.items.map((d: any) => d.metadata.name).sort()).toEqual(['app', ...created].sort());
    expect(server.child.pid).toBe(pid);
    expect(server.child.exitCode).toBeNull();
    // eslint-disable-next-line no-console
    console.log(`outage (stopped): ${timings.length} requests during ${Date.now() - downAt} ms of outage, all 503, slowest ${Math.max(...timings)} ms; recovered ${recoveredMs} ms after PostgreSQL was back`);
  });
  it('PostgreSQL frozen (SIGSTOP: connections accepted, never answered): requests still answer 503 within seconds; SIGCONT: recovers', async () => {
    server ??= await startServerProcess(build.main, { DATABASE_URL: db!.url, PORT: String(await freePort()), RECONCILER_ENABLED: 'false', AUTH_MODE: 'none', LOG_LEVEL: 'error' });
    const url = server.url;
    expect((await send(url, 'GET', '/api/v1/status')).status).toBe(200);
    // the same resources as the first test (it may not have run: -t)
    expect([200, 409]).toContain((await send(url, 'POST', '/namespaces/v1/namespaces', { name: `namespaces/${NS}` })).status);
    expect([201, 409]).toContain((await send(url, 'POST', `${API}/deployment-targets`, { metadata: { name: 't' }, spec: {} })).status);
    expect([201, 409]).toContain((await send(url, 'POST', `${API}/deployments`, deploymentBody('app', 't'))).status);
    await Promise.all(Array.from({ length: 20 }, () => send(url, 'GET', `${API}/deployments/app`)));
    const postmaster = Number(readFileSync(join(dir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const tree = [postmaster, ...childrenOf(postmaster)];
    for (const p of tree) process.kill(p, 'SIGSTOP');
    const timings: number[] = [];
    try {
      for (let round = 0; round < 2; round++) {
        const answers = await Promise.all(PROBES.map((p) => send(url, p.method, p.path, p.body?.(), FROZEN_WITHIN_MS + 5_000).catch((e) => ({ status: 0, body: undefined, text: String(e), ms: FROZEN_WITHIN_MS + 5_000 }))));
        answers.forEach((res, i) => expectUnavailable(PROBES[i], res, FROZEN_WITHIN_MS));
        timings.push(...answers.map((a) => a.ms));
      }
    } finally {
      for (const p of tree) process.kill(p, 'SIGCONT');
    }
    const upAt = Date.now();
    await eventually(async () => (await send(url, 'GET', `${API}/deployments/app`, undefined, FROZEN_WITHIN_MS)).status === 200, 30_000, 'GET 200 after the freeze');
    expect((await send(url, 'PATCH', `${API}/deployments/app`, { metadata: { labels: { thawed: 'x' } } })).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
    // eslint-disable-next-line no-console
    console.log(`outage (frozen): ${timings.length} requests, all 503, slowest ${Math.max(...timings)} ms; recovered ${Date.now() - upAt} ms after SIGCONT`);
  });
});
