import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Response } from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { AppManagerModule } from '../../libs/appmanager/src/appmanager.module';
import { isOpenRoute } from '../../libs/auth/src/auth.guard';
import { ALL, ROLE_MATRIX, ROLES, Role } from '../../libs/auth/src/role-matrix';
import { describeControllers, RouteAccess } from '../../libs/auth/src/routes';
import { ConfigError, loadConfig } from '../../libs/config/src/config';
import { PlatformModule } from '../../libs/platform/src/platform.module';
import { eventually, FAST_RUNTIME, startTestServer, testDatabaseUrl, TestServer } from '../support/app';

// Access control with AUTH_MODE=token. The central test is generated from the role matrix data
// (libs/auth/src/role-matrix.ts): every route the server registers is called with no token, bad
// tokens, a token of another namespace, each role and the admin token, and must answer 401 / 403 /
// "neither" exactly as the matrix says.

const ADMIN = 'auth-suite-admin-token-0123456789abcdef';
const SECRET_FORMAT = /^vvp_([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/;
type Json = Record<string, any>;
type Principal = { admin: true } | { admin?: false; ns: string; role: Role };

const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}` });
const am = (ns: string) => `/api/v1/namespaces/${ns}`;
const tokens = (ns: string) => `/apitokens/v1/namespaces/${ns}/apitokens`;

/** The Nest routes of both API modules, with their matrix rows and verbs. */
function apiRoutes(): RouteAccess[] {
  const controllers = [AppManagerModule, PlatformModule].flatMap((m) => Reflect.getMetadata('controllers', m) as never[]);
  return describeControllers(controllers);
}

/** Every (method, Express path) the server routes. */
function registeredRoutes(server: TestServer): Set<string> {
  type Layer = { route?: { path: string; methods: Record<string, boolean> } };
  const express = server.app.getHttpAdapter().getInstance() as { router?: { stack: Layer[] }; _router?: { stack: Layer[] } };
  const out = new Set<string>();
  for (const layer of (express.router ?? express._router)!.stack) {
    if (!layer.route || typeof layer.route.path !== 'string') continue;
    for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') out.add(`${method.toUpperCase()} ${layer.route.path}`);
  }
  return out;
}

const DOC_ROUTE = (path: string) => path === '/swagger.json' || path === '/api/swagger.json' || path === '/swagger' || path.startsWith('/swagger/');

/** What the matrix says, restated independently of the guard: may `who` call `route` in namespace `urlNs`? */
function matrixAllows(who: Principal, route: RouteAccess, urlNs: string | undefined): boolean {
  const row = ROLE_MATRIX[route.resource!];
  if (who.admin) return row.admin.includes(route.verb);
  if (row.anyToken?.includes(route.verb)) return true;
  return urlNs === who.ns && row[who.role].includes(route.verb);
}

function urlOf(route: RouteAccess, ns: string): string {
  // `:param` is a parameter; `\:` is a literal colon (a custom verb such as `{ns}:setPreviewSessionCluster`)
  return route.path.replace(/(?<!\\):([A-Za-z0-9_]+)/g, (_m, p: string) => {
    if (p === 'namespace' || p === 'ns') return ns;
    if (/id$/i.test(p)) return randomUUID();
    return p === 'apiTokenName' ? 'no-such-token' : 'no-such-name';
  }).replace(/\\:/g, ':');
}

function call(http: TestAgent, route: RouteAccess, url: string, headers: Record<string, string>) {
  let req = http[route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](url).set(headers);
  if (['POST', 'PUT', 'PATCH'].includes(route.method)) req = req.send({});
  return req;
}

function expectUnauthorized(res: Response, path: string): void {
  expect({ path, status: res.status }).toEqual({ path, status: 401 });
  path = path.replace(/^[A-Z]+ /, '');
  expect(res.headers['www-authenticate']).toBe('Bearer');
  if (path.startsWith('/api/')) expect(res.body).toMatchObject({ kind: 'ApiException', reason: 'Unauthorized', statusCode: 401 });
  else expect(res.body).toEqual({ code: 'UNAUTHENTICATED', description: expect.any(String), cause: null, ok: false });
}

function expectForbidden(res: Response, path: string): void {
  expect({ path, status: res.status }).toEqual({ path, status: 403 });
  if (path.startsWith('/api/')) expect(res.body).toMatchObject({ kind: 'ApiException', reason: 'Forbidden', statusCode: 403 });
  else expect(res.body).toEqual({ code: 'PERMISSION_DENIED', description: expect.any(String), cause: null, ok: false });
}

describe('access control (AUTH_MODE=token)', () => {
  let server: TestServer;
  let http: TestAgent;
  const admin = bearer(ADMIN);

  beforeAll(async () => {
    server = await startTestServer({ ...FAST_RUNTIME, AUTH_MODE: 'token', AUTH_ADMIN_TOKEN: ADMIN });
    http = server.http;
  });
  afterAll(() => server.close());

  async function namespace(prefix: string): Promise<string> {
    const name = `${prefix}-${randomUUID().slice(0, 8)}`;
    const res = await http.post('/namespaces/v1/namespaces').set(admin).send({ name: `namespaces/${name}` });
    expect(res.status).toBe(200);
    return name;
  }

  async function token(ns: string, role: Role, name = `t-${role}-${randomUUID().slice(0, 6)}`): Promise<string> {
    const res = await http.post(tokens(ns)).set(admin).send({ name: `namespaces/${ns}/apitokens/${name}`, role });
    expect(res.status).toBe(200);
    return res.body.apiToken.secret as string;
  }

  describe('the role matrix, route by route', () => {
    const routes = apiRoutes();

    it('every registered API route is described (has a matrix row) and every described route is registered', () => {
      const described = new Set(routes.map((r) => `${r.method} ${r.path}`));
      const registered = [...registeredRoutes(server)].filter((r) => {
        const [method, path] = r.split(' ');
        return !DOC_ROUTE(path) && !isOpenRoute(method, path);
      });
      expect({ unknown: registered.filter((r) => !described.has(r)).sort() }).toEqual({ unknown: [] });
      expect({ unrouted: [...described].filter((r) => !registered.includes(r) && !isOpenRoute(r.split(' ')[0], r.split(' ')[1])).sort() }).toEqual({ unrouted: [] });
      expect({ withoutRow: routes.filter((r) => !r.resource || !ROLE_MATRIX[r.resource]).map((r) => `${r.method} ${r.path}`) }).toEqual({ withoutRow: [] });
      expect(routes.length).toBeGreaterThan(30);
    });

    it('the matrix data says what vvp-api 4.11 says (spot checks)', () => {
      const verbs = (resource: keyof typeof ROLE_MATRIX, role: Role) => [...ROLE_MATRIX[resource][role]].sort();
      expect(verbs('ApiToken', 'viewer')).toEqual([]);
      expect(verbs('ApiToken', 'editor')).toEqual([]);
      expect(verbs('ApiToken', 'owner')).toEqual([...ALL].sort());
      expect(verbs('DeploymentDefaults', 'editor')).toEqual(['Get']);
      expect(verbs('DeploymentTarget', 'editor')).toEqual(['Get', 'List']);
      expect(verbs('Namespace', 'owner')).toEqual(['Get', 'Update']);
      expect(verbs('SecretValue', 'viewer')).toEqual([]);
      expect(verbs('SecretValue', 'editor')).toEqual([...ALL].sort());
      expect(verbs('Deployment', 'viewer')).toEqual(['Get', 'List']);
      expect(verbs('Deployment', 'editor')).toEqual([...ALL].sort());
      expect(verbs('Artifacts', 'viewer')).toEqual(['GetMetadata', 'List']);
      // the verbs the guard derives for a few well-known routes
      const verbOf = (method: string, path: string) => routes.find((r) => r.method === method && r.path === path)?.verb;
      expect(verbOf('GET', '/api/v1/namespaces/:namespace/deployments')).toBe('List');
      expect(verbOf('GET', '/api/v1/namespaces/:namespace/deployments/:name')).toBe('Get');
      expect(verbOf('PUT', '/api/v1/namespaces/:namespace/deployments/:name')).toBe('Update');
      expect(verbOf('GET', '/api/v1/namespaces/:namespace/deployment-defaults')).toBe('Get');
      expect(verbOf('PATCH', '/api/v1/namespaces/:namespace/deployment-defaults')).toBe('Update');
      expect(verbOf('POST', '/apitokens/v1/namespaces/:ns/apitokens')).toBe('Create');
      expect(verbOf('DELETE', '/namespaces/v1/namespaces/:ns')).toBe('Delete');
    });

    it('no token, a malformed header, an unknown or a made-up token: 401 on every route, in the API family shape', async () => {
      const ns = await namespace('auth-anon');
      const fake = `vvp_${'A'.repeat(16)}.${'B'.repeat(43)}`;
      for (const route of routes.filter((r) => !isOpenRoute(r.method, r.path))) {
        const url = urlOf(route, ns);
        for (const headers of [{}, { Authorization: 'Bearer' }, { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }, bearer('nonsense'), bearer(fake), bearer(`${ADMIN}x`)]) {
          expectUnauthorized(await call(http, route, url, headers), `${route.method} ${route.path}`);
        }
      }
    });

    it('a token of another namespace (even owner) gets 403 wherever the matrix does not grant the verb to every token', async () => {
      const [mine, theirs] = [await namespace('auth-mine'), await namespace('auth-theirs')];
      const secret = await token(theirs, 'owner');
      const ordered = [...routes].sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
      for (const route of ordered) {
        const res = await call(http, route, urlOf(route, mine), bearer(secret));
        const label = `${route.method} ${route.path}`;
        const nsInUrl = /:(namespace|ns)\b/.test(route.path) ? mine : undefined;
        if (matrixAllows({ ns: theirs, role: 'owner' }, route, nsInUrl)) expect({ label, denied: [401, 403].includes(res.status) }).toEqual({ label, denied: false });
        else expectForbidden(res, route.path);
      }
    });

    const principals: [string, (ns: string) => Promise<{ who: Principal; headers: Record<string, string> }>][] = [
      ...ROLES.map(
        (role) =>
          [role, async (ns: string) => ({ who: { ns, role } as Principal, headers: bearer(await token(ns, role)) })] as [string, (ns: string) => Promise<{ who: Principal; headers: Record<string, string> }>],
      ),
      ['admin', async () => ({ who: { admin: true }, headers: bearer(ADMIN) })],
    ];

    it.each(principals)('%s: exactly the verbs of its matrix row, in its own namespace', async (_label, as) => {
      const ns = await namespace('auth-role');
      const { who, headers } = await as(ns);
      // destructive calls last, so that every other call still finds the namespace
      const ordered = [...routes].sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
      const wrong: string[] = [];
      for (const route of ordered) {
        const res = await call(http, route, urlOf(route, ns), headers);
        const nsInUrl = /:(namespace|ns)\b/.test(route.path) ? ns : undefined;
        const allowed = matrixAllows(who, route, nsInUrl);
        const label = `${route.method} ${route.path} (${route.resource} ${route.verb})`;
        if (allowed && (res.status === 401 || res.status === 403)) wrong.push(`${label}: allowed by the matrix, got ${res.status} ${res.text.slice(0, 160)}`);
        if (!allowed && res.status !== 403) wrong.push(`${label}: denied by the matrix, got ${res.status}`);
        if (!allowed && res.status === 403) expectForbidden(res, route.path);
      }
      expect(wrong).toEqual([]);
    });
  });

  describe('API tokens (Platform API)', () => {
    it('create answers 200 with the secret (once); list and get never show it; the name may be bare', async () => {
      const ns = await namespace('auth-tok');
      const created = await http.post(tokens(ns)).set(admin).send({ name: `namespaces/${ns}/apitokens/ci`, role: 'editor' });
      expect(created.status).toBe(200);
      expect(created.body).toEqual({ apiToken: { name: `namespaces/${ns}/apitokens/ci`, role: 'editor', createTime: expect.any(String), secret: expect.stringMatching(SECRET_FORMAT) } });
      expect(Number.isNaN(Date.parse(created.body.apiToken.createTime))).toBe(false);
      const bare = await http.post(tokens(ns)).set(admin).send({ name: 'bare', role: 'viewer' });
      expect(bare.status).toBe(200);
      expect(bare.body.apiToken.name).toBe(`namespaces/${ns}/apitokens/bare`);

      const list = await http.get(tokens(ns)).set(admin);
      expect(list.status).toBe(200);
      expect(list.body).toEqual({
        apiTokens: [
          { name: `namespaces/${ns}/apitokens/bare`, role: 'viewer', createTime: expect.any(String) },
          { name: `namespaces/${ns}/apitokens/ci`, role: 'editor', createTime: created.body.apiToken.createTime },
        ],
      });
      const got = await http.get(`${tokens(ns)}/ci`).set(admin);
      expect(got.status).toBe(200);
      expect(got.body).toEqual({ apiToken: { name: `namespaces/${ns}/apitokens/ci`, role: 'editor', createTime: created.body.apiToken.createTime } });
      expect(JSON.stringify([list.body, got.body])).not.toContain(created.body.apiToken.secret);
    });

    it('duplicate → 409 ALREADY_EXISTS; bad role, bad name, another namespace in the name → 400; unknown → 404', async () => {
      const ns = await namespace('auth-tok');
      expect((await http.post(tokens(ns)).set(admin).send({ name: 'dup', role: 'owner' })).status).toBe(200);
      const dup = await http.post(tokens(ns)).set(admin).send({ name: `namespaces/${ns}/apitokens/dup`, role: 'viewer' });
      expect(dup.status).toBe(409);
      expect(dup.body).toMatchObject({ code: 'ALREADY_EXISTS', ok: false, cause: null });
      for (const body of [{ name: 'r1' }, { name: 'r2', role: 'admin' }, { name: 'r3', role: 7 }, { role: 'viewer' }, { name: 'Not_A_Label', role: 'viewer' }, { name: 'namespaces/other/apitokens/x', role: 'viewer' }, [1]]) {
        const res = await http.post(tokens(ns)).set(admin).send(body);
        expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code: 'INVALID_ARGUMENT' });
      }
      const missing = await http.get(`${tokens(ns)}/nope`).set(admin);
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ code: 'NOT_FOUND', ok: false });
      expect((await http.delete(`${tokens(ns)}/nope`).set(admin)).status).toBe(404);
      expect((await http.get(tokens('no-such-namespace-x')).set(admin)).status).toBe(404);
      expect((await http.post(tokens('no-such-namespace-x')).set(admin).send({ name: 'a', role: 'viewer' })).status).toBe(404);
    });

    it('secrets: 256 random bits after a non-secret lookup id, all distinct', async () => {
      const ns = await namespace('auth-tok');
      const secrets = await Promise.all(Array.from({ length: 20 }, (_x, i) => token(ns, 'viewer', `s${i}`)));
      expect(new Set(secrets).size).toBe(secrets.length);
      for (const s of secrets) {
        const [, lookup, random] = SECRET_FORMAT.exec(s)!;
        expect(Buffer.from(lookup, 'base64url')).toHaveLength(12);
        expect(Buffer.from(random, 'base64url')).toHaveLength(32);
      }
      const randoms = secrets.map((s) => SECRET_FORMAT.exec(s)![2]);
      expect(new Set(randoms).size).toBe(randoms.length);
      // not a counter, not a timestamp: the characters are spread over the whole alphabet
      expect(new Set(randoms.join('')).size).toBeGreaterThan(50);
    });

    it('the database holds no secret: only the lookup id and a salted scrypt hash', async () => {
      const ns = await namespace('auth-tok');
      const [a, b] = [await token(ns, 'owner', 'a'), await token(ns, 'owner', 'b')];
      const db = new Client({ connectionString: testDatabaseUrl() });
      await db.connect();
      try {
        const rows = (await db.query<{ name: string; doc: string; secret_hash: string }>(`SELECT name, secret_hash, row_to_json(t)::text AS doc FROM api_tokens t WHERE namespace = $1 ORDER BY name`, [ns])).rows;
        expect(rows.map((r) => r.name)).toEqual(['a', 'b']);
        for (const [row, secret] of [
          [rows[0], a],
          [rows[1], b],
        ] as const) {
          const random = SECRET_FORMAT.exec(secret)![2];
          expect(row.doc).not.toContain(secret);
          expect(row.doc).not.toContain(random);
          expect(row.doc).not.toContain(random.slice(0, 16));
          expect(row.secret_hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
        }
        // per-token salt
        expect(rows[0].secret_hash.split('$')[4]).not.toBe(rows[1].secret_hash.split('$')[4]);
      } finally {
        await db.end();
      }
    });

    it('DELETE answers {} and revokes at once: the next request with the token is 401 (also when it deletes itself)', async () => {
      const ns = await namespace('auth-rev');
      const secret = await token(ns, 'editor', 'gone');
      const probe = () => http.get(`${am(ns)}/deployment-targets`).set(bearer(secret));
      expect((await probe()).status).toBe(200);
      expect((await probe()).status).toBe(200); // now cached
      const del = await http.delete(`${tokens(ns)}/gone`).set(admin);
      expect(del.status).toBe(200);
      expect(del.body).toEqual({});
      expectUnauthorized(await probe(), '/api/');

      const owner = await token(ns, 'owner', 'self');
      expect((await http.get(`${tokens(ns)}/self`).set(bearer(owner))).status).toBe(200);
      expect((await http.delete(`${tokens(ns)}/self`).set(bearer(owner))).status).toBe(200);
      expectUnauthorized(await http.get(tokens(ns)).set(bearer(owner)), tokens(ns));
    });

    it('an owner token creates and deletes tokens of its namespace only; editor and viewer may not', async () => {
      const [ns, other] = [await namespace('auth-own'), await namespace('auth-own')];
      const owner = await token(ns, 'owner');
      const made = await http.post(tokens(ns)).set(bearer(owner)).send({ name: 'made-by-owner', role: 'viewer' });
      expect(made.status).toBe(200);
      expect((await http.get(`${am(ns)}/deployments`).set(bearer(made.body.apiToken.secret))).status).toBe(200);
      expectForbidden(await http.post(tokens(other)).set(bearer(owner)).send({ name: 'x', role: 'owner' }), tokens(other));
      expectForbidden(await http.get(tokens(other)).set(bearer(owner)), tokens(other));
      for (const role of ['editor', 'viewer'] as const) {
        expectForbidden(await http.post(tokens(ns)).set(bearer(await token(ns, role))).send({ name: 'x', role: 'owner' }), tokens(ns));
      }
    });

    it('tokens go with their namespace', async () => {
      const ns = await namespace('auth-gone');
      await token(ns, 'owner', 'keep');
      const db = new Client({ connectionString: testDatabaseUrl() });
      await db.connect();
      try {
        expect((await db.query('SELECT 1 FROM api_tokens WHERE namespace = $1', [ns])).rowCount).toBe(1);
        expect((await http.delete(`/namespaces/v1/namespaces/${ns}`).set(admin)).status).toBe(200);
        await eventually(async () => (await db.query('SELECT 1 FROM namespaces WHERE name = $1', [ns])).rowCount === 0, 15_000, 'namespace removal');
        expect((await db.query('SELECT 1 FROM api_tokens WHERE namespace = $1', [ns])).rowCount).toBe(0);
      } finally {
        await db.end();
      }
    });

    it('deleting a namespace revokes its tokens at once (also cached ones); a namespace recreated under the name does not take them', async () => {
      const ns = await namespace('auth-reuse');
      const secret = await token(ns, 'owner', 'old-owner');
      expect((await http.get(`${am(ns)}/deployment-targets`).set(bearer(secret))).status).toBe(200); // verified, now cached
      expect((await http.delete(`/namespaces/v1/namespaces/${ns}`).set(admin)).status).toBe(200);
      expect((await http.get(`${am(ns)}/deployment-targets`).set(bearer(secret))).status).toBe(401);
      await eventually(async () => (await http.get(`/namespaces/v1/namespaces/${ns}`).set(admin)).status === 404, 15_000, 'namespace removal');
      expect((await http.post('/namespaces/v1/namespaces').set(admin).send({ name: `namespaces/${ns}` })).status).toBe(200);
      expect((await http.get(`${am(ns)}/deployment-targets`).set(bearer(secret))).status).toBe(401);
      expect((await http.post(tokens(ns)).set(bearer(secret)).send({ name: 'persist', role: 'owner' })).status).toBe(401);
    });
  });

  describe('namespaces', () => {
    it('the namespace list shows what the caller may Get: admin all, an owner its own, viewer and editor none', async () => {
      const [a, b] = [await namespace('auth-list'), await namespace('auth-list')];
      const names = async (headers: Record<string, string>) => {
        const res = await http.get('/namespaces/v1/namespaces').set(headers);
        expect(res.status).toBe(200);
        return (res.body.namespaces as Json[]).map((n) => n.name);
      };
      expect(await names(admin)).toEqual(expect.arrayContaining([`namespaces/${a}`, `namespaces/${b}`, 'namespaces/default']));
      expect(await names(bearer(await token(a, 'owner')))).toEqual([`namespaces/${a}`]);
      expect(await names(bearer(await token(a, 'editor')))).toEqual([]);
      expect(await names(bearer(await token(a, 'viewer')))).toEqual([]);
    });

    it('only admin creates and deletes namespaces; an owner gets and updates its own', async () => {
      const ns = await namespace('auth-nsown');
      const owner = bearer(await token(ns, 'owner'));
      expectForbidden(await http.post('/namespaces/v1/namespaces').set(owner).send({ name: 'namespaces/by-owner' }), '/namespaces/v1/namespaces');
      expectForbidden(await http.delete(`/namespaces/v1/namespaces/${ns}`).set(owner), '/namespaces/v1');
      expect((await http.get(`/namespaces/v1/namespaces/${ns}`).set(owner)).body.namespace.name).toBe(`namespaces/${ns}`);
      expect((await http.patch(`/namespaces/v1/namespaces/${ns}`).set(owner).send({ roleBindings: [{ role: 'viewer', members: ['system:authenticated'] }] })).status).toBe(200);
      expectForbidden(await http.get('/namespaces/v1/namespaces/default').set(owner), '/namespaces/v1');
    });
  });

  describe('namespace isolation', () => {
    it("a token of namespace A reads and changes nothing of B, also through B's ids in A's URLs", async () => {
      const [a, b] = [await namespace('auth-a'), await namespace('auth-b')];
      await http.post(`${am(b)}/deployment-targets`).set(admin).send({ metadata: { name: 't' }, spec: { kubernetes: { namespace: 'jobs' } } }).expect(201);
      const dep = await http
        .post(`${am(b)}/deployments`)
        .set(admin)
        .send({
          metadata: { name: 'app' },
          spec: { state: 'RUNNING', deploymentTargetName: 't', template: { spec: { parallelism: 1, artifact: { kind: 'JAR', jarUri: 'https://example.com/app.jar' } } } },
        })
        .expect(201);
      const depId = dep.body.metadata.id as string;
      const running = await eventually(async () => {
        const d = (await http.get(`${am(b)}/deployments/${depId}`).set(admin)).body;
        return d.status?.state === 'RUNNING' && d.status.running?.jobId ? d : undefined;
      }, 15_000, 'deployment RUNNING');
      const jobId = running.status.running.jobId as string;
      const sp = await http.post(`${am(b)}/savepoints`).set(admin).send({ metadata: { deploymentId: depId }, spec: { savepointLocation: 's3://b/sp' } }).expect(201);
      const spId = sp.body.metadata.id as string;
      const before = (await http.get(`${am(b)}/deployments/${depId}`).set(admin)).body;

      const owner = bearer(await token(a, 'owner'));
      // B's ids in A's URLs: not found, never B's resource
      const notFound: [string, string, unknown?][] = [
        ['get', `${am(a)}/deployments/${depId}`],
        ['get', `${am(a)}/deployments/app`],
        ['patch', `${am(a)}/deployments/${depId}`, { spec: { state: 'CANCELLED' } }],
        ['delete', `${am(a)}/deployments/${depId}`],
        ['get', `${am(a)}/jobs/${jobId}`],
        ['get', `${am(a)}/savepoints/${spId}`],
        ['delete', `${am(a)}/savepoints/${spId}?force=true`],
        ['post', `${am(a)}/savepoints`, { metadata: { deploymentId: depId } }],
        ['get', `${am(a)}/deployment-targets/t`],
        ['delete', `${am(a)}/deployment-targets/t`],
      ];
      for (const [method, url, body] of notFound) {
        let req = http[method as 'get'](url).set(owner);
        if (body) req = req.send(body as object);
        const res = await req;
        expect({ method, url, status: res.status }).toEqual({ method, url, status: 404 });
        expect(JSON.stringify(res.body)).not.toContain('example.com/app.jar');
      }
      for (const list of ['jobs', 'savepoints', 'events']) {
        const res = await http.get(`${am(a)}/${list}?deploymentId=${depId}`).set(owner);
        expect({ list, status: res.status, items: res.body.items }).toEqual({ list, status: 200, items: [] });
      }
      // B's URLs: 403
      for (const [method, url] of [
        ['get', `${am(b)}/deployments`],
        ['get', `${am(b)}/deployments/${depId}`],
        ['get', `${am(b)}/jobs/${jobId}`],
        ['get', `${am(b)}/savepoints/${spId}`],
        ['patch', `${am(b)}/deployments/${depId}`],
        ['delete', `${am(b)}/savepoints/${spId}`],
        ['get', `${am(b)}/deployment-defaults`],
        ['get', tokens(b)],
        ['get', `/namespaces/v1/namespaces/${b}`],
      ]) {
        let req = http[method as 'get'](url).set(owner);
        if (method === 'patch') req = req.send({ spec: { state: 'CANCELLED' } });
        expectForbidden(await req, url);
      }
      // B is untouched
      const after = (await http.get(`${am(b)}/deployments/${depId}`).set(admin)).body;
      expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
      expect(after.spec.state).toBe('RUNNING');
      expect((await http.get(`${am(b)}/savepoints/${spId}`).set(admin)).status).toBe(200);
      expect((await http.get(`${am(b)}/deployment-targets/t`).set(admin)).status).toBe(200);
      // the jupyter-vvp probe: the token's own namespace answers, another one is 403
      expect((await http.get(`${am(a)}/deployment-targets`).set(owner)).status).toBe(200);
      expect((await http.get(`${am(b)}/deployment-targets`).set(owner)).status).toBe(403);
      await http.patch(`${am(b)}/deployments/${depId}`).set(admin).send({ spec: { state: 'CANCELLED' } }).expect(200);
    });
  });

  describe('open routes', () => {
    it('the Swagger UI and documents, the health probes, metrics and GET /api/v1/status need no token', async () => {
      for (const url of ['/swagger', '/swagger.json', '/api/swagger.json', '/api/v1/status']) {
        const res = await http.get(url);
        expect({ url, status: res.status }).toEqual({ url, status: 200 });
      }
      const html = (await http.get('/swagger')).text;
      for (const ref of [...html.matchAll(/(?:href|src)=["']([^"']+\.(?:css|js|png))["']/g)].map((m) => new URL(m[1], 'http://host/swagger').pathname)) {
        expect({ ref, status: (await http.get(ref)).status }).toEqual({ ref, status: 200 });
      }
      for (const url of ['/healthz', '/readyz', '/metrics']) {
        const res = await http.get(url);
        expect({ url, denied: [401, 403].includes(res.status) }).toEqual({ url, denied: false });
      }
      // system-info is not a probe: it needs a (any) valid token
      expectUnauthorized(await http.get('/api/v1/status/system-info'), '/api/v1/status/system-info');
      const viewer = bearer(await token(await namespace('auth-open'), 'viewer'));
      expect((await http.get('/api/v1/status/system-info').set(viewer)).status).toBe(200);
      expect((await http.get('/api/v1/global-deployment-defaults').set(viewer)).status).toBe(200);
    });
  });
});

describe('AUTH_MODE=none and configuration', () => {
  it('without access control every request works without a header (and a header is ignored)', async () => {
    const server = await startTestServer();
    try {
      const ns = `auth-none-${randomUUID().slice(0, 8)}`;
      expect((await server.http.post('/namespaces/v1/namespaces').send({ name: `namespaces/${ns}` })).status).toBe(200);
      expect((await server.http.get(`${am(ns)}/deployment-targets`)).status).toBe(200);
      expect((await server.http.get(`${am(ns)}/deployment-targets`).set(bearer('whatever'))).status).toBe(200);
      const created = await server.http.post(tokens(ns)).send({ name: 'x', role: 'viewer' });
      expect(created.status).toBe(200);
      expect(created.body.apiToken.secret).toMatch(SECRET_FORMAT);
      expect((await server.http.get('/namespaces/v1/namespaces')).body.namespaces.length).toBeGreaterThan(1);
    } finally {
      await server.close();
    }
  });

  it('AUTH_MODE=token without AUTH_ADMIN_TOKEN starts; API tokens still work, nothing else does', async () => {
    const open = await startTestServer();
    const ns = `auth-noadm-${randomUUID().slice(0, 8)}`;
    let secret: string;
    try {
      await open.http.post('/namespaces/v1/namespaces').send({ name: `namespaces/${ns}` }).expect(200);
      secret = (await open.http.post(tokens(ns)).send({ name: 'o', role: 'owner' }).expect(200)).body.apiToken.secret;
    } finally {
      await open.close();
    }
    const server = await startTestServer({ AUTH_MODE: 'token' });
    try {
      expectUnauthorized(await server.http.get('/namespaces/v1/namespaces'), '/namespaces/v1/namespaces');
      expect((await server.http.get(`${am(ns)}/deployment-targets`).set(bearer(secret))).status).toBe(200);
      expect((await server.http.get('/api/v1/status')).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('AUTH_MODE and AUTH_ADMIN_TOKEN are validated (the message never shows the token)', () => {
    expect(loadConfig({}).auth).toEqual({ mode: 'none', adminToken: undefined });
    expect(loadConfig({ AUTH_MODE: 'token', AUTH_ADMIN_TOKEN: ADMIN }).auth).toEqual({ mode: 'token', adminToken: ADMIN });
    expect(() => loadConfig({ AUTH_MODE: 'tokens' })).toThrow(ConfigError);
    expect(() => loadConfig({ AUTH_MODE: 'token', AUTH_ADMIN_TOKEN: 'short' })).toThrow(/AUTH_ADMIN_TOKEN/);
    expect(() => loadConfig({ AUTH_MODE: 'token', AUTH_ADMIN_TOKEN: 'has a space in it ok' })).toThrow(ConfigError);
    try {
      loadConfig({ AUTH_ADMIN_TOKEN: 'secret-value x y' });
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('secret-value');
    }
  });
});
