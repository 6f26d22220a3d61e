import { Injectable, Logger } from '@nestjs/common';
import { PrismaService } from '../../../persistence/src/prisma.service';
import { ResourceStore } from '../../../resource-kit/src/store';
import { StoredRow } from '../../../resource-kit/src/strategy';
import { DeploymentStrategy } from '../deployments/deployment.strategy';
import { ACTIVE_JOB_STATES } from '../jobs/job.strategy';

// A deleted namespace is TERMINATING: nothing new may be written in it (the store refuses with 409),
// everything that runs is cancelled through the normal reconciler, and once nothing runs the
// namespace and all it contains are removed in one statement (ON DELETE CASCADE).

@Injectable()
export class NamespaceTerminator {
  private readonly log = new Logger('NamespaceTerminator');

  constructor(
    private readonly db: PrismaService,
    private readonly store: ResourceStore,
    private readonly deployments: DeploymentStrategy,
  ) {}

  /** Advances every terminating namespace by one step. Returns the number of namespaces acted on. */
  async tick(): Promise<number> {
    const names = await this.db.$queryRaw<{ name: string }[]>`SELECT name FROM namespaces
      WHERE lifecycle_phase = 'LIFECYCLE_PHASE_TERMINATING' LIMIT 10`;
    let acted = 0;
    for (const { name } of names) if (await this.step(name)) acted++;
    return acted;
  }

  private async step(namespace: string): Promise<boolean> {
    return this.db.tx(async (tx) => {
      // Lock order as in a reconciler step: queue rows first, then the namespace (a step holds its
      // queue row and then needs the namespace for its inserts). If a step is running in this
      // namespace, come back on the next tick instead of deadlocking with it.
      const queued = await tx.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM reconcile_queue WHERE namespace = ${namespace}`;
      const claimed = await tx.$queryRaw<{ id: string }[]>`SELECT resource_id::text AS id FROM reconcile_queue
        WHERE namespace = ${namespace} FOR UPDATE SKIP LOCKED`;
      if (claimed.length < queued[0].n) return false;
      const locked = await tx.$queryRaw<{ name: string }[]>`SELECT name FROM namespaces
        WHERE name = ${namespace} AND lifecycle_phase = 'LIFECYCLE_PHASE_TERMINATING' FOR UPDATE SKIP LOCKED`;
      if (locked.length === 0) return false;
      const ctx = { tx, namespace, options: {} };
      // cancel what is meant to run (a system write: the deployment's spec changes, so the reconciler acts)
      const toCancel = await this.store.listRows(tx, namespace, this.deployments);
      for (const d of toCancel.filter((r: StoredRow) => r.spec.state !== 'CANCELLED')) {
        const doc = { metadata: { ...d.metadata, name: d.name }, spec: { ...d.spec, state: 'CANCELLED' } };
        await this.deployments.prepareForUpdate(doc, d, ctx);
        await this.store.writeVersion(tx, d, doc, this.deployments, ctx);
      }
      await tx.$executeRaw`UPDATE resources SET spec = jsonb_set(spec, '{state}', '"STOPPED"'), resource_version = resource_version + 1, modified_at = now()
        WHERE namespace = ${namespace} AND kind = 'SessionCluster' AND spec->>'state' = 'RUNNING'`;
      await tx.$executeRaw`UPDATE reconcile_queue SET next_run_at = now() WHERE namespace = ${namespace} AND kind = 'SessionCluster'`;
      const busy = await tx.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM resources WHERE namespace = ${namespace} AND (
          (kind = 'Job' AND status->>'state' = ANY(${ACTIVE_JOB_STATES}::text[]))
          OR (kind = 'SessionCluster' AND COALESCE(status->>'state', 'STOPPED') NOT IN ('STOPPED', 'FAILED')))`;
      if (busy[0].n > 0) return true;
      await tx.namespace.delete({ where: { name: namespace } });
      this.log.log(`namespace "${namespace}" removed`);
      return true;
    });
  }
}
