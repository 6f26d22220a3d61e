import { PrismaService } from '../../libs/persistence/src/prisma.service';
import { createNamespace, eventually, FAST_RUNTIME, startTestServer, TestServer } from '../support/app';
import { expectAppManagerShape } from '../support/contract';

// What clients do with the lifecycle (vvp-api.md 5: jupyter-vvp, vvpctl, the operators), fault
// injection in the simulated runtime, and namespace termination.

const TRANSITIONING = 'com.dataartisans.appmanager.controller.deployment.transitioning';
const FAULT = 'simulator.flink/';

describe('lifecycle flows', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer(FAST_RUNTIME)));
  afterAll(() => server.close());

  const api = (ns: string) => `/api/v1/namespaces/${ns}`;

  async function namespaceWithTarget(): Promise<string> {
    const ns = await createNamespace(server.http, 'flow');
    await server.http.post(`${api(ns)}/deployment-targets`).send({ metadata: { name: 't' }, spec: { kubernetes: { namespace: 'jobs' } } }).expect(201);
    return ns;
  }

  async function create(ns: string, name: string, spec: Record<string, unknown> = {}, annotations: Record<string, string> = {}) {
    const res = await server.http
      .post(`${api(ns)}/deployments`)
      .send({
        metadata: { name, annotations },
        spec: { state: 'RUNNING', deploymentTargetName: 't', template: { spec: { artifact: { kind: 'JAR', jarUri: 'https://example.com/a.jar' } } }, ...spec },
      })
      .expect(201);
    return res.body;
  }

  async function get(ns: string, name: string) {
    return (await server.http.get(`${api(ns)}/deployments/${name}`).expect(200)).body;
  }

  async function poll(ns: string, name: string, state: string) {
    return eventually(
      async () => {
        const d = await get(ns, name);
        return d.status.state === state && !d.metadata.annotations[TRANSITIONING] ? d : undefined;
      },
      15_000,
      `${name} ${state}`,
    );
  }

  async function eventNames(ns: string, id: string): Promise<string[]> {
    return (await server.http.get(`${api(ns)}/events?deploymentId=${id}`).expect(200)).body.items.map((e: any) => e.metadata.name);
  }

  async function jobsOf(ns: string, id: string): Promise<any[]> {
    return (await server.http.get(`${api(ns)}/jobs?deploymentId=${id}`).expect(200)).body.items;
  }

  it('create RUNNING → poll RUNNING → PATCH CANCELLED → poll CANCELLED → DELETE (jupyter-vvp, vvpctl)', async () => {
    const ns = await namespaceWithTarget();
    const created = await create(ns, 'flow');
    // status.state is there from the start: TRANSITIONING while desired (RUNNING) ≠ observed (vvp-api.md 4.1)
    expect(created.status.state).toBe('TRANSITIONING');
    expect(created.metadata.annotations['com.dataartisans.appmanager.controller.deployment.transitioning']).toBe('true');
    const running = await poll(ns, 'flow', 'RUNNING');
    expectAppManagerShape('Deployment', running);
    expect(running.status.running.conditions).toEqual([]);
    const job = (await server.http.get(`${api(ns)}/jobs/${running.status.running.jobId}`).expect(200)).body;
    expectAppManagerShape('Job', job);
    expect(job.metadata.deploymentId).toBe(created.metadata.id);
    expect(job.status.started.flinkJobId).toBe(job.metadata.id.replace(/-/g, ''));

    const cancelling = await server.http.patch(`${api(ns)}/deployments/${created.metadata.id}`).send({ spec: { state: 'CANCELLED' } }).expect(200);
    expect(cancelling.body.status.state).toBe('TRANSITIONING'); // at once, not only when the reconciler gets to it
    await poll(ns, 'flow', 'CANCELLED');
    const gone = await server.http.delete(`${api(ns)}/deployments/flow`).expect(200);
    expectAppManagerShape('Deployment', gone.body);
    await server.http.get(`${api(ns)}/deployments/flow`).expect(404);
    expect(await jobsOf(ns, created.metadata.id)).toEqual([]);
    expect(await eventNames(ns, created.metadata.id)).toEqual([]);
    // the two transitions (→ RUNNING, → CANCELLED) are counted in /metrics
    const metrics = (await server.http.get('/metrics').expect(200)).text;
    expect(Number(/^reconciler_transitions_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
  });

  it('accepts a PATCH of the whole object as a client read it, ignoring its status and stale resourceVersion', async () => {
    const ns = await namespaceWithTarget();
    await create(ns, 'whole');
    const read = await poll(ns, 'whole', 'RUNNING');
    await server.http.patch(`${api(ns)}/deployments/whole`).send({ metadata: { labels: { a: 'b' } } }).expect(200);
    const stale = { ...read, status: { state: 'FAILED' }, spec: { ...read.spec, state: 'CANCELLED' } };
    const res = await server.http.patch(`${api(ns)}/deployments/whole`).send(stale).expect(200);
    expect(res.body.metadata.resourceVersion).toBe(read.metadata.resourceVersion + 2);
    expect(res.body.status.state).not.toBe('FAILED');
    expect(res.body.metadata.labels).toEqual({ a: 'b' }); // the stale body's (empty) labels merged in: RFC 7386 keeps keys it does not mention
    await poll(ns, 'whole', 'CANCELLED');
  });

  it('refuses to delete a deployment whose job is still active (409), even when its desired state allows deletion', async () => {
    const ns = await namespaceWithTarget();
    const d = await create(ns, 'busy', { maxSavepointCreationAttempts: 1000 }, { [`${FAULT}fail-savepoint`]: 'true' });
    await poll(ns, 'busy', 'RUNNING');
    await server.http.patch(`${api(ns)}/deployments/busy`).send({ spec: { state: 'SUSPENDED' } }).expect(200);
    await eventually(async () => (await eventNames(ns, d.metadata.id)).includes('AN_UNRECOVERABLE_FAILURE_WHILE_TAKING_A_SAVEPOINT'));
    const res = await server.http.delete(`${api(ns)}/deployments/busy`).expect(409);
    expect(res.body).toMatchObject({ kind: 'ApiException', reason: 'DeploymentHasActiveJob', statusCode: 409 });
    // a new desired state interrupts the savepoint retries (nothing is in flight between two attempts)
    await server.http.patch(`${api(ns)}/deployments/busy`).send({ spec: { state: 'CANCELLED' } }).expect(200);
    await poll(ns, 'busy', 'CANCELLED');
    await server.http.delete(`${api(ns)}/deployments/busy`).expect(200);
  });

  it('job-start failures exhaust maxJobCreationAttempts → FAILED with TOO_MANY_FAILED_JOB_CREATION_ATTEMPTS; a new desired state recovers', async () => {
    const ns = await namespaceWithTarget();
    const d = await create(ns, 'nostart', { maxJobCreationAttempts: 3 }, { [`${FAULT}fail-start`]: 'true' });
    await poll(ns, 'nostart', 'FAILED');
    expect(await eventNames(ns, d.metadata.id)).toEqual([
      'STATE_TRANSITION_IS_NEEDED',
      'CREATING_A_NEW_JOB',
      'FAILED_CREATING_A_NEW_JOB',
      'CREATING_A_NEW_JOB',
      'FAILED_CREATING_A_NEW_JOB',
      'CREATING_A_NEW_JOB',
      'FAILED_CREATING_A_NEW_JOB',
      'TOO_MANY_FAILED_JOB_CREATION_ATTEMPTS',
    ]);
    const jobs = await jobsOf(ns, d.metadata.id);
    expect(jobs.map((j) => j.status.state)).toEqual(['FAILED', 'FAILED', 'FAILED']);
    for (const j of jobs) {
      expectAppManagerShape('Job', j);
      expect(j.status.failure.message).toContain('fault injected');
      expect(j.metadata.terminatedAt).toBeDefined();
    }
    // it stays FAILED (no retry loop) ...
    await new Promise((r) => setTimeout(r, 300));
    expect(await jobsOf(ns, d.metadata.id)).toHaveLength(3);
    // ... until the fault is gone and the user asks again
    await server.http.patch(`${api(ns)}/deployments/nostart`).send({ metadata: { annotations: { [`${FAULT}fail-start`]: null } }, spec: { state: 'CANCELLED' } }).expect(200);
    await poll(ns, 'nostart', 'CANCELLED');
    await server.http.patch(`${api(ns)}/deployments/nostart`).send({ spec: { state: 'RUNNING' } }).expect(200);
    await poll(ns, 'nostart', 'RUNNING');
  });

  it('a failing suspension savepoint → FAILED with TOO_MANY_FAILED_SUSPENSION_ATTEMPTS; the job keeps running; CANCELLED recovers', async () => {
    const ns = await namespaceWithTarget();
    const d = await create(ns, 'nosave', { maxSavepointCreationAttempts: 2 }, { [`${FAULT}fail-savepoint`]: 'true' });
    const running = await poll(ns, 'nosave', 'RUNNING');
    const before = (await eventNames(ns, d.metadata.id)).length;
    await server.http.patch(`${api(ns)}/deployments/nosave`).send({ spec: { state: 'SUSPENDED' } }).expect(200);
    await poll(ns, 'nosave', 'FAILED');
    expect((await eventNames(ns, d.metadata.id)).slice(before)).toEqual([
      'STATE_TRANSITION_IS_NEEDED',
      'CREATING_A_SAVEPOINT_BEFORE_SUSPENSION',
      'SUCCESSFULLY_TRIGGERED_A_SAVEPOINT',
      'AN_UNRECOVERABLE_FAILURE_WHILE_TAKING_A_SAVEPOINT',
      'CREATING_A_SAVEPOINT_BEFORE_SUSPENSION',
      'SUCCESSFULLY_TRIGGERED_A_SAVEPOINT',
      'AN_UNRECOVERABLE_FAILURE_WHILE_TAKING_A_SAVEPOINT',
      'TOO_MANY_FAILED_SUSPENSION_ATTEMPTS',
    ]);
    const job = (await server.http.get(`${api(ns)}/jobs/${running.status.running.jobId}`).expect(200)).body;
    expect(job.status.state).toBe('STARTED');
    await server.http.patch(`${api(ns)}/deployments/nosave`).send({ spec: { state: 'CANCELLED' } }).expect(200);
    await poll(ns, 'nosave', 'CANCELLED');
    const after = (await server.http.get(`${api(ns)}/jobs/${job.metadata.id}`).expect(200)).body;
    expect(after.status.state).toBe('TERMINATED');
  });

  it('a job that fails while running makes the deployment FAILED; a bounded job that completes makes it FINISHED', async () => {
    const ns = await namespaceWithTarget();
    const failing = await create(ns, 'crashes', {}, { [`${FAULT}fail-after-ms`]: '200' });
    const bounded = await create(ns, 'bounded', {}, { [`${FAULT}finish-after-ms`]: '50' });
    await poll(ns, 'crashes', 'FAILED');
    await poll(ns, 'bounded', 'FINISHED');
    expect((await eventNames(ns, failing.metadata.id)).slice(-1)).toEqual(['TERMINATING_A_JOB_DUE_TO_AN_UNRECOVERABLE_FAILURE']);
    expect((await eventNames(ns, bounded.metadata.id)).slice(-2)).toEqual(['JOB_SUCCESSFULLY_FINISHED', 'TRANSITIONED_TO_FINISHED_STATE']);
    expect((await jobsOf(ns, failing.metadata.id))[0].status.state).toBe('FAILED');
    expect((await jobsOf(ns, bounded.metadata.id))[0].status.state).toBe('FINISHED');
  });

  it('namespace DELETE marks it TERMINATING, refuses new resources, cancels what runs and then removes everything', async () => {
    const ns = await namespaceWithTarget();
    const d = await create(ns, 'victim');
    const running = await poll(ns, 'victim', 'RUNNING');
    const del = await server.http.delete(`/namespaces/v1/namespaces/${ns}`).expect(200);
    expect(del.body.namespace.lifecyclePhase).toBe('LIFECYCLE_PHASE_TERMINATING');
    const refused = await server.http.post(`${api(ns)}/deployment-targets`).send({ metadata: { name: 'late' }, spec: {} });
    // either still terminating (409) or already gone (404)
    expect([404, 409]).toContain(refused.status);
    await eventually(async () => (await server.http.get(`/namespaces/v1/namespaces/${ns}`)).status === 404, 15_000, 'namespace removal');
    await server.http.get(`${api(ns)}/deployments/victim`).expect(404);
    const db = server.app.get(PrismaService);
    expect(await db.resource.count({ where: { namespace: ns } })).toBe(0);
    const simulated = await db.simulatedFlinkJob.findUnique({ where: { jobId: running.status.running.jobId } });
    expect(simulated?.cancelRequestedAt).not.toBeNull(); // the running job was cancelled, not abandoned
    expect(d.metadata.id).toBeDefined();
  });
});

