import type { Response } from 'supertest';
import { PrismaService } from '../../libs/persistence/src/prisma.service';
import { Reconciler } from '../../libs/appmanager/src/reconciler/reconciler.service';
import { createNamespace, eventually, FAST_RUNTIME, startTestServer, TestServer } from '../support/app';
import { expectAppManagerShape } from '../support/contract';
import { expectApiException, expectValidation } from '../support/errors';

// Savepoints (vvp-api.md 2.1 A21–A24, 3.A Savepoint, 4.5; the operator of section 5 POSTs
// {metadata:{deploymentId}} and polls until COMPLETED/FAILED): triggering on the running job,
// registering an existing snapshot (COPIED), filters, the deletion state machine, force, faults,
// and restores from registered savepoints.

const SPEC_VERSION = 'com.dataartisans.appmanager.controller.deployment.spec.version';
const TRANSITIONING = 'com.dataartisans.appmanager.controller.deployment.transitioning';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OTHER_UUID = '19570815-2528-4bda-a6ba-733cc29282c4';

type Json = Record<string, any>;

function expectSavepoint(res: Response, status = 200): Json {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  expectAppManagerShape('Savepoint', res.body);
  expect(res.body).toMatchObject({ kind: 'Savepoint', apiVersion: 'v1' });
  expect(res.body.metadata.id).toMatch(UUID);
  expect(res.body.metadata.name).toBeUndefined();
  return res.body;
}

