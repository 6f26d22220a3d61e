import { randomBytes } from 'node:crypto';
import type { Response } from 'supertest';
import { createNamespace, eventually, FAST_RUNTIME, startTestServer, TestServer } from '../support/app';
import { expectAppManagerShape, expectPlatformShape } from '../support/contract';
import { expectPlatformError } from '../support/errors';

// Namespaces on the Platform API (vvp-api.md 2.2 P1–P6, 3.B, 4.7, 4.13, 5b) and the status endpoints
// of the AppManager API (A1, A2).

type Json = Record<string, any>;

function freshName(prefix = 'nst'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

function expectNamespace(ns: Json, name: string): void {
  expect(ns.name).toBe(`namespaces/${name}`);
  expect(ns.lifecyclePhase).toBe('LIFECYCLE_PHASE_ACTIVE');
  expect(Array.isArray(ns.roleBindings)).toBe(true);
  expect(Number.isNaN(Date.parse(ns.createTime))).toBe(false);
}

describe('namespaces (Platform API)', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer()));
  afterAll(() => server.close());

  const api = '/namespaces/v1/namespaces';

  it('POST creates (200, {namespace}); GET returns it; the list contains it and `default`', async () => {
    const name = freshName();
    const created = await server.http.post(api).send({ name: `namespaces/${name}` });
    expect(created.status).toBe(200);
    expectPlatformShape('CreateNamespaceResponse', created.body);
    expectNamespace(created.body.namespace, name);
    expect(created.body.namespace.roleBindings).toEqual([]);

    const got = await server.http.get(`${api}/${name}`);
    expect(got.status).toBe(200);
    expectPlatformShape('GetNamespaceResponse', got.body);
    expect(got.body).toEqual(created.body);

    const list = await server.http.get(api);
    expect(list.status).toBe(200);
    expectPlatformShape('ListNamespacesResponse', list.body);
    const names = (list.body.namespaces as Json[]).map((n) => n.name);
    expect(names).toContain(`namespaces/${name}`);
    expect(names).toContain('namespaces/default');
    // (other suites sharing the database may have namespaces being deleted; ours and default are active)
    for (const n of (list.body.namespaces as Json[]).filter((x) => [`namespaces/${name}`, 'namespaces/default'].includes(x.name))) {
      expect(n.lifecyclePhase).toBe('LIFECYCLE_PHASE_ACTIVE');
    }
  });

  it('creates with role bindings; a duplicate → 409 in the Platform error shape', async () => {
    const name = freshName();
    const roleBindings = [
      { role: 'owner', members: ['user:alice@example.com'] },
      { role: 'viewer', members: ['system:authenticated', 'group:ops'] },
    ];
    const created = await server.http.post(api).send({ name: `namespaces/${name}`, roleBindings });
    expect(created.status).toBe(200);
    expectPlatformShape('CreateNamespaceResponse', created.body);
    expect(created.body.namespace.roleBindings).toEqual(roleBindings);
    expectPlatformError(await server.http.post(api).send({ name: `namespaces/${name}` }), 409, 'ALREADY_EXISTS');
  });

  it.each([
    ['upper case', 'namespaces/Bad_Name'],
    ['a leading dash', 'namespaces/-lead'],
    ['a trailing dash', 'namespaces/trail-'],
    ['64 characters', `namespaces/${'n'.repeat(64)}`],
    ['an empty id', 'namespaces/'],
    ['a slash in the id', 'namespaces/a/b'],
    ['a space', 'namespaces/has space'],
  ])('a name with %s → 400', async (_what, name) => {
    expectPlatformError(await server.http.post(api).send({ name }), 400, 'INVALID_ARGUMENT');
  });

  it('a body without a name, or not an object → 400', async () => {
    expectPlatformError(await server.http.post(api).send({ roleBindings: [] }), 400, 'INVALID_ARGUMENT');
    expectPlatformError(await server.http.post(api).set('Content-Type', 'application/json').send('["namespaces/x"]'), 400, 'INVALID_ARGUMENT');
    expectPlatformError(await server.http.post(api).send({ name: `namespaces/${freshName()}`, roleBindings: [{ role: 'emperor', members: [] }] }), 400, 'INVALID_ARGUMENT');
  });

  it('an unknown namespace → 404 {code: NOT_FOUND, description, cause: null, ok: false} on GET, PUT, PATCH, DELETE', async () => {
    const missing = `${api}/${freshName('missing')}`;
    expectPlatformError(await server.http.get(missing), 404, 'NOT_FOUND');
    expectPlatformError(await server.http.put(missing).send({ roleBindings: [] }), 404, 'NOT_FOUND');
    expectPlatformError(await server.http.patch(missing).send({ roleBindings: [] }), 404, 'NOT_FOUND');
    expectPlatformError(await server.http.delete(missing), 404, 'NOT_FOUND');
  });

  it('PUT replaces the role bindings; PATCH merges (fields not in the patch are kept, arrays replace)', async () => {
    const name = await createNamespace(server.http, 'nsu');
    const url = `${api}/${name}`;
    const first = [{ role: 'owner', members: ['user:alice@example.com'] }];
    const put = await server.http.put(url).send({ name: `namespaces/${name}`, roleBindings: first });
    expect(put.status).toBe(200);
    expectPlatformShape('UpdateNamespaceResponse', put.body);
    expectNamespace(put.body.namespace, name);
    expect(put.body.namespace.roleBindings).toEqual(first);

    const second = [{ role: 'editor', members: ['group:devs'] }];
    const replaced = await server.http.put(url).send({ roleBindings: second });
    expect(replaced.status).toBe(200);
    expectPlatformShape('UpdateNamespaceResponse', replaced.body);
    expect(replaced.body.namespace.roleBindings).toEqual(second);

    const preview = await server.http.patch(url).send({ previewSessionClusterName: 'sql-editor' });
    expect(preview.status).toBe(200);
    expectPlatformShape('UpdateNamespaceResponse', preview.body);
    expect(preview.body.namespace.roleBindings).toEqual(second);
    expect(preview.body.namespace.previewSessionClusterName).toBe('sql-editor');

    const third = [{ role: 'viewer', members: ['system:authenticated'] }];
    const patched = await server.http.patch(url).send({ roleBindings: third });
    expect(patched.status).toBe(200);
    expectPlatformShape('UpdateNamespaceResponse', patched.body);
    expect(patched.body.namespace.roleBindings).toEqual(third);
    expect(patched.body.namespace.previewSessionClusterName).toBe('sql-editor');

    const got = await server.http.get(url);
    expectPlatformShape('GetNamespaceResponse', got.body);
    expect(got.body.namespace.roleBindings).toEqual(third);
    expect(got.body.namespace.createTime).toBe(put.body.namespace.createTime);

    // the name is immutable; server-owned fields in the body are ignored
    expectPlatformError(await server.http.put(url).send({ name: 'namespaces/another-one', roleBindings: [] }), 400, 'INVALID_ARGUMENT');
    const ignored = await server.http.patch(url).send({ lifecyclePhase: 'LIFECYCLE_PHASE_TERMINATING', createTime: '2001-01-01T00:00:00Z' });
    expect(ignored.status).toBe(200);
    expectPlatformShape('UpdateNamespaceResponse', ignored.body);
    expect(ignored.body.namespace.lifecyclePhase).toBe('LIFECYCLE_PHASE_ACTIVE');
    expect(ignored.body.namespace.createTime).toBe(put.body.namespace.createTime);
  });

  it('a new namespace gets its DeploymentDefaults on creation', async () => {
    const name = await createNamespace(server.http, 'nsd');
    const res = await server.http.get(`/api/v1/namespaces/${name}/deployment-defaults`);
    expect(res.status).toBe(200);
    expectAppManagerShape('DeploymentDefaults', res.body);
    expect(res.body).toMatchObject({ kind: 'DeploymentDefaults', apiVersion: 'v1', metadata: { namespace: name, resourceVersion: 1 } });
    expect(res.body.metadata.id).toMatch(/^[0-9a-f-]{36}$/);
    // the probe jupyter-vvp uses: the targets list answers 200 for a readable namespace
    const targets = await server.http.get(`/api/v1/namespaces/${name}/deployment-targets`);
    expect(targets.status).toBe(200);
    expectAppManagerShape('ResourceListOfDeploymentTarget', targets.body);
  });
});

