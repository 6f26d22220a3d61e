import type { Express, Request, Response } from 'express';
import type { Pool } from 'pg';
import { migrationsUpToDate } from '../../persistence/src/migrations';
import type { Metrics } from './metrics';

// Liveness, readiness and metrics: plain Express routes, outside the APIs (no content negotiation,
// no Swagger entry, no authentication — probes and scrapers carry no credentials).

/** Paths served here; they are public and not API resources. */
export const OPS_PATHS = ['/healthz', '/readyz', '/metrics'] as const;

export interface HealthSources {
  pool: Pool;
  reconciler: { readonly isRunning: boolean };
  reconcilerEnabled: boolean;
  /** true once a graceful shutdown has begun: readiness then fails so load balancers stop sending */
  shuttingDown(): boolean;
}

type Check = { status: 'ok' | 'disabled' | 'failed'; detail?: string };

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export async function readiness(s: HealthSources, timeoutMs = 2000): Promise<{ ready: boolean; checks: Record<string, Check> }> {
  const checks: Record<string, Check> = {};
  try {
    await withTimeout(s.pool.query('SELECT 1'), timeoutMs, 'the database');
    checks.database = { status: 'ok' };
  } catch (err) {
    checks.database = { status: 'failed', detail: (err as Error).message };
  }
  if (checks.database.status === 'ok') {
    try {
      const upToDate = await withTimeout(
        migrationsUpToDate(async (sql) => (await s.pool.query(sql)).rows as { migration_name: string }[]),
        timeoutMs,
        'the migration check',
      );
      checks.migrations = upToDate ? { status: 'ok' } : { status: 'failed', detail: 'committed migrations are not all applied' };
    } catch (err) {
      checks.migrations = { status: 'failed', detail: (err as Error).message };
    }
  } else {
    checks.migrations = { status: 'failed', detail: 'the database is not reachable' };
  }
  checks.reconciler = !s.reconcilerEnabled
    ? { status: 'disabled' }
    : s.reconciler.isRunning
      ? { status: 'ok' }
      : { status: 'failed', detail: 'the reconcile loop is not running' };
  if (s.shuttingDown()) checks.shutdown = { status: 'failed', detail: 'the server is shutting down' };
  return { ready: Object.values(checks).every((c) => c.status !== 'failed'), checks };
}

export function registerOpsRoutes(express: Pick<Express, 'get'>, health: HealthSources, metrics: Metrics): void {
  express.get('/healthz', (_req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).json({ status: 'ok' });
  });
  express.get('/readyz', async (_req: Request, res: Response) => {
    const { ready, checks } = await readiness(health);
    const failed = Object.entries(checks)
      .filter(([, c]) => c.status === 'failed')
      .map(([name]) => name);
    res.setHeader('Cache-Control', 'no-store');
    res.status(ready ? 200 : 503).json(ready ? { status: 'ready', checks } : { status: 'unavailable', failed, checks });
  });
  express.get('/metrics', async (_req: Request, res: Response) => {
    try {
      const body = await metrics.render();
      res.setHeader('Cache-Control', 'no-store');
      res.status(200).setHeader('Content-Type', metrics.contentType); // exactly Prometheus' type (res.send would add a charset)
      res.end(body);
    } catch (err) {
      res.status(500).type('text/plain').send(`# metrics collection failed: ${(err as Error).message}\n`);
    }
  });
}
