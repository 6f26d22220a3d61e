import * as yaml from 'js-yaml';
import type { Response } from 'supertest';
import { createNamespace, startTestServer, TestServer } from '../support/app';
import { expectAppManagerShape } from '../support/contract';
import { expectApiException, expectValidationExactly } from '../support/errors';

// Deployments (vvp-api.md 2.1 A11–A16, 4.10, 4.12, 5b; conventions.md): CRUD, upsert, defaults,
// label selectors, merge-patch semantics, delete guard, validation with exact field paths.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SPEC_VERSION = 'com.dataartisans.appmanager.controller.deployment.spec.version';
const TRANSITIONING = 'com.dataartisans.appmanager.controller.deployment.transitioning';

type Json = Record<string, any>;

function merge(a: any, b: any): any {
  if (b === null || typeof b !== 'object' || Array.isArray(b) || a === null || typeof a !== 'object' || Array.isArray(a)) return b;
  const out: Json = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = v === undefined ? undefined : merge(a[k], v);
  return out;
}

/** A minimal valid deployment on target `tgt`; `extra` is deep-merged over it. */
function deployment(name: string, extra: Json = {}): Json {
  return merge(
    {
      kind: 'Deployment',
      apiVersion: 'v1',
      metadata: { name },
      spec: {
        deploymentTargetName: 'tgt',
        template: { spec: { artifact: { kind: 'JAR', jarUri: 'https://repo.example.com/jobs/job-1.0.jar' } } },
      },
    },
    extra,
  );
}

function expectDeployment(res: Response, status = 200): Json {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  expectAppManagerShape('Deployment', res.body);
  expect(res.body.kind).toBe('Deployment');
  expect(res.body.apiVersion).toBe('v1');
  expect(res.headers.etag).toBe(`"${res.body.metadata.resourceVersion}"`);
  return res.body;
}

