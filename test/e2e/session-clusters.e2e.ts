import type { Response } from 'supertest';
import { createNamespace, eventually, FAST_RUNTIME, startTestServer, TestServer } from '../support/app';
import { expectAppManagerShape } from '../support/contract';
import { expectApiException, expectValidationExactly } from '../support/errors';

// Session clusters (vvp-api.md 2.1 A30–A35, 3.A SessionCluster, 4.3, 4.6, 4.7): CRUD and upsert,
// validation with exact field paths, the rules that tie clusters, deployments and deployment targets
// together, and the STOPPED → STARTING → RUNNING → UPDATING → RUNNING → STOPPING → STOPPED lifecycle
// with its events.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ACQUIRED = 'com.dataartisans.appmanager.controller.sessioncluster.resources.acquired';
type Json = Record<string, any>;

function cluster(name: string, spec: Json = {}, metadata: Json = {}): Json {
  return {
    kind: 'SessionCluster',
    apiVersion: 'v1',
    metadata: { name, ...metadata },
    spec: { state: 'STOPPED', deploymentTargetName: 'tgt', flinkVersion: '1.19', numberOfTaskManagers: 1, ...spec },
  };
}

function sessionDeployment(name: string, clusterName: string, state = 'RUNNING'): Json {
  return {
    kind: 'Deployment',
    apiVersion: 'v1',
    metadata: { name },
    spec: { state, sessionClusterName: clusterName, template: { spec: { artifact: { kind: 'JAR', jarUri: 'https://repo.example.com/jobs/job-1.0.jar' } } } },
  };
}

function expectCluster(res: Response, status = 200): Json {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  expectAppManagerShape('SessionCluster', res.body);
  expect(res.body).toMatchObject({ kind: 'SessionCluster', apiVersion: 'v1' });
  expect(res.headers.etag).toBe(`"${res.body.metadata.resourceVersion}"`);
  return res.body;
}

async function setupNamespace(server: TestServer, prefix: string): Promise<{ ns: string; url: string; api: string }> {
  const ns = await createNamespace(server.http, prefix);
  const api = `/api/v1/namespaces/${ns}`;
  const t = await server.http
    .post(`${api}/deployment-targets`)
    .send({ kind: 'DeploymentTarget', apiVersion: 'v1', metadata: { name: 'tgt' }, spec: { kubernetes: { namespace: 'jobs' } } });
  expect(t.status).toBe(201);
  return { ns, url: `${api}/sessionclusters`, api };
}