/** A namespace with a target, a RUNNING deployment and changed defaults; returns the AppManager base URL. */
async function populate(server: TestServer, name: string): Promise<{ am: string; defaultsId: string }> {
  const am = `/api/v1/namespaces/${name}`;
  const t = await server.http.post(`${am}/deployment-targets`).send({ metadata: { name: 'tgt' }, spec: { kubernetes: { namespace: 'jobs' } } });
  expect(t.status).toBe(201);
  expectAppManagerShape('DeploymentTarget', t.body);
  const d = await server.http.post(`${am}/deployments`).send({
    metadata: { name: 'runner' },
    spec: { state: 'RUNNING', deploymentTargetName: 'tgt', template: { spec: { artifact: { kind: 'JAR', jarUri: 'https://repo.example.com/j.jar' } } } },
  });
  expect(d.status).toBe(201);
  expectAppManagerShape('Deployment', d.body);
  const defaults = await server.http.patch(`${am}/deployment-defaults`).send({ spec: { maxJobCreationAttempts: 9 } });
  expect(defaults.status).toBe(200);
  expectAppManagerShape('DeploymentDefaults', defaults.body);
  return { am, defaultsId: defaults.body.metadata.id };
}

// DELETE answers at once with the namespace TERMINATING (vvp-api.md 2.2 P6, 4.7); its content is
// removed asynchronously. With the reconciler off the namespace stays TERMINATING, which lets the
// suite check that phase deterministically.
describe('namespace deletion: the TERMINATING phase (reconciler off)', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer()));
  afterAll(() => server.close());
  const api = '/namespaces/v1/namespaces';

  it('DELETE → 200 {namespace} TERMINATING; the namespace stays readable but refuses writes (409)', async () => {
    const name = await createNamespace(server.http, 'nst');
    const { am } = await populate(server, name);

    const deleted = await server.http.delete(`${api}/${name}`);
    expect(deleted.status).toBe(200);
    expectPlatformShape('DeleteNamespaceResponse', deleted.body);
    expect(deleted.body.namespace).toMatchObject({ name: `namespaces/${name}`, lifecyclePhase: 'LIFECYCLE_PHASE_TERMINATING' });

    const got = await server.http.get(`${api}/${name}`);
    expect(got.status).toBe(200);
    expectPlatformShape('GetNamespaceResponse', got.body);
    expect(got.body.namespace.lifecyclePhase).toBe('LIFECYCLE_PHASE_TERMINATING');
    const list = await server.http.get(api);
    expectPlatformShape('ListNamespacesResponse', list.body);
    expect((list.body.namespaces as Json[]).find((n) => n.name === `namespaces/${name}`)?.lifecyclePhase).toBe('LIFECYCLE_PHASE_TERMINATING');

    // reads still work
    const deployments = await server.http.get(`${am}/deployments`);
    expect(deployments.status).toBe(200);
    expectAppManagerShape('ResourceListOfDeployment', deployments.body);
    // nothing new may be written
    const writes: [string, Response][] = [
      ['POST target', await server.http.post(`${am}/deployment-targets`).send({ metadata: { name: 'late' }, spec: { kubernetes: { namespace: 'x' } } })],
      ['POST deployment', await server.http.post(`${am}/deployments`).send({ metadata: { name: 'late' }, spec: { deploymentTargetName: 'tgt', template: { spec: { artifact: { kind: 'JAR', jarUri: 'https://x/y.jar' } } } } })],
      ['PATCH deployment', await server.http.patch(`${am}/deployments/runner`).send({ spec: { template: { spec: { parallelism: 2 } } } })],
    ];
    for (const [what, res] of writes) {
      expect({ what, status: res.status, kind: res.body.kind }).toEqual({ what, status: 409, kind: 'ApiException' });
    }
    // the name stays taken until the namespace is gone
    expectPlatformError(await server.http.post(api).send({ name: `namespaces/${name}` }), 409, 'ALREADY_EXISTS');
  });
});

