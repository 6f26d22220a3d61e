import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { freePort } from '../../libs/persistence/src/embedded-postgres';
import { projectRoot } from '../../libs/persistence/src/project-root';
import { createNamespace, startTestServer, TestServer } from '../support/app';
import { expectAppManagerShape } from '../support/contract';
import { buildServer, ServerProcess, startServerProcess, stopServerProcess } from '../support/server-process';

// The acceptance flow (playground, vvp-api.md 5.1): YAML POSTs of the playground's target and
// deployment, read-back in JSON and YAML with the defaults applied, PATCH, guarded DELETE — and the
// same data surviving a restart of the real server process on the same DATA_DIR.

const FIXTURES = join(projectRoot(), 'test', 'fixtures', 'playground');
const TARGET_YAML = readFileSync(join(FIXTURES, 'deployment_target.yaml'), 'utf8');
const DEPLOYMENT_YAML = readFileSync(join(FIXTURES, 'deployment.yaml'), 'utf8');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The fixtures name namespace `default`; the in-process tests use a fresh namespace each. */
function inNamespace(text: string, ns: string): string {
  return text.replace(/^(\s+namespace:) default$/m, `$1 ${ns}`);
}

function expectPlaygroundDefaults(d: any): void {
  expect(d.kind).toBe('Deployment');
  expect(d.apiVersion).toBe('v1');
  expect(d.metadata.name).toBe('top-speed-windowing');
  expect(d.metadata.displayName).toBe('Top Speed Windowing');
  expect(d.metadata.id).toMatch(UUID);
  expect(d.metadata.resourceVersion).toBe(1);
  expect(d.spec.deploymentTargetName).toBe('vvp-jobs');
  // vvp-api.md 4.10: the built-in global defaults
  expect(d.spec.state).toBe('RUNNING');
  expect(d.spec.upgradeStrategy).toEqual({ kind: 'STATEFUL' });
  expect(d.spec.restoreStrategy).toEqual({ kind: 'LATEST_STATE', allowNonRestoredState: false });
  expect(d.spec.maxJobCreationAttempts).toBe(4);
  expect(d.spec.maxSavepointCreationAttempts).toBe(4);
  expect(d.spec.template.metadata.annotations).toEqual({
    'flink.queryable-state.enabled': 'false',
    'flink.security.ssl.enabled': 'false',
  });
  const t = d.spec.template.spec;
  expect(t.parallelism).toBe(1);
  expect(t.logging).toEqual({ loggingProfile: 'default', log4jLoggers: { '': 'INFO' } });
  expect(t.artifact).toEqual({
    kind: 'JAR',
    flinkVersion: '1.19',
    jarUri: 'https://repo1.maven.org/maven2/org/apache/flink/flink-examples-streaming/1.19.0/flink-examples-streaming-1.19.0-WindowJoin.jar',
  });
  expect(t.resources.jobmanager).toEqual({ cpu: 1, memory: '1G' });
  expect(t.resources.taskmanager.cpu).toBe(1);
  // observed state from the moment it exists (vvp-api.md 5b)
  expect(typeof d.status.state).toBe('string');
}

describe('playground acceptance flow (in process)', () => {
  let server: TestServer;
  let ns: string;
  beforeAll(async () => {
    server = await startTestServer();
    ns = await createNamespace(server.http, 'play');
  });
  afterAll(() => server.close());

  it('creates the target and the deployment from the playground YAML, reads them back, patches, guards the target delete', async () => {
    const base = `/api/v1/namespaces/${ns}`;
    const target = await server.http
      .post(`${base}/deployment-targets`)
      .set('Content-Type', 'application/yaml')
      .send(inNamespace(TARGET_YAML, ns));
    expect(target.status).toBe(201);
    expectAppManagerShape('DeploymentTarget', target.body);
    expect(target.body.metadata).toMatchObject({ name: 'vvp-jobs', namespace: ns, resourceVersion: 1 });
    expect(target.body.metadata.id).toMatch(UUID);
    expect(target.body.spec).toEqual({ kubernetes: { namespace: 'vvp-jobs' } });

    const created = await server.http
      .post(`${base}/deployments`)
      .set('Content-Type', 'application/yaml')
      .send(inNamespace(DEPLOYMENT_YAML, ns));
    expect(created.status).toBe(201);
    expectAppManagerShape('Deployment', created.body);
    expectPlaygroundDefaults(created.body);
    expect(created.headers.etag).toBe('"1"');

    const json = await server.http.get(`${base}/deployments/top-speed-windowing`);
    expect(json.status).toBe(200);
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expectAppManagerShape('Deployment', json.body);
    expectPlaygroundDefaults(json.body);
    expect(json.body.metadata.id).toBe(created.body.metadata.id);
    expect(json.body.metadata.namespace).toBe(ns);
    expect(json.headers.etag).toBe(`"${json.body.metadata.resourceVersion}"`);

    const asYaml = await server.http.get(`${base}/deployments/top-speed-windowing`).set('Accept', 'application/yaml').buffer(true).parse((res, cb) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => cb(null, text));
    });
    expect(asYaml.status).toBe(200);
    expect(asYaml.headers['content-type']).toMatch(/^application\/yaml/);
    const parsed = yaml.load(asYaml.body as string);
    expectAppManagerShape('Deployment', parsed);
    expectPlaygroundDefaults(parsed);
    expect(parsed).toEqual(json.body);

    const patched = await server.http.patch(`${base}/deployments/top-speed-windowing`).send({ spec: { state: 'SUSPENDED' } });
    expect(patched.status).toBe(200);
    expectAppManagerShape('Deployment', patched.body);
    expect(patched.body.spec.state).toBe('SUSPENDED');
    expect(patched.body.metadata.resourceVersion).toBe(2);
    expect(patched.headers.etag).toBe('"2"');

    const refused = await server.http.delete(`${base}/deployment-targets/vvp-jobs`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ kind: 'ApiException', apiVersion: 'v1', statusCode: 409 });
    expect(typeof refused.body.message).toBe('string');
    expect(typeof refused.body.reason).toBe('string');

    const stillThere = await server.http.get(`${base}/deployment-targets/vvp-jobs`);
    expect(stillThere.status).toBe(200);
    expectAppManagerShape('DeploymentTarget', stillThere.body);
    expect(stillThere.headers.etag).toBe('"1"');
  });
});

