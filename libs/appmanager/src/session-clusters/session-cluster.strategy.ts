import { Injectable } from '@nestjs/common';
import { ApiError, FieldError } from '../../../resource-kit/src/errors';
import { isPlainObject } from '../../../resource-kit/src/merge-patch';
import { sameJson } from '../../../resource-kit/src/store';
import { KindStrategy, ResourceDoc, StoredRow, WriteContext } from '../../../resource-kit/src/strategy';
import { requestContract, stringifyFlinkConfiguration } from '../contract';
import { ACTIVE_JOB_STATES } from '../jobs/job.strategy';
import { wake } from '../reconciler/work-queue';

// Session clusters (vvp-api.md 3.A SessionCluster, 4.6, 4.7): a shared Flink cluster that deployments
// in session mode (spec.sessionClusterName) run on. spec.state is the desired state (RUNNING or
// STOPPED); the session cluster reconciler moves status.state toward it.

/** spec fields that may change while the cluster is not STOPPED (vvp-api.md 4.6) */
const MUTABLE_WHILE_RUNNING = new Set(['state', 'numberOfTaskManagers']);
/** observed states in which the cluster holds no resources: any spec change is allowed */
const AT_REST = ['STOPPED', 'FAILED'];
const MEMORY = /^\s*\d+(\.\d+)?\s*(b|bytes|k|kb|ki|kib|kibibytes|m|mb|mi|mib|mebibytes|g|gb|gi|gib|gibibytes|t|tb|ti|tib|tebibytes)?\s*$/i;

export function observedState(row: StoredRow): string {
  return typeof row.status?.state === 'string' ? row.status.state : 'STOPPED';
}

@Injectable()
export class SessionClusterStrategy implements KindStrategy {
  readonly kind = 'SessionCluster';
  readonly nameRule = 'dns-label' as const;

  private normalize(doc: ResourceDoc): void {
    requestContract.prune('SessionClusterSpec', doc.spec); // unknown fields are ignored, as on deployments
    stringifyFlinkConfiguration(doc.spec);
  }

  prepareForCreate(doc: ResourceDoc): void {
    this.normalize(doc);
    // nothing runs until the reconciler has acted
    doc.status = { state: 'STOPPED' };
  }

  async prepareForUpdate(doc: ResourceDoc, existing: StoredRow, ctx: WriteContext): Promise<void> {
    this.normalize(doc);
    doc.status = undefined; // keep the stored status
    const observed = observedState(existing);
    if (!AT_REST.includes(observed)) {
      const keys = new Set([...Object.keys(doc.spec), ...Object.keys(existing.spec)]);
      const changed = [...keys].filter((k) => !MUTABLE_WHILE_RUNNING.has(k) && !sameJson(doc.spec[k], existing.spec[k])).sort();
      if (changed.length) {
        throw ApiError.validation(
          changed.map((k) => ({
            attribute: `spec.${k}`,
            message: `cannot change while the session cluster is ${observed}; only spec.state and spec.numberOfTaskManagers can (stop it first)`,
          })),
        );
      }
    }
    if (doc.spec.state === 'STOPPED' && existing.spec.state !== 'STOPPED') await this.refuseWhileUsed(existing, ctx, 'stopped');
  }

  async validate(doc: ResourceDoc, ctx: WriteContext): Promise<FieldError[]> {
    const errors = requestContract.validate('SessionClusterSpec', doc.spec, 'spec');
    for (const field of ['deploymentTargetName', 'flinkVersion']) {
      const v = doc.spec[field];
      if (typeof v === 'string' && v.trim() === '') errors.push({ attribute: `spec.${field}`, message: 'must not be empty' });
    }
    if (isPlainObject(doc.spec.resources)) {
      for (const [component, value] of Object.entries(doc.spec.resources)) {
        const at = `spec.resources.${component}`;
        if (!['jobmanager', 'taskmanager'].includes(component)) errors.push({ attribute: at, message: 'must be jobmanager or taskmanager' });
        if (isPlainObject(value) && typeof value.memory === 'string' && !MEMORY.test(value.memory)) {
          errors.push({ attribute: `${at}.memory`, message: 'must be a memory size such as 1G, 1024m or 2gb' });
        }
      }
    }
    if (errors.length) return errors; // the reference is only resolved for a well-formed spec
    const target = doc.spec.deploymentTargetName as string;
    const rows = await ctx.tx.$queryRaw<{ id: string }[]>`SELECT id FROM resources
      WHERE namespace = ${ctx.namespace} AND kind = 'DeploymentTarget' AND name = ${target}`;
    if (rows.length === 0) {
      errors.push({ attribute: 'spec.deploymentTargetName', message: `deployment target "${target}" does not exist in namespace "${ctx.namespace}"` });
    }
    return errors;
  }

  /** Every write wakes the reconciler (without waiting on it). */
  async afterWrite(row: StoredRow, ctx: WriteContext): Promise<void> {
    await wake(ctx.tx, row.id, ctx.namespace, this.kind);
  }

  /** Deletable once stopped and no deployment runs on it; its events go with it. */
  async beforeDelete(row: StoredRow, ctx: WriteContext): Promise<void> {
    const observed = observedState(row);
    if (!AT_REST.includes(observed)) {
      throw ApiError.conflict(
        `SessionCluster "${row.name}" is ${observed}; set spec.state to STOPPED and wait until its status is STOPPED before deleting it.`,
        { sessionClusterId: row.id, state: observed },
        'SessionClusterNotStopped',
      );
    }
    await this.refuseWhileUsed(row, ctx, 'deleted');
    await ctx.tx.$executeRaw`DELETE FROM resources WHERE namespace = ${ctx.namespace}
      AND kind = 'Event' AND metadata @> ${JSON.stringify({ sessionClusterId: row.id })}::jsonb`;
  }

  /**
   * 409 while a deployment on this cluster is meant to run (desired RUNNING) or still has an active job
   * (a job started on this cluster, or a job of a deployment that names it).
   */
  private async refuseWhileUsed(row: StoredRow, ctx: WriteContext, verb: 'stopped' | 'deleted'): Promise<void> {
    const users = await ctx.tx.$queryRaw<{ name: string }[]>`SELECT d.name FROM resources d
      WHERE d.namespace = ${ctx.namespace} AND d.kind = 'Deployment' AND (
        (d.spec->>'sessionClusterName' = ${row.name} AND (
          d.spec->>'state' = 'RUNNING'
          OR EXISTS (SELECT 1 FROM resources j WHERE j.namespace = d.namespace AND j.kind = 'Job'
            AND j.metadata->>'deploymentId' = d.id::text AND j.status->>'state' = ANY(${ACTIVE_JOB_STATES}::text[]))))
        OR EXISTS (SELECT 1 FROM resources j WHERE j.namespace = d.namespace AND j.kind = 'Job'
          AND j.metadata->>'deploymentId' = d.id::text AND j.metadata->>'sessionClusterName' = ${row.name}
          AND j.status->>'state' = ANY(${ACTIVE_JOB_STATES}::text[])))
      ORDER BY d.name LIMIT 10`;
    if (users.length) {
      throw ApiError.conflict(
        `SessionCluster "${row.name}" cannot be ${verb} while deployments run on it: ${users.map((u) => `"${u.name}"`).join(', ')}; cancel or suspend them first.`,
        { sessionClusterId: row.id, deployments: users.map((u) => u.name) },
        'SessionClusterInUse',
      );
    }
  }
}
