import { Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import fs, { mkdtempSync, rmSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { Client } from 'pg';
import type { Response } from 'supertest';
import { FLINK_RUNTIME } from '../../libs/appmanager/src/runtime/flink-runtime';
import { SimulatedFlinkRuntime } from '../../libs/appmanager/src/runtime/simulated-flink.runtime';
import { KEY_FILE_NAME, SecretCipher, secretAad } from '../../libs/appmanager/src/secret-values/secret-cipher';
import { createNamespace, eventually, FAST_RUNTIME, startTestServer, testDatabaseUrl, TestServer } from '../support/app';
import { expectAppManagerShape } from '../support/contract';
import { expectValidation, expectValidationError } from '../support/errors';

// Secret values (vvp-api.md 2.1 A25–A29, 3.A, 4.8): CRUD with the value encrypted at rest and never
// returned; `${NAME}` references in jarUri and flinkConfiguration resolved only for the runtime; the
// value in no response, event, log line or database row.

type Json = Record<string, any>;
const KEY = randomBytes(32);
const SECRETS = { SECRETS_KEY: KEY.toString('base64') };
const TRANSITIONING = 'com.dataartisans.appmanager.controller.deployment.transitioning';
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
/** a value that cannot occur anywhere by accident */
const secretText = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

function secret(name: string, value?: unknown, kind: unknown = 'PLAIN', extra: Json = {}): Json {
  return { kind: 'SecretValue', apiVersion: 'v1', metadata: { name, ...extra }, spec: { kind, ...(value !== undefined ? { value } : {}) } };
}

function expectSecret(res: Response, status = 200): Json {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  expectAppManagerShape('SecretValue', res.body);
  expect(res.body).toMatchObject({ kind: 'SecretValue', apiVersion: 'v1' });
  expect(res.body.spec).toEqual({ kind: 'PLAIN' }); // the redacted shape
  expect(res.body.status).toBeUndefined();
  return res.body;
}

async function withDb<T>(fn: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: testDatabaseUrl() });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

/** Every row of the tables the server writes, as JSON text. */
async function allRowsText(): Promise<string> {
  return withDb(async (db) => {
    const parts: string[] = [];
    for (const table of ['resources', 'simulated_flink_jobs', 'simulated_flink_savepoints', 'namespaces']) {
      const rows = await db.query(`SELECT row_to_json(t)::text AS j FROM ${table} t`);
      parts.push(...rows.rows.map((r) => r.j as string));
    }
    return parts.join('\n');
  });
}

async function storedSpec(ns: string, name: string): Promise<Json> {
  return withDb(async (db) => (await db.query(`SELECT spec FROM resources WHERE namespace = $1 AND kind = 'SecretValue' AND name = $2`, [ns, name])).rows[0]?.spec);
}

/** Records every response body the server writes and everything written to stdout/stderr or a Nest logger. */
class LeakRecorder {
  readonly bodies: string[] = [];
  readonly logs: string[] = [];
  private readonly restore: (() => void)[] = [];

  attach(server: TestServer): void {
    const http = server.app.getHttpServer() as import('node:http').Server;
    const onRequest = (_req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      const write = res.write.bind(res) as (...a: unknown[]) => boolean;
      const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
      const keep = (c: unknown) => {
        if (typeof c === 'string' || Buffer.isBuffer(c)) chunks.push(Buffer.from(c as string));
      };
      (res as any).write = (...a: unknown[]) => (keep(a[0]), write(...a));
      (res as any).end = (...a: unknown[]) => {
        if (typeof a[0] !== 'function') keep(a[0]);
        this.bodies.push(Buffer.concat(chunks).toString('utf8'));
        return end(...a);
      };
    };
    http.prependListener('request', onRequest);
    this.restore.push(() => http.off('request', onRequest));
  }

  captureLogs(): void {
    const text = (chunk: unknown) => (typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk));
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream) as (...a: unknown[]) => boolean;
      const spy = jest.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
        this.logs.push(text(chunk));
        return original(chunk, ...rest);
      }) as any);
      this.restore.push(() => spy.mockRestore());
    }
    // loggers that write to the file descriptors directly (pino's sonic-boom)
    const originalWriteSync = fs.writeSync.bind(fs) as (...a: unknown[]) => number;
    const fsSpy = jest.spyOn(fs, 'writeSync').mockImplementation(((fd: number, chunk: unknown, ...rest: unknown[]) => {
      if (fd === 1 || fd === 2) this.logs.push(text(chunk));
      return originalWriteSync(fd, chunk, ...rest);
    }) as any);
    this.restore.push(() => fsSpy.mockRestore());
    for (const level of ['log', 'error', 'warn', 'debug', 'verbose', 'fatal'] as const) {
      const proto = jest.spyOn(Logger.prototype, level).mockImplementation(function (this: Logger, ...args: unknown[]) {
        recorder.logs.push(JSON.stringify(args));
      } as any);
      const stat = jest.spyOn(Logger, level).mockImplementation(((...args: unknown[]) => {
        recorder.logs.push(JSON.stringify(args));
      }) as any);
      this.restore.push(() => (proto.mockRestore(), stat.mockRestore()));
    }
  }

  detach(): void {
    for (const r of this.restore.reverse()) r();
    this.restore.length = 0;
  }
}

