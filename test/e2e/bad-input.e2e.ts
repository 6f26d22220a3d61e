import { request as httpRequest } from 'node:http';
import type { Response } from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createNamespace, startTestServer, TestServer } from '../support/app';
import * as shared from '../support/errors';

// Hostile and malformed input: every bad request gets the documented error shape of its API family
// and writes nothing (checked by reading back afterwards).

const TARGET = 'bad-input-target';

function deploymentBody(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'Deployment',
    apiVersion: 'v1',
    metadata: { name },
    spec: {
      deploymentTargetName: TARGET,
      template: { spec: { parallelism: 1, artifact: { kind: 'JAR', flinkVersion: '1.19', jarUri: 'https://example.com/job.jar' } } },
    },
    ...extra,
  };
}

/** Every error response any test saw; checked at the end for stack traces. */
const errorResponses: Response[] = [];

function record(res: Response): Response {
  if (res.status >= 400) errorResponses.push(res);
  return res;
}

// The shared strict checks, recording each response first so the last test can re-check them all.
function expectApiException(res: Response, status: number): void {
  shared.expectApiException(record(res), status);
}

function expectValidation(res: Response, attribute?: string | RegExp): void {
  shared.expectValidation(record(res), attribute);
}

/** 400 in either AppManager shape (validation or plain ApiException). */
function expectAppManager400(res: Response): void {
  record(res);
  expect(res.status).toBe(400);
  if (res.body?.kind === 'ApiValidationException') expectValidation(res);
  else expectApiException(res, 400);
}

function expectPlatformError(res: Response, status: number, code?: string): void {
  shared.expectPlatformError(record(res), status, code);
}

