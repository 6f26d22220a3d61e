import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import * as yaml from 'js-yaml';
import { Client } from 'pg';
import { createNamespace, startTestServer, TestServer, testDatabaseUrl } from '../support/app';

// Hostile input, property-based (fast-check): generated bodies, paths, query strings and headers sent
// to every registered route of the in-process server. Never a 500 (or any 5xx), every 4xx is a JSON
// (or negotiated YAML) error body of the documented family shape, no stack traces, and a rejected
// request never writes: a probe namespace's rows (and the row counts of the whole database) are
// unchanged after every non-2xx answer.

jest.setTimeout(120_000);

const RUNS_RANDOM = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 500);
const RUNS_PER_ROUTE = 10;

interface Route {
  method: string;
  path: string; // with :params
}

function registeredRoutes(server: TestServer): Route[] {
  const express = server.app.getHttpAdapter().getInstance() as { router?: { stack: any[] }; _router?: { stack: any[] } };
  const out: Route[] = [];
  for (const layer of (express.router ?? express._router)!.stack) {
    if (!layer.route) continue;
    for (const path of [].concat(layer.route.path)) {
      for (const [method, on] of Object.entries(layer.route.methods as Record<string, boolean>)) {
        if (on && method !== '_all' && method !== 'head' && method !== 'options') out.push({ method: method.toUpperCase(), path });
      }
    }
  }
  return out;
}

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

function raw(port: number, s: Sent): Promise<{ status: number; type: string; text: string }> {
  return new Promise((ok, fail) => {
    const headers: Record<string, string | number> = { ...s.headers };
    if (s.body !== undefined) headers['Content-Length'] = Buffer.byteLength(s.body);
    const req = httpRequest({ host: '127.0.0.1', port, method: s.method, path: s.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode!, type: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end(s.body);
  });
}

// ---- generators ----

const weirdString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '😀', '𝔘𝔫𝔦', '..', '../..', '%', '%00', '%ZZ', ' ', '', 'null', '__proto__', 'constructor', '${X}', 'a'.repeat(300), '\u202e', '\ufeff'),
);

const hugeNumber = fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '1e-400', '-0', '9007199254740993', '0.1e99999');

/** nested `depth` levels deep, arrays or objects */
const deep = fc.integer({ min: 50, max: 400 }).chain((depth) => fc.boolean().map((arr) => (arr ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth))));

const resourceLike = fc.record(
  {
    kind: fc.oneof(weirdString, fc.constantFrom('Deployment', 'DeploymentTarget', 'SessionCluster', 'Savepoint', 'SecretValue')),
    apiVersion: fc.oneof(weirdString, fc.constant('v1')),
    metadata: fc.oneof(
      fc.jsonValue(),
      fc.record({ name: fc.oneof(weirdString, fc.jsonValue()), labels: fc.oneof(fc.dictionary(weirdString, weirdString), fc.jsonValue()), namespace: weirdString, resourceVersion: fc.jsonValue(), id: weirdString }, { requiredKeys: [] }),
    ),
    spec: fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          state: fc.oneof(weirdString, fc.constantFrom('RUNNING', 'CANCELLED', 'SUSPENDED')),
          deploymentTargetName: weirdString,
          kind: fc.oneof(weirdString, fc.constant('PLAIN')),
          value: fc.jsonValue(),
          template: fc.jsonValue(),
          savepointLocation: weirdString,
        },
        { requiredKeys: [] },
      ),
    ),
    name: weirdString,
    namespace: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

const jsonBody = fc.oneof(fc.jsonValue({ maxDepth: 6 }), resourceLike).map((v) => JSON.stringify(v) ?? 'null');
const body = fc.oneof(
  { weight: 5, arbitrary: jsonBody },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: hugeNumber.map((n) => `{"metadata":{"name":"n"},"spec":{"parallelism":${n}},"n":${n}}`) },
  { weight: 1, arbitrary: weirdString },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => yaml.dump(v, { skipInvalid: true })) },
  { weight: 1, arbitrary: fc.constantFrom('{', '{"a":', '[1,', 'a: [', 'a: &x [*x]', '--- !!js/function f(){}', '{"__proto__":{"x":1}}', '\u0000', '{"a":"\\u0000"}', '{"a":"\\ud800"}') },
);