// ---------- the real server process, restarted on the same DATA_DIR ----------

describe('playground data survives a restart of the server process', () => {
  let build: ReturnType<typeof buildServer>;
  let dataDir: string;
  let running: ServerProcess | undefined;

  beforeAll(() => {
    build = buildServer();
    dataDir = mkdtempSync(join(tmpdir(), 'fcp-restart-'));
  }, 60_000);

  afterAll(async () => {
    if (running) await stopServerProcess(running);
    rmSync(dataDir, { recursive: true, force: true });
    build.dispose();
  });

  it('keeps the target and the deployment (same id and resourceVersion) across SIGTERM and start', async () => {
    const env = { DATA_DIR: dataDir, PORT: String(await freePort()) };
    running = await startServerProcess(build.main, env);
    const base = `${running.url}/api/v1/namespaces/default`;

    const ns = await fetch(`${running.url}/namespaces/v1/namespaces/default`);
    expect(ns.status).toBe(200);
    expect(((await ns.json()) as any).namespace.name).toBe('namespaces/default');

    const t = await fetch(`${base}/deployment-targets`, { method: 'POST', headers: { 'Content-Type': 'application/yaml' }, body: TARGET_YAML });
    expect(t.status).toBe(201);
    const target = (await t.json()) as any;
    expectAppManagerShape('DeploymentTarget', target);
    const d = await fetch(`${base}/deployments`, { method: 'POST', headers: { 'Content-Type': 'application/yaml' }, body: DEPLOYMENT_YAML });
    expect(d.status).toBe(201);
    const deployment = (await d.json()) as any;
    expectAppManagerShape('Deployment', deployment);
    expectPlaygroundDefaults(deployment);

    const code = await stopServerProcess(running);
    if (code !== 0) throw new Error(`SIGTERM: the server exited with ${code}:\n${running.output()}`);
    running = undefined;

    running = await startServerProcess(build.main, env);
    const t2 = await fetch(`${base}/deployment-targets/vvp-jobs`);
    expect(t2.status).toBe(200);
    const target2 = (await t2.json()) as any;
    expectAppManagerShape('DeploymentTarget', target2);
    expect(target2.metadata.id).toBe(target.metadata.id);
    expect(target2.metadata.resourceVersion).toBe(target.metadata.resourceVersion);
    expect(target2.spec).toEqual(target.spec);

    const d2 = await fetch(`${base}/deployments/top-speed-windowing`);
    expect(d2.status).toBe(200);
    const deployment2 = (await d2.json()) as any;
    expectAppManagerShape('Deployment', deployment2);
    expect(deployment2.metadata.id).toBe(deployment.metadata.id);
    expect(deployment2.metadata.resourceVersion).toBe(deployment.metadata.resourceVersion);
    expect(deployment2.metadata.createdAt).toBe(deployment.metadata.createdAt);
    expect(deployment2.spec).toEqual(deployment.spec);

    const list = await fetch(`${base}/deployments`);
    const items = ((await list.json()) as any).items;
    expect(items.map((i: any) => i.metadata.id)).toEqual([deployment.metadata.id]);

    const namespaces = (await (await fetch(`${running.url}/namespaces/v1/namespaces`)).json()) as any;
    expect(namespaces.namespaces.map((n: any) => n.name)).toEqual(['namespaces/default']);
  }, 90_000);
});