describe('bad input', () => {
  let server: TestServer;
  let http: TestAgent;
  let ns: string;
  /** the deployment every PATCH test aims at, and its resourceVersion after setup */
  const DEP = 'victim';

  beforeAll(async () => {
    server = await startTestServer();
    http = server.http;
    ns = await createNamespace(http, 'bad');
    const t = await http.post(`/api/v1/namespaces/${ns}/deployment-targets`).send({ metadata: { name: TARGET }, spec: { kubernetes: { namespace: 'jobs' } } });
    expect(t.status).toBe(201);
    const d = await http.post(`/api/v1/namespaces/${ns}/deployments`).send(deploymentBody(DEP, { metadata: { name: DEP, labels: { keep: 'me' } } }));
    expect(d.status).toBe(201);
  });
  afterAll(() => server.close());

  const base = () => `/api/v1/namespaces/${ns}/deployments`;
  const targets = () => `/api/v1/namespaces/${ns}/deployment-targets`;

  /** Snapshot of everything a write could change in the namespace. */
  async function snapshot(): Promise<{ deployments: unknown; targets: unknown; victim: unknown }> {
    const [d, t, v] = await Promise.all([http.get(base()), http.get(targets()), http.get(`${base()}/${DEP}`)]);
    expect(d.status).toBe(200);
    expect(t.status).toBe(200);
    expect(v.status).toBe(200);
    return { deployments: d.body.items, targets: t.body.items, victim: v.body };
  }

  /** Runs `act`, then asserts that nothing in the namespace changed. */
  async function expectNoWrite(act: () => Promise<void>): Promise<void> {
    const before = await snapshot();
    await act();
    const after = await snapshot();
    expect(after).toEqual(before);
  }

  const rawPost = (url: string, type: string, body: string) => http.post(url).set('Content-Type', type).send(body);
  const rawPatch = (url: string, type: string, body: string) => http.patch(url).set('Content-Type', type).send(body);

  describe('malformed documents', () => {
    it.each([
      ['truncated object', '{"metadata": {"name": "x"'],
      ['trailing comma', '{"metadata": {"name": "x",}}'],
      ['single quotes', "{'metadata': {}}"],
      ['garbage', 'not json at all'],
    ])('malformed JSON (%s) → 400 ApiException, nothing written', async (_label, text) => {
      await expectNoWrite(async () => {
        expectApiException(await rawPost(base(), 'application/json', text), 400);
        expectApiException(await rawPatch(`${base()}/${DEP}`, 'application/json', text), 400);
      });
    });

    it('malformed YAML → 400 ApiException, nothing written', async () => {
      await expectNoWrite(async () => {
        const bad = 'metadata:\n  name: x\n spec: [unclosed\n  - : :';
        expectApiException(await rawPost(base(), 'application/yaml', bad), 400);
        expectApiException(await rawPatch(`${base()}/${DEP}`, 'application/yaml', 'spec: {a: [1, 2'), 400);
        expectApiException(await rawPost(base(), 'application/yaml', 'a: b\na: c\n'), 400); // duplicate key
      });
    });

    it('YAML alias expansion ("billion laughs") → 4xx within 1 s, nothing written', async () => {
      const lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
      for (let i = 1; i <= 9; i++) {
        const refs = Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ');
        lines.push(`a${i}: &a${i} [${refs}]`);
      }
      const bomb = `kind: Deployment\nmetadata:\n  name: lol\n  labels: *a9\nspec:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
      await expectNoWrite(async () => {
        const started = Date.now();
        const res = await rawPost(base(), 'application/yaml', bomb);
        const elapsed = Date.now() - started;
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expectApiException(res, res.status);
        expect(elapsed).toBeLessThan(1000);

        const started2 = Date.now();
        const res2 = await rawPatch(`${base()}/${DEP}`, 'application/yaml', `spec:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
        expect(Date.now() - started2).toBeLessThan(1000);
        expect(res2.status).toBeGreaterThanOrEqual(400);
        expect(res2.status).toBeLessThan(500);
        expectApiException(res2, res2.status);
      });
    });

    it.each([101, 1000, 100_000])('JSON nested %i levels deep → 400, nothing written', async (depth) => {
      const nested = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
      await expectNoWrite(async () => {
        expectAppManager400(await rawPost(base(), 'application/json', `{"metadata":{"name":"deep"},"spec":${nested}}`));
        expectAppManager400(await rawPatch(`${base()}/${DEP}`, 'application/json', `{"spec":{"template":{"spec":{"flinkConfiguration":${nested}}}}}`));
        const arrays = '['.repeat(depth) + ']'.repeat(depth);
        expectAppManager400(await rawPatch(`${base()}/${DEP}`, 'application/json', `{"metadata":{"labels":{"x":${arrays}}}}`));
      });
    });

    it.each([101, 1000, 10_000])('YAML nested %i levels deep → 400, nothing written', async (depth) => {
      const flow = '{a: '.repeat(depth) + '1' + '}'.repeat(depth);
      let block = '';
      for (let i = 0; i < Math.min(depth, 1000); i++) block += `${' '.repeat(i)}k:\n`;
      block += `${' '.repeat(Math.min(depth, 1000))}v`;
      await expectNoWrite(async () => {
        expectAppManager400(await rawPost(base(), 'application/yaml', `metadata: {name: deep}\nspec: ${flow}\n`));
        expectAppManager400(await rawPatch(`${base()}/${DEP}`, 'application/yaml', `spec: ${flow}\n`));
        expectAppManager400(await rawPatch(`${base()}/${DEP}`, 'application/yaml', block));
      });
    });
  });

  describe('wrong types and unknown enum values', () => {
    it.each([
      ['parallelism: "one"', { spec: { template: { spec: { parallelism: 'one' } } } }, /parallelism/],
      ['labels: [1]', { metadata: { labels: [1] } }, 'metadata.labels'],
      ['labels value not a string', { metadata: { labels: { a: 1 } } }, /metadata\.labels/],
      ['spec: "x"', { spec: 'x' }, 'spec'],
      ['metadata: 5', { metadata: 5 }, 'metadata'],
      ['state: FLYING', { spec: { state: 'FLYING' } }, /spec\.state/],
      ['upgradeStrategy.kind: SIDEWAYS', { spec: { upgradeStrategy: { kind: 'SIDEWAYS' } } }, /upgradeStrategy/],
      ['restoreStrategy.kind: SOMETIMES', { spec: { restoreStrategy: { kind: 'SOMETIMES' } } }, /restoreStrategy/],
      ['artifact.kind: ZIP', { spec: { template: { spec: { artifact: { kind: 'ZIP' } } } } }, /artifact/],
      ['kind: Banana', { kind: 'Banana' }, 'kind'],
      ['apiVersion: v2', { apiVersion: 'v2' }, 'apiVersion'],
    ])('%s → 400 ApiValidationException on POST, PATCH and PUT; nothing written', async (_label, bad, attribute) => {
      await expectNoWrite(async () => {
        const valid = deploymentBody('wrong-type');
        const merged = {
          ...valid,
          ...bad,
          ...('metadata' in bad && typeof bad.metadata === 'object' && !Array.isArray(bad.metadata) && bad.metadata
            ? { metadata: { ...(valid.metadata as object), ...(bad.metadata as object) } }
            : {}),
          ...('spec' in bad && typeof bad.spec === 'object' && bad.spec
            ? { spec: mergeSpec(valid.spec as Record<string, unknown>, bad.spec as Record<string, unknown>) }
            : {}),
        };
        expectValidation(await http.post(base()).send(merged), attribute);
        expectValidation(await http.put(`${base()}/wrong-type`).send(merged), attribute);
        expectValidation(await http.patch(`${base()}/${DEP}`).send(bad), attribute);
      });
    });

    it('wrong types in a deployment target → 400, nothing written', async () => {
      await expectNoWrite(async () => {
        expectValidation(await http.post(targets()).send({ metadata: { name: 'tt' }, spec: { kubernetes: { namespace: 5 } } }), /spec\.kubernetes/);
        expectValidation(await http.post(targets()).send({ metadata: { name: 'tt' }, spec: [] }), 'spec');
      });
    });
  });

  describe('name rules', () => {
    it.each([
      ['longer than 63 characters', 'a'.repeat(64)],
      ['uppercase', 'MyDeployment'],
      ['leading -', '-leading'],
      ['trailing -', 'trailing-'],
      ['underscore', 'under_score'],
      ['dot', 'has.dot'],
      ['empty', ''],
      ['not a string', 42],
    ])('deployment name %s → 400 on metadata.name, nothing written', async (_label, name) => {
      await expectNoWrite(async () => {
        const body = deploymentBody('x');
        (body.metadata as Record<string, unknown>).name = name;
        expectValidation(await http.post(base()).send(body), 'metadata.name');
      });
    });

    it('deployment name rules on PUT (name from the URL)', async () => {
      await expectNoWrite(async () => {
        for (const name of ['a'.repeat(64), 'Upper', '-lead', 'trail-', 'under_score']) {
          const body = deploymentBody(name);
          delete (body.metadata as Record<string, unknown>).name;
          expectValidation(await http.put(`${base()}/${encodeURIComponent(name)}`).send(body), 'metadata.name');
        }
      });
    });

    it('a missing deployment name → 400', async () => {
      await expectNoWrite(async () => {
        const body = deploymentBody('x');
        delete (body.metadata as Record<string, unknown>).name;
        expectValidation(await http.post(base()).send(body), 'metadata.name');
      });
    });

    it('a 63-character lowercase name is accepted (boundary)', async () => {
      const name = 'b'.repeat(63);
      const res = await http.post(base()).send(mergeSpec(deploymentBody(name), { spec: { state: 'CANCELLED' } }));
      expect(res.status).toBe(201);
      const del = await http.delete(`${base()}/${name}`);
      expect(del.status).toBe(200);
    });

    it.each([
      ['longer than 250 characters', 't'.repeat(251)],
      ['with spaces', 'my target'],
      ['with a dot', 'my.target'],
      ['with a slash', 'a/b'],
      ['empty', ''],
    ])('deployment target name %s → 400 on metadata.name, nothing written', async (_label, name) => {
      await expectNoWrite(async () => {
        expectValidation(await http.post(targets()).send({ metadata: { name }, spec: { kubernetes: { namespace: 'x' } } }), 'metadata.name');
      });
    });

    it('a 250-character target name with uppercase and underscore is accepted (boundary)', async () => {
      const name = `Resource_Name_01-${'x'.repeat(250 - 17)}`;
      expect(name).toHaveLength(250);
      const res = await http.post(targets()).send({ metadata: { name }, spec: { kubernetes: { namespace: 'x' } } });
      expect(res.status).toBe(201);
      expect((await http.delete(`${targets()}/${name}`)).status).toBe(200);
    });
  });

  describe('prototype keys', () => {
    it.each([
      ['top-level __proto__', '{"__proto__": {"polluted": "yes"}}'],
      ['__proto__ in labels', '{"metadata": {"labels": {"__proto__": {"polluted": "yes"}}}}'],
      ['__proto__ in spec', '{"spec": {"__proto__": {"state": "RUNNING"}}}'],
      ['constructor.prototype in spec', '{"spec": {"template": {"spec": {"flinkConfiguration": {"constructor": {"prototype": {"polluted": "yes"}}}}}}}'],
      ['constructor in labels', '{"metadata": {"labels": {"constructor": "x"}}}'],
      ['__proto__ next to a valid change', '{"metadata": {"labels": {"fine": "yes"}}, "spec": {"__proto__": {"x": 1}}}'],
    ])('PATCH with %s → 400, resource unchanged, no prototype pollution', async (_label, text) => {
      await expectNoWrite(async () => {
        expectAppManager400(await rawPatch(`${base()}/${DEP}`, 'application/json', text));
      });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((Object.prototype as unknown as Record<string, unknown>).state).toBeUndefined();
    });

    it('YAML PATCH with a __proto__ key → 400, resource unchanged', async () => {
      await expectNoWrite(async () => {
        expectAppManager400(await rawPatch(`${base()}/${DEP}`, 'application/yaml', 'metadata:\n  labels:\n    __proto__:\n      polluted: yes\n'));
        expectAppManager400(await rawPatch(`${base()}/${DEP}`, 'application/yaml', '__proto__:\n  polluted: yes\n'));
      });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('POST with a __proto__ key → 400, nothing created', async () => {
      await expectNoWrite(async () => {
        const body = JSON.stringify(deploymentBody('proto')).replace('"spec":{', '"spec":{"__proto__":{"state":"RUNNING"},');
        expect(body).toContain('"__proto__"');
        expectAppManager400(await rawPost(base(), 'application/json', body));
      });
    });
  });

  describe('body size limit', () => {
    it('a body over the default 1 MiB limit → 413 ApiException, nothing written', async () => {
      await expectNoWrite(async () => {
        const body = JSON.stringify(deploymentBody('too-big', { padding: 'x'.repeat(1024 * 1024) }));
        expectApiException(await rawPost(base(), 'application/json', body), 413);
        const patch = JSON.stringify({ metadata: { labels: { big: 'y'.repeat(1024 * 1024 + 10) } } });
        expectApiException(await rawPatch(`${base()}/${DEP}`, 'application/json', patch), 413);
      });
    });

    it('a body just under 1 MiB is read (not 413)', async () => {
      const body = JSON.stringify({ metadata: { name: 'under-limit' }, spec: { x: 'x'.repeat(1024 * 1024 - 200) } });
      expect(Buffer.byteLength(body)).toBeLessThan(1024 * 1024);
      const res = await rawPost(base(), 'application/json', body);
      expect(res.status).not.toBe(413);
      // whatever else it is, it must not have been written as a deployment with an unknown spec field by accident
      if (res.status === 201) expect((await http.delete(`${base()}/under-limit`)).status).toBe(200);
    });

    it('a chunked body (no Content-Length) over the limit → 413', async () => {
      await expectNoWrite(async () => {
        const res = await chunkedRequest(server, 'POST', base(), JSON.stringify(deploymentBody('chunked', { padding: 'z'.repeat(1024 * 1024 + 1) })));
        expect(res.status).toBe(413);
        expect(res.body).toMatchObject({ kind: 'ApiException', apiVersion: 'v1', statusCode: 413, reason: expect.any(String) });
        expect(res.text).not.toMatch(/\n\s+at /);
      });
    });

    describe('with MAX_BODY_BYTES=2048', () => {
      let small: TestServer;
      beforeAll(async () => (small = await startTestServer({ MAX_BODY_BYTES: '2048' })));
      afterAll(() => small.close());

      it('2049 bytes → 413 on both APIs; 2048 bytes are read', async () => {
        await expectNoWrite(async () => {
          const prefix = JSON.stringify(mergeSpec(deploymentBody('small-limit'), { spec: { state: 'CANCELLED' } })).slice(0, -1);
          const pad = (size: number) => `${prefix},"pad":"${'p'.repeat(size - prefix.length - 10)}"}`;
          const over = pad(2049);
          expect(Buffer.byteLength(over)).toBe(2049);
          expectApiException(await small.http.post(base()).set('Content-Type', 'application/json').send(over), 413);
          expectApiException(await small.http.patch(`${base()}/${DEP}`).set('Content-Type', 'application/yaml').send(`metadata:\n  labels:\n    a: "${'q'.repeat(2100)}"\n`), 413);
          const exact = pad(2048);
          expect(Buffer.byteLength(exact)).toBe(2048);
          const ok = await small.http.post(base()).set('Content-Type', 'application/json').send(exact);
          expect(ok.status).not.toBe(413);
          if (ok.status === 201) expect((await small.http.delete(`${base()}/small-limit`)).status).toBe(200);
        });
        const nsName = `namespaces/big-${'n'.repeat(10)}`;
        expectPlatformError(
          await small.http.post('/namespaces/v1/namespaces').set('Content-Type', 'application/json').send(JSON.stringify({ name: nsName, pad: 'x'.repeat(3000) })),
          413,
        );
        expect((await small.http.get(`/namespaces/v1/namespaces/big-${'n'.repeat(10)}`)).status).toBe(404);
      });
    });
  });

  describe('content negotiation', () => {
    it.each([
      ['text/plain', 'metadata: {name: plain}'],
      ['application/x-www-form-urlencoded', 'metadata[name]=form'],
      ['application/xml', '<deployment/>'],
      ['multipart/form-data; boundary=x', '--x\r\n\r\nhi\r\n--x--'],
    ])('Content-Type %s → 415 ApiException, nothing written', async (type, text) => {
      await expectNoWrite(async () => {
        expectApiException(await rawPost(base(), type, text), 415);
        expectApiException(await rawPatch(`${base()}/${DEP}`, type, text), 415);
        expectApiException(await http.put(`${base()}/${DEP}`).set('Content-Type', type).send(text), 415);
      });
    });

    it('YAML sent to the Platform API → 415 Platform error, nothing written', async () => {
      const name = `yaml-${Date.now().toString(36)}`;
      expectPlatformError(await rawPost('/namespaces/v1/namespaces', 'application/yaml', `name: namespaces/${name}\n`), 415);
      expect((await http.get(`/namespaces/v1/namespaces/${name}`)).status).toBe(404);
      const before = (await http.get(`/namespaces/v1/namespaces/${ns}`)).body;
      expectPlatformError(await rawPatch(`/namespaces/v1/namespaces/${ns}`, 'application/yaml', 'roleBindings: []\n'), 415);
      expectPlatformError(await rawPatch(`/namespaces/v1/namespaces/${ns}`, 'text/plain', '{}'), 415);
      expect((await http.get(`/namespaces/v1/namespaces/${ns}`)).body).toEqual(before);
    });

    it('Accept: text/html → 406 with no write (AppManager)', async () => {
      await expectNoWrite(async () => {
        const res = await http.post(base()).set('Accept', 'text/html').send(deploymentBody('html-wanted'));
        expectApiException(res, 406);
        const patch = await http.patch(`${base()}/${DEP}`).set('Accept', 'text/html').send({ metadata: { labels: { html: 'no' } } });
        expectApiException(patch, 406);
        const del = await http.delete(`${base()}/${DEP}`).set('Accept', 'text/html');
        expectApiException(del, 406);
      });
    });

    it('Accept: application/yaml on the Platform API → 406 with no write', async () => {
      const name = `acc-${Date.now().toString(36)}`;
      const res = await http.post('/namespaces/v1/namespaces').set('Accept', 'application/yaml').send({ name: `namespaces/${name}` });
      expectPlatformError(res, 406);
      const html = await http.post('/namespaces/v1/namespaces').set('Accept', 'text/html').send({ name: `namespaces/${name}` });
      expectPlatformError(html, 406);
      expect((await http.get(`/namespaces/v1/namespaces/${name}`)).status).toBe(404);
    });

    it('errors are rendered in YAML when YAML is accepted', async () => {
      const res = await http.post(base()).set('Accept', 'application/yaml').set('Content-Type', 'application/json').send('{oops');
      record(res);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/yaml/);
      expect(res.text).toMatch(/kind: ApiException/);
      shared.expectNoStack(res);
    });
  });

  describe('PATCH bodies that are not objects', () => {
    it.each([
      ['an array', '[{"metadata": {"labels": {"a": "b"}}}]'],
      ['an empty array', '[]'],
      ['a number', '42'],
      ['a string', '"spec"'],
      ['true', 'true'],
      ['null', 'null'],
    ])('PATCH with %s → 400 ApiException, resource unchanged', async (_label, text) => {
      await expectNoWrite(async () => {
        expectAppManager400(await rawPatch(`${base()}/${DEP}`, 'application/json', text));
      });
    });

    it('YAML scalars and sequences as PATCH → 400', async () => {
      await expectNoWrite(async () => {
        expectAppManager400(await rawPatch(`${base()}/${DEP}`, 'application/yaml', '- a\n- b\n'));
        expectAppManager400(await rawPatch(`${base()}/${DEP}`, 'application/yaml', 'just a string\n'));
      });
    });

    it('POST/PUT bodies that are not objects → 400', async () => {
      await expectNoWrite(async () => {
        expectAppManager400(await rawPost(base(), 'application/json', '[]'));
        expectAppManager400(await rawPost(base(), 'application/json', '7'));
        expectAppManager400(await http.put(`${base()}/${DEP}`).set('Content-Type', 'application/json').send('"x"'));
      });
    });

    it('Platform PATCH with an array → 400 Platform error, namespace unchanged', async () => {
      const before = (await http.get(`/namespaces/v1/namespaces/${ns}`)).body;
      expectPlatformError(await rawPatch(`/namespaces/v1/namespaces/${ns}`, 'application/json', '[]'), 400, 'INVALID_ARGUMENT');
      expectPlatformError(await rawPatch(`/namespaces/v1/namespaces/${ns}`, 'application/json', '{"__proto__": {"x": 1}}'), 400, 'INVALID_ARGUMENT');
      expectPlatformError(await rawPost('/namespaces/v1/namespaces', 'application/json', '{"name": "namespaces/x"'), 400, 'INVALID_ARGUMENT');
      expect((await http.get(`/namespaces/v1/namespaces/${ns}`)).body).toEqual(before);
    });
  });

  describe('query parameters', () => {
    it('labelSelector given twice → 400', async () => {
      const res = await http.get(`${base()}?labelSelector=keep%3Dme&labelSelector=other%3Dx`);
      expectValidation(res, 'labelSelector');
    });

    it('a syntactically bad labelSelector → 400', async () => {
      expectValidation(await http.get(`${base()}?labelSelector=${encodeURIComponent('a in (b')}`), 'labelSelector');
      expectValidation(await http.get(`${base()}?labelSelector=${encodeURIComponent('=x')}`), 'labelSelector');
    });

    it('a bracketed labelSelector (object-style query) is not a crash', async () => {
      const res = await http.get(`${base()}?labelSelector[a]=b`);
      expect(res.status).toBeLessThan(500);
      if (res.status >= 400) expectAppManager400(res);
    });

    it('applyDefaults other than true/false → 400 and nothing written', async () => {
      await expectNoWrite(async () => {
        expectValidation(await http.put(`${base()}/${DEP}?applyDefaults=maybe`).send(deploymentBody(DEP)), 'applyDefaults');
        expectAppManager400(await http.put(`${base()}/${DEP}?applyDefaults=true&applyDefaults=false`).send(deploymentBody(DEP)));
      });
    });
  });

  describe('characters PostgreSQL cannot store', () => {
    it.each([
      ['NUL in a label value', '{"metadata": {"labels": {"a": "x\\u0000y"}}}', 'metadata.labels.a'],
      ['NUL in a label key', '{"metadata": {"labels": {"a\\u0000": "x"}}}', /^metadata\.labels\.a/],
      ['an unpaired surrogate', '{"spec": {"template": {"spec": {"flinkConfiguration": {"k": "\\ud800"}}}}}', 'spec.template.spec.flinkConfiguration.k'],
    ])('%s → 400 ApiValidationException (not 500), nothing written', async (_label, text, attribute) => {
      await expectNoWrite(async () => {
        expectValidation(await rawPatch(`${base()}/${DEP}`, 'application/json', text), attribute);
        const post = JSON.stringify(deploymentBody('nul-post')).slice(0, -1) + `,"extra":${text}}`;
        expectValidation(await rawPost(base(), 'application/json', post));
      });
    });

    it('a properly paired surrogate (emoji) is fine', async () => {
      const res = await http.patch(`${base()}/${DEP}`).send({ metadata: { labels: { emoji: 'ok' } } });
      expect(res.status).toBe(200);
      const undo = await http.patch(`${base()}/${DEP}`).send({ metadata: { labels: { emoji: null } } });
      expect(undo.status).toBe(200);
      expect(undo.body.metadata.labels).toEqual({ keep: 'me' });
      const body = JSON.stringify({ metadata: { displayName: 'rocket \u{1F680}' } });
      const r2 = await rawPatch(`${base()}/${DEP}`, 'application/json', body);
      expect(r2.status).toBe(200);
      expect(r2.body.metadata.displayName).toBe('rocket \u{1F680}');
    });

    it('NUL in a URL path parameter → 4xx, not 500', async () => {
      for (const url of [`${base()}/a%00b`, `/api/v1/namespaces/a%00b/deployments`, `/namespaces/v1/namespaces/a%00b`]) {
        const res = record(await http.get(url));
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        shared.expectNoStack(res);
      }
      await expectNoWrite(async () => {
        const res = record(await http.put(`${base()}/a%00b`).send(deploymentBody('a\u0000b')));
        expect(res.status).toBe(400);
        expectAppManager400(res);
        expectAppManager400(await http.patch(`${base()}/a%00b`).send({ metadata: { labels: { a: 'b' } } }));
        expectAppManager400(await http.delete(`${base()}/a%00b`));
      });
    });

    it('a number out of range (1e400, .inf, .nan) → 400, nothing written', async () => {
      await expectNoWrite(async () => {
        expectValidation(await rawPatch(`${base()}/${DEP}`, 'application/json', '{"spec": {"template": {"spec": {"parallelism": 1e400}}}}'), /parallelism/);
        expectValidation(await rawPatch(`${base()}/${DEP}`, 'application/yaml', 'spec:\n  template:\n    spec:\n      parallelism: .inf\n'), /parallelism/);
        expectValidation(await rawPatch(`${base()}/${DEP}`, 'application/yaml', 'metadata:\n  labels:\n    n: .nan\n'), /metadata\.labels\.n/);
      });
    });
  });

  describe('stack traces', () => {
    it('unknown endpoints and methods answer in the family shape, without a stack', async () => {
      const am = await http.get('/api/v1/no-such-thing');
      expectApiException(am, 404);
      const pf = await http.get('/namespaces/v1/no-such-thing/x/y');
      expectPlatformError(pf, 404);
    });

    it('no error response seen in this suite contains a stack trace', () => {
      expect(errorResponses.length).toBeGreaterThan(50);
      for (const res of errorResponses) shared.expectNoStack(res);
    });
  });
});

