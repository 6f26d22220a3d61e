import { Client } from 'pg';
import { freePort } from '../../libs/persistence/src/embedded-postgres';
import { eventually, testDatabaseUrl } from '../support/app';
import { buildServer, call, ServerProcess, startServerProcess, stopServerProcess } from '../support/server-process';

// The reconciler across real server processes sharing one PostgreSQL: a server killed with SIGKILL in
// the middle of a STATEFUL upgrade is replaced and the upgrade completes exactly once; two replicas
// share the work of 100 deployments without ever starting a second job for one of them.

const ACTIVE = ['STARTING', 'STANDBY', 'STARTED', 'TERMINATING'];

describe('reconciler across server processes', () => {
  let build: ReturnType<typeof buildServer>;
  const running: ServerProcess[] = [];

  beforeAll(() => {
    build = buildServer();
  }, 120_000);

  afterAll(async () => {
    for (const p of running) await stopServerProcess(p, 'SIGKILL');
    build?.dispose();
  });

  async function server(env: Record<string, string>): Promise<ServerProcess> {
    const p = await startServerProcess(build.main, { DATABASE_URL: testDatabaseUrl(), PORT: String(await freePort()), RECONCILER_ENABLED: 'true', ...env });
    running.push(p);
    return p;
  }

  async function setupNamespace(url: string, ns: string): Promise<void> {
    expect((await call(url, 'POST', '/namespaces/v1/namespaces', { name: `namespaces/${ns}` })).status).toBe(200);
    expect((await call(url, 'POST', `/api/v1/namespaces/${ns}/deployment-targets`, { metadata: { name: 't' }, spec: {} })).status).toBe(201);
  }

  const deploymentBody = (name: string) => ({
    metadata: { name },
    spec: { state: 'RUNNING', deploymentTargetName: 't', template: { spec: { artifact: { kind: 'JAR', jarUri: 'https://example.com/a.jar' } } } },
  });

  for (const killPoint of ['savepoint in flight', 'new job starting'] as const) {
    it(`finishes a STATEFUL upgrade after a SIGKILL (${killPoint}): one active job, no savepoint lost`, async () => {
      const timings = { RECONCILER_INTERVAL_MS: '20', RECONCILER_POLL_MS: '30', RECONCILER_WATCH_MS: '200', SIM_JOB_START_MS: '1200', SIM_SAVEPOINT_MS: '1500', SIM_CANCEL_MS: '50' };
      let a = await server(timings);
      const ns = `crash-${killPoint.startsWith('save') ? 'sp' : 'job'}-${Date.now().toString(36)}`;
      await setupNamespace(a.url, ns);
      const api = `/api/v1/namespaces/${ns}`;
      const created = await call(a.url, 'POST', `${api}/deployments`, deploymentBody('app'));
      expect(created.status).toBe(201);
      const id = created.body.metadata.id as string;
      const first = await eventually(async () => {
        const d = (await call(a.url, 'GET', `${api}/deployments/app`)).body;
        return d.status.state === 'RUNNING' ? d : undefined;
      }, 30_000);
      const firstJobId = first.status.running.jobId as string;

      expect((await call(a.url, 'PATCH', `${api}/deployments/app`, { spec: { template: { spec: { parallelism: 2 } } } })).status).toBe(200);
      const events = async (url: string) => ((await call(url, 'GET', `${api}/events?deploymentId=${id}`)).body.items as any[]).map((e) => e.metadata.name);
      const killWhen = killPoint === 'savepoint in flight' ? 'SUCCESSFULLY_TRIGGERED_A_SAVEPOINT' : 'CREATING_A_NEW_JOB';
      const occurrences = killPoint === 'savepoint in flight' ? 1 : 2;
      await eventually(async () => (await events(a.url)).filter((n) => n === killWhen).length >= occurrences, 30_000, killWhen);
      await stopServerProcess(a, 'SIGKILL');

      const b = await server(timings);
      const done = await eventually(async () => {
        const d = (await call(b.url, 'GET', `${api}/deployments/app`)).body;
        return d.status.state === 'RUNNING' && d.status.running.jobId !== firstJobId && !d.metadata.annotations['com.dataartisans.appmanager.controller.deployment.transitioning'] ? d : undefined;
      }, 30_000, 'the upgrade to complete on the new server');

      const jobs = (await call(b.url, 'GET', `${api}/jobs?deploymentId=${id}`)).body.items as any[];
      expect(jobs.filter((j) => ACTIVE.includes(j.status.state))).toHaveLength(1);
      expect(jobs).toHaveLength(2);
      expect(jobs.find((j) => j.metadata.id === firstJobId).status.state).toBe('TERMINATED');
      const newJob = jobs.find((j) => j.metadata.id === done.status.running.jobId);
      expect(newJob.spec.parallelism).toBe(2);

      const savepoints = (await call(b.url, 'GET', `${api}/savepoints?deploymentId=${id}`)).body.items as any[];
      expect(savepoints).toHaveLength(1); // taken once, not repeated by the new server
      expect(savepoints[0].status.state).toBe('COMPLETED');
      expect(newJob.spec.savepointLocation).toBe(savepoints[0].spec.savepointLocation); // restored from it: nothing lost

      const names = await events(b.url);
      expect(names.filter((n) => n === 'CREATING_A_NEW_JOB')).toHaveLength(2);
      expect(names.filter((n) => n === 'SUCCESSFULLY_TRIGGERED_A_SAVEPOINT')).toHaveLength(1);
      expect(names[names.length - 1]).toBe('STATE_TRANSITION_IS_COMPLETED');

      const db = new Client({ connectionString: testDatabaseUrl() });
      await db.connect();
      try {
        const sim = await db.query(`SELECT count(*)::int AS n FROM simulated_flink_jobs WHERE deployment_id = $1`, [id]);
        expect(sim.rows[0].n).toBe(2); // the runtime saw exactly two submissions
      } finally {
        await db.end();
      }
      await stopServerProcess(b, 'SIGTERM');
    }, 120_000);
  }

  it('two replicas on one database start 100 deployments at once: each gets exactly one job', async () => {
    const timings = { RECONCILER_INTERVAL_MS: '20', RECONCILER_POLL_MS: '50', RECONCILER_WATCH_MS: '60000', SIM_JOB_START_MS: '100', SIM_SAVEPOINT_MS: '100', SIM_CANCEL_MS: '50' };
    const [a, b] = await Promise.all([server(timings), server(timings)]);
    const ns = `replicas-${Date.now().toString(36)}`;
    await setupNamespace(a.url, ns);
    const api = `/api/v1/namespaces/${ns}`;
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => call(i % 2 ? a.url : b.url, 'POST', `${api}/deployments`, deploymentBody(`d-${i}`))));
    expect(results.map((r) => r.status)).toEqual(Array(100).fill(201));

    await eventually(async () => {
      const items = (await call(a.url, 'GET', `${api}/deployments`)).body.items as any[];
      return items.length === 100 && items.every((d) => d.status.state === 'RUNNING');
    }, 90_000, 'all 100 deployments RUNNING');

    const db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    try {
      const perDeployment = await db.query(
        `SELECT d.id, count(j.id)::int AS jobs FROM resources d
           LEFT JOIN resources j ON j.kind = 'Job' AND j.metadata->>'deploymentId' = d.id::text
         WHERE d.namespace = $1 AND d.kind = 'Deployment' GROUP BY d.id`,
        [ns],
      );
      expect(perDeployment.rows).toHaveLength(100);
      expect(perDeployment.rows.every((r) => r.jobs === 1)).toBe(true);
      const submitted = await db.query(`SELECT count(*)::int AS n FROM simulated_flink_jobs WHERE namespace = $1`, [ns]);
      expect(submitted.rows[0].n).toBe(100);
      const events = await db.query(`SELECT count(*)::int AS n FROM resources WHERE namespace = $1 AND kind = 'Event' AND metadata->>'name' = 'CREATING_A_NEW_JOB'`, [ns]);
      expect(events.rows[0].n).toBe(100);
    } finally {
      await db.end();
    }
  }, 180_000);
});
