import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { freePort } from '../../libs/persistence/src/embedded-postgres';
import { projectRoot } from '../../libs/persistence/src/project-root';
import { buildServer, startServerProcess, stopServerProcess } from '../support/server-process';

// Graceful shutdown of the real server process on its embedded PostgreSQL: SIGTERM while a request
// is in flight answers that request, refuses new connections, exits 0 and stops PostgreSQL.

jest.setTimeout(120_000);

describe('graceful shutdown', () => {
  let build: ReturnType<typeof buildServer>;
  let dataDir: string;

  beforeAll(() => {
    build = buildServer();
    dataDir = mkdtempSync(join(projectRoot(), '.test-data', 'shutdown-'));
  });
  afterAll(() => {
    build.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('SIGTERM: the request in flight completes, new connections are refused, exit 0, embedded PostgreSQL stopped', async () => {
    const port = await freePort();
    const p = await startServerProcess(build.main, { PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', AUTH_MODE: 'none' });
    const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
    expect(existsSync(pidFile)).toBe(true);
    expect((await fetch(`${p.url}/readyz`)).status).toBe(200);

    // a request whose body is still arriving when SIGTERM comes: it is in flight for as long as we like
    const body = JSON.stringify({ name: 'namespaces/drained' });
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, method: 'POST', path: '/namespaces/v1/namespaces', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, body: text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 5));
      setTimeout(() => {
        req.end(body.slice(5));
      }, 1500);
    });
    await new Promise((r) => setTimeout(r, 300)); // the server has the request's headers
    const exited = new Promise<number | null>((ok) => p.child.once('exit', (code) => ok(code)));
    p.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    // no new connections while draining
    await expect(fetch(`${p.url}/healthz`)).rejects.toThrow();
    expect(p.child.exitCode).toBeNull();

    const res = await answered;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).namespace.name).toBe('namespaces/drained');
    const code = await exited;
    expect({ code, output: code === 0 ? '' : p.output() }).toEqual({ code: 0, output: '' });
    expect(existsSync(pidFile)).toBe(false);
    expect(p.output()).not.toMatch(/"level":50/);

    // the write was committed before the pool closed: a restart on the same data directory sees it
    const again = await startServerProcess(build.main, { PORT: String(await freePort()), DATA_DIR: dataDir, LOG_LEVEL: 'warn', AUTH_MODE: 'none' });
    try {
      expect((await fetch(`${again.url}/namespaces/v1/namespaces/drained`)).status).toBe(200);
    } finally {
      expect(await stopServerProcess(again)).toBe(0);
    }
    expect(existsSync(pidFile)).toBe(false);
  });

  /** A request that stays in flight until `release` (its body never finishes otherwise). */
  function hangingRequest(port: number): { release(): void } {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/namespaces/v1/namespaces', headers: { 'Content-Type': 'application/json', 'Content-Length': '100' } });
    req.on('error', () => undefined);
    req.write('{');
    return { release: () => req.destroy() };
  }

  it('a second SIGTERM forces the exit (code 1) while a request hangs; a stalled client is cut off after half of SHUTDOWN_TIMEOUT_MS; the next start recovers', async () => {
    const port1 = await freePort();
    const p1 = await startServerProcess(build.main, { PORT: String(port1), DATA_DIR: dataDir, LOG_LEVEL: 'error', AUTH_MODE: 'none' });
    const h1 = hangingRequest(port1);
    await new Promise((r) => setTimeout(r, 300));
    const exited1 = new Promise<number | null>((ok) => p1.child.once('exit', (code) => ok(code)));
    p1.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    expect(p1.child.exitCode).toBeNull(); // still draining
    p1.child.kill('SIGTERM');
    expect(await exited1).toBe(1);
    h1.release();

    const port2 = await freePort();
    // a client that stalls is cut off after half of SHUTDOWN_TIMEOUT_MS: the shutdown still completes (exit 0)
    const p2 = await startServerProcess(build.main, { PORT: String(port2), DATA_DIR: dataDir, LOG_LEVEL: 'error', AUTH_MODE: 'none', SHUTDOWN_TIMEOUT_MS: '4000' });
    const h2 = hangingRequest(port2);
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    expect(await stopServerProcess(p2)).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1800);
    expect(Date.now() - started).toBeLessThan(4000);
    h2.release();

    // the forced exit left PostgreSQL running: the next start stops that orphan, and a clean stop ends it
    const p3 = await startServerProcess(build.main, { PORT: String(await freePort()), DATA_DIR: dataDir, LOG_LEVEL: 'error', AUTH_MODE: 'none' });
    expect((await fetch(`${p3.url}/readyz`)).status).toBe(200);
    expect(await stopServerProcess(p3)).toBe(0);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  });
});