const contentType = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('application/json', 'application/yaml') },
  { weight: 1, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/yaml', 'text/yaml', 'application/merge-patch+json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'a/b;;;', '', 'application/json; charset=latin1', '*/*') },
);
const accept = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(undefined, 'application/json', '*/*') },
  { weight: 1, arbitrary: fc.constantFrom(undefined, '*/*', 'application/json', 'application/yaml', 'text/html', 'application/json;q=0', 'application/yaml;q=0.5, text/html', ';;;', 'application/*', 'image/png, */*;q=0', 'application/json;q=abc') },
);

/** a URL path segment: sometimes harmless, sometimes hostile, always transmittable by node:http */
const segment = fc.oneof(
  fc.constantFrom('..', '.', '%2e%2e', '%2F', '%00', '%ZZ', '%', '%C0%AE', '%F0%9F%98%80', '%ED%A0%80', 'a%20b', '~', '*', '@', ';x=1', 'deployments', 'x'.repeat(400)),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => encodeURIComponent(s)),
  fc.stringMatching(/^[a-z0-9-]{1,20}$/),
);

const queryString = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom('labelSelector', 'applyDefaults', 'force', 'deploymentId', 'jobId', 'limit', 'page', 'a[b]', 'a[]', '__proto__', ''), fc.string({ maxLength: 8 })),
      fc.oneof(fc.constantFrom('true', 'false', 'x', '', 'a in (b', 'a=b,c!=d', '!', '%00', '%ZZ', '00000000-0000-0000-0000-000000000000'), fc.string({ maxLength: 20 })),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => (pairs.length ? '?' + pairs.map(([k, v]) => `${encodeURIComponent(k).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${v.startsWith('%') && /^[\x21-\x7e]*$/.test(v) ? v : encodeURIComponent(v)}`).join('&') : ''));