describe('deployments', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer()));
  afterAll(() => server.close());

  /** A fresh namespace with deployment target `tgt`; returns the deployments URL. */
  async function setup(): Promise<{ ns: string; url: string; targetId: string }> {
    const ns = await createNamespace(server.http, 'dep');
    const t = await server.http
      .post(`/api/v1/namespaces/${ns}/deployment-targets`)
      .send({ kind: 'DeploymentTarget', apiVersion: 'v1', metadata: { name: 'tgt' }, spec: { kubernetes: { namespace: 'jobs' } } });
    expect(t.status).toBe(201);
    return { ns, url: `/api/v1/namespaces/${ns}/deployments`, targetId: t.body.metadata.id };
  }

  // ---------- create and read ----------

  it('POST creates (201) with id, resourceVersion 1, server metadata and status.state TRANSITIONING (desired RUNNING); GET by name and by id', async () => {
    const { ns, url } = await setup();
    const created = expectDeployment(await server.http.post(url).send(deployment('one', { metadata: { labels: { app: 'x' } } })), 201);
    expect(created.metadata).toMatchObject({ name: 'one', namespace: ns, resourceVersion: 1, labels: { app: 'x' } });
    expect(created.metadata.id).toMatch(UUID);
    expect(Number.isNaN(Date.parse(created.metadata.createdAt))).toBe(false);
    expect(created.metadata.modifiedAt).toBe(created.metadata.createdAt);
    // desired RUNNING (from the global defaults) ≠ observed: TRANSITIONING from the start (vvp-api.md 4.1)
    expect(created.status).toEqual({ state: 'TRANSITIONING' });
    expect(created.metadata.annotations[TRANSITIONING]).toBe('true');
    expect(created.spec.state).toBe('RUNNING');

    const byName = expectDeployment(await server.http.get(`${url}/one`));
    expect(byName).toEqual(created);
    const byId = expectDeployment(await server.http.get(`${url}/${created.metadata.id}`));
    expect(byId).toEqual(created);
    expect(byId.status.state).toBe('TRANSITIONING');

    const list = await server.http.get(url);
    expect(list.status).toBe(200);
    expectAppManagerShape('ResourceListOfDeployment', list.body);
    expect(list.body).toMatchObject({ kind: 'DeploymentList', apiVersion: 'v1' });
    expect(list.body.items).toEqual([created]);
  });

  it('GET of an unknown deployment → 404 ApiException; unknown namespace → 404 ApiException on list, get, create', async () => {
    const { url } = await setup();
    expectApiException(await server.http.get(`${url}/nope`), 404);
    expectApiException(await server.http.get(`${url}/6f1e4b2a-9c0d-4e55-8a3b-0123456789ab`), 404);
    const missing = '/api/v1/namespaces/no-such-namespace-x1/deployments';
    expectApiException(await server.http.get(missing), 404);
    expectApiException(await server.http.get(`${missing}/one`), 404);
    expectApiException(await server.http.post(missing).send(deployment('one')), 404);
    expectApiException(await server.http.put(`${missing}/one`).send(deployment('one')), 404);
    expectApiException(await server.http.patch(`${missing}/one`).send({ spec: { state: 'CANCELLED' } }), 404);
    expectApiException(await server.http.delete(`${missing}/one`), 404);
  });

  it('a deployment is only found in its own namespace (by name and by id); the same name may exist in another namespace', async () => {
    const a = await setup();
    const b = await setup();
    const inA = expectDeployment(await server.http.post(a.url).send(deployment('same-name')), 201);
    expectApiException(await server.http.get(`${b.url}/same-name`), 404);
    expectApiException(await server.http.get(`${b.url}/${inA.metadata.id}`), 404);
    expectApiException(await server.http.patch(`${b.url}/${inA.metadata.id}`).send({ spec: { state: 'CANCELLED' } }), 404);
    const inB = expectDeployment(await server.http.post(b.url).send(deployment('same-name')), 201);
    expect(inB.metadata.id).not.toBe(inA.metadata.id);
    const list = await server.http.get(b.url).set('Accept', 'application/yaml');
    expect(list.status).toBe(200);
    const parsed = yaml.load(list.text) as Json;
    expectAppManagerShape('ResourceListOfDeployment', parsed);
    expect(parsed.items.map((i: Json) => i.metadata.id)).toEqual([inB.metadata.id]);
  });

  it('a duplicate name → 409 ApiException', async () => {
    const { url } = await setup();
    expectDeployment(await server.http.post(url).send(deployment('dup')), 201);
    expectApiException(await server.http.post(url).send(deployment('dup')), 409);
  });

  it('metadata.namespace different from the URL → 400 (POST, PUT, PATCH)', async () => {
    const { url } = await setup();
    const other = { metadata: { namespace: 'some-other-namespace' } };
    expectValidationExactly(await server.http.post(url).send(deployment('wrong-ns', other)), ['metadata.namespace']);
    expectValidationExactly(await server.http.put(`${url}/wrong-ns`).send(deployment('wrong-ns', other)), ['metadata.namespace']);
    expectDeployment(await server.http.post(url).send(deployment('right-ns')), 201);
    const patched = await server.http.patch(`${url}/right-ns`).send(other);
    expect(patched.status).toBe(400);
    expect(patched.body.kind).toBe('ApiValidationException');
    expect((await server.http.get(`${url}/right-ns`)).body.metadata.resourceVersion).toBe(1);
  });

  // ---------- PUT ----------

  it('PUT by name creates (201), then replaces (200) with resourceVersion +1 and the same id', async () => {
    const { url } = await setup();
    const created = expectDeployment(await server.http.put(`${url}/upserted`).send(deployment('upserted')), 201);
    expect(created.metadata.resourceVersion).toBe(1);
    expect(created.spec.upgradeStrategy).toEqual({ kind: 'STATEFUL' }); // applyDefaults defaults to true
    const replaced = expectDeployment(
      await server.http.put(`${url}/upserted`).send(deployment('upserted', { spec: { state: 'SUSPENDED', template: { spec: { parallelism: 3 } } } })),
      200,
    );
    expect(replaced.metadata.id).toBe(created.metadata.id);
    expect(replaced.metadata.createdAt).toBe(created.metadata.createdAt);
    expect(replaced.metadata.resourceVersion).toBe(2);
    expect(replaced.spec.state).toBe('SUSPENDED');
    expect(replaced.spec.template.spec.parallelism).toBe(3);
    expect(replaced.spec.maxJobCreationAttempts).toBe(4);
    expect(replaced.status.state).toBe('TRANSITIONING'); // still on its way (no reconciler in this suite)
    // the name in the body must match the URL
    expectValidationExactly(await server.http.put(`${url}/upserted`).send(deployment('another-name')), ['metadata.name']);
  });

  it('PUT with applyDefaults=false stores the body as sent (no defaults merged), on create and on replace', async () => {
    const { url } = await setup();
    const body = deployment('bare', { spec: { state: 'CANCELLED' } });
    const created = expectDeployment(await server.http.put(`${url}/bare?applyDefaults=false`).send(body), 201);
    expect(created.spec).toEqual(body.spec);
    expect(created.spec.upgradeStrategy).toBeUndefined();
    expect(created.spec.maxJobCreationAttempts).toBeUndefined();

    expectDeployment(await server.http.put(`${url}/replaced`).send(deployment('replaced', { spec: { state: 'CANCELLED' } })), 201);
    const replaced = expectDeployment(await server.http.put(`${url}/replaced?applyDefaults=false`).send(deployment('replaced', { spec: { state: 'CANCELLED' } })), 200);
    expect(replaced.spec).toEqual(body.spec);
    expect(replaced.spec.template.spec.logging).toBeUndefined();
    expect(replaced.metadata.resourceVersion).toBe(2);

    const withDefaults = expectDeployment(await server.http.put(`${url}/replaced?applyDefaults=true`).send(deployment('replaced', { spec: { state: 'CANCELLED' } })), 200);
    expect(withDefaults.spec.restoreStrategy).toEqual({ kind: 'LATEST_STATE', allowNonRestoredState: false });
  });

  it('PUT of a streaming-cli style YAML body (no apiVersion/kind, sessionClusterName: null, deploymentTargetName) works', async () => {
    const { url } = await setup();
    const body = `
metadata:
  name: streaming-job
  displayName: streaming-job
  labels: {}
spec:
  state: RUNNING
  upgradeStrategy:
    kind: STATEFUL
  restoreStrategy:
    kind: LATEST_STATE
    allowNonRestoredState: false
  deploymentTargetName: tgt
  sessionClusterName: null
  maxJobCreationAttempts: 4
  maxSavepointCreationAttempts: 4
  template:
    metadata:
      annotations:
        flink.queryable-state.enabled: 'false'
        flink.security.ssl.enabled: 'false'
    spec:
      artifact:
        kind: JAR
        jarUri: https://repo.example.com/flink-python_2.12-1.15.2.jar
        entryClass: org.apache.flink.client.python.PythonDriver
        mainArgs: --python /flink/usrlib/main.py
        flinkVersion: '1.15'
        flinkImageRegistry: registry.example.com
        flinkImageRepository: flink
        flinkImageTag: 1.15.2-stream1-scala_2.12-java11
      parallelism: 1
      resources:
        jobmanager:
          cpu: 1
          memory: 1G
        taskmanager:
          cpu: 1
          memory: 2G
      flinkConfiguration:
        execution.checkpointing.interval: 10s
        taskmanager.numberOfTaskSlots: 1
      logging:
        loggingProfile: default
        log4jLoggers:
          "": INFO
`;
    const first = await server.http.put(`${url}/streaming-job`).set('Content-Type', 'application/yaml').set('Accept', 'application/yaml').send(body);
    expect(first.status).toBe(201);
    expect(first.headers['content-type']).toMatch(/^application\/yaml/);
    const created = yaml.load(first.text) as Json;
    expectAppManagerShape('Deployment', created);
    expect(created.kind).toBe('Deployment');
    expect(created.metadata.id).toMatch(UUID);
    expect(created.spec.sessionClusterName).toBeUndefined();
    expect(created.spec.deploymentTargetName).toBe('tgt');
    expect(created.spec.template.spec.flinkConfiguration).toEqual({ 'execution.checkpointing.interval': '10s', 'taskmanager.numberOfTaskSlots': '1' });
    const again = await server.http.put(`${url}/streaming-job`).set('Content-Type', 'application/yaml').send(body);
    expect(again.status).toBe(200);
    expectDeployment(again);
    expect(again.body.metadata.id).toBe(created.metadata.id);
  });

  // ---------- label selectors ----------

  it('labelSelector: k=v, k!=v, k in (a,b), k notin (a,b), k, !k, combined; malformed → 400', async () => {
    const { url } = await setup();
    const labelled: [string, Json][] = [
      ['l-prod-a', { env: 'prod', tier: 'a' }],
      ['l-prod-b', { env: 'prod', tier: 'b' }],
      ['l-dev-c', { env: 'dev', tier: 'c' }],
      ['l-none', {}],
    ];
    for (const [name, labels] of labelled) expectDeployment(await server.http.post(url).send(deployment(name, { metadata: { labels } })), 201);
    const names = async (selector: string) => {
      const res = await server.http.get(url).query({ labelSelector: selector });
      expect(res.status).toBe(200);
      expectAppManagerShape('ResourceListOfDeployment', res.body);
      return (res.body.items as Json[]).map((i) => i.metadata.name).sort();
    };
    expect(await names('env=prod')).toEqual(['l-prod-a', 'l-prod-b']);
    expect(await names('env==prod')).toEqual(['l-prod-a', 'l-prod-b']);
    expect(await names('env!=prod')).toEqual(['l-dev-c', 'l-none']);
    expect(await names('tier in (a,c)')).toEqual(['l-dev-c', 'l-prod-a']);
    expect(await names('tier notin (a,c)')).toEqual(['l-none', 'l-prod-b']);
    expect(await names('env')).toEqual(['l-dev-c', 'l-prod-a', 'l-prod-b']);
    expect(await names('!env')).toEqual(['l-none']);
    expect(await names('env=prod,tier=b')).toEqual(['l-prod-b']);
    expect(await names('env=prod,tier notin (b)')).toEqual(['l-prod-a']);
    expect(await names('')).toEqual(['l-dev-c', 'l-none', 'l-prod-a', 'l-prod-b']);
    for (const bad of ['env=prod=x', 'tier in (a', '=prod', 'env in ()', 'a b']) {
      const res = await server.http.get(url).query({ labelSelector: bad });
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
      expect(['ApiValidationException', 'ApiException']).toContain(res.body.kind);
    }
  });

  // ---------- PATCH ----------

  it('PATCH with the whole object as read (status, stale resourceVersion, server annotations) is accepted; those are ignored', async () => {
    const { url } = await setup();
    const created = expectDeployment(await server.http.post(url).send(deployment('whole', { spec: { state: 'CANCELLED' } })), 201);
    const v2 = expectDeployment(await server.http.patch(`${url}/whole`).send({ metadata: { labels: { step: 'two' } } }));
    expect(v2.metadata.resourceVersion).toBe(2);

    // vvpctl-style: the object as it was first read, with a change and with server-owned parts tampered
    const whole = merge(created, {
      metadata: {
        resourceVersion: 1,
        id: '00000000-0000-4000-8000-000000000000',
        createdAt: '2001-01-01T00:00:00Z',
        annotations: { [SPEC_VERSION]: '99', mine: 'yes' },
      },
      spec: { template: { spec: { parallelism: 5 } } },
      status: { state: 'RUNNING', running: { jobId: '11111111-1111-4111-8111-111111111111' } },
    });
    const patched = expectDeployment(await server.http.patch(`${url}/whole`).send(whole));
    expect(patched.metadata.resourceVersion).toBe(3);
    expect(patched.metadata.id).toBe(created.metadata.id);
    expect(patched.metadata.createdAt).toBe(created.metadata.createdAt);
    expect(patched.metadata.annotations.mine).toBe('yes');
    expect(patched.metadata.annotations[SPEC_VERSION]).not.toBe('99');
    expect(patched.metadata.labels).toEqual({ step: 'two' }); // the object as read had none, but labels: {} merges nothing away
    expect(patched.spec.template.spec.parallelism).toBe(5);
    expect(patched.status).toEqual({ state: 'CANCELLED' });

    // by id, as vvpctl does
    const byId = expectDeployment(await server.http.patch(`${url}/${created.metadata.id}`).send({ spec: { state: 'SUSPENDED' } }));
    expect(byId.spec.state).toBe('SUSPENDED');
    expect(byId.metadata.resourceVersion).toBe(4);
  });

  it('PATCH with an unknown field (spec.status typo) is accepted and the field ignored', async () => {
    const { url } = await setup();
    expectDeployment(await server.http.post(url).send(deployment('typo')), 201);
    const patched = expectDeployment(await server.http.patch(`${url}/typo`).send({ spec: { status: 'CANCELLED', state: 'CANCELLED' }, unknownTop: 1 }));
    expect(patched.spec.state).toBe('CANCELLED');
    expect(patched.spec.status).toBeUndefined();
    expect((patched as Json).unknownTop).toBeUndefined();
    const read = expectDeployment(await server.http.get(`${url}/typo`));
    expect(read.spec.status).toBeUndefined();
    const onlyTypo = expectDeployment(await server.http.patch(`${url}/typo`).send({ spec: { status: 'RUNNING' } }));
    expect(onlyTypo.spec.state).toBe('CANCELLED');
    expect(onlyTypo.spec.status).toBeUndefined();
  });

  it('PATCH follows RFC 7386: null removes a flinkConfiguration key, other keys merge, arrays replace', async () => {
    const { url } = await setup();
    const body = deployment('merge', {
      spec: {
        template: {
          spec: {
            flinkConfiguration: { foo: 'x', keep: 'k' },
            artifact: { additionalDependencies: ['s3://a.jar', 's3://b.jar'] },
          },
        },
      },
    });
    expectDeployment(await server.http.post(url).send(body), 201);
    const patched = expectDeployment(
      await server.http.patch(`${url}/merge`).send({
        spec: { template: { spec: { flinkConfiguration: { foo: null, bar: 'baz' }, artifact: { additionalDependencies: ['s3://c.jar'] } } } },
      }),
    );
    const conf = patched.spec.template.spec.flinkConfiguration;
    expect(conf.foo).toBeUndefined();
    expect('foo' in conf).toBe(false);
    expect(conf.bar).toBe('baz');
    expect(conf.keep).toBe('k');
    expect(conf['taskmanager.numberOfTaskSlots']).toBe('1'); // the default stays
    expect(patched.spec.template.spec.artifact.additionalDependencies).toEqual(['s3://c.jar']);
    expect(patched.spec.template.spec.artifact.jarUri).toBe('https://repo.example.com/jobs/job-1.0.jar');
    // a label removed with null
    expectDeployment(await server.http.patch(`${url}/merge`).send({ metadata: { labels: { a: '1', b: '2' } } }));
    const unlabelled = expectDeployment(await server.http.patch(`${url}/merge`).send({ metadata: { labels: { a: null } } }));
    expect(unlabelled.metadata.labels).toEqual({ b: '2' });
    expect(unlabelled.metadata.resourceVersion).toBe(4);
  });

  it('PATCH cannot rename (metadata.name immutable) and 404s for an unknown deployment', async () => {
    const { url } = await setup();
    expectDeployment(await server.http.post(url).send(deployment('fixed')), 201);
    expectValidationExactly(await server.http.patch(`${url}/fixed`).send({ metadata: { name: 'renamed' } }), ['metadata.name']);
    expectApiException(await server.http.patch(`${url}/unknown`).send({ spec: { state: 'CANCELLED' } }), 404);
  });

  // ---------- DELETE ----------

  it('DELETE while spec.state RUNNING → 409; after PATCH CANCELLED → 200 with the deleted object; then GET → 404', async () => {
    const { url } = await setup();
    const created = expectDeployment(await server.http.post(url).send(deployment('doomed', { spec: { state: 'RUNNING' } })), 201);
    expectApiException(await server.http.delete(`${url}/doomed`), 409);
    expectDeployment(await server.http.get(`${url}/doomed`));
    const cancelled = expectDeployment(await server.http.patch(`${url}/doomed`).send({ spec: { state: 'CANCELLED' } }));
    const deleted = expectDeployment(await server.http.delete(`${url}/doomed`));
    expect(deleted.metadata.id).toBe(created.metadata.id);
    expect(deleted.metadata.resourceVersion).toBe(cancelled.metadata.resourceVersion);
    expect(deleted.spec.state).toBe('CANCELLED');
    expectApiException(await server.http.get(`${url}/doomed`), 404);
    expectApiException(await server.http.get(`${url}/${created.metadata.id}`), 404);
    expectApiException(await server.http.delete(`${url}/doomed`), 404);

    // SUSPENDED may be deleted too, and by id
    const s = expectDeployment(await server.http.post(url).send(deployment('suspended', { spec: { state: 'SUSPENDED' } })), 201);
    expectDeployment(await server.http.delete(`${url}/${s.metadata.id}`));
    expect((await server.http.get(url)).body.items).toEqual([]);
  });

  // ---------- validation ----------

  it.each([
    ['JAR without jarUri', { spec: { template: { spec: { artifact: { kind: 'JAR', jarUri: undefined } } } } }, 'spec.template.spec.artifact.jarUri'],
    ['SQLSCRIPT without sqlScript', { spec: { template: { spec: { artifact: { kind: 'SQLSCRIPT', jarUri: undefined } } } } }, 'spec.template.spec.artifact.sqlScript'],
    ['PYTHON without pythonArtifactUri', { spec: { template: { spec: { artifact: { kind: 'PYTHON', jarUri: undefined } } } } }, 'spec.template.spec.artifact.pythonArtifactUri'],
    // the spec does not say which of the two fields is blamed; this implementation names the session cluster
    ['both a target and a session cluster', { spec: { sessionClusterName: 'sc' } }, 'spec.sessionClusterName'],
    ['an unknown target name', { spec: { deploymentTargetName: 'no-such-target' } }, 'spec.deploymentTargetName'],
    ['an unknown target id', { spec: { deploymentTargetName: undefined, deploymentTargetId: '6f1e4b2a-9c0d-4e55-8a3b-0123456789ab' } }, 'spec.deploymentTargetId'],
    ['parallelism 0', { spec: { template: { spec: { parallelism: 0 } } } }, 'spec.template.spec.parallelism'],
    ['maxJobCreationAttempts 0', { spec: { maxJobCreationAttempts: 0 } }, 'spec.maxJobCreationAttempts'],
    ['maxSavepointCreationAttempts 0', { spec: { maxSavepointCreationAttempts: 0 } }, 'spec.maxSavepointCreationAttempts'],
    ['memory "12XB"', { spec: { template: { spec: { resources: { jobmanager: { memory: '12XB' } } } } } }, 'spec.template.spec.resources.jobmanager.memory'],
    ['unknown state "RUNNIN"', { spec: { state: 'RUNNIN' } }, 'spec.state'],
    ['upgradeStrategy "FOO"', { spec: { upgradeStrategy: { kind: 'FOO' } } }, 'spec.upgradeStrategy.kind'],
    ['restoreStrategy "FOO"', { spec: { restoreStrategy: { kind: 'FOO' } } }, 'spec.restoreStrategy.kind'],
    ['artifact kind "WAR"', { spec: { template: { spec: { artifact: { kind: 'WAR' } } } } }, 'spec.template.spec.artifact.kind'],
    ['parallelism "two"', { spec: { template: { spec: { parallelism: 'two' } } } }, 'spec.template.spec.parallelism'],
    ['a name that is not a DNS label', { metadata: { name: 'SELECT * FROM t' } }, 'metadata.name'],
    ['a name of 64 characters', { metadata: { name: 'a'.repeat(64) } }, 'metadata.name'],
  ])('POST with %s → 400 ApiValidationException naming the field', async (_what, extra, attribute) => {
    const { url } = await setup();
    const res = await server.http.post(url).send(deployment('invalid', extra as Json));
    expectValidationExactly(res, [attribute]);
    expect((await server.http.get(url)).body.items).toEqual([]);
  });

  it('the same rules apply on PATCH and PUT (nothing is written)', async () => {
    const { url } = await setup();
    expectDeployment(await server.http.post(url).send(deployment('valid')), 201);
    expectValidationExactly(await server.http.patch(`${url}/valid`).send({ spec: { template: { spec: { parallelism: 0 } } } }), ['spec.template.spec.parallelism']);
    expectValidationExactly(await server.http.patch(`${url}/valid`).send({ spec: { state: 'RUNNIN' } }), ['spec.state']);
    expectValidationExactly(await server.http.patch(`${url}/valid`).send({ spec: { template: { spec: { artifact: { jarUri: null } } } } }), ['spec.template.spec.artifact.jarUri']);
    expectValidationExactly(await server.http.put(`${url}/valid`).send(deployment('valid', { spec: { upgradeStrategy: { kind: 'FOO' } } })), ['spec.upgradeStrategy.kind']);
    expect((await server.http.get(`${url}/valid`)).body.metadata.resourceVersion).toBe(1);
  });

  it('accepts lower-case strategy kinds (the docs write `stateless`) and stores them upper-case', async () => {
    const { url } = await setup();
    const d = expectDeployment(await server.http.post(url).send(deployment('lower', { spec: { upgradeStrategy: { kind: 'stateless' } } })), 201);
    expect(d.spec.upgradeStrategy).toEqual({ kind: 'STATELESS' });
  });

  // ---------- defaults ----------

  it('GET /api/v1/global-deployment-defaults returns the built-in defaults', async () => {
    const res = await server.http.get('/api/v1/global-deployment-defaults');
    expect(res.status).toBe(200);
    expectAppManagerShape('DeploymentDefaults', res.body);
    expect(res.body.kind).toBe('DeploymentDefaults');
    const spec = res.body.spec;
    expect(spec.upgradeStrategy).toEqual({ kind: 'STATEFUL' });
    expect(spec.restoreStrategy).toEqual({ kind: 'LATEST_STATE', allowNonRestoredState: false });
    expect(spec.maxJobCreationAttempts).toBe(4);
    expect(spec.maxSavepointCreationAttempts).toBe(4);
    expect(spec.template.spec.parallelism).toBe(1);
    expect(spec.template.spec.logging).toEqual({ loggingProfile: 'default', log4jLoggers: { '': 'INFO' } });
    expect(spec.template.metadata.annotations).toEqual({ 'flink.queryable-state.enabled': 'false', 'flink.security.ssl.enabled': 'false' });
  });

  it('namespace defaults: PATCH them, then a new deployment gets global → namespace → own, key by key', async () => {
    const { ns, url, targetId } = await setup();
    const defaultsUrl = `/api/v1/namespaces/${ns}/deployment-defaults`;
    const initial = await server.http.get(defaultsUrl);
    expect(initial.status).toBe(200);
    expectAppManagerShape('DeploymentDefaults', initial.body);
    expect(initial.body.kind).toBe('DeploymentDefaults');
    expect(initial.body.metadata.namespace).toBe(ns);
    expect(initial.body.metadata.id).toMatch(UUID);

    const patched = await server.http.patch(defaultsUrl).send({
      spec: {
        deploymentTargetId: targetId,
        maxJobCreationAttempts: 7,
        template: { spec: { parallelism: 2, flinkConfiguration: { 'ns.only': 'n', 'ns.and.own': 'n', 'taskmanager.numberOfTaskSlots': 4 } } },
      },
    });
    expect(patched.status).toBe(200);
    expectAppManagerShape('DeploymentDefaults', patched.body);
    expect(patched.body.spec.deploymentTargetId).toBe(targetId);
    expect(patched.body.metadata.resourceVersion).toBe(initial.body.metadata.resourceVersion + 1);
    expect(patched.headers.etag).toBe(`"${patched.body.metadata.resourceVersion}"`);
    const reread = await server.http.get(defaultsUrl);
    expectAppManagerShape('DeploymentDefaults', reread.body);
    expect(reread.body.spec.deploymentTargetId).toBe(targetId); // jupyter-vvp reads this
    expect(reread.body.spec.template.spec.flinkConfiguration['taskmanager.numberOfTaskSlots']).toBe('4');

    // no target in the body: the namespace default target is used
    const own = {
      kind: 'Deployment',
      apiVersion: 'v1',
      metadata: { name: 'merged' },
      spec: {
        state: 'CANCELLED',
        template: { spec: { artifact: { kind: 'JAR', jarUri: 'https://repo.example.com/j.jar' }, flinkConfiguration: { 'ns.and.own': 'o', 'own.only': 'o' } } },
      },
    };
    const d = expectDeployment(await server.http.post(url).send(own), 201);
    expect(d.spec.deploymentTargetId).toBe(targetId);
    expect(d.spec.state).toBe('CANCELLED'); // own
    expect(d.spec.maxJobCreationAttempts).toBe(7); // namespace
    expect(d.spec.maxSavepointCreationAttempts).toBe(4); // global
    expect(d.spec.template.spec.parallelism).toBe(2); // namespace
    expect(d.spec.template.spec.logging).toEqual({ loggingProfile: 'default', log4jLoggers: { '': 'INFO' } }); // global
    expect(d.spec.template.spec.flinkConfiguration).toEqual({
      'taskmanager.numberOfTaskSlots': '4',
      'ns.only': 'n',
      'ns.and.own': 'o',
      'own.only': 'o',
    });

    // an own target name wins over the namespace default id (the mode is taken as a group)
    const named = expectDeployment(await server.http.post(url).send(deployment('named', { spec: { state: 'CANCELLED' } })), 201);
    expect(named.spec.deploymentTargetName).toBe('tgt');

    // defaults apply at creation only: existing deployments keep their spec
    await server.http.patch(defaultsUrl).send({ spec: { maxJobCreationAttempts: 9 } });
    expect((await server.http.get(`${url}/merged`)).body.spec.maxJobCreationAttempts).toBe(7);

    // a bad value in the defaults is refused with the field path
    expectValidationExactly(await server.http.patch(defaultsUrl).send({ spec: { template: { spec: { parallelism: 0 } } } }), ['spec.template.spec.parallelism']);
  });

  it('GET deployment-defaults of an unknown namespace → 404 ApiException', async () => {
    expectApiException(await server.http.get('/api/v1/namespaces/no-such-namespace-y2/deployment-defaults'), 404);
  });
});