describe('session clusters (resources)', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer()));
  afterAll(() => server.close());
  const setup = () => setupNamespace(server, 'sc');

  it('POST creates (201, status STOPPED), the list is a SessionClusterList, GET by name returns it; duplicates 409, unknown 404', async () => {
    const { ns, url } = await setup();
    const empty = await server.http.get(url);
    expect(empty.status).toBe(200);
    expectAppManagerShape('ResourceListOfSessionCluster', empty.body);
    expect(empty.body).toEqual({ kind: 'SessionClusterList', apiVersion: 'v1', metadata: {}, items: [] });

    const created = expectCluster(await server.http.post(url).send(cluster('first', {}, { labels: { team: 'a' } })), 201);
    expect(created.metadata).toMatchObject({ name: 'first', namespace: ns, resourceVersion: 1, labels: { team: 'a' } });
    expect(created.metadata.id).toMatch(UUID);
    expect(created.spec).toEqual({ state: 'STOPPED', deploymentTargetName: 'tgt', flinkVersion: '1.19', numberOfTaskManagers: 1 });
    expect(created.status).toEqual({ state: 'STOPPED' });
    const second = expectCluster(await server.http.post(url).send(cluster('second', { state: 'RUNNING' })), 201);
    expect(second.status).toEqual({ state: 'STOPPED' }); // the reconciler has not acted (it is off in this suite)

    const list = await server.http.get(url);
    expect(list.status).toBe(200);
    expectAppManagerShape('ResourceListOfSessionCluster', list.body);
    expect(list.body.kind).toBe('SessionClusterList');
    expect(list.body.items).toEqual([created, second]);

    expect(expectCluster(await server.http.get(`${url}/first`))).toEqual(created);
    expectApiException(await server.http.get(`${url}/missing`), 404);
    expectApiException(await server.http.post(url).send(cluster('first')), 409, 'AlreadyExists');
    expectApiException(await server.http.get('/api/v1/namespaces/no-such-namespace-sc/sessionclusters'), 404);
  });

  it('status in a body is ignored; unknown spec fields are dropped; flinkConfiguration values become strings', async () => {
    const { url } = await setup();
    const body = cluster('conf', { flinkConfiguration: { 'taskmanager.numberOfTaskSlots': 4, 'a.b': true }, noSuchField: 'x' });
    body.status = { state: 'RUNNING' };
    const created = expectCluster(await server.http.post(url).send(body), 201);
    expect(created.status).toEqual({ state: 'STOPPED' });
    expect(created.spec.noSuchField).toBeUndefined();
    expect(created.spec.flinkConfiguration).toEqual({ 'taskmanager.numberOfTaskSlots': '4', 'a.b': 'true' });
  });

  it('PUT creates (201) and replaces (200, resourceVersion +1, status kept); the name in the body must match the URL', async () => {
    const { url } = await setup();
    const created = expectCluster(await server.http.put(`${url}/put-me`).send(cluster('put-me')), 201);
    expect(created.metadata.resourceVersion).toBe(1);
    const replaced = expectCluster(await server.http.put(`${url}/put-me`).send(cluster('put-me', { flinkVersion: '1.20', numberOfTaskManagers: 3 })), 200);
    expect(replaced.metadata).toMatchObject({ id: created.metadata.id, createdAt: created.metadata.createdAt, resourceVersion: 2 });
    expect(replaced.spec).toMatchObject({ flinkVersion: '1.20', numberOfTaskManagers: 3 });
    expect(replaced.status).toEqual({ state: 'STOPPED' });
    expectValidationExactly(await server.http.put(`${url}/put-me`).send(cluster('other-name')), ['metadata.name']);
  });

  it('PATCH merges (RFC 7386): null removes a key, other fields stay', async () => {
    const { url } = await setup();
    expectCluster(await server.http.post(url).send(cluster('p', { flinkConfiguration: { foo: 'x', keep: 'y' } })), 201);
    const patched = expectCluster(await server.http.patch(`${url}/p`).send({ spec: { flinkConfiguration: { foo: null, bar: 'baz' }, numberOfTaskManagers: 2 } }));
    expect(patched.spec).toEqual({
      state: 'STOPPED',
      deploymentTargetName: 'tgt',
      flinkVersion: '1.19',
      numberOfTaskManagers: 2,
      flinkConfiguration: { keep: 'y', bar: 'baz' },
    });
    expect(patched.metadata.resourceVersion).toBe(2);
    expectApiException(await server.http.patch(`${url}/missing`).send({ spec: { state: 'RUNNING' } }), 404);
    expectValidationExactly(await server.http.patch(`${url}/p`).send({ spec: { flinkVersion: null } }), ['spec.flinkVersion']);
  });

  it('validation: 400 ApiValidationException with exact attributes', async () => {
    const { ns, url } = await setup();
    const errs = expectValidationExactly(await server.http.post(url).send(cluster('v', { state: 'SUSPENDED' })), ['spec.state']);
    expect(errs[0].message).toBe('must be one of STOPPED, RUNNING');
    const missingTarget = cluster('v');
    delete missingTarget.spec.deploymentTargetName;
    expect(expectValidationExactly(await server.http.post(url).send(missingTarget), ['spec.deploymentTargetName'])[0].message).toBe('is required');
    expect(expectValidationExactly(await server.http.post(url).send(cluster('v', { deploymentTargetName: 'nope' })), ['spec.deploymentTargetName'])[0].message).toBe(
      `deployment target "nope" does not exist in namespace "${ns}"`,
    );
    expectValidationExactly(await server.http.post(url).send({ metadata: { name: 'v' }, spec: {} }), ['spec.state', 'spec.deploymentTargetName', 'spec.flinkVersion']);
    expectValidationExactly(await server.http.post(url).send(cluster('v', { flinkVersion: '' })), ['spec.flinkVersion']);
    expectValidationExactly(await server.http.post(url).send(cluster('v', { numberOfTaskManagers: 0 })), ['spec.numberOfTaskManagers']);
    expectValidationExactly(await server.http.post(url).send(cluster('v', { numberOfTaskManagers: 'two' })), ['spec.numberOfTaskManagers']);
    expectValidationExactly(await server.http.post(url).send(cluster('v', { resources: { jobmanager: { cpu: 1, memory: 'lots' } } })), ['spec.resources.jobmanager.memory']);
    expectValidationExactly(await server.http.post(url).send(cluster('Bad_Name')), ['metadata.name']);
    expectValidationExactly(await server.http.post(url).send(cluster('-bad')), ['metadata.name']);
    expectValidationExactly(await server.http.post(url).send(cluster('x'.repeat(64))), ['metadata.name']);
    expect((await server.http.get(url)).body.items).toEqual([]);
  });

  it('DELETE of a stopped, unused cluster returns it; then it is gone', async () => {
    const { url } = await setup();
    const created = expectCluster(await server.http.post(url).send(cluster('del')), 201);
    const deleted = expectCluster(await server.http.delete(`${url}/del`));
    expect(deleted.metadata.id).toBe(created.metadata.id);
    expectApiException(await server.http.get(`${url}/del`), 404);
    expectApiException(await server.http.delete(`${url}/del`), 404);
  });

  it('the referenced deployment target cannot be deleted (409) until the cluster is gone', async () => {
    const { api, url } = await setup();
    expectCluster(await server.http.post(url).send(cluster('uses-tgt')), 201);
    const refused = await server.http.delete(`${api}/deployment-targets/tgt`);
    expectApiException(refused, 409);
    expect(refused.body.message).toContain('SessionCluster "uses-tgt"');
    expectCluster(await server.http.delete(`${url}/uses-tgt`));
    expect((await server.http.delete(`${api}/deployment-targets/tgt`)).status).toBe(200);
  });

  it('a deployment in session mode needs an existing cluster; while it is meant to run, the cluster cannot be stopped or deleted (409)', async () => {
    const { api, url } = await setup();
    const noCluster = await server.http.post(`${api}/deployments`).send(sessionDeployment('d', 'missing'));
    expect(noCluster.status).toBe(400);
    expect(noCluster.body.errors.map((e: Json) => e.attribute)).toEqual(['spec.sessionClusterName']);

    expectCluster(await server.http.post(url).send(cluster('shared', { state: 'RUNNING' })), 201);
    expect((await server.http.post(`${api}/deployments`).send(sessionDeployment('d', 'shared'))).status).toBe(201);

    const stop = await server.http.patch(`${url}/shared`).send({ spec: { state: 'STOPPED' } });
    expectApiException(stop, 409, 'SessionClusterInUse');
    expect(stop.body.message).toContain('"d"');
    expectApiException(await server.http.put(`${url}/shared`).send(cluster('shared', { state: 'STOPPED' })), 409, 'SessionClusterInUse');
    expectApiException(await server.http.delete(`${url}/shared`), 409, 'SessionClusterInUse');
    expect(expectCluster(await server.http.get(`${url}/shared`)).spec.state).toBe('RUNNING');

    // a cancelled deployment (no job ever ran: the reconciler is off) no longer holds the cluster
    expect((await server.http.patch(`${api}/deployments/d`).send({ spec: { state: 'CANCELLED' } })).status).toBe(200);
    expect(expectCluster(await server.http.patch(`${url}/shared`).send({ spec: { state: 'STOPPED' } })).spec.state).toBe('STOPPED');
    expectCluster(await server.http.delete(`${url}/shared`));
  });
});

