import { createNamespace, eventually, FAST_RUNTIME, startTestServer, TestServer } from '../support/app';

// Lists are assembled as JSON by PostgreSQL, single resources by toResource in Node: both must give
// the same envelope for every kind that takes that path.

describe('list items are the same documents as single GETs', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer(FAST_RUNTIME)));
  afterAll(() => server.close());

  it('for deployments, targets, jobs, savepoints and session clusters (JSON and YAML)', async () => {
    const ns = await createNamespace(server.http, 'env');
    const api = `/api/v1/namespaces/${ns}`;
    await server.http.post(`${api}/deployment-targets`).send({ metadata: { name: 't', labels: { a: 'b' } }, spec: { kubernetes: { namespace: 'x' } } }).expect(201);
    await server.http
      .post(`${api}/sessionclusters`)
      .send({ metadata: { name: 'sc' }, spec: { state: 'STOPPED', deploymentTargetName: 't', flinkVersion: '1.19' } })
      .expect(201);
    const d = await server.http
      .post(`${api}/deployments`)
      .send({
        metadata: { name: 'app', displayName: 'App', labels: { tier: 'gold' }, annotations: { note: 'n' } },
        spec: { state: 'RUNNING', deploymentTargetName: 't', template: { spec: { artifact: { kind: 'JAR', jarUri: 'https://x/y.jar' }, flinkConfiguration: { k: 'v' } } } },
      })
      .expect(201);
    await eventually(async () => (await server.http.get(`${api}/deployments/app`)).body.status.state === 'RUNNING');
    await server.http.post(`${api}/savepoints`).send({ metadata: { deploymentId: d.body.metadata.id } }).expect(201);

    for (const [plural, key] of [
      ['deployments', (r: any) => r.metadata.name],
      ['deployment-targets', (r: any) => r.metadata.name],
      ['sessionclusters', (r: any) => r.metadata.name],
      ['jobs', (r: any) => r.metadata.id],
      ['savepoints', (r: any) => r.metadata.id],
    ] as const) {
      const list = await server.http.get(`${api}/${plural}`).expect(200);
      expect(list.body.items.length).toBeGreaterThan(0);
      const yamlList = await server.http.get(`${api}/${plural}`).set('Accept', 'application/yaml').expect(200);
      expect(yamlList.headers['content-type']).toMatch(/^application\/yaml/);
      for (const item of list.body.items) {
        const single = await server.http.get(`${api}/${plural}/${key(item)}`).expect(200);
        // the status of a running resource may move between the two reads; the rest is identical
        expect({ ...item, status: undefined }).toEqual({ ...single.body, status: undefined });
        expect(Object.keys(item)).toEqual(expect.arrayContaining(Object.keys(single.body)));
      }
    }
  });
});
