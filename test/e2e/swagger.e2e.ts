import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type TestAgent from 'supertest/lib/agent';
import { createNamespace, startTestServer, TestServer } from '../support/app';

// The two OpenAPI documents are valid, the Swagger UI offers both, and together they list exactly
// the routes the server registers: every route documented once, in the document of its API family,
// and every documented operation reachable.

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Routes that serve the documentation itself, and the operations routes (probes, metrics); they are not API operations. */
const DOC_ROUTES = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /api/swagger.json',
  'GET /swagger.json',
  'GET /swagger',
  'GET /swagger/',
  'GET /swagger/index.html',
  'GET /swagger/LICENSE',
  'GET /swagger/swagger-ui-init.js',
  'GET /swagger/swagger/swagger-ui-init.js',
]);

type Doc = { openapi?: string; info?: { title?: string }; paths: Record<string, Record<string, { operationId?: string; parameters?: { name: string; in: string }[] }>> };

function operations(doc: Doc): Set<string> {
  const out = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item)) {
      if ((METHODS as readonly string[]).includes(method)) out.add(`${method.toUpperCase()} ${path}`);
    }
  }
  return out;
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/** Every (method, path) the Express app routes, with `:param` written as `{param}`. */
function registeredRoutes(server: TestServer): Set<string> {
  const express = server.app.getHttpAdapter().getInstance() as { router?: { stack: Layer[] }; _router?: { stack: Layer[] } };
  const stack = (express.router ?? express._router)!.stack;
  const out = new Set<string>();
  for (const layer of stack) {
    if (!layer.route) continue;
    const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
    for (const path of paths) {
      expect(typeof path).toBe('string');
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (!on || method === '_all') continue;
        out.add(`${method.toUpperCase()} ${path.replace(/(?<!\\):([A-Za-z0-9_]+)/g, '{$1}').replace(/\\:/g, ':')}`);
      }
    }
  }
  return out;
}

function sorted(s: Iterable<string>): string[] {
  return [...s].sort();
}

