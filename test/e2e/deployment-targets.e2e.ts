import * as yaml from 'js-yaml';
import type { Response } from 'supertest';
import { createNamespace, startTestServer, TestServer } from '../support/app';
import { expectAppManagerShape } from '../support/contract';
import { expectApiException, expectValidation } from '../support/errors';

// Deployment targets (vvp-api.md 2.1 A6–A10, 4.7, 4.9; conventions.md names): create, list, get,
// PUT upsert with an immutable spec, delete guarded by referencing deployments, the wide name rule.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
type Json = Record<string, any>;

function target(name: string, k8sNamespace = 'jobs', extra: Json = {}): Json {
  return { kind: 'DeploymentTarget', apiVersion: 'v1', metadata: { name, ...extra }, spec: { kubernetes: { namespace: k8sNamespace } } };
}

function expectTarget(res: Response, status = 200): Json {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  expectAppManagerShape('DeploymentTarget', res.body);
  expect(res.body).toMatchObject({ kind: 'DeploymentTarget', apiVersion: 'v1' });
  expect(res.headers.etag).toBe(`"${res.body.metadata.resourceVersion}"`);
  return res.body;
}

describe('deployment targets', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer()));
  afterAll(() => server.close());

  async function setup(): Promise<{ ns: string; url: string }> {
    const ns = await createNamespace(server.http, 'dt');
    return { ns, url: `/api/v1/namespaces/${ns}/deployment-targets` };
  }

  it('POST creates (201), the list is a DeploymentTargetList, GET by name returns it', async () => {
    const { ns, url } = await setup();
    const empty = await server.http.get(url);
    expect(empty.status).toBe(200);
    expectAppManagerShape('ResourceListOfDeploymentTarget', empty.body);
    expect(empty.body).toMatchObject({ kind: 'DeploymentTargetList', apiVersion: 'v1', items: [] });

    const created = expectTarget(await server.http.post(url).send(target('first', 'k8s-a', { labels: { team: 'a' } })), 201);
    expect(created.metadata).toMatchObject({ name: 'first', namespace: ns, resourceVersion: 1, labels: { team: 'a' } });
    expect(created.metadata.id).toMatch(UUID);
    expect(created.spec).toEqual({ kubernetes: { namespace: 'k8s-a' } });
    const second = expectTarget(await server.http.post(url).send(target('second', 'k8s-b')), 201);

    const list = await server.http.get(url);
    expect(list.status).toBe(200);
    expectAppManagerShape('ResourceListOfDeploymentTarget', list.body);
    expect(list.body.kind).toBe('DeploymentTargetList');
    expect(list.body.items).toEqual([created, second]);

    expect(expectTarget(await server.http.get(`${url}/first`))).toEqual(created);
    expectApiException(await server.http.get(`${url}/missing`), 404);
  });

  it('accepts YAML in and out (streaming-cli: POST YAML with Accept: application/yaml → 201 with metadata.id)', async () => {
    const { url } = await setup();
    const res = await server.http
      .post(url)
      .set('Content-Type', 'application/yaml')
      .set('Accept', 'application/yaml')
      .send('kind: DeploymentTarget\napiVersion: v1\nmetadata:\n  name: from-yaml\nspec:\n  kubernetes:\n    namespace: vvp-jobs\n');
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/yaml/);
    const body = yaml.load(res.text) as Json;
    expectAppManagerShape('DeploymentTarget', body);
    expect(body.metadata.id).toMatch(UUID);
    const list = await server.http.get(url).set('Accept', 'application/yaml');
    expect(list.status).toBe(200);
    const parsed = yaml.load(list.text) as Json;
    expectAppManagerShape('ResourceListOfDeploymentTarget', parsed);
    expect(parsed.items.map((i: Json) => i.metadata.name)).toEqual(['from-yaml']);
  });

  it('a duplicate name → 409; an unknown namespace → 404', async () => {
    const { url } = await setup();
    expectTarget(await server.http.post(url).send(target('dup')), 201);
    expectApiException(await server.http.post(url).send(target('dup', 'other')), 409);
    const missing = '/api/v1/namespaces/no-such-namespace-t1/deployment-targets';
    expectApiException(await server.http.get(missing), 404);
    expectApiException(await server.http.post(missing).send(target('x')), 404);
    expectApiException(await server.http.put(`${missing}/x`).send(target('x')), 404);
    expectApiException(await server.http.delete(`${missing}/x`), 404);
  });

  it('PUT creates (201); on an existing target it may change labels (200, resourceVersion +1) but not the spec (400)', async () => {
    const { url } = await setup();
    const created = expectTarget(await server.http.put(`${url}/put-me`).send(target('put-me', 'k8s')), 201);
    expect(created.metadata.resourceVersion).toBe(1);

    const relabelled = expectTarget(await server.http.put(`${url}/put-me`).send(target('put-me', 'k8s', { labels: { env: 'prod' } })), 200);
    expect(relabelled.metadata.id).toBe(created.metadata.id);
    expect(relabelled.metadata.createdAt).toBe(created.metadata.createdAt);
    expect(relabelled.metadata.resourceVersion).toBe(2);
    expect(relabelled.metadata.labels).toEqual({ env: 'prod' });
    expect(relabelled.spec).toEqual(created.spec);

    const changed = await server.http.put(`${url}/put-me`).send(target('put-me', 'another-k8s-namespace'));
    expect(changed.status).toBe(400);
    expect(changed.body.kind).toBe('ApiValidationException');
    expect((changed.body.errors as { attribute: string }[]).some((e) => e.attribute === 'spec' || e.attribute.startsWith('spec.'))).toBe(true);

    const after = expectTarget(await server.http.get(`${url}/put-me`));
    expect(after.spec).toEqual({ kubernetes: { namespace: 'k8s' } });
    expect(after.metadata.resourceVersion).toBe(2);

    // without apiVersion/kind, name taken from the URL
    const bare = expectTarget(await server.http.put(`${url}/bare-put`).send({ spec: { kubernetes: { namespace: 'x' } } }), 201);
    expect(bare.metadata.name).toBe('bare-put');
    expectValidation(await server.http.put(`${url}/put-me`).send(target('other-name', 'k8s')), 'metadata.name');
  });

  it('DELETE is refused (409) while a deployment references the target by name or by deploymentTargetId, then succeeds (200)', async () => {
    const { ns, url } = await setup();
    const byName = expectTarget(await server.http.post(url).send(target('by-name')), 201);
    const byId = expectTarget(await server.http.post(url).send(target('by-id')), 201);
    const deployments = `/api/v1/namespaces/${ns}/deployments`;
    const artifact = { kind: 'JAR', jarUri: 'https://repo.example.com/job.jar' };
    const d1 = await server.http
      .post(deployments)
      .send({ metadata: { name: 'uses-name' }, spec: { state: 'CANCELLED', deploymentTargetName: 'by-name', template: { spec: { artifact } } } });
    expect(d1.status).toBe(201);
    expectAppManagerShape('Deployment', d1.body);
    const d2 = await server.http
      .post(deployments)
      .send({ metadata: { name: 'uses-id' }, spec: { state: 'CANCELLED', deploymentTargetId: byId.metadata.id, template: { spec: { artifact } } } });
    expect(d2.status).toBe(201);
    expectAppManagerShape('Deployment', d2.body);

    expectApiException(await server.http.delete(`${url}/by-name`), 409);
    expectApiException(await server.http.delete(`${url}/by-id`), 409);
    expectTarget(await server.http.get(`${url}/by-name`));
    expectTarget(await server.http.get(`${url}/by-id`));

    expectAppManagerShape('Deployment', (await server.http.delete(`${deployments}/uses-name`)).body);
    const deleted = expectTarget(await server.http.delete(`${url}/by-name`));
    expect(deleted).toEqual(byName);
    expectApiException(await server.http.get(`${url}/by-name`), 404);
    expectApiException(await server.http.delete(`${url}/by-name`), 404);

    expectApiException(await server.http.delete(`${url}/by-id`), 409);
    expectAppManagerShape('Deployment', (await server.http.delete(`${deployments}/uses-id`)).body);
    expectTarget(await server.http.delete(`${url}/by-id`));
    const list = await server.http.get(url);
    expectAppManagerShape('ResourceListOfDeploymentTarget', list.body);
    expect(list.body.items).toEqual([]);
  });

  it('a target used in another namespace does not block the delete', async () => {
    const { url } = await setup();
    const other = await setup();
    expectTarget(await server.http.post(url).send(target('shared-name')), 201);
    expectTarget(await server.http.post(other.url).send(target('shared-name')), 201);
    const d = await server.http.post(`/api/v1/namespaces/${other.ns}/deployments`).send({
      metadata: { name: 'elsewhere' },
      spec: { state: 'CANCELLED', deploymentTargetName: 'shared-name', template: { spec: { artifact: { kind: 'JAR', jarUri: 'https://repo.example.com/j.jar' } } } },
    });
    expect(d.status).toBe(201);
    expectTarget(await server.http.delete(`${url}/shared-name`));
    expectApiException(await server.http.delete(`${other.url}/shared-name`), 409);
  });

  it.each([
    ['Resource_Name_01', 201, 'Resource_Name_01'],
    ['resource-name-01', 201, 'resource-name-01'],
    ['UPPER_case-Mixed_9', 201, 'UPPER_case-Mixed_9'],
    ['250 characters', 201, 'a'.repeat(250)],
    ['bad name!', 400, 'bad name!'],
    ['251 characters', 400, 'a'.repeat(251)],
    ['dots.are.not.allowed', 400, 'dots.are.not.allowed'],
    ['empty', 400, ''],
  ])('name %s → %i', async (_label, status, name) => {
    const { url } = await setup();
    const res = await server.http.post(url).send(target(name));
    if (status === 201) {
      expect(expectTarget(res, 201).metadata.name).toBe(name);
      expectTarget(await server.http.get(`${url}/${encodeURIComponent(name)}`));
    } else {
      expectValidation(res, 'metadata.name');
      expect((await server.http.get(url)).body.items).toEqual([]);
    }
  });

  it('an invalid name in the PUT path → 400', async () => {
    const { url } = await setup();
    expectValidation(await server.http.put(`${url}/${encodeURIComponent('bad name!')}`).send({ spec: { kubernetes: { namespace: 'x' } } }), 'metadata.name');
    expectValidation(await server.http.put(`${url}/${'b'.repeat(251)}`).send({ spec: { kubernetes: { namespace: 'x' } } }), 'metadata.name');
  });

  it('a spec of the wrong shape → 400 naming the field', async () => {
    const { url } = await setup();
    expectValidation(await server.http.post(url).send({ metadata: { name: 'bad-spec' }, spec: { kubernetes: { namespace: 42 } } }), 'spec.kubernetes.namespace');
  });
});
