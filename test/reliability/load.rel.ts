import { freePort } from '../../libs/persistence/src/embedded-postgres';
import { testDatabaseUrl } from '../support/app';
import { buildServer, ServerProcess, startServerProcess, stopServerProcess } from '../support/server-process';
import { deploymentBody, percentile, rssKiB, send, sleep } from './support';

// Sustained load on a real server process over loopback: 50 concurrent clients, mixed reads and writes
// for RELIABILITY_LOAD_SECONDS (default 60). Zero errors (every answer 2xx, except the 404s asked for
// on purpose), and memory stable: the server's RSS at the end is within 20% of its RSS after warm-up.

const SECONDS = Number(process.env.RELIABILITY_LOAD_SECONDS ?? 60);
const CLIENTS = 50;
const WARMUP_MS = Math.min(15_000, Math.max(3_000, (SECONDS * 1000) / 5));
const NS = `load-${Date.now().toString(36)}`;
const API = `/api/v1/namespaces/${NS}`;
const SEEDED = 100;

jest.setTimeout(SECONDS * 1000 + 120_000);

describe('load', () => {
  let build: ReturnType<typeof buildServer>;
  let server: ServerProcess | undefined;

  beforeAll(() => {
    build = buildServer();
  }, 120_000);

  afterAll(async () => {
    if (server) await stopServerProcess(server, 'SIGTERM');
    build?.dispose();
  });

  it(`${CLIENTS} clients, mixed reads and writes for ${SECONDS} s: zero errors, RSS stable`, async () => {
    server = await startServerProcess(build.main, { DATABASE_URL: testDatabaseUrl(), PORT: String(await freePort()), RECONCILER_ENABLED: 'false', AUTH_MODE: 'none', LOG_LEVEL: 'error' });
    const url = server.url;
    const pid = server.child.pid!;
    expect((await send(url, 'POST', '/namespaces/v1/namespaces', { name: `namespaces/${NS}` })).status).toBe(200);
    expect((await send(url, 'POST', `${API}/deployment-targets`, { metadata: { name: 't' }, spec: {} })).status).toBe(201);
    for (let i = 0; i < SEEDED; i += 10) {
      const res = await Promise.all(Array.from({ length: 10 }, (_, k) => send(url, 'POST', `${API}/deployments`, deploymentBody(`seed-${i + k}`, 't', { group: String((i + k) % 5) }))));
      for (const r of res) expect(r.status).toBe(201);
    }

    const errors: string[] = [];
    const counts = new Map<string, number>();
    const latencies: number[] = [];
    let stop = false;
    let measuring = false;

    async function op(c: number, n: number): Promise<void> {
      const r = Math.random();
      const seed = `seed-${Math.floor(Math.random() * SEEDED)}`;
      let name: string;
      let res;
      let expected = [200];
      if (r < 0.45) {
        name = 'get';
        res = await send(url, 'GET', `${API}/deployments/${seed}`);
      } else if (r < 0.55) {
        name = 'list';
        res = await send(url, 'GET', `${API}/deployments?labelSelector=group%3D${n % 5}`);
      } else if (r < 0.6) {
        name = 'get-missing';
        expected = [404]; // designed: a name that never exists
        res = await send(url, 'GET', `${API}/deployments/missing-${c}-${n}`);
      } else if (r < 0.62) {
        name = 'status';
        res = await send(url, 'GET', '/api/v1/status');
      } else if (r < 0.64) {
        name = 'platform-get';
        res = await send(url, 'GET', `/namespaces/v1/namespaces/${NS}`);
      } else if (r < 0.85) {
        name = 'patch';
        // a bounded label set per client: the documents do not grow over the run
        res = await send(url, 'PATCH', `${API}/deployments/${seed}`, { metadata: { labels: { [`c${c}`]: String(n) } } });
      } else {
        name = 'create+delete';
        const fresh = `tmp-${c}-${n}`;
        res = await send(url, 'POST', `${API}/deployments`, deploymentBody(fresh, 't'));
        if (res.status === 201) {
          latencies.push(res.ms);
          res = await send(url, 'DELETE', `${API}/deployments/${fresh}`);
        } else expected = [201];
      }
      if (measuring) latencies.push(res.ms);
      counts.set(name, (counts.get(name) ?? 0) + 1);
      if (!expected.includes(res.status)) errors.push(`${name}: ${res.status} ${res.text.slice(0, 200)}`);
    }

    async function client(c: number): Promise<void> {
      for (let n = 0; !stop; n++) {
        try {
          await op(c, n);
        } catch (e) {
          errors.push(`client ${c}: ${String(e)}`);
        }
      }
    }

    const started = Date.now();
    const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
    await sleep(WARMUP_MS);
    const rssWarm = rssKiB(pid);
    measuring = true;
    const samples: number[] = [rssWarm];
    const end = started + SECONDS * 1000;
    while (Date.now() < end) {
      await sleep(Math.min(5_000, Math.max(0, end - Date.now())));
      samples.push(rssKiB(pid));
    }
    stop = true;
    await Promise.all(clients);
    const rssEnd = rssKiB(pid);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const elapsed = (Date.now() - started) / 1000;
    // eslint-disable-next-line no-console
    console.log(
      `load: ${CLIENTS} clients, ${elapsed.toFixed(1)} s, ${total} operations (${(total / elapsed).toFixed(0)}/s) ${JSON.stringify(Object.fromEntries(counts))}; ` +
        `latency p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${Math.max(...latencies)} ms; ` +
        `RSS after ${WARMUP_MS} ms warm-up ${(rssWarm / 1024).toFixed(1)} MiB, at the end ${(rssEnd / 1024).toFixed(1)} MiB (${(((rssEnd - rssWarm) / rssWarm) * 100).toFixed(1)}%); samples ${samples.map((s) => (s / 1024).toFixed(0)).join(', ')} MiB`,
    );
    expect(errors.slice(0, 20)).toEqual([]);
    expect(server.child.exitCode).toBeNull();
    // growth is what a leak looks like; V8 returning heap pages to the OS (a drop) is not held against it
    expect((rssEnd - rssWarm) / rssWarm).toBeLessThanOrEqual(0.2);
    // the data is consistent after the run: every seeded deployment there, no temporary one left
    const list = await send(url, 'GET', `${API}/deployments`);
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(SEEDED);
  });
});