describe('deployments with GLOBAL_DEPLOYMENT_DEFAULTS', () => {
  let server: TestServer;
  beforeAll(
    async () =>
      (server = await startTestServer({
        GLOBAL_DEPLOYMENT_DEFAULTS: 'spec:\n  state: CANCELLED\n  template:\n    spec:\n      flinkConfiguration:\n        state.savepoints.dir: s3://bucket/sp\n',
      })),
  );
  afterAll(() => server.close());

  it('merges the configured global defaults over the built-in ones', async () => {
    const global = await server.http.get('/api/v1/global-deployment-defaults');
    expectAppManagerShape('DeploymentDefaults', global.body);
    expect(global.body.spec.state).toBe('CANCELLED');
    expect(global.body.spec.maxJobCreationAttempts).toBe(4);
    expect(global.body.spec.template.spec.flinkConfiguration['state.savepoints.dir']).toBe('s3://bucket/sp');

    const ns = await createNamespace(server.http, 'gdd');
    await server.http.post(`/api/v1/namespaces/${ns}/deployment-targets`).send({ metadata: { name: 'tgt' }, spec: { kubernetes: { namespace: 'x' } } });
    const d = await server.http.post(`/api/v1/namespaces/${ns}/deployments`).send(deployment('g'));
    expect(d.status).toBe(201);
    expectAppManagerShape('Deployment', d.body);
    expect(d.body.spec.state).toBe('CANCELLED');
    expect(d.body.spec.template.spec.flinkConfiguration).toMatchObject({ 'state.savepoints.dir': 's3://bucket/sp', 'taskmanager.numberOfTaskSlots': '1' });
  });
});