describe('hostile input (property-based)', () => {
  let server: TestServer;
  let port: number;
  let routes: Route[];
  let probe: string;
  let db: Client;
  let baseline: string;
  const seen = { cases: 0, byStatus: new Map<number, number>() };

  /** the probe namespace's rows in full, plus the row counts of the whole database */
  async function snapshot(): Promise<string> {
    const r = await db.query(
      `SELECT (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t.id), '')) FROM resources t WHERE namespace = $1) AS probe,
              (SELECT md5(n::text) FROM namespaces n WHERE name = $1) AS ns,
              (SELECT count(*) FROM resources) AS resources, (SELECT count(*) FROM namespaces) AS namespaces,
              (SELECT count(*) FROM api_tokens) AS tokens`,
      [probe],
    );
    return JSON.stringify(r.rows[0]);
  }

  beforeAll(async () => {
    server = await startTestServer();
    port = (server.app.getHttpServer().address() as { port: number }).port;
    routes = registeredRoutes(server).filter((r) => !r.path.startsWith('/swagger'));
    probe = await createNamespace(server.http, 'probe');
    const api = `/api/v1/namespaces/${probe}`;
    expect((await server.http.post(`${api}/deployment-targets`).send({ metadata: { name: 'pt' }, spec: {} })).status).toBe(201);
    expect(
      (
        await server.http.post(`${api}/deployments`).send({
          metadata: { name: 'pd', labels: { a: 'b' } },
          spec: { state: 'CANCELLED', deploymentTargetName: 'pt', template: { spec: { artifact: { kind: 'JAR', jarUri: 'https://repo.example.com/a.jar' } } } },
        })
      ).status,
    ).toBe(201);
    expect((await server.http.post(`${api}/secret-values`).send({ metadata: { name: 'ps' }, spec: { kind: 'PLAIN', value: 's3cret' } })).status).toBe(201);
    db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
    baseline = await snapshot();
  });

  afterAll(async () => {
    await db?.end();
    await server?.close();
    // eslint-disable-next-line no-console
    console.log(`hostile input: ${routes?.length} routes, ${seen.cases} requests; statuses ${JSON.stringify(Object.fromEntries([...seen.byStatus].sort((a, b) => a[0] - b[0])))}`);
  });

  /** a path for the route: parameters are the probe's names (so that writes could land), or hostile segments */
  function pathFor(route: Route, segs: string[], useProbe: boolean[], extra: string[]): string {
    let i = 0;
    const path = route.path.replace(/(?<!\\):([A-Za-z0-9_]+)/g, (_, name: string) => {
      const k = i++;
      const hostile = segs[k % segs.length];
      if (!useProbe[k % useProbe.length]) return hostile;
      if (name === 'namespace' || name === 'ns') return route.method === 'DELETE' && route.path === '/namespaces/v1/namespaces/:ns' ? hostile : probe;
      // an existing name: only for non-DELETE methods, so the probe itself survives
      return route.method === 'DELETE' ? hostile : ['pd', 'pt', 'ps'][k % 3];
    }).replace(/\\:/g, ':'); // `\:` is a literal colon (a custom verb)
    return path + extra.map((e) => `/${e}`).join('');
  }

  async function check(route: Route, s: Sent): Promise<void> {
    const res = await raw(port, s);
    seen.cases++;
    seen.byStatus.set(res.status, (seen.byStatus.get(res.status) ?? 0) + 1);
    const ctx = `${s.method} ${s.path} [${JSON.stringify(s.headers)}] ${JSON.stringify(s.body?.slice(0, 200))} → ${res.status} ${res.text.slice(0, 300)}`;
    if (res.status >= 500) throw new Error(`5xx: ${ctx}`);
    if (/\n\s+at \S+ \(|node_modules/.test(res.text)) throw new Error(`stack trace: ${ctx}`);
    if (res.status >= 200 && res.status < 300) {
      baseline = await snapshot(); // an accepted request may write
      return;
    }
    // a rejected request wrote nothing
    const now = await snapshot();
    if (now !== baseline) throw new Error(`rejected request changed the database: ${ctx}\nbefore ${baseline}\nafter  ${now}`);
    if (res.status < 400) return; // (redirects are not used by this server; tolerated)
    let doc: any;
    try {
      doc = /yaml/.test(res.type) ? yaml.load(res.text) : JSON.parse(res.text);
    } catch {
      throw new Error(`error body is not JSON/YAML: ${ctx}`);
    }
    if (!/^application\/(json|yaml)/.test(res.type)) throw new Error(`error content type ${res.type}: ${ctx}`);
    const pathname = s.path.split('?')[0];
    if (pathname === '/api' || pathname.startsWith('/api/')) {
      const ok =
        doc?.apiVersion === 'v1' &&
        doc.statusCode === res.status &&
        typeof doc.message === 'string' &&
        ((doc.kind === 'ApiException' && typeof doc.reason === 'string' && typeof doc.context === 'object') ||
          (doc.kind === 'ApiValidationException' && Array.isArray(doc.errors) && doc.errors.every((e: any) => typeof e.attribute === 'string' && typeof e.message === 'string')));
      if (!ok) throw new Error(`not an ApiException/ApiValidationException: ${ctx}`);
    } else {
      const ok = typeof doc?.code === 'string' && typeof doc.description === 'string' && doc.cause === null && doc.ok === false;
      if (!ok) throw new Error(`not a Platform error: ${ctx}`);
    }
  }

  const request = (route: () => Route) =>
    fc.record({
      segs: fc.array(segment, { minLength: 1, maxLength: 3 }),
      useProbe: fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }),
      extra: fc.oneof({ weight: 5, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.array(segment, { maxLength: 2 }) }),
      query: queryString,
      body: fc.option(body, { nil: undefined, freq: 4 }),
      contentType,
      accept,
    }).map((g) => {
      const r = route();
      const headers: Record<string, string> = {};
      if (g.contentType) headers['Content-Type'] = g.contentType;
      if (g.accept !== undefined) headers.Accept = g.accept;
      return { route: r, sent: { method: r.method, path: pathFor(r, g.segs, g.useProbe, g.extra) + g.query, headers, body: g.body } as Sent };
    });

  it('every route, a few hostile requests each: never 5xx, documented error shapes, no write on rejection', async () => {
    expect(routes.length).toBeGreaterThan(30);
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(request(() => route), async ({ route: r, sent }) => check(r, sent)),
        { numRuns: RUNS_PER_ROUTE },
      );
    }
  });

  it(`${RUNS_RANDOM} random requests (random route, method, path, query, headers, body)`, async () => {
    const anyRoute = fc.constantFrom(...routes);
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE');
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(anyRoute, method, fc.boolean()).chain(([route, m, keep]) => request(() => (keep ? route : { ...route, method: m }))),
        async ({ route, sent }) => check(route, sent),
      ),
      { numRuns: RUNS_RANDOM },
    );
  });

  it('the probe namespace is intact', async () => {
    const res = await server.http.get(`/api/v1/namespaces/${probe}/deployments/pd`);
    expect(res.status).toBe(200);
    expect(res.body.spec.deploymentTargetName).toBe('pt');
  });
});