describe('session clusters (lifecycle)', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer(FAST_RUNTIME)));
  afterAll(() => server.close());
  const setup = () => setupNamespace(server, 'scl');

  async function waitForState(url: string, state: string): Promise<Json> {
    return eventually(async () => {
      const res = await server.http.get(url);
      return res.body.status?.state === state ? (res.body as Json) : undefined;
    }, 15_000, `${url} to be ${state}`);
  }

  async function eventNames(api: string, query: string): Promise<string[]> {
    const res = await server.http.get(`${api}/events?${query}`);
    expect(res.status).toBe(200);
    expectAppManagerShape('ResourceListOfEvent', res.body);
    return (res.body.items as Json[]).map((e) => e.metadata.name);
  }

  it('STOPPED → RUNNING → (scale: UPDATING) → RUNNING → STOPPED, with its events in order; only state and TM count change while it runs', async () => {
    const { api, url } = await setup();
    const created = expectCluster(await server.http.post(url).send(cluster('life', { state: 'RUNNING', flinkConfiguration: { a: 'b' } })), 201);
    const id = created.metadata.id;

    const running = await waitForState(`${url}/life`, 'RUNNING');
    expectAppManagerShape('SessionCluster', running);
    expect(Date.parse(running.status.running.startedAt)).toBeGreaterThanOrEqual(Date.parse(created.metadata.createdAt));
    expect(running.status.running.lastUpdateTime).toBe(running.status.running.startedAt);
    expect(running.metadata.annotations[ACQUIRED]).toBe('true');
    expect(running.metadata.resourceVersion).toBe(1); // status writes do not bump the version
    expect(await eventNames(api, `sessionClusterId=${id}`)).toEqual(['SPINNING_UP_A_CLUSTER_FOR_A_SESSION_CLUSTER', 'SESSION_CLUSTER_SUCCESSFULLY_STARTED']);

    // while it runs: 400 for anything but spec.state and spec.numberOfTaskManagers; DELETE 409
    const changed = await server.http.patch(`${url}/life`).send({ spec: { flinkVersion: '1.20', flinkConfiguration: { a: null } } });
    expectValidationExactly(changed, ['spec.flinkConfiguration', 'spec.flinkVersion']);
    expectValidationExactly(await server.http.put(`${url}/life`).send(cluster('life', { state: 'RUNNING', flinkVersion: '1.20', flinkConfiguration: { a: 'b' } })), ['spec.flinkVersion']);
    expectApiException(await server.http.delete(`${url}/life`), 409, 'SessionClusterNotStopped');

    // scaling is allowed: UPDATING, then RUNNING again with a newer lastUpdateTime and the same startedAt
    expect(expectCluster(await server.http.patch(`${url}/life`).send({ spec: { numberOfTaskManagers: 3 } })).spec.numberOfTaskManagers).toBe(3);
    const rescaled = await eventually(async () => {
      const res = await server.http.get(`${url}/life`);
      const r = res.body.status?.running;
      return res.body.status?.state === 'RUNNING' && r.lastUpdateTime !== r.startedAt ? (res.body as Json) : undefined;
    }, 15_000, 'the rescaled cluster');
    expect(rescaled.status.running.startedAt).toBe(running.status.running.startedAt);

    expect(expectCluster(await server.http.patch(`${url}/life`).send({ spec: { state: 'STOPPED' } })).spec.state).toBe('STOPPED');
    const stopped = await waitForState(`${url}/life`, 'STOPPED');
    expect(stopped.status).toEqual({ state: 'STOPPED' });
    expect(stopped.metadata.annotations[ACQUIRED]).toBeUndefined();
    const events = await server.http.get(`${api}/events?sessionClusterId=${id}`);
    expect((events.body.items as Json[]).map((e) => e.metadata.name)).toEqual([
      'SPINNING_UP_A_CLUSTER_FOR_A_SESSION_CLUSTER',
      'SESSION_CLUSTER_SUCCESSFULLY_STARTED',
      'SESSION_CLUSTER_SUCCESSFULLY_STOPPED',
    ]);
    for (const e of events.body.items) expect(e.metadata.sessionClusterId).toBe(id);

    // stopped: any change is allowed again, and it can be deleted (its events go with it)
    expect(expectCluster(await server.http.patch(`${url}/life`).send({ spec: { flinkVersion: '1.20' } })).spec.flinkVersion).toBe('1.20');
    expectCluster(await server.http.delete(`${url}/life`));
    expect(await eventNames(api, `sessionClusterId=${id}`)).toEqual([]);
  });

  it('a deployment in session mode waits for the cluster, then runs on it; the cluster cannot be stopped or deleted until the deployment is cancelled', async () => {
    const { api, url } = await setup();
    const c = expectCluster(await server.http.post(url).send(cluster('shared')), 201);
    const dep = await server.http.post(`${api}/deployments`).send(sessionDeployment('on-session', 'shared'));
    expect(dep.status).toBe(201);
    const depId = dep.body.metadata.id;

    await eventually(async () => (await eventNames(api, `deploymentId=${depId}`)).includes('AWAITING_FOR_A_CLUSTER_TO_SPIN_UP'), 15_000, 'the deployment to wait for its cluster');
    expect((await server.http.get(`${api}/deployments/on-session`)).body.status.state).toBe('TRANSITIONING');
    expect((await server.http.get(`${api}/jobs?deploymentId=${depId}`)).body.items).toEqual([]);

    expectCluster(await server.http.patch(`${url}/shared`).send({ spec: { state: 'RUNNING' } }));
    await waitForState(`${url}/shared`, 'RUNNING');
    const runningDep = await waitForState(`${api}/deployments/on-session`, 'RUNNING');
    const job = await server.http.get(`${api}/jobs/${runningDep.status.running.jobId}`);
    expect(job.status).toBe(200);
    expect(job.body.metadata).toMatchObject({ deploymentId: depId, sessionClusterName: 'shared' });
    expect(job.body.spec.deploymentTarget).toBeUndefined();

    expectApiException(await server.http.patch(`${url}/shared`).send({ spec: { state: 'STOPPED' } }), 409, 'SessionClusterInUse');
    expectApiException(await server.http.delete(`${url}/shared`), 409);
    expectApiException(await server.http.delete(`${api}/deployment-targets/tgt`), 409);

    expect((await server.http.patch(`${api}/deployments/on-session`).send({ spec: { state: 'CANCELLED' } })).status).toBe(200);
    await waitForState(`${api}/deployments/on-session`, 'CANCELLED');
    expectCluster(await server.http.patch(`${url}/shared`).send({ spec: { state: 'STOPPED' } }));
    await waitForState(`${url}/shared`, 'STOPPED');
    expectCluster(await server.http.delete(`${url}/shared`));
    expect(await eventNames(api, `sessionClusterId=${c.metadata.id}`)).toEqual([]);
  });

  it('a stop requested while the cluster is still starting is carried out once it has started', async () => {
    const { api, url } = await setup();
    const c = expectCluster(await server.http.post(url).send(cluster('quick', { state: 'RUNNING' })), 201);
    await eventually(async () => (await server.http.get(`${url}/quick`)).body.status.state !== 'STOPPED', 15_000, 'the cluster to leave STOPPED');
    expectCluster(await server.http.patch(`${url}/quick`).send({ spec: { state: 'STOPPED' } }));
    await waitForState(`${url}/quick`, 'STOPPED');
    expect(await eventNames(api, `sessionClusterId=${c.metadata.id}`)).toEqual([
      'SPINNING_UP_A_CLUSTER_FOR_A_SESSION_CLUSTER',
      'SESSION_CLUSTER_SUCCESSFULLY_STARTED',
      'SESSION_CLUSTER_SUCCESSFULLY_STOPPED',
    ]);
  });

  it('deleting the namespace cancels the deployment on its session cluster, stops the cluster, and removes both', async () => {
    const { ns, api, url } = await setup();
    expectCluster(await server.http.post(url).send(cluster('ns-bound', { state: 'RUNNING' })), 201);
    await waitForState(`${url}/ns-bound`, 'RUNNING');
    expect((await server.http.post(`${api}/deployments`).send(sessionDeployment('on-it', 'ns-bound'))).status).toBe(201);
    await waitForState(`${api}/deployments/on-it`, 'RUNNING');
    expect((await server.http.delete(`/namespaces/v1/namespaces/${ns}`)).status).toBe(200);
    await eventually(async () => (await server.http.get(`/namespaces/v1/namespaces/${ns}`)).status === 404, 15_000, 'the namespace to be removed');
  });
});