describe('swagger', () => {
  let server: TestServer;
  let http: TestAgent;
  let appManager: Doc;
  let platform: Doc;

  beforeAll(async () => {
    server = await startTestServer();
    http = server.http;
    const [a, p] = await Promise.all([http.get('/api/swagger.json'), http.get('/swagger.json')]);
    expect(a.status).toBe(200);
    expect(p.status).toBe(200);
    expect(a.headers['content-type']).toMatch(/^application\/json/);
    expect(p.headers['content-type']).toMatch(/^application\/json/);
    appManager = a.body;
    platform = p.body;
  });
  afterAll(() => server.close());

  describe('documents', () => {
    it.each([
      ['/api/swagger.json', () => appManager],
      ['/swagger.json', () => platform],
    ])('%s passes swagger-parser validation', async (_url, doc) => {
      const result = await validateOpenApi(structuredClone(doc()));
      expect(result).toEqual({ ok: true });
    });

    it('the documents are distinct (titles) and both OpenAPI 3', () => {
      expect(appManager.openapi).toMatch(/^3\./);
      expect(platform.openapi).toMatch(/^3\./);
      expect(appManager.info?.title).not.toBe(platform.info?.title);
    });

    it('operation ids are unique within each document', () => {
      for (const doc of [appManager, platform]) {
        const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
        expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
        expect(new Set(ids).size).toBe(ids.length);
      }
    });

    it('every path parameter of a path is declared on each of its operations', () => {
      for (const doc of [appManager, platform]) {
        for (const [path, item] of Object.entries(doc.paths)) {
          const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
          for (const [method, op] of Object.entries(item)) {
            const declared = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name).sort();
            expect({ op: `${method} ${path}`, declared }).toEqual({ op: `${method} ${path}`, declared: names });
          }
        }
      }
    });

    it('the documents are served without the API content negotiation (Accept: application/yaml still gets JSON, not 406)', async () => {
      for (const url of ['/swagger.json', '/api/swagger.json']) {
        const res = await http.get(url).set('Accept', 'application/yaml');
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.body.paths).toBeDefined();
      }
    });
  });

  describe('Swagger UI', () => {
    it('/swagger serves the Swagger UI HTML', async () => {
      const res = await http.get('/swagger');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toMatch(/swagger-ui/i);
      expect(res.text).toMatch(/swagger-ui-init\.js/);
    });

    it('the UI configuration offers both documents', async () => {
      const html = await http.get('/swagger');
      const src = /<script[^>]+src=["']([^"']*swagger-ui-init\.js)["']/.exec(html.text)?.[1];
      expect(src).toBeDefined();
      const initUrl = new URL(src!, 'http://host/swagger').pathname;
      const init = await http.get(initUrl);
      expect(init.status).toBe(200);
      expect(init.headers['content-type']).toMatch(/javascript/);
      const urls = extractUrls(init.text);
      expect(urls).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ url: '/api/swagger.json' }),
          expect.objectContaining({ url: '/swagger.json' }),
        ]),
      );
      expect(new Set(urls.map((u) => u.name)).size).toBe(urls.length);
      for (const { url } of urls) {
        const doc = await http.get(url);
        expect(doc.status).toBe(200);
        expect(doc.body.paths).toBeDefined();
      }
    });

    it('the UI assets the HTML refers to are served', async () => {
      const html = (await http.get('/swagger')).text;
      const refs = [...html.matchAll(/(?:href|src)=["']([^"']+\.(?:css|js|png))["']/g)].map((m) => new URL(m[1], 'http://host/swagger').pathname);
      expect(refs.length).toBeGreaterThan(2);
      for (const ref of refs) {
        const res = await http.get(ref);
        expect({ ref, status: res.status }).toEqual({ ref, status: 200 });
      }
    });
  });

  describe('route coverage', () => {
    it('the two documents together list exactly the routes the server registers', () => {
      const registered = registeredRoutes(server);
      const documented = new Set([...operations(appManager), ...operations(platform)]);
      const api = new Set([...registered].filter((r) => !DOC_ROUTES.has(r)));
      // the documentation routes are exactly the known ones (nothing else hides among them)
      expect(sorted([...registered].filter((r) => DOC_ROUTES.has(r)))).toEqual(sorted([...DOC_ROUTES].filter((r) => registered.has(r))));
      expect(registered.has('GET /api/swagger.json')).toBe(true);
      expect(registered.has('GET /swagger.json')).toBe(true);
      expect(api.size).toBeGreaterThan(20);
      expect({ undocumented: sorted([...api].filter((r) => !documented.has(r))) }).toEqual({ undocumented: [] });
      expect({ unrouted: sorted([...documented].filter((r) => !api.has(r))) }).toEqual({ unrouted: [] });
    });

    it('no operation is listed in both documents', () => {
      const a = operations(appManager);
      const both = sorted([...operations(platform)].filter((op) => a.has(op)));
      expect(both).toEqual([]);
      const sharedPaths = Object.keys(platform.paths).filter((p) => p in appManager.paths);
      expect(sharedPaths).toEqual([]);
    });

    it('every AppManager path is under /api and every Platform path outside it', () => {
      const under = (p: string) => p === '/api' || p.startsWith('/api/');
      expect(Object.keys(appManager.paths).filter((p) => !under(p))).toEqual([]);
      expect(Object.keys(platform.paths).filter(under)).toEqual([]);
      expect(Object.keys(appManager.paths).length).toBeGreaterThan(5);
      expect(Object.keys(platform.paths).length).toBeGreaterThan(0);
    });

    it('every documented operation answers (no "No such endpoint") with plausible parameters in a fresh namespace', async () => {
      const ns = await createNamespace(http, 'sw');
      const victim = await createNamespace(http, 'sw-victim');
      const value = (param: string, family: 'am' | 'pf'): string => {
        if (param === 'namespace') return ns;
        if (param === 'ns') return victim; // the Platform namespace operations include DELETE
        if (/id$/i.test(param)) return randomUUID();
        return family === 'am' ? 'some-name' : 'x';
      };
      const calls: { method: string; path: string; url: string }[] = [];
      for (const [doc, family] of [
        [appManager, 'am'],
        [platform, 'pf'],
      ] as const) {
        for (const op of operations(doc)) {
          const [method, path] = op.split(' ');
          const url = path.replace(/\{([^}]+)\}/g, (_m, p: string) => encodeURIComponent(value(p, family)));
          calls.push({ method, path, url });
        }
      }
      // destructive calls last, so that every other operation still finds its namespace
      calls.sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
      const failures: string[] = [];
      for (const { method, path, url } of calls) {
        let req = http[method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](url);
        if (['POST', 'PUT', 'PATCH'].includes(method)) req = req.send({});
        const res = await req;
        const noEndpoint = res.status === 404 && /No such endpoint/i.test(JSON.stringify(res.body));
        if (noEndpoint || res.status >= 500 || res.status === 405) failures.push(`${method} ${path} → ${res.status} ${res.text.slice(0, 200)}`);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
      }
      expect(failures).toEqual([]);
    });

    it('an undocumented path answers "No such endpoint" in the shape of its API family', async () => {
      const am = await http.get('/api/v1/not-an-operation');
      expect(am.status).toBe(404);
      expect(am.body).toMatchObject({ kind: 'ApiException', statusCode: 404 });
      const pf = await http.get('/namespaces/v1/not/an/operation');
      expect(pf.status).toBe(404);
      expect(pf.body).toMatchObject({ code: 'NOT_FOUND', ok: false, cause: null });
    });
  });
});

/**
 * SwaggerParser.validate, run in a plain Node process: @apidevtools/swagger-parser loads an ES module
 * (json-schema-ref-parser) that Node can require but Jest's module loader cannot.
 */
function validateOpenApi(doc: unknown): Promise<{ ok: true } | { ok: false; error: string }> {
  const script = `
    const SwaggerParser = require('@apidevtools/swagger-parser');
    let input = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (c) => (input += c));
    process.stdin.on('end', () => {
      SwaggerParser.validate(JSON.parse(input)).then(
        () => process.stdout.write(JSON.stringify({ ok: true })),
        (e) => process.stdout.write(JSON.stringify({ ok: false, error: String(e && e.message || e) })),
      );
    });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`validator exited with ${code}: ${out}`));
      }
    });
    child.stdin.end(JSON.stringify(doc));
  });
}

/** The `urls` the Swagger UI is configured with, read from the init script's options object. */
function extractUrls(script: string): { url: string; name: string }[] {
  const m = /"urls"\s*:\s*(\[[\s\S]*?\])/.exec(script);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]) as { url: string; name: string }[];
}
