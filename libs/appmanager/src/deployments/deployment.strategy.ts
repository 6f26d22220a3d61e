import { Injectable } from '@nestjs/common';
import { ApiError, FieldError } from '../../../resource-kit/src/errors';
import { isPlainObject } from '../../../resource-kit/src/merge-patch';
import { SYSTEM_ANNOTATION_PREFIX, sameJson } from '../../../resource-kit/src/store';
import { KindStrategy, ResourceDoc, StoredRow, WriteContext } from '../../../resource-kit/src/strategy';
import { normalizeStrategyKinds, requestContract, stringifyFlinkConfiguration } from '../contract';
import { DeploymentDefaultsService } from '../deployment-defaults/deployment-defaults.service';
import { deploymentSpecErrors } from './deployment-spec.validation';
import { wake } from '../reconciler/work-queue';
import { ACTIVE_JOB_STATES } from '../jobs/job.strategy';

/** Counts spec changes; the reconciler compares it with the version it last acted on. */
export const SPEC_VERSION_ANNOTATION = `${SYSTEM_ANNOTATION_PREFIX}deployment.spec.version`;
/** Set while the deployment transitions (with the time it began); removed when it completes. */
export const TRANSITIONING_ANNOTATION = `${SYSTEM_ANNOTATION_PREFIX}deployment.transitioning`;
export const TRANSITIONING_SINCE_ANNOTATION = `${SYSTEM_ANNOTATION_PREFIX}deployment.transitioning.since`;

@Injectable()
export class DeploymentStrategy implements KindStrategy {
  readonly kind = 'Deployment';
  readonly nameRule = 'dns-label' as const;
  readonly idFallback = true;
  readonly userMetadata = ['displayName'] as const;

  constructor(private readonly defaults: DeploymentDefaultsService) {}

  private normalize(doc: ResourceDoc): void {
    requestContract.prune('DeploymentSpec', doc.spec); // unknown fields (e.g. a `spec.status` typo) are ignored
    normalizeStrategyKinds(doc.spec);
    stringifyFlinkConfiguration((doc.spec.template as { spec?: unknown } | undefined)?.spec);
  }

  private setSpecVersion(doc: ResourceDoc, version: number): void {
    doc.metadata.annotations = { ...((doc.metadata.annotations as Record<string, string>) ?? {}), [SPEC_VERSION_ANNOTATION]: String(version) };
  }

  async prepareForCreate(doc: ResourceDoc, ctx: WriteContext): Promise<void> {
    this.normalize(doc);
    if (ctx.options.applyDefaults !== false) {
      // POST always; PUT-create unless ?applyDefaults=false
      doc.spec = await this.defaults.applyTo(ctx.tx, ctx.namespace, doc.spec);
      this.normalize(doc);
    }
    this.setSpecVersion(doc, 1);
    // nothing runs yet: CANCELLED is reached; any other desired state is a transition from now on
    if (doc.spec.state === 'CANCELLED' || doc.spec.state === undefined) doc.status = { state: 'CANCELLED' };
    else this.markTransitioning(doc);
  }

  /** While desired ≠ observed a deployment shows TRANSITIONING (vvp-api.md 4.1), from the write that asks for it. */
  private markTransitioning(doc: ResourceDoc): void {
    doc.status = { state: 'TRANSITIONING' };
    doc.metadata.annotations = {
      ...((doc.metadata.annotations as Record<string, string>) ?? {}),
      [TRANSITIONING_ANNOTATION]: 'true',
      [TRANSITIONING_SINCE_ANNOTATION]: new Date().toISOString(),
    };
  }

  async prepareForUpdate(doc: ResourceDoc, existing: StoredRow, ctx: WriteContext): Promise<void> {
    this.normalize(doc);
    if (ctx.options.applyDefaults === true) {
      doc.spec = await this.defaults.applyTo(ctx.tx, ctx.namespace, doc.spec);
      this.normalize(doc);
    }
    const previous = Number((existing.metadata.annotations as Record<string, string> | undefined)?.[SPEC_VERSION_ANNOTATION] ?? 1);
    this.setSpecVersion(doc, sameJson(doc.spec, existing.spec) ? previous : previous + 1);
    doc.status = undefined; // keep the stored status ...
    const observed = (existing.status as { state?: string } | null)?.state;
    const transitioning = (existing.metadata.annotations as Record<string, string> | undefined)?.[TRANSITIONING_ANNOTATION] === 'true';
    // ... unless this write asks for a new desired state that is not the observed one
    if (doc.spec.state !== existing.spec.state && doc.spec.state !== observed && !transitioning) this.markTransitioning(doc);
  }

  async validate(doc: ResourceDoc, ctx: WriteContext): Promise<FieldError[]> {
    const errors: FieldError[] = [];
    if (doc.metadata.displayName !== undefined && typeof doc.metadata.displayName !== 'string') {
      errors.push({ attribute: 'metadata.displayName', message: 'must be a string' });
    }
    const template = doc.spec.template;
    if (isPlainObject(template) && template.metadata !== undefined) {
      errors.push(...requestContract.validate('DeploymentTemplateMetadata', template.metadata, 'spec.template.metadata'));
    }
    errors.push(...(await deploymentSpecErrors(doc.spec, { partial: false, namespace: ctx.namespace, tx: ctx.tx })));
    return errors;
  }

  /** Every write of a deployment wakes the reconciler (without waiting on it). */
  async afterWrite(row: StoredRow, ctx: WriteContext): Promise<void> {
    await wake(ctx.tx, row.id, ctx.namespace, this.kind);
  }

  /** Deletable only when desired CANCELLED or SUSPENDED and no job is active; its jobs, savepoints and events go with it. */
  async beforeDelete(row: StoredRow, ctx: WriteContext): Promise<void> {
    const state = row.spec.state;
    if (state !== 'CANCELLED' && state !== 'SUSPENDED') {
      throw ApiError.conflict(
        `Deployment "${row.name}" has desired state ${String(state)}; set spec.state to CANCELLED or SUSPENDED before deleting it.`,
        { deploymentId: row.id, state },
        'DeploymentNotStopped',
      );
    }
    const owned = JSON.stringify({ deploymentId: row.id });
    const active = await ctx.tx.$queryRaw<{ id: string }[]>`SELECT id::text AS id FROM resources
      WHERE namespace = ${ctx.namespace} AND kind = 'Job' AND metadata @> ${owned}::jsonb
        AND status->>'state' = ANY(${ACTIVE_JOB_STATES}::text[])`;
    if (active.length) {
      throw ApiError.conflict(
        `Deployment "${row.name}" still has an active job (${active[0].id}); wait until its status is ${String(state)}.`,
        { deploymentId: row.id, jobId: active[0].id },
        'DeploymentHasActiveJob',
      );
    }
    await ctx.tx.$executeRaw`DELETE FROM resources WHERE namespace = ${ctx.namespace}
      AND kind IN ('Job', 'Savepoint', 'Event') AND metadata @> ${owned}::jsonb`;
  }
}