describe('lifecycle: the latest spec wins at every safe point (slow simulated savepoints)', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer({ ...FAST_RUNTIME, SIM_SAVEPOINT_MS: '800' })));
  afterAll(() => server.close());

  const api = (ns: string) => `/api/v1/namespaces/${ns}`;
  const names = async (ns: string, id: string) =>
    (await server.http.get(`${api(ns)}/events?deploymentId=${id}`).expect(200)).body.items.map((e: any) => e.metadata.name) as string[];
  const settled = (ns: string, name: string, state: string) =>
    eventually(async () => {
      const d = (await server.http.get(`${api(ns)}/deployments/${name}`).expect(200)).body;
      return d.status.state === state && !d.metadata.annotations[TRANSITIONING] ? d : undefined;
    }, 15_000, `${name} ${state}`);

  async function setup(extra: Record<string, unknown> = {}) {
    const ns = await createNamespace(server.http, 'safe');
    await server.http.post(`${api(ns)}/deployment-targets`).send({ metadata: { name: 't' }, spec: {} }).expect(201);
    const d = await server.http
      .post(`${api(ns)}/deployments`)
      .send({ metadata: { name: 'app' }, spec: { state: 'RUNNING', deploymentTargetName: 't', template: { spec: { artifact: { kind: 'JAR', jarUri: 'https://x/a.jar' } } }, ...extra } })
      .expect(201);
    return { ns, id: d.body.metadata.id as string };
  }

  it('a deployment waiting for its session cluster settles as CANCELLED when cancelled, and never starts a job', async () => {
    const ns = await createNamespace(server.http, 'safe');
    await server.http.post(`${api(ns)}/deployment-targets`).send({ metadata: { name: 't' }, spec: {} }).expect(201);
    await server.http.post(`${api(ns)}/sessionclusters`).send({ metadata: { name: 'sc' }, spec: { state: 'STOPPED', deploymentTargetName: 't', flinkVersion: '1.19' } }).expect(201);
    const d = await server.http
      .post(`${api(ns)}/deployments`)
      .send({ metadata: { name: 'w' }, spec: { state: 'RUNNING', sessionClusterName: 'sc', template: { spec: { artifact: { kind: 'JAR', jarUri: 'https://x/a.jar' } } } } })
      .expect(201);
    await eventually(async () => (await names(ns, d.body.metadata.id)).includes('AWAITING_FOR_A_CLUSTER_TO_SPIN_UP'));
    await server.http.patch(`${api(ns)}/deployments/w`).send({ spec: { state: 'CANCELLED' } }).expect(200);
    await settled(ns, 'w', 'CANCELLED');
    await server.http.patch(`${api(ns)}/sessionclusters/sc`).send({ spec: { state: 'RUNNING' } }).expect(200);
    await new Promise((r) => setTimeout(r, 400));
    expect((await server.http.get(`${api(ns)}/jobs?deploymentId=${d.body.metadata.id}`).expect(200)).body.items).toEqual([]);
  });

  it('PATCH CANCELLED during a STATEFUL upgrade: the savepoint in flight completes, no new job is started', async () => {
    const { ns, id } = await setup();
    await settled(ns, 'app', 'RUNNING');
    await server.http.patch(`${api(ns)}/deployments/app`).send({ spec: { template: { spec: { parallelism: 3 } } } }).expect(200);
    await eventually(async () => (await names(ns, id)).includes('SUCCESSFULLY_TRIGGERED_A_SAVEPOINT'));
    const patched = await server.http.patch(`${api(ns)}/deployments/app`).send({ spec: { state: 'CANCELLED' } }).expect(200);
    expect(patched.body.status.state).toBe('TRANSITIONING');
    await settled(ns, 'app', 'CANCELLED');
    const jobs = (await server.http.get(`${api(ns)}/jobs?deploymentId=${id}`).expect(200)).body.items;
    expect(jobs.map((j: any) => [j.spec.parallelism, j.status.state])).toEqual([[1, 'TERMINATED']]);
    const savepoints = (await server.http.get(`${api(ns)}/savepoints?deploymentId=${id}`).expect(200)).body.items;
    expect(savepoints.map((s: any) => s.status.state)).toEqual(['COMPLETED']);
  });

  it('force-deleting the suspension savepoint in flight: the job still stops, the deployment is SUSPENDED, no restore point is invented', async () => {
    const { ns, id } = await setup();
    const running = await settled(ns, 'app', 'RUNNING');
    await server.http.patch(`${api(ns)}/deployments/app`).send({ spec: { state: 'SUSPENDED' } }).expect(200);
    const sp = await eventually(async () => (await server.http.get(`${api(ns)}/savepoints?deploymentId=${id}`)).body.items.find((s: any) => s.status.state === 'STARTED'));
    await server.http.delete(`${api(ns)}/savepoints/${sp.metadata.id}?force=true`).expect(200);
    await settled(ns, 'app', 'SUSPENDED');
    const job = (await server.http.get(`${api(ns)}/jobs/${running.status.running.jobId}`).expect(200)).body;
    expect(job.status.state).toBe('TERMINATED');
    expect((await server.http.get(`${api(ns)}/savepoints?deploymentId=${id}`).expect(200)).body.items).toEqual([]);
    // a user savepoint is refused while nothing runs
    const refused = await server.http.post(`${api(ns)}/savepoints`).send({ metadata: { deploymentId: id } }).expect(400);
    expect(refused.body.message).toBe('No active job for a deployment.');
  });
});