describe('namespace deletion: removal of the namespace and everything in it (reconciler on)', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer(FAST_RUNTIME)));
  afterAll(() => server.close());
  const api = '/namespaces/v1/namespaces';

  const gone = (name: string) => async () => (await server.http.get(`${api}/${name}`)).status === 404;

  it('a namespace with a RUNNING deployment, a target and defaults is removed with all of it', async () => {
    const name = await createNamespace(server.http, 'nsx');
    const { am, defaultsId } = await populate(server, name);

    const deleted = await server.http.delete(`${api}/${name}`);
    expect(deleted.status).toBe(200);
    expectPlatformShape('DeleteNamespaceResponse', deleted.body);
    expect(deleted.body.namespace.lifecyclePhase).toBe('LIFECYCLE_PHASE_TERMINATING');

    await eventually(gone(name), 20_000, `namespace ${name} to be removed`);
    expectPlatformError(await server.http.get(`${api}/${name}`), 404, 'NOT_FOUND');
    const listed = await server.http.get(api);
    expectPlatformShape('ListNamespacesResponse', listed.body);
    expect((listed.body.namespaces as Json[]).map((n) => n.name)).not.toContain(`namespaces/${name}`);
    for (const path of ['deployments', 'deployments/runner', 'deployment-targets', 'deployment-targets/tgt', 'deployment-defaults', 'jobs']) {
      const res = await server.http.get(`${am}/${path}`);
      expect({ path, status: res.status, kind: res.body.kind }).toEqual({ path, status: 404, kind: 'ApiException' });
    }
    expectPlatformError(await server.http.delete(`${api}/${name}`), 404, 'NOT_FOUND');

    // the same name again starts empty: nothing of the old content survived
    const again = await server.http.post(api).send({ name: `namespaces/${name}` });
    expect(again.status).toBe(200);
    expectPlatformShape('CreateNamespaceResponse', again.body);
    expect(again.body.namespace.lifecyclePhase).toBe('LIFECYCLE_PHASE_ACTIVE');
    const deployments = await server.http.get(`${am}/deployments`);
    expectAppManagerShape('ResourceListOfDeployment', deployments.body);
    expect(deployments.body.items).toEqual([]);
    const targets = await server.http.get(`${am}/deployment-targets`);
    expectAppManagerShape('ResourceListOfDeploymentTarget', targets.body);
    expect(targets.body.items).toEqual([]);
    const freshDefaults = await server.http.get(`${am}/deployment-defaults`);
    expectAppManagerShape('DeploymentDefaults', freshDefaults.body);
    expect(freshDefaults.body.metadata.resourceVersion).toBe(1);
    expect(freshDefaults.body.metadata.id).not.toBe(defaultsId);
    expect(freshDefaults.body.spec.maxJobCreationAttempts).toBeUndefined();
    await server.http.delete(`${api}/${name}`);
  }, 30_000);

  it('an empty namespace is removed', async () => {
    const name = await createNamespace(server.http, 'nse');
    const deleted = await server.http.delete(`${api}/${name}`);
    expect(deleted.status).toBe(200);
    expectPlatformShape('DeleteNamespaceResponse', deleted.body);
    await eventually(gone(name), 10_000, `namespace ${name} to be removed`);
    expectPlatformError(await server.http.get(`${api}/${name}`), 404, 'NOT_FOUND');
  });
});