describe('savepoints', () => {
  let server: TestServer;
  const namespaces: string[] = [];
  beforeAll(async () => (server = await startTestServer(FAST_RUNTIME)));
  afterAll(async () => {
    // leave nothing running for the suites that share the database
    try {
      for (const ns of namespaces) await server.http.delete(`/namespaces/v1/namespaces/${ns}`);
      for (const ns of namespaces) {
        await eventually(async () => (await server.http.get(`/namespaces/v1/namespaces/${ns}`)).status === 404, 15_000, `namespace ${ns} removed`);
      }
    } finally {
      await server.close();
    }
  });

  async function newNamespace(): Promise<string> {
    const ns = await createNamespace(server.http, 'sp');
    namespaces.push(ns);
    return ns;
  }

  const api = (ns: string) => `/api/v1/namespaces/${ns}`;

  async function getDeployment(ns: string, name: string): Promise<Json> {
    const res = await server.http.get(`${api(ns)}/deployments/${name}`);
    expect(res.status).toBe(200);
    return res.body;
  }

  async function settled(ns: string, name: string, state: string): Promise<Json> {
    return eventually(
      async () => {
        const d = await getDeployment(ns, name);
        return d.status?.state === state && !d.metadata.annotations[TRANSITIONING] ? d : undefined;
      },
      15_000,
      `deployment ${name} ${state}`,
    );
  }

  /** A namespace with a target and a deployment `app` in `state` (RUNNING: settled, with its job STARTED). */
  async function setup(opts: { state?: 'RUNNING' | 'CANCELLED'; annotations?: Record<string, string>; name?: string; ns?: string } = {}) {
    const ns = opts.ns ?? (await newNamespace());
    if (!opts.ns) {
      await server.http.post(`${api(ns)}/deployment-targets`).send({ metadata: { name: 't' }, spec: { kubernetes: { namespace: 'jobs' } } }).expect(201);
    }
    const name = opts.name ?? 'app';
    const state = opts.state ?? 'RUNNING';
    const created = await server.http
      .post(`${api(ns)}/deployments`)
      .send({
        metadata: { name, annotations: opts.annotations ?? {} },
        spec: {
          state,
          deploymentTargetName: 't',
          restoreStrategy: { kind: 'LATEST_STATE' },
          template: { spec: { parallelism: 1, artifact: { kind: 'JAR', jarUri: 'https://example.com/app.jar' } } },
        },
      })
      .expect(201);
    const d = await settled(ns, name, state);
    return { ns, url: `${api(ns)}/savepoints`, deploymentId: created.body.metadata.id as string, jobId: d.status.running?.jobId as string | undefined };
  }

  async function eventNames(ns: string, deploymentId: string): Promise<string[]> {
    const res = await server.http.get(`${api(ns)}/events?deploymentId=${deploymentId}`);
    expect(res.status).toBe(200);
    return res.body.items.map((e: Json) => e.metadata.name);
  }

  async function savepointIn(url: string, id: string, states: string[]): Promise<Json> {
    return eventually(
      async () => {
        const res = await server.http.get(`${url}/${id}`);
        return states.includes(res.body?.status?.state) ? expectSavepoint(res) : undefined;
      },
      15_000,
      `savepoint ${id} in ${states.join('/')}`,
    );
  }

  async function gone(url: string, id: string): Promise<void> {
    await eventually(async () => (await server.http.get(`${url}/${id}`)).status === 404, 15_000, `savepoint ${id} removed`);
  }

  it('POST {metadata:{deploymentId}} triggers a savepoint on the running job: 201 STARTED, then COMPLETED with a location; the job keeps running', async () => {
    const { ns, url, deploymentId, jobId } = await setup();
    expect(jobId).toMatch(UUID);
    // status, origin, jobId and type in the body are the system's: ignored
    const created = expectSavepoint(
      await server.http.post(url).send({
        kind: 'Savepoint',
        apiVersion: 'v1',
        metadata: { deploymentId, origin: 'COPIED', jobId: OTHER_UUID, type: 'INCREMENTAL', id: OTHER_UUID, resourceVersion: 9, labels: { who: 'operator' } },
        status: { state: 'COMPLETED' },
      }),
      201,
    );
    expect(created.metadata).toMatchObject({ namespace: ns, deploymentId, jobId, origin: 'USER_REQUEST', type: 'FULL', resourceVersion: 1, labels: { who: 'operator' } });
    expect(created.metadata.id).not.toBe(OTHER_UUID);
    expect(created.metadata.annotations[SPEC_VERSION]).toBe('1');
    expect(created.status).toEqual({ state: 'STARTED' });
    expect(created.spec.savepointLocation).toBeUndefined();

    const done = await savepointIn(url, created.metadata.id, ['COMPLETED', 'FAILED']);
    expect(done.status).toEqual({ state: 'COMPLETED' });
    expect(done.spec.savepointLocation).toBe(`s3://flink-control-plane/flink-savepoints/namespaces/${ns}/deployments/${deploymentId}/${created.metadata.id}`);
    expect(done.metadata.resourceVersion).toBeGreaterThan(1);
    expect(done.metadata.origin).toBe('USER_REQUEST');
    expect(await eventNames(ns, deploymentId)).toContain('SUCCESSFULLY_TRIGGERED_A_SAVEPOINT');

    const d = await getDeployment(ns, 'app');
    expect(d.status.state).toBe('RUNNING');
    expect(d.status.running.jobId).toBe(jobId);
    const job = await server.http.get(`${api(ns)}/jobs/${jobId}`);
    expect(job.body.status.state).toBe('STARTED');
  });

  it('POST for a deployment without a running job → 400 "No active job for a deployment."', async () => {
    const { url, deploymentId } = await setup({ state: 'CANCELLED' });
    const res = await server.http.post(url).send({ metadata: { deploymentId } });
    expect(expectApiException(res, 400).message).toBe('No active job for a deployment.');
    const list = await server.http.get(`${url}?deploymentId=${deploymentId}`);
    expect(list.body.items).toEqual([]);
  });

  it('POST without, with a malformed, with an unknown or with another namespace\'s deploymentId → 400 / 404; bad spec → 400', async () => {
    const { url, deploymentId } = await setup({ state: 'CANCELLED' });
    expectValidation(await server.http.post(url).send({ metadata: {} }), 'metadata.deploymentId');
    expectValidation(await server.http.post(url).send({}), 'metadata.deploymentId');
    expectValidation(await server.http.post(url).send({ metadata: { deploymentId: 'app' } }), 'metadata.deploymentId');
    expectValidation(await server.http.post(url).send({ metadata: { deploymentId: 42 } }), 'metadata.deploymentId');
    expectApiException(await server.http.post(url).send({ metadata: { deploymentId: OTHER_UUID } }), 404);
    const other = await newNamespace();
    expectApiException(await server.http.post(`${api(other)}/savepoints`).send({ metadata: { deploymentId } }), 404);
    expectApiException(await server.http.post(`${api('no-such-ns-x')}/savepoints`).send({ metadata: { deploymentId } }), 404);
    expectValidation(await server.http.post(url).send({ metadata: { deploymentId }, spec: { savepointLocation: 5 } }), 'spec.savepointLocation');
    expectValidation(await server.http.post(url).send({ metadata: { deploymentId }, spec: { savepointLocation: '' } }), 'spec.savepointLocation');
    expectValidation(await server.http.post(url).send({ metadata: { deploymentId }, spec: { savepointLocation: '../../etc' } }), 'spec.savepointLocation');
    // another namespace's savepoint area (where the runtime writes its savepoints) is that namespace's state
    expectValidation(
      await server.http.post(url).send({ metadata: { deploymentId }, spec: { savepointLocation: 's3://flink-control-plane/flink-savepoints/namespaces/someone-else/deployments/x/y' } }),
      'spec.savepointLocation',
    );
    expectValidation(await server.http.post(url).send({ metadata: { deploymentId }, spec: { savepointLocation: 's3://b/x', flinkSavepointId: 'nope' } }), 'spec.flinkSavepointId');
    expectValidation(
      await server.http.post(url).send({ metadata: { deploymentId, annotations: { [SPEC_VERSION]: 'one' } }, spec: { savepointLocation: 's3://b/x' } }),
      `metadata.annotations.${SPEC_VERSION}`,
    );
    expect((await server.http.get(`${url}?deploymentId=${deploymentId}`)).body.items).toEqual([]);
  });

  it('POST with spec.savepointLocation registers an existing snapshot: 201 COMPLETED, origin COPIED, no Flink call', async () => {
    const { ns, url, deploymentId } = await setup({ state: 'CANCELLED' });
    const flinkSavepointId = '0b3d7e1c-2f4a-4c59-9a0e-6d1f2b3c4d5e';
    const created = expectSavepoint(
      await server.http
        .post(url)
        .set('Content-Type', 'application/yaml')
        .send(
          [
            'kind: Savepoint',
            'apiVersion: v1',
            'metadata:',
            `  deploymentId: ${deploymentId}`,
            '  origin: USER_REQUEST',
            '  annotations:',
            `    ${SPEC_VERSION}: "7"`,
            '    team: data',
            'spec:',
            '  savepointLocation: s3://old-bucket/savepoints/savepoint-abc',
            `  flinkSavepointId: ${flinkSavepointId}`,
            '  unknownField: ignored',
            'status:',
            '  state: FAILED',
          ].join('\n'),
        ),
      201,
    );
    expect(created.metadata).toMatchObject({ deploymentId, origin: 'COPIED', type: 'UNKNOWN', resourceVersion: 1, annotations: { [SPEC_VERSION]: '7', team: 'data' } });
    expect(created.metadata.jobId).toBeUndefined();
    expect(created.spec).toEqual({ savepointLocation: 's3://old-bucket/savepoints/savepoint-abc', flinkSavepointId });
    expect(created.status).toEqual({ state: 'COMPLETED' });
    expectSavepoint(await server.http.get(`${url}/${created.metadata.id}`));
    // without the annotation: the deployment's current spec version
    const plain = expectSavepoint(await server.http.post(url).send({ metadata: { deploymentId }, spec: { savepointLocation: 'file:///tmp/sp-1' } }), 201);
    expect(plain.metadata.annotations[SPEC_VERSION]).toBe('1');
    // nothing was asked of Flink
    expect(await eventNames(ns, deploymentId)).not.toContain('SUCCESSFULLY_TRIGGERED_A_SAVEPOINT');
    const simulated = await server.app.get(PrismaService).simulatedFlinkSavepoint.findMany({ where: { savepointId: { in: [created.metadata.id, plain.metadata.id] } } });
    expect(simulated).toEqual([]);
  });

  it('lists filter by deploymentId and jobId (uuid, 400 otherwise); GET by unknown or malformed id → 404', async () => {
    const { ns, url, deploymentId, jobId } = await setup();
    const other = await setup({ ns, name: 'other', state: 'CANCELLED' });
    const triggered = expectSavepoint(await server.http.post(url).send({ metadata: { deploymentId } }), 201);
    const registered = expectSavepoint(await server.http.post(url).send({ metadata: { deploymentId }, spec: { savepointLocation: 's3://b/one' } }), 201);
    const otherSp = expectSavepoint(await server.http.post(url).send({ metadata: { deploymentId: other.deploymentId }, spec: { savepointLocation: 's3://b/two' } }), 201);

    const ids = (res: Response) => {
      expect(res.status).toBe(200);
      expectAppManagerShape('ResourceListOfSavepoint', res.body);
      expect(res.body).toMatchObject({ kind: 'SavepointList', apiVersion: 'v1' });
      return res.body.items.map((s: Json) => s.metadata.id);
    };
    expect(ids(await server.http.get(url))).toEqual([triggered.metadata.id, registered.metadata.id, otherSp.metadata.id]);
    expect(ids(await server.http.get(`${url}?deploymentId=${deploymentId}`))).toEqual([triggered.metadata.id, registered.metadata.id]);
    expect(ids(await server.http.get(`${url}?deploymentId=${other.deploymentId}`))).toEqual([otherSp.metadata.id]);
    expect(ids(await server.http.get(`${url}?jobId=${jobId}`))).toEqual([triggered.metadata.id]);
    expect(ids(await server.http.get(`${url}?deploymentId=${other.deploymentId}&jobId=${jobId}`))).toEqual([]);
    expect(ids(await server.http.get(`${url}?deploymentId=${OTHER_UUID}`))).toEqual([]);
    expectValidation(await server.http.get(`${url}?deploymentId=app`), 'deploymentId');
    expectValidation(await server.http.get(`${url}?jobId=12`), 'jobId');
    expectApiException(await server.http.get(`${api('no-such-ns-y')}/savepoints`), 404);

    expectApiException(await server.http.get(`${url}/${OTHER_UUID}`), 404);
    expectApiException(await server.http.get(`${url}/not-a-uuid`), 404);
    const elsewhere = await newNamespace();
    expectApiException(await server.http.get(`${api(elsewhere)}/savepoints/${triggered.metadata.id}`), 404);
    expectApiException(await server.http.delete(`${api(elsewhere)}/savepoints/${triggered.metadata.id}`), 404);
    expectApiException(await server.http.delete(`${url}/not-a-uuid`), 404);
    expectApiException(await server.http.delete(`${url}/${OTHER_UUID}`), 404);
    await savepointIn(url, triggered.metadata.id, ['COMPLETED']);
  });

  it('DELETE: PENDING_DELETION (200) → DELETING → data disposed and the savepoint gone, with events', async () => {
    const { ns, url, deploymentId } = await setup();
    const triggered = expectSavepoint(await server.http.post(url).send({ metadata: { deploymentId } }), 201);
    const completed = await savepointIn(url, triggered.metadata.id, ['COMPLETED']);
    const res = expectSavepoint(await server.http.delete(`${url}/${triggered.metadata.id}`));
    expect(res.status).toEqual({ state: 'PENDING_DELETION' });
    expect(res.spec.savepointLocation).toBe(completed.spec.savepointLocation);
    await gone(url, triggered.metadata.id);
    const names = await eventNames(ns, deploymentId);
    const at = names.indexOf('TRIGGERED_SAVEPOINT_DELETION');
    expect(at).toBeGreaterThanOrEqual(0);
    expect(names.indexOf('SUCCESSFULLY_DELETED_SAVEPOINT')).toBeGreaterThan(at);
    const data = await server.app.get(PrismaService).simulatedFlinkSavepoint.findUnique({ where: { savepointId: triggered.metadata.id } });
    expect(data?.deletedAt).toBeInstanceOf(Date);
    expect((await server.http.get(`${url}?deploymentId=${deploymentId}`)).body.items).toEqual([]);

    // a registered snapshot goes the same way
    const registered = expectSavepoint(await server.http.post(url).send({ metadata: { deploymentId }, spec: { savepointLocation: 's3://b/reg' } }), 201);
    expect(expectSavepoint(await server.http.delete(`${url}/${registered.metadata.id}?force=false`)).status.state).toBe('PENDING_DELETION');
    await gone(url, registered.metadata.id);
    expect((await eventNames(ns, deploymentId)).filter((n) => n === 'SUCCESSFULLY_DELETED_SAVEPOINT')).toHaveLength(2);
  });

  it('DELETE of a savepoint whose data cannot be disposed → FAILED_DELETION with failure; a new DELETE retries; force removes it', async () => {
    const { ns, url, deploymentId } = await setup({ state: 'CANCELLED' });
    const sp = expectSavepoint(await server.http.post(url).send({ metadata: { deploymentId }, spec: { savepointLocation: 's3://b/fail-dispose/sp' } }), 201);
    expect(expectSavepoint(await server.http.delete(`${url}/${sp.metadata.id}`)).status.state).toBe('PENDING_DELETION');
    const failed = await savepointIn(url, sp.metadata.id, ['FAILED_DELETION']);
    expect(failed.status.failure).toMatchObject({ reason: 'SavepointDeletionFailed' });
    expect(failed.status.failure.message).toContain('fail-dispose');
    expect(new Date(failed.status.failure.failedAt).getTime()).not.toBeNaN();
    expect(await eventNames(ns, deploymentId)).toEqual(expect.arrayContaining(['TRIGGERED_SAVEPOINT_DELETION', 'FAILED_TO_DELETE_SAVEPOINT']));

    // retry: PENDING_DELETION again, the failure cleared, then FAILED_DELETION again
    const retry = expectSavepoint(await server.http.delete(`${url}/${sp.metadata.id}`));
    expect(retry.status).toEqual({ state: 'PENDING_DELETION' });
    await eventually(
      async () => (await eventNames(ns, deploymentId)).filter((n) => n === 'FAILED_TO_DELETE_SAVEPOINT').length === 2,
      15_000,
      'second FAILED_TO_DELETE_SAVEPOINT',
    );
    await savepointIn(url, sp.metadata.id, ['FAILED_DELETION']);

    const forced = expectSavepoint(await server.http.delete(`${url}/${sp.metadata.id}?force=true`));
    expect(forced.status.state).toBe('FAILED_DELETION');
    expectApiException(await server.http.get(`${url}/${sp.metadata.id}`), 404);
  });

  it('DELETE of a STARTED or PENDING_DELETION savepoint → 409; force=true removes it at once; force must be a boolean', async () => {
    const { url, deploymentId } = await setup();
    const reconciler = server.app.get(Reconciler);
    await reconciler.stop(); // hold the savepoints where they are
    try {
      const started = expectSavepoint(await server.http.post(url).send({ metadata: { deploymentId } }), 201);
      const conflict = expectApiException(await server.http.delete(`${url}/${started.metadata.id}`), 409);
      expect(conflict.message).toContain('STARTED');
      expectValidation(await server.http.delete(`${url}/${started.metadata.id}?force=yes`), 'force');
      expect(expectSavepoint(await server.http.get(`${url}/${started.metadata.id}`)).status.state).toBe('STARTED');
      const forced = expectSavepoint(await server.http.delete(`${url}/${started.metadata.id}?force=true`));
      expect(forced.status.state).toBe('STARTED');
      expectApiException(await server.http.get(`${url}/${started.metadata.id}`), 404);

      const registered = expectSavepoint(await server.http.post(url).send({ metadata: { deploymentId }, spec: { savepointLocation: 's3://b/held' } }), 201);
      expect(expectSavepoint(await server.http.delete(`${url}/${registered.metadata.id}`)).status.state).toBe('PENDING_DELETION');
      expect(expectApiException(await server.http.delete(`${url}/${registered.metadata.id}`), 409).message).toContain('PENDING_DELETION');
      expectSavepoint(await server.http.delete(`${url}/${registered.metadata.id}?force=true`));
      expectApiException(await server.http.get(`${url}/${registered.metadata.id}`), 404);
    } finally {
      reconciler.start();
    }
  });

  it('the fault simulator.flink/fail-savepoint makes a triggered savepoint FAILED with a failure; a FAILED savepoint (no data) can be deleted', async () => {
    const { ns, url, deploymentId } = await setup({ annotations: { 'simulator.flink/fail-savepoint': 'true' } });
    const sp = expectSavepoint(await server.http.post(url).send({ metadata: { deploymentId } }), 201);
    expect(sp.status.state).toBe('STARTED');
    const failed = await savepointIn(url, sp.metadata.id, ['FAILED', 'COMPLETED']);
    expect(failed.status.state).toBe('FAILED');
    expect(failed.status.failure).toMatchObject({ reason: 'SavepointFailed' });
    expect(typeof failed.status.failure.message).toBe('string');
    expect(new Date(failed.status.failure.failedAt).getTime()).not.toBeNaN();
    expect(failed.spec.savepointLocation).toBeUndefined();
    expect((await getDeployment(ns, 'app')).status.state).toBe('RUNNING'); // a user savepoint failing does not touch the deployment

    expect(expectSavepoint(await server.http.delete(`${url}/${sp.metadata.id}`)).status.state).toBe('PENDING_DELETION');
    await gone(url, sp.metadata.id);
    expect(await eventNames(ns, deploymentId)).toContain('SUCCESSFULLY_DELETED_SAVEPOINT');
  });

  it('a SUSPEND savepoint can be deleted like any settled one; the next LATEST_STATE start then has nothing to restore', async () => {
    const { ns, url, deploymentId } = await setup();
    await server.http.patch(`${api(ns)}/deployments/app`).send({ spec: { state: 'SUSPENDED' } }).expect(200);
    await settled(ns, 'app', 'SUSPENDED');
    const list = await server.http.get(`${url}?deploymentId=${deploymentId}`);
    expectAppManagerShape('ResourceListOfSavepoint', list.body);
    expect(list.body.items).toHaveLength(1);
    const suspend = list.body.items[0];
    expect(suspend.metadata.origin).toBe('SUSPEND');
    expect(suspend.status.state).toBe('COMPLETED');
    expect(expectSavepoint(await server.http.delete(`${url}/${suspend.metadata.id}`)).status.state).toBe('PENDING_DELETION');
    await gone(url, suspend.metadata.id);
    await server.http.patch(`${api(ns)}/deployments/app`).send({ spec: { state: 'RUNNING' } }).expect(200);
    const d = await settled(ns, 'app', 'RUNNING');
    const job = await server.http.get(`${api(ns)}/jobs/${d.status.running.jobId}`);
    expect(job.body.spec.savepointLocation).toBeUndefined();
  });

  it('a registered COPIED savepoint is the restore location of the next LATEST_STATE start; savepoints in deletion states never are', async () => {
    const { ns, url, deploymentId } = await setup();
    // an older user savepoint
    const older = expectSavepoint(await server.http.post(url).send({ metadata: { deploymentId } }), 201);
    await savepointIn(url, older.metadata.id, ['COMPLETED']);
    // cancel (takes no savepoint), then register
    await server.http.patch(`${api(ns)}/deployments/app`).send({ spec: { state: 'CANCELLED' } }).expect(200);
    await settled(ns, 'app', 'CANCELLED');
    const registered = expectSavepoint(await server.http.post(url).send({ metadata: { deploymentId }, spec: { savepointLocation: 's3://external/savepoint-42' } }), 201);
    // a newer one stuck in FAILED_DELETION must not be used
    const undeletable = expectSavepoint(await server.http.post(url).send({ metadata: { deploymentId }, spec: { savepointLocation: 's3://external/fail-dispose/newest' } }), 201);
    await server.http.delete(`${url}/${undeletable.metadata.id}`).expect(200);
    await savepointIn(url, undeletable.metadata.id, ['FAILED_DELETION']);

    await server.http.patch(`${api(ns)}/deployments/app`).send({ spec: { state: 'RUNNING' } }).expect(200);
    const d = await settled(ns, 'app', 'RUNNING');
    const job = await server.http.get(`${api(ns)}/jobs/${d.status.running.jobId}`);
    expect(job.status).toBe(200);
    expect(job.body.spec.savepointLocation).toBe('s3://external/savepoint-42');

    // once that one is being deleted too, the next start falls back to the older completed one
    await server.http.patch(`${api(ns)}/deployments/app`).send({ spec: { state: 'CANCELLED' } }).expect(200);
    await settled(ns, 'app', 'CANCELLED');
    await server.http.delete(`${url}/${registered.metadata.id}`).expect(200);
    await gone(url, registered.metadata.id);
    await server.http.patch(`${api(ns)}/deployments/app`).send({ spec: { state: 'RUNNING' } }).expect(200);
    const again = await settled(ns, 'app', 'RUNNING');
    const job2 = await server.http.get(`${api(ns)}/jobs/${again.status.running.jobId}`);
    expect(job2.body.spec.savepointLocation).toBe((await server.http.get(`${url}/${older.metadata.id}`)).body.spec.savepointLocation);
  });
});
