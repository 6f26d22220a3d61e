import type { Response } from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createNamespace, FAST_RUNTIME, startTestServer, TestServer } from '../support/app';
import { expectApiException } from '../support/errors';

// Concurrent writers on one row never lose an update, and If-Match preconditions are honoured on
// PATCH, PUT and DELETE (412 ApiException, nothing written).

const TARGET = 'conc-target';

function deploymentBody(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    metadata: { name },
    spec: {
      state: 'CANCELLED',
      deploymentTargetName: TARGET,
      template: { spec: { parallelism: 1, artifact: { kind: 'JAR', flinkVersion: '1.19', jarUri: 'https://example.com/job.jar' } } },
      ...spec,
    },
  };
}

describe('concurrency', () => {
  let server: TestServer;
  let http: TestAgent;
  let ns: string;
  const base = () => `/api/v1/namespaces/${ns}/deployments`;

  beforeAll(async () => {
    server = await startTestServer();
    http = server.http;
    ns = await createNamespace(http, 'conc');
    const t = await http.post(`/api/v1/namespaces/${ns}/deployment-targets`).send({ metadata: { name: TARGET }, spec: { kubernetes: { namespace: 'jobs' } } });
    expect(t.status).toBe(201);
  });
  afterAll(() => server.close());

  async function create(name: string): Promise<Response> {
    const res = await http.post(base()).send(deploymentBody(name));
    expect(res.status).toBe(201);
    expect(res.body.metadata.resourceVersion).toBe(1);
    return res;
  }

  it('50 concurrent PATCHes each adding a label: all 50 labels present, resourceVersion exactly 51', async () => {
    await create('fifty');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => http.patch(`${base()}/fifty`).send({ metadata: { labels: { [`l${i}`]: `v${i}` } } })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // every write saw a distinct version: 2..51
    const versions = results.map((r) => r.body.metadata.resourceVersion as number).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    const after = await http.get(`${base()}/fifty`);
    expect(after.status).toBe(200);
    expect(after.body.metadata.resourceVersion).toBe(51);
    expect(after.headers.etag).toBe('"51"');
    const labels = after.body.metadata.labels as Record<string, string>;
    for (let i = 0; i < 50; i++) expect(labels[`l${i}`]).toBe(`v${i}`);
    expect(Object.keys(labels)).toHaveLength(50);
  });

  it('concurrent PATCHes to different fields of the spec and metadata all survive', async () => {
    await create('mixed');
    const patches = [
      ...Array.from({ length: 10 }, (_, i) => ({ spec: { template: { spec: { flinkConfiguration: { [`k${i}`]: `v${i}` } } } } })),
      ...Array.from({ length: 10 }, (_, i) => ({ metadata: { annotations: { [`a${i}`]: `${i}` } } })),
    ];
    const results = await Promise.all(patches.map((p) => http.patch(`${base()}/mixed`).send(p)));
    expect(results.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    const after = (await http.get(`${base()}/mixed`)).body;
    expect(after.metadata.resourceVersion).toBe(21);
    for (let i = 0; i < 10; i++) {
      expect(after.spec.template.spec.flinkConfiguration[`k${i}`]).toBe(`v${i}`);
      expect(after.metadata.annotations[`a${i}`]).toBe(`${i}`);
    }
  });

  it('more concurrent writers than pool connections (across two deployments) all succeed', async () => {
    await create('pool-a');
    await create('pool-b');
    const results = await Promise.all(
      Array.from({ length: 80 }, (_, i) =>
        http.patch(`${base()}/${i % 2 ? 'pool-a' : 'pool-b'}`).send({ metadata: { labels: { [`x${i}`]: 'y' } } }),
      ),
    );
    expect(results.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    for (const name of ['pool-a', 'pool-b']) {
      const body = (await http.get(`${base()}/${name}`)).body;
      expect(body.metadata.resourceVersion).toBe(41);
      expect(Object.keys(body.metadata.labels)).toHaveLength(40);
    }
  });

  it.each([
    ['a pool of 2 connections', { DATABASE_POOL_SIZE: '2' }],
    ['a pool of 3 connections and the reconciler running', { DATABASE_POOL_SIZE: '3', ...FAST_RUNTIME }],
  ])('50 concurrent PATCHes with %s: no pool exhaustion or transaction timeout', async (_label, env) => {
    const small = await startTestServer(env);
    try {
      const name = 'small-pool';
      const created = await small.http.post(base()).send(deploymentBody(name));
      expect(created.status).toBe(201);
      const started = Date.now();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => small.http.patch(`${base()}/${name}`).send({ metadata: { labels: { [`s${i}`]: `${i}` } } })),
      );
      expect(results.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
      expect(Date.now() - started).toBeLessThan(10_000);
      const after = (await small.http.get(`${base()}/${name}`)).body;
      expect(after.metadata.resourceVersion).toBe(51);
      expect(Object.keys(after.metadata.labels)).toHaveLength(50);
      expect((await small.http.delete(`${base()}/${name}`)).status).toBe(200);
    } finally {
      await small.close();
    }
  });

  describe('If-Match', () => {
    it('PATCH: a stale If-Match → 412 ApiException and nothing changes; the current one succeeds', async () => {
      const created = await create('ifmatch-patch');
      expect(created.headers.etag).toBe('"1"');
      const bumped = await http.patch(`${base()}/ifmatch-patch`).send({ metadata: { labels: { step: 'one' } } });
      expect(bumped.status).toBe(200);
      expect(bumped.body.metadata.resourceVersion).toBe(2);
      const before = (await http.get(`${base()}/ifmatch-patch`)).body;

      const stale = await http.patch(`${base()}/ifmatch-patch`).set('If-Match', '"1"').send({ metadata: { labels: { step: 'stale' } } });
      expectApiException(stale, 412);
      expect(stale.body.context).toMatchObject({ resourceVersion: 2 });
      const unquoted = await http.patch(`${base()}/ifmatch-patch`).set('If-Match', '1').send({ metadata: { labels: { step: 'stale' } } });
      expectApiException(unquoted, 412);
      const garbage = await http.patch(`${base()}/ifmatch-patch`).set('If-Match', '"abc"').send({ metadata: { labels: { step: 'stale' } } });
      expectApiException(garbage, 412);
      expect((await http.get(`${base()}/ifmatch-patch`)).body).toEqual(before);

      const ok = await http.patch(`${base()}/ifmatch-patch`).set('If-Match', '"2"').send({ metadata: { labels: { step: 'two' } } });
      expect(ok.status).toBe(200);
      expect(ok.body.metadata.resourceVersion).toBe(3);
      expect(ok.body.metadata.labels.step).toBe('two');
      expect(ok.headers.etag).toBe('"3"');

      const list = await http.patch(`${base()}/ifmatch-patch`).set('If-Match', '"7", "3"').send({ metadata: { labels: { step: 'three' } } });
      expect(list.status).toBe(200);
      const star = await http.patch(`${base()}/ifmatch-patch`).set('If-Match', '*').send({ metadata: { labels: { step: 'four' } } });
      expect(star.status).toBe(200);
      expect(star.body.metadata.resourceVersion).toBe(5);
    });

    it('a plain metadata.resourceVersion in the body is ignored (no precondition)', async () => {
      await create('rv-body');
      const res = await http.patch(`${base()}/rv-body`).send({ metadata: { resourceVersion: 99, labels: { a: 'b' } } });
      expect(res.status).toBe(200);
      expect(res.body.metadata.resourceVersion).toBe(2);
    });

    it('PATCH with If-Match on a missing resource → 404 (not 412), nothing created', async () => {
      const res = await http.patch(`${base()}/nope`).set('If-Match', '"1"').send({ metadata: { labels: { a: 'b' } } });
      expectApiException(res, 404);
      expect((await http.get(`${base()}/nope`)).status).toBe(404);
    });

    it('PUT: a stale If-Match → 412 and nothing changes; the current one replaces', async () => {
      await create('ifmatch-put');
      await http.patch(`${base()}/ifmatch-put`).send({ metadata: { labels: { v: '2' } } });
      const before = (await http.get(`${base()}/ifmatch-put`)).body;
      expect(before.metadata.resourceVersion).toBe(2);

      const stale = await http.put(`${base()}/ifmatch-put`).set('If-Match', '"1"').send(deploymentBody('ifmatch-put', { template: { spec: { parallelism: 3, artifact: { kind: 'JAR', jarUri: 'https://example.com/other.jar' } } } }));
      expectApiException(stale, 412);
      expect((await http.get(`${base()}/ifmatch-put`)).body).toEqual(before);

      const ok = await http.put(`${base()}/ifmatch-put`).set('If-Match', '"2"').send(deploymentBody('ifmatch-put', { template: { spec: { parallelism: 3, artifact: { kind: 'JAR', jarUri: 'https://example.com/other.jar' } } } }));
      expect(ok.status).toBe(200);
      expect(ok.body.metadata.resourceVersion).toBe(3);
      expect(ok.body.spec.template.spec.parallelism).toBe(3);
    });

    it('PUT with If-Match on a missing resource → 412 and nothing created; If-Match "*" does not create either', async () => {
      const res = await http.put(`${base()}/put-missing`).set('If-Match', '"1"').send(deploymentBody('put-missing'));
      expectApiException(res, 412);
      const star = await http.put(`${base()}/put-missing`).set('If-Match', '*').send(deploymentBody('put-missing'));
      expectApiException(star, 412);
      expect((await http.get(`${base()}/put-missing`)).status).toBe(404);
      const list = (await http.get(base())).body.items.map((d: { metadata: { name: string } }) => d.metadata.name);
      expect(list).not.toContain('put-missing');
    });

    it('DELETE: a stale If-Match → 412 and the resource stays; the current one deletes', async () => {
      await create('ifmatch-del');
      await http.patch(`${base()}/ifmatch-del`).send({ metadata: { labels: { v: '2' } } });
      const before = (await http.get(`${base()}/ifmatch-del`)).body;
      const stale = await http.delete(`${base()}/ifmatch-del`).set('If-Match', '"1"');
      expectApiException(stale, 412);
      expect((await http.get(`${base()}/ifmatch-del`)).body).toEqual(before);
      const ok = await http.delete(`${base()}/ifmatch-del`).set('If-Match', '"2"');
      expect(ok.status).toBe(200);
      expect((await http.get(`${base()}/ifmatch-del`)).status).toBe(404);
    });

    it('deployment targets honour If-Match on PUT and DELETE too', async () => {
      const url = `/api/v1/namespaces/${ns}/deployment-targets/im-target`;
      const body = { metadata: { name: 'im-target' }, spec: { kubernetes: { namespace: 'x' } } };
      expect((await http.put(url).send(body)).status).toBe(201);
      expectApiException(await http.put(url).set('If-Match', '"5"').send({ ...body, metadata: { name: 'im-target', labels: { a: 'b' } } }), 412);
      expect((await http.get(url)).body.metadata.labels).toEqual({});
      const ok = await http.put(url).set('If-Match', '"1"').send({ ...body, metadata: { name: 'im-target', labels: { a: 'b' } } });
      expect(ok.status).toBe(200);
      expect(ok.body.metadata.resourceVersion).toBe(2);
      expectApiException(await http.delete(url).set('If-Match', '"1"'), 412);
      expect((await http.get(url)).status).toBe(200);
      expect((await http.delete(url).set('If-Match', '"2"')).status).toBe(200);
    });

    it('concurrent PATCHes all carrying the same If-Match: exactly one wins, the rest get 412', async () => {
      await create('race');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => http.patch(`${base()}/race`).set('If-Match', '"1"').send({ metadata: { labels: { winner: `w${i}` } } })),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 412)).toHaveLength(19);
      const after = (await http.get(`${base()}/race`)).body;
      expect(after.metadata.resourceVersion).toBe(2);
      const winner = results.find((r) => r.status === 200)!;
      expect(after.metadata.labels.winner).toBe(winner.body.metadata.labels.winner);
    });
  });

  describe('concurrent creates', () => {
    it('concurrent POSTs of the same name: exactly one 201, the rest 409 ApiException', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => http.post(base()).send(deploymentBody('same-name'))));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(19);
      for (const r of results.filter((x) => x.status === 409)) expectApiException(r, 409);
      const list = (await http.get(base())).body.items.filter((d: { metadata: { name: string } }) => d.metadata.name === 'same-name');
      expect(list).toHaveLength(1);
      expect(list[0].metadata.resourceVersion).toBe(1);
    });

    it('concurrent PUTs of a new name: exactly one 201, the rest 200 replacing it', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => http.put(`${base()}/same-put`).send(deploymentBody('same-put'))));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(19);
      const after = (await http.get(`${base()}/same-put`)).body;
      // the 19 replacements carry the same document: a write that changes nothing makes no new version
      expect(after.metadata.resourceVersion).toBe(1);
    });

    it('concurrent POSTs of the same deployment target name: exactly one 201, the rest 409', async () => {
      const url = `/api/v1/namespaces/${ns}/deployment-targets`;
      const results = await Promise.all(Array.from({ length: 20 }, () => http.post(url).send({ metadata: { name: 'Same_Target' }, spec: { kubernetes: { namespace: 'x' } } })));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    });

    it('concurrent namespace creates of the same name: exactly one 200, the rest 409 (Platform shape)', async () => {
      const name = `race-${Date.now().toString(36)}`;
      const results = await Promise.all(Array.from({ length: 10 }, () => http.post('/namespaces/v1/namespaces').send({ name: `namespaces/${name}` })));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(9);
      for (const r of results.filter((x) => x.status === 409)) expect(r.body).toMatchObject({ code: 'ALREADY_EXISTS', cause: null, ok: false });
      const defaults = await http.get(`/api/v1/namespaces/${name}/deployment-defaults`);
      expect(defaults.status).toBe(200);
      expect((await http.delete(`/namespaces/v1/namespaces/${name}`)).status).toBe(200);
    });
  });

  it('concurrent PATCH and DELETE: either the delete wins (PATCH 404) or the PATCH lands first; never a 500', async () => {
    await create('patch-vs-delete');
    const results = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => http.patch(`${base()}/patch-vs-delete`).send({ metadata: { labels: { [`p${i}`]: 'x' } } })),
      http.delete(`${base()}/patch-vs-delete`),
    ]);
    expect(results.map((r) => r.status).filter((s) => s !== 200 && s !== 404)).toEqual([]);
    expect(results[10].status).toBe(200);
    const deleted = results[10].body;
    const patchesBefore = results.slice(0, 10).filter((r) => r.status === 200).length;
    expect(deleted.metadata.resourceVersion).toBe(1 + patchesBefore);
    expect((await http.get(`${base()}/patch-vs-delete`)).status).toBe(404);
  });
});