describe('status (AppManager API)', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer()));
  afterAll(() => server.close());

  it('GET /api/v1/status → 200 with a JSON object', async () => {
    const res = await server.http.get('/api/v1/status');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(typeof res.body).toBe('object');
  });

  it('GET /api/v1/status/system-info → SystemInformation (JSON and YAML)', async () => {
    const res = await server.http.get('/api/v1/status/system-info');
    expect(res.status).toBe(200);
    expectAppManagerShape('SystemInformation', res.body);
    expect(res.body).toMatchObject({ apiVersion: 'v1', kind: 'SystemInformation' });
    expect(typeof res.body.status.revisionInformation.buildVersion).toBe('string');
    expect(['LIMITED', 'UNLIMITED']).toContain(res.body.status.resourceQuota.spec.type);
    const asYaml = await server.http.get('/api/v1/status/system-info').set('Accept', 'application/yaml');
    expect(asYaml.status).toBe(200);
    expect(asYaml.headers['content-type']).toMatch(/^application\/yaml/);
  });
});

describe('namespaces: {ns}:setPreviewSessionCluster (the playground sets the SQL editor cluster)', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer()));
  afterAll(() => server.close());

  it('sets an existing session cluster (200 {}), shows it on the namespace, refuses an unknown one, clears with ""', async () => {
    const ns = await createNamespace(server.http, 'prev');
    const url = `/namespaces/v1/namespaces/${ns}:setPreviewSessionCluster`;
    expectPlatformError(await server.http.post(url).send({ previewSessionClusterName: 'sql-editor' }), 400, 'INVALID_ARGUMENT');
    await server.http.post(`/api/v1/namespaces/${ns}/deployment-targets`).send({ metadata: { name: 't' }, spec: {} }).expect(201);
    await server.http
      .post(`/api/v1/namespaces/${ns}/sessionclusters`)
      .send({ metadata: { name: 'sql-editor' }, spec: { state: 'STOPPED', deploymentTargetName: 't', flinkVersion: '1.19' } })
      .expect(201);
    const set = await server.http.post(url).send({ previewSessionClusterName: 'sql-editor' });
    expect(set.status).toBe(200);
    expectPlatformShape('SetPreviewSessionClusterResponse', set.body);
    expect(set.body).toEqual({});
    const got = await server.http.get(`/namespaces/v1/namespaces/${ns}`).expect(200);
    expect(got.body.namespace.previewSessionClusterName).toBe('sql-editor');
    await server.http.post(url).send({ previewSessionClusterName: '' }).expect(200);
    expect((await server.http.get(`/namespaces/v1/namespaces/${ns}`).expect(200)).body.namespace.previewSessionClusterName).toBeUndefined();
    expectPlatformError(await server.http.post('/namespaces/v1/namespaces/no-such-ns:setPreviewSessionCluster').send({ previewSessionClusterName: 'x' }), 404, 'NOT_FOUND');
  });
});
