import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { CONFIG_VARIABLES } from '../../libs/config/src/config';
import { projectRoot } from '../../libs/persistence/src/project-root';

// No Docker engine runs on the build machines: the container files are checked statically.

const root = projectRoot();
const read = (name: string) => readFileSync(join(root, name), 'utf8');

type Service = {
  image?: string;
  build?: unknown;
  environment?: Record<string, string> | string[];
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] | string; interval?: string; retries?: number };
  restart?: string;
  stop_grace_period?: string;
};

function env(service: Service): Record<string, string> {
  const e = service.environment ?? {};
  if (Array.isArray(e)) return Object.fromEntries(e.map((kv) => [kv.split('=')[0], kv.slice(kv.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)]));
}

describe('docker-compose.yml', () => {
  const doc = yaml.load(read('docker-compose.yml')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
  const { postgres, server } = doc.services;

  it('has exactly a postgres and a server service', () => {
    expect(Object.keys(doc.services).sort()).toEqual(['postgres', 'server']);
  });

  it('postgres: PostgreSQL 16 on a named volume, with a pg_isready healthcheck', () => {
    expect(postgres.image).toMatch(/^postgres:16(\.|-|$)/);
    const [volume, target] = postgres.volumes![0].split(':');
    expect(target).toBe('/var/lib/postgresql/data');
    expect(Object.keys(doc.volumes)).toContain(volume);
    expect(JSON.stringify(postgres.healthcheck?.test)).toMatch(/pg_isready/);
    expect(postgres.restart).toMatch(/always|unless-stopped/);
  });

  it('server: built from this repository, started once postgres is healthy, restarted, health-checked', () => {
    expect(server.build).toBe('.');
    expect(server.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(server.restart).toMatch(/always|unless-stopped/);
    expect(JSON.stringify(server.healthcheck?.test)).toMatch(/127\.0\.0\.1:8080\/(healthz|readyz)/);
    // the container gets to finish its graceful shutdown (SHUTDOWN_TIMEOUT_MS) before Docker kills it
    const grace = Number(/^(\d+)s$/.exec(server.stop_grace_period ?? '')?.[1]) * 1000;
    expect(grace).toBeGreaterThan(Number(env(server).SHUTDOWN_TIMEOUT_MS ?? 20_000));
  });

  it('server: listens on 0.0.0.0:8080 (published), uses the postgres service, token auth with the admin token from the environment', () => {
    const e = env(server);
    expect(e.HOST).toBe('0.0.0.0');
    expect(e.PORT).toBe('8080');
    expect(server.ports!.map((p) => p.split(':').pop())).toEqual(['8080']);
    const dbUrl = e.DATABASE_URL.replace(/\$\{POSTGRES_PASSWORD:-([^}]*)\}/, '$1');
    const url = new URL(dbUrl);
    expect(url.protocol).toBe('postgresql:');
    expect(url.hostname).toBe('postgres');
    expect(url.port).toBe('5432');
    const pgEnv = env(postgres);
    expect(url.username).toBe(pgEnv.POSTGRES_USER);
    expect(url.pathname).toBe(`/${pgEnv.POSTGRES_DB}`);
    expect(pgEnv.POSTGRES_PASSWORD).toContain('${POSTGRES_PASSWORD');
    expect(e.AUTH_MODE).toBe('token');
    expect(e.AUTH_ADMIN_TOKEN).toMatch(/^\$\{AUTH_ADMIN_TOKEN[:?]/);
    expect(e.SECRETS_KEY).toMatch(/^\$\{SECRETS_KEY[:?]/);
  });

  it('every variable the server service sets is one the server reads (libs/config/src/config.ts)', () => {
    const known = new Set<string>(CONFIG_VARIABLES);
    expect(Object.keys(env(server)).filter((k) => !known.has(k))).toEqual([]);
  });
});

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  const lines = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  const stages: string[][] = [];
  for (const line of lines) {
    if (/^FROM\s/i.test(line)) stages.push([]);
    stages[stages.length - 1]?.push(line);
  }
  const final = stages[stages.length - 1];
  const finalText = final.join('\n');

  it('is multi-stage on Node 20', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s[0]).toMatch(/^FROM node:20[-.\w]* AS \w+/i);
    expect(stages[0].join('\n')).toMatch(/^RUN npm ci\b/m);
    expect(stages[0].join('\n')).toMatch(/^RUN npm run build$/m);
  });

  it('the final stage has production dependencies only and no build-stage node_modules', () => {
    expect(finalText).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(finalText).not.toMatch(/COPY --from=\S+ \S*node_modules/);
    expect(finalText).not.toMatch(/npm (install|i|ci)(?![^\n]*--omit=dev)/);
    expect(finalText).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    for (const path of ['prisma', 'libs/resource-kit/contract', 'package.json', 'package-lock.json']) {
      expect(finalText).toMatch(new RegExp(`^COPY (?:[^\\n]* )?${path.replace(/\//g, '\\/')}(?: |$)`, 'm'));
      expect(existsSync(join(root, path))).toBe(true);
    }
  });

  it('runs as a non-root user, exposes 8080, checks /healthz and starts the compiled server', () => {
    const users = final.filter((l) => /^USER\s/i.test(l)).map((l) => l.split(/\s+/)[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
    expect(finalText).toMatch(/^EXPOSE 8080$/m);
    expect(finalText).toMatch(/^HEALTHCHECK [^\n]*\\?\n?[^\n]*\/healthz/m);
    expect(finalText).toMatch(/^CMD \["node", "dist\/apps\/server\/src\/main\.js"\]$/m);
    // the package.json start script runs the same file
    expect(JSON.parse(read('package.json')).scripts['start:prod']).toBe('node dist/apps/server/src/main.js');
  });

  it('.dockerignore keeps local state and build output out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const p of ['.git', 'node_modules', 'dist', '.data', '.test-data']) expect(ignored).toContain(p);
  });
});
