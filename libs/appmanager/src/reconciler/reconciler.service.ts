import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ResolvedConfig, SERVER_CONFIG } from '../../../config/src/config';
import { PrismaService } from '../../../persistence/src/prisma.service';
import { DeploymentReconciler } from './deployment.reconciler';
import { SessionClusterReconciler } from './session-cluster.reconciler';
import { KindReconciler } from './kind-reconciler';
import { SavepointReconciler } from './savepoint.reconciler';
import { NamespaceTerminator } from './namespace-terminator';
import { QueueRow } from './work-queue';

// The control loop, in every server process. Work is claimed row by row with FOR UPDATE SKIP
// LOCKED, so several replicas on one database share the queue without stepping on each other; the
// queue row stays locked while its step runs. When there is nothing due, a tick costs three indexed
// queries that return nothing.

export interface ReconcilerStats {
  ticks: number;
  steps: number;
  /** transitions that ended (an intent was completed or given up) */
  transitions: number;
  errors: number;
  lastError?: string;
}

@Injectable()
export class Reconciler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('Reconciler');
  private readonly handlers = new Map<string, KindReconciler>();
  private running = false;
  private loop?: Promise<void>;
  private wakeTimer?: { resolve: () => void; timer: NodeJS.Timeout };
  readonly stats: ReconcilerStats = { ticks: 0, steps: 0, transitions: 0, errors: 0 };

  constructor(
    private readonly db: PrismaService,
    @Inject(SERVER_CONFIG) private readonly config: ResolvedConfig,
    private readonly terminator: NamespaceTerminator,
    deployments: DeploymentReconciler,
    savepoints: SavepointReconciler,
    sessionClusters: SessionClusterReconciler,
  ) {
    this.register(deployments);
    this.register(savepoints);
    this.register(sessionClusters);
  }

  /**
   * Steps run at once: RECONCILER_CONCURRENCY, but never more than half the connection pool, so the
   * controller cannot starve the API of connections.
   */
  get concurrency(): number {
    return Math.max(1, Math.min(this.config.reconciler.concurrency, Math.floor(this.config.databasePoolSize / 2)));
  }

  register(handler: KindReconciler): void {
    this.handlers.set(handler.kind, handler);
  }

  get isRunning(): boolean {
    return this.running;
  }

  onApplicationBootstrap(): void {
    if (this.config.reconciler.enabled) this.start();
  }

  /** Stops before the database pool closes (PrismaService closes it in onApplicationShutdown). */
  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the step in progress; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.wakeTimer) {
      clearTimeout(this.wakeTimer.timer);
      this.wakeTimer.resolve();
    }
    await this.loop;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeTimer = { resolve, timer };
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      let worked = 0;
      try {
        worked = await this.tick();
      } catch (err) {
        this.stats.errors++;
        this.stats.lastError = (err as Error).message;
        this.log.warn(`tick failed: ${(err as Error).message}`);
      }
      if (this.running && worked === 0) await this.sleep(this.config.reconciler.intervalMs);
    }
  }

  /** One pass over what is due. Returns the number of steps taken. */
  async tick(): Promise<number> {
    this.stats.ticks++;
    await this.db.$executeRaw`WITH woken AS (DELETE FROM reconcile_wakeups RETURNING resource_id)
      UPDATE reconcile_queue q SET next_run_at = now() FROM (SELECT DISTINCT resource_id FROM woken) w WHERE q.resource_id = w.resource_id`;
    const due = await this.db.$queryRaw<{ id: string }[]>`SELECT resource_id::text AS id FROM reconcile_queue
      WHERE next_run_at <= now() ORDER BY next_run_at LIMIT ${this.concurrency * 8}`;
    let steps = 0;
    const queue = [...due];
    const worker = async () => {
      for (let item = queue.shift(); item && this.running; item = queue.shift()) {
        if (await this.step(item.id)) steps++;
      }
    };
    await Promise.all(Array.from({ length: this.concurrency }, worker));
    steps += await this.terminator.tick();
    return steps;
  }

  /** One step for one resource, in one transaction holding its queue row. False when another replica has it. */
  async step(resourceId: string): Promise<boolean> {
    try {
      return await this.db.tx(async (tx) => {
        const rows = await tx.$queryRaw<QueueRow[]>`SELECT resource_id::text AS "resourceId", namespace, kind, intent, memory
          FROM reconcile_queue WHERE resource_id = ${resourceId}::uuid AND next_run_at <= now() FOR UPDATE SKIP LOCKED`;
        if (rows.length === 0) return false;
        const handler = this.handlers.get(rows[0].kind);
        if (!handler) {
          await tx.$executeRaw`UPDATE reconcile_queue SET next_run_at = NULL WHERE resource_id = ${resourceId}::uuid`;
          return false;
        }
        const result = await handler.step(tx, rows[0]);
        const intent = result.intent === null ? null : JSON.stringify(result.intent);
        const nextSql = result.nextInMs === null ? null : result.nextInMs;
        await tx.$executeRaw`UPDATE reconcile_queue SET intent = ${intent}::jsonb, memory = ${JSON.stringify(result.memory)}::jsonb,
          next_run_at = CASE WHEN ${nextSql}::int IS NULL THEN NULL ELSE now() + make_interval(secs => ${nextSql}::int / 1000.0) END,
          updated_at = now() WHERE resource_id = ${resourceId}::uuid`;
        this.stats.steps++;
        if (rows[0].intent !== null && result.intent === null) this.stats.transitions++;
        return true;
      });
    } catch (err) {
      this.stats.errors++;
      this.stats.lastError = (err as Error).message;
      this.log.warn(`step for ${resourceId} failed (will retry): ${(err as Error).message}`);
      // back off this resource a little; the step's own writes were rolled back
      await this.db.$executeRaw`UPDATE reconcile_queue SET next_run_at = now() + interval '1 second' WHERE resource_id = ${resourceId}::uuid`.catch(() => undefined);
      return false;
    }
  }
}