/** A request with a chunked body (no Content-Length), written in 64 KiB pieces. */
function chunkedRequest(server: TestServer, method: string, path: string, body: string): Promise<{ status: number; text: string; body: unknown }> {
  const { port } = server.app.getHttpServer().address() as { port: number };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, body: parsed });
      });
    });
    req.on('error', (e) => reject(e));
    const buf = Buffer.from(body);
    let offset = 0;
    const pump = () => {
      while (offset < buf.length) {
        const piece = buf.subarray(offset, offset + 65536);
        offset += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

function mergeSpec(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)
        ? mergeSpec(cur as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

describe('one answer lists every problem', () => {
  let server: import('../support/app').TestServer;
  beforeAll(async () => (server = await (await import('../support/app')).startTestServer()));
  afterAll(() => server.close());

  it('a bad name, a non-string label, an unknown state and a string parallelism → four errors, nothing written', async () => {
    const { createNamespace } = await import('../support/app');
    const ns = await createNamespace(server.http, 'many');
    const url = `/api/v1/namespaces/${ns}/deployments`;
    await server.http.post(`/api/v1/namespaces/${ns}/deployment-targets`).send({ metadata: { name: 't' }, spec: {} }).expect(201);
    const res = await server.http.post(url).send({
      metadata: { name: 'Not_A_Label', labels: { team: 7 } },
      spec: { state: 'RUNNIN', deploymentTargetName: 't', template: { spec: { parallelism: 'one', artifact: { kind: 'JAR', jarUri: 'https://x/y.jar' } } } },
    });
    expect(res.status).toBe(400);
    expect(res.body.kind).toBe('ApiValidationException');
    expect(res.body.errors.map((e: { attribute: string }) => e.attribute).sort()).toEqual(
      ['metadata.labels.team', 'metadata.name', 'spec.state', 'spec.template.spec.parallelism'].sort(),
    );
    expect((await server.http.get(url)).body.items).toEqual([]);
  });
});
