import type { Request, Response } from 'express';
import type { Pool } from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ReconcilerStats } from '../../appmanager/src/reconciler/reconciler.service';

// Prometheus metrics (GET /metrics). One registry per application instance (the test suites run
// several in one process). Database-derived gauges are computed at scrape time, one query each.

export interface MetricsSources {
  pool: Pool;
  reconcilerStats?: ReconcilerStats;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route' | 'status'>;

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests served, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency in seconds, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });

    const pool = sources.pool;
    const query = async <T>(sql: string): Promise<T[]> => (await pool.query(sql)).rows as T[];

    new Gauge({
      name: 'reconciler_queue_depth',
      help: 'Reconcile queue rows that are due now',
      registers,
      async collect() {
        const rows = await query<{ n: number }>('SELECT count(*)::int AS n FROM reconcile_queue WHERE next_run_at <= now()').catch(() => undefined);
        if (rows) this.set(rows[0].n);
      },
    });
    const stats = sources.reconcilerStats;
    const statCounter = (name: string, help: string, key: 'ticks' | 'steps' | 'transitions' | 'errors') =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          if (stats) this.inc(stats[key]);
        },
      });
    statCounter('reconciler_ticks_total', 'Passes of the reconcile loop over the work queue', 'ticks');
    statCounter('reconciler_steps_total', 'Reconcile steps taken (each one transaction moving one resource towards its goal)', 'steps');
    statCounter('reconciler_transitions_total', 'Transitions the reconciler completed (or gave up: FAILED) in this process', 'transitions');
    statCounter('reconciler_errors_total', 'Failed reconcile ticks and steps (retried)', 'errors');

    const byState = (name: string, help: string, kind: string) =>
      new Gauge({
        name,
        help,
        labelNames: ['state'],
        registers,
        async collect() {
          const rows = await query<{ state: string; n: number }>(
            `SELECT coalesce(status->>'state', 'UNKNOWN') AS state, count(*)::int AS n FROM resources WHERE kind = '${kind}' GROUP BY 1`,
          ).catch(() => undefined);
          this.reset();
          for (const r of rows ?? []) this.set({ state: r.state }, r.n);
        },
      });
    byState('flink_jobs', 'Jobs by state', 'Job');
    byState('flink_savepoints', 'Savepoints by state', 'Savepoint');

    const poolGauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    poolGauge('db_pool_connections', 'Connections open in the database pool', () => pool.totalCount);
    poolGauge('db_pool_idle_connections', 'Idle connections in the database pool', () => pool.idleCount);
    poolGauge('db_pool_waiting_requests', 'Queries waiting for a database connection', () => pool.waitingCount);
    poolGauge('db_pool_max_connections', 'Size limit of the database pool', () => (pool.options as { max?: number }).max ?? 10);
  }

  /** Called by the request middleware once per finished response. */
  observe = (req: Request, res: Response, route: string, seconds: number): void => {
    const labels = { method: req.method, route, status: String(res.statusCode) };
    this.requests.inc(labels);
    this.duration.observe(labels, seconds);
  };

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