let recorder: LeakRecorder;

describe('secret values', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer(SECRETS)));
  afterAll(() => server.close());

  async function setup(): Promise<{ ns: string; url: string }> {
    const ns = await createNamespace(server.http, 'sv');
    return { ns, url: `/api/v1/namespaces/${ns}/secret-values` };
  }

  it('POST creates (201) without returning the value; list, GET, PATCH, DELETE return the redacted shape', async () => {
    const { ns, url } = await setup();
    const value = secretText('pw');
    const empty = await server.http.get(url).expect(200);
    expectAppManagerShape('ResourceListOfSecretValue', empty.body);
    expect(empty.body).toEqual({ kind: 'SecretValueList', apiVersion: 'v1', metadata: {}, items: [] });

    const created = expectSecret(await server.http.post(url).send(secret('db-password', value, 'PLAIN', { labels: { team: 'a' } })), 201);
    expect(created.metadata).toMatchObject({ name: 'db-password', namespace: ns, resourceVersion: 1, labels: { team: 'a' } });
    expect(JSON.stringify(created)).not.toContain(value);

    const list = await server.http.get(url).expect(200);
    expectAppManagerShape('ResourceListOfSecretValue', list.body);
    expect(list.body.kind).toBe('SecretValueList');
    expect(list.body.items).toEqual([created]);
    expect(expectSecret(await server.http.get(`${url}/db-password`))).toEqual(created);

    // YAML out: still no value
    const asYaml = await server.http.get(`${url}/db-password`).set('Accept', 'application/yaml').expect(200);
    expect(asYaml.text).not.toContain(value);
    expect((yaml.load(asYaml.text) as Json).spec).toEqual({ kind: 'PLAIN' });

    // stored encrypted with the key, bound to the resource
    const stored = await storedSpec(ns, 'db-password');
    expect(Object.keys(stored).sort()).toEqual(['encryptedValue', 'kind']);
    expect(SecretCipher.withKey(KEY).decrypt(stored.encryptedValue, secretAad(ns, 'db-password'))).toBe(value);

    // PATCH without a value keeps the stored one (and a client cannot write the ciphertext)
    const relabelled = expectSecret(
      await server.http.patch(`${url}/db-password`).send({ metadata: { labels: { team: 'b' } }, spec: { encryptedValue: 'v1:AAAA' } }),
    );
    expect(relabelled.metadata).toMatchObject({ resourceVersion: 2, labels: { team: 'b' } });
    expect((await storedSpec(ns, 'db-password')).encryptedValue).toBe(stored.encryptedValue);
    // spec.value: null removes nothing either
    expectSecret(await server.http.patch(`${url}/db-password`).send({ spec: { value: null } }));
    expect((await storedSpec(ns, 'db-password')).encryptedValue).toBe(stored.encryptedValue);

    // PATCH with a value re-encrypts (fresh IV)
    const next = secretText('pw2');
    const patched = expectSecret(await server.http.patch(`${url}/db-password`).set('Content-Type', 'application/yaml').send(`spec:\n  value: ${next}\n`));
    expect(patched.metadata.resourceVersion).toBe(3); // the `value: null` PATCH changed nothing, so it made no version
    expect(JSON.stringify(patched)).not.toContain(next);
    const restored = await storedSpec(ns, 'db-password');
    expect(SecretCipher.withKey(KEY).decrypt(restored.encryptedValue, secretAad(ns, 'db-password'))).toBe(next);

    // duplicate name → 409, no value in the error
    const dup = await server.http.post(url).send(secret('db-password', value));
    expect(dup.status).toBe(409);
    expect(dup.text).not.toContain(value);

    // DELETE → 200 with the deleted resource, redacted; then 404
    const deleted = expectSecret(await server.http.delete(`${url}/db-password`));
    expect(deleted.metadata).toMatchObject({ id: created.metadata.id, resourceVersion: 3 });
    expect((await server.http.get(`${url}/db-password`)).status).toBe(404);
    expect((await server.http.delete(`${url}/db-password`)).status).toBe(404);
    expect((await server.http.patch(`${url}/db-password`).send({ spec: { value: 'x' } })).status).toBe(404);
  });

  it('names: at most 250 characters of [0-9a-zA-Z-_], immutable', async () => {
    const { url } = await setup();
    for (const name of ['Resource_Name_01', 'resource-name-01', 'A'.repeat(250), '_x-Y_']) {
      expectSecret(await server.http.post(url).send(secret(name, 'v')), 201);
    }
    for (const name of ['A'.repeat(251), 'bad.name', 'with space', 'ümlaut', 'a/b']) {
      expectValidation(await server.http.post(url).send(secret(name, 'v')), 'metadata.name');
    }
    expectValidation(await server.http.post(url).send({ spec: { kind: 'PLAIN', value: 'v' } }), 'metadata.name');
    const rename = await server.http.patch(`${url}/Resource_Name_01`).send({ metadata: { name: 'other' } });
    expectValidation(rename, 'metadata.name');
    expect((await server.http.get(`${url}/other`)).status).toBe(404);
  });

  it('spec: kind PLAIN (case-insensitive) and a string value are required; errors never echo the value', async () => {
    const { url } = await setup();
    const value = secretText('leak');
    const bodies: Response[] = [];
    const check = async (body: unknown, attribute: string, contentType = 'application/json') => {
      const res = await server.http.post(url).set('Content-Type', contentType).send(body as object);
      bodies.push(res);
      expectValidation(res, attribute);
    };
    await check({ metadata: { name: 'a' }, spec: { kind: null, value } }, 'spec.kind');
    await check({ metadata: { name: 'a' }, spec: { value } }, 'spec.kind');
    await check(secret('a', value, 'OPAQUE'), 'spec.kind');
    await check(secret('a', value, 7), 'spec.kind');
    await check(secret('a', undefined), 'spec.value');
    await check(secret('a', { nested: value }), 'spec.value');
    await check(secret('a', [value]), 'spec.value');
    await check(secret('a', 123456789), 'spec.value');
    // malformed documents holding the value
    for (const [type, text] of [
      ['application/json', `{"metadata":{"name":"a"},"spec":{"kind":"PLAIN","value":${value}}}`],
      ['application/json', `{"metadata":{"name":"a"},"spec":{"kind":"PLAIN","value":"${value}"}`],
      ['application/yaml', `metadata: {name: a}\nspec:\n  kind: PLAIN\n  value: "${value}\n   bad: [`],
    ]) {
      const res = await server.http.post(url).set('Content-Type', type).send(text);
      expect(res.status).toBe(400);
      bodies.push(res);
    }
    for (const res of bodies) {
      expect(res.text).not.toContain(value);
      expect(res.text).not.toContain('123456789');
    }
    expectSecret(await server.http.post(url).send(secret('ok', value, 'Plain')), 201); // the 2.7.1 Swagger example's spelling
    expectSecret(await server.http.post(url).send(secret('empty', '')), 201);
    // PATCH: kind must stay PLAIN, value must be a string
    expectValidation(await server.http.patch(`${url}/ok`).send({ spec: { kind: 'OPAQUE' } }), 'spec.kind');
    expectValidation(await server.http.patch(`${url}/ok`).send({ spec: { kind: null } }), 'spec.kind');
    const bad = await server.http.patch(`${url}/ok`).send({ spec: { value: { v: value } } });
    expectValidation(bad, 'spec.value');
    expect(bad.text).not.toContain(value);
    expect((await server.http.get(`${url}/ok`)).body.metadata.resourceVersion).toBe(1);
  });

  it('the database holds no plaintext value', async () => {
    const { ns, url } = await setup();
    const values = [secretText('plain'), `ünïcødé-${secretText('u')}`, secretText('yaml')];
    expectSecret(await server.http.post(url).send(secret('one', values[0])), 201);
    expectSecret(await server.http.post(url).send(secret('two', values[1])), 201);
    const y = await server.http.post(url).set('Content-Type', 'application/yaml').send(`metadata:\n  name: three\nspec:\n  kind: PLAIN\n  value: ${values[2]}\n`);
    expectSecret(y, 201);
    const rows = await allRowsText();
    expect(rows).toContain(ns);
    for (const v of values) {
      expect(rows).not.toContain(v);
      expect(rows).not.toContain(Buffer.from(v).toString('base64'));
    }
  });

  it('without SECRETS_KEY the key file is created in DATA_DIR with mode 0600 on first use', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'secrets-data-'));
    const own = await startTestServer({ DATA_DIR: dataDir });
    try {
      const path = join(dataDir, KEY_FILE_NAME);
      expect(() => statSync(path)).toThrow(); // not before the first use
      const ns = await createNamespace(own.http, 'svkey');
      expectSecret(await own.http.post(`/api/v1/namespaces/${ns}/secret-values`).send(secret('k', 'v')), 201);
      expect(statSync(path).mode & 0o777).toBe(0o600);
    } finally {
      await own.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('secret references in deployments', () => {
  let server: TestServer;
  let fast: TestServer | undefined;
  beforeAll(async () => (server = await startTestServer(SECRETS)));
  afterAll(async () => {
    await fast?.close();
    await server.close();
  });

  const api = (ns: string) => `/api/v1/namespaces/${ns}`;

  async function namespaceWithTarget(s: TestServer): Promise<string> {
    const ns = await createNamespace(s.http, 'svd');
    await s.http.post(`${api(ns)}/deployment-targets`).send({ metadata: { name: 't' }, spec: { kubernetes: { namespace: 'jobs' } } }).expect(201);
    return ns;
  }

  function deployment(name: string, jarUri: string, flinkConfiguration: Json = {}, spec: Json = {}): Json {
    return {
      metadata: { name },
      spec: { state: 'RUNNING', deploymentTargetName: 't', template: { spec: { artifact: { kind: 'JAR', jarUri }, flinkConfiguration } }, ...spec },
    };
  }

  async function poll(s: TestServer, ns: string, name: string, state: string): Promise<Json> {
    return eventually(
      async () => {
        const d = (await s.http.get(`${api(ns)}/deployments/${name}`).expect(200)).body;
        return d.status.state === state && !d.metadata.annotations[TRANSITIONING] ? d : undefined;
      },
      20_000,
      `${name} ${state}`,
    );
  }

  it('a reference to a missing secret is a 400 when the deployment is to run (names the secret, not any value)', async () => {
    const ns = await namespaceWithTarget(server);
    const value = secretText('present');
    await server.http.post(`${api(ns)}/secret-values`).send(secret('present', value)).expect(201);
    const res = await server.http
      .post(`${api(ns)}/deployments`)
      .send(deployment('d', 'https://repo/${missing_jar}/app.jar', { 'a.password': '${present}', 'b.password': 'x-${Missing-Conf}-y', 'c.literal': '$plain {braces}' }));
    expect(res.body.errors).toHaveLength(2);
    expect(expectValidationError(res, 'spec.template.spec.artifact.jarUri').message).toContain('"missing_jar"');
    expect(expectValidationError(res, 'spec.template.spec.flinkConfiguration.b.password').message).toContain('"Missing-Conf"');
    expect(res.text).not.toContain(value);
    // PATCH to RUNNING is checked the same way; a stopped deployment may reference what does not exist yet
    await server.http.post(`${api(ns)}/deployments`).send(deployment('later', 'https://repo/${later}.jar', {}, { state: 'CANCELLED' })).expect(201);
    expectValidation(await server.http.patch(`${api(ns)}/deployments/later`).send({ spec: { state: 'RUNNING' } }), 'spec.template.spec.artifact.jarUri');
    await server.http.post(`${api(ns)}/secret-values`).send(secret('later', 'v')).expect(201);
    await server.http.patch(`${api(ns)}/deployments/later`).send({ spec: { state: 'RUNNING' } }).expect(200);
  });

  it('references are resolved only for the runtime; the value is in no response, event, log line or row', async () => {
    // Prepared while no reconciler runs: a deployment whose secret is deleted before it starts, and
    // one whose ciphertext is tampered with in the database.
    const nsFail = await namespaceWithTarget(server);
    const goneValue = secretText('gone');
    const tamperedValue = secretText('tampered');
    await server.http.post(`${api(nsFail)}/secret-values`).send(secret('gone', goneValue)).expect(201);
    await server.http.post(`${api(nsFail)}/secret-values`).send(secret('tampered', tamperedValue)).expect(201);
    const gone = (await server.http.post(`${api(nsFail)}/deployments`).send(deployment('gone', 'https://repo/${gone}.jar', {}, { maxJobCreationAttempts: 2 })).expect(201)).body;
    const tampered = (
      await server.http.post(`${api(nsFail)}/deployments`).send(deployment('tampered', 'https://repo/a.jar', { 'x.key': '${tampered}' }, { maxJobCreationAttempts: 1 })).expect(201)
    ).body;
    await server.http.delete(`${api(nsFail)}/secret-values/gone`).expect(200);
    await withDb(async (db) => {
      const { rows } = await db.query(`SELECT spec->>'encryptedValue' AS e FROM resources WHERE namespace = $1 AND kind = 'SecretValue' AND name = 'tampered'`, [nsFail]);
      const raw = Buffer.from((rows[0].e as string).slice(3), 'base64');
      raw[raw.length - 1] ^= 0x55;
      await db.query(`UPDATE resources SET spec = jsonb_set(spec, '{encryptedValue}', to_jsonb($3::text)) WHERE namespace = $1 AND kind = 'SecretValue' AND name = $2`, [
        nsFail,
        'tampered',
        `v1:${raw.toString('base64')}`,
      ]);
    });

    recorder = new LeakRecorder();
    recorder.captureLogs();
    try {
      fast = await startTestServer({ ...FAST_RUNTIME, ...SECRETS, LOG_LEVEL: 'debug' });
      recorder.attach(fast);
      const http = fast.http;
      const ns = await namespaceWithTarget(fast);
      const jarValue = secretText('jar');
      const passValue = secretText('pass');
      await http.post(`${api(ns)}/secret-values`).send(secret('JAR_PATH', jarValue)).expect(201);
      await http.post(`${api(ns)}/secret-values`).send(secret('db_password', passValue)).expect(201);
      const conf = { 'custom.password': '${db_password}', 'custom.dsn': 'user:${db_password}@${JAR_PATH}', 'plain.key': 'plain' };
      const jarUri = 'https://repo.example.com/${JAR_PATH}/app.jar';
      const created = (await http.post(`${api(ns)}/deployments`).send(deployment('app', jarUri, conf)).expect(201)).body;
      const running = await poll(fast, ns, 'app', 'RUNNING');

      // the Deployment and the Job keep the references
      expect(running.spec.template.spec.artifact.jarUri).toBe(jarUri);
      expect(running.spec.template.spec.flinkConfiguration).toMatchObject(conf);
      const job = (await http.get(`${api(ns)}/jobs/${running.status.running.jobId}`).expect(200)).body;
      expect(job.spec.artifact.jarUri).toBe(jarUri);
      expect(job.spec.flinkConfiguration).toMatchObject(conf);
      expect(job.spec.userFlinkConfiguration).toMatchObject(conf);

      // the runtime received the resolved values (it keeps only their digests)
      const runtime = fast.app.get(FLINK_RUNTIME) as SimulatedFlinkRuntime;
      const digests = runtime.submittedDigests(job.metadata.id)!;
      expect(digests.jarUri).toBe(sha256(`https://repo.example.com/${jarValue}/app.jar`));
      expect(digests.flinkConfiguration['custom.password']).toBe(sha256(passValue));
      expect(digests.flinkConfiguration['custom.dsn']).toBe(sha256(`user:${passValue}@${jarValue}`));
      expect(digests.flinkConfiguration['plain.key']).toBe(sha256('plain'));

      // the secret deleted before the start: FAILED starts naming it, counted toward maxJobCreationAttempts
      const goneFailed = await poll(fast, nsFail, 'gone', 'FAILED');
      const goneEvents = (await http.get(`${api(nsFail)}/events?deploymentId=${gone.metadata.id}`).expect(200)).body.items;
      const failedStarts = goneEvents.filter((e: Json) => e.metadata.name === 'FAILED_CREATING_A_NEW_JOB');
      expect(failedStarts).toHaveLength(2);
      for (const e of failedStarts) expect(e.spec.message).toMatch(/Secret value "gone" .*does not exist/);
      expect(goneEvents.map((e: Json) => e.metadata.name)).toContain('TOO_MANY_FAILED_JOB_CREATION_ATTEMPTS');
      expect(goneFailed.status.state).toBe('FAILED');
      const goneJobs = (await http.get(`${api(nsFail)}/jobs?deploymentId=${gone.metadata.id}`).expect(200)).body.items;
      expect(goneJobs.map((j: Json) => j.status.state)).toEqual(['FAILED', 'FAILED']);
      expect(goneJobs[0].status.failure).toMatchObject({ reason: 'SecretValueMissing' });
      for (const j of goneJobs) expect(runtime.submittedDigests(j.metadata.id)).toBeUndefined(); // never submitted

      // the tampered ciphertext: a clear failure, no plaintext
      await poll(fast, nsFail, 'tampered', 'FAILED');
      const tamperedEvents = (await http.get(`${api(nsFail)}/events?deploymentId=${tampered.metadata.id}`).expect(200)).body.items;
      const tamperedFailure = tamperedEvents.find((e: Json) => e.metadata.name === 'FAILED_CREATING_A_NEW_JOB');
      expect(tamperedFailure.spec.message).toMatch(/Secret value "tampered" cannot be decrypted/);

      // read everything back once more, so that every representation went through a response
      for (const n of [ns, nsFail]) {
        for (const plural of ['deployments', 'jobs', 'events', 'secret-values']) {
          await http.get(`${api(n)}/${plural}`).expect(200);
          await http.get(`${api(n)}/${plural}`).set('Accept', 'application/yaml').expect(200);
        }
      }
      await http.get(`${api(ns)}/secret-values/JAR_PATH`).expect(200);
      await http.patch(`${api(ns)}/deployments/app`).send({ spec: { state: 'CANCELLED' } }).expect(200);
      await poll(fast, ns, 'app', 'CANCELLED');
      await http.delete(`${api(ns)}/secret-values/db_password`).expect(200);
      void created;

      const everything = [...recorder.bodies, ...recorder.logs].join('\n');
      expect(recorder.bodies.length).toBeGreaterThan(20);
      expect(recorder.logs.length).toBeGreaterThan(0); // LOG_LEVEL debug: the server did log
      const rows = await allRowsText();
      for (const v of [jarValue, passValue, goneValue, tamperedValue]) {
        expect(everything).not.toContain(v);
        expect(rows).not.toContain(v);
      }
    } finally {
      recorder.detach();
    }
  });
});
