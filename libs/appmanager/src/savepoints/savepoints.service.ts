import { Inject, Injectable } from '@nestjs/common';
import { ResolvedConfig, SERVER_CONFIG } from '../../../config/src/config';
import { PrismaService } from '../../../persistence/src/prisma.service';
import { ApiError, FieldError } from '../../../resource-kit/src/errors';
import { isPlainObject } from '../../../resource-kit/src/merge-patch';
import { isUuid } from '../../../resource-kit/src/names';
import { ResourceStore, toResource, userDocFromBody } from '../../../resource-kit/src/store';
import { Resource } from '../../../resource-kit/src/strategy';
import { requestContract } from '../contract';
import { DeploymentStrategy, SPEC_VERSION_ANNOTATION } from '../deployments/deployment.strategy';
import { EventsService } from '../events/events.service';
import { JobStrategy } from '../jobs/job.strategy';
import { wake } from '../reconciler/work-queue';
import { DELETABLE_SAVEPOINT_STATES, foreignNamespaceOf, SavepointStrategy } from './savepoint.strategy';

// The user side of savepoints (vvp-api.md 4.5). A POST either registers an existing snapshot (body
// has spec.savepointLocation: COMPLETED at once, origin COPIED) or asks for a new one on the
// deployment's running job (STARTED; the SavepointReconciler triggers and polls it). DELETE only
// moves a savepoint to PENDING_DELETION; the SavepointReconciler disposes of the data and removes it.

@Injectable()
export class SavepointsService {
  constructor(
    private readonly db: PrismaService,
    private readonly store: ResourceStore,
    private readonly strategy: SavepointStrategy,
    private readonly deployments: DeploymentStrategy,
    private readonly jobs: JobStrategy,
    private readonly events: EventsService,
    @Inject(SERVER_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  async create(namespace: string, body: unknown): Promise<Resource> {
    // the one system annotation a user may give: the spec version of a registered snapshot
    const rawAnnotations = isPlainObject(body) && isPlainObject(body.metadata) ? body.metadata.annotations : undefined;
    const givenSpecVersion = isPlainObject(rawAnnotations) ? rawAnnotations[SPEC_VERSION_ANNOTATION] : undefined;
    const doc = userDocFromBody(body, namespace, this.strategy);

    const errors: FieldError[] = [...(doc.inputErrors ?? [])];
    const deploymentId = doc.metadata.deploymentId;
    if (deploymentId === undefined) errors.push({ attribute: 'metadata.deploymentId', message: 'is required' });
    else if (typeof deploymentId !== 'string' || !isUuid(deploymentId)) errors.push({ attribute: 'metadata.deploymentId', message: 'must be a uuid' });
    requestContract.prune('SavepointSpec', doc.spec);
    errors.push(...requestContract.validate('SavepointSpec', doc.spec, 'spec'));
    const location = doc.spec.savepointLocation;
    if (typeof location === 'string' && location.trim() === '') errors.push({ attribute: 'spec.savepointLocation', message: 'must not be empty' });
    else if (typeof location === 'string' && !/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\S+$/.test(location)) {
      errors.push({ attribute: 'spec.savepointLocation', message: 'must be an absolute URI with a scheme, e.g. s3://bucket/savepoints/savepoint-1 or file:///data/savepoint-1' });
    } else if (typeof location === 'string' && foreignNamespaceOf(location, this.config.runtime.blobBase, namespace) !== undefined) {
      errors.push({ attribute: 'spec.savepointLocation', message: 'lies in the savepoint area of another namespace' });
    }
    if (location === undefined && doc.spec.flinkSavepointId !== undefined) {
      errors.push({ attribute: 'spec.flinkSavepointId', message: 'can only be given with spec.savepointLocation (registering an existing snapshot)' });
    }
    if (givenSpecVersion !== undefined && givenSpecVersion !== null && (typeof givenSpecVersion !== 'string' || !/^[1-9][0-9]{0,9}$/.test(givenSpecVersion))) {
      errors.push({ attribute: `metadata.annotations.${SPEC_VERSION_ANNOTATION}`, message: 'must be a positive integer (as a string)' });
    }
    if (errors.length) throw ApiError.validation(errors);

    return this.db.tx(async (tx) => {
      const ctx = { tx, namespace, options: {} };
      await this.store.requireNamespace(tx, namespace, true);
      // locked so that the deployment cannot be deleted (taking its savepoints) under this write
      const deployment = await this.store.findRow(tx, namespace, this.deployments, (deploymentId as string).toLowerCase(), true);
      if (!deployment || deployment.id !== (deploymentId as string).toLowerCase()) throw ApiError.notFound('Deployment', deploymentId as string, namespace);
      const deploymentSpecVersion = (deployment.metadata.annotations as Record<string, string> | undefined)?.[SPEC_VERSION_ANNOTATION] ?? '1';
      const annotations = (doc.metadata.annotations as Record<string, string> | undefined) ?? {};
      const labels = (doc.metadata.labels as Record<string, string> | undefined) ?? {};

      if (typeof location === 'string') {
        // registering an existing snapshot: nothing to ask Flink, usable for restores at once
        const row = await this.store.createIn(ctx, this.strategy, {
          metadata: {
            deploymentId: deployment.id,
            origin: 'COPIED',
            type: 'UNKNOWN',
            labels,
            annotations: { ...annotations, [SPEC_VERSION_ANNOTATION]: (givenSpecVersion as string | undefined) ?? deploymentSpecVersion },
          },
          spec: doc.spec,
          status: { state: 'COMPLETED' },
        });
        return toResource(row, this.strategy);
      }

      const jobs = await this.store.listRows(tx, namespace, this.jobs, { metadata: { deploymentId: deployment.id } });
      const active = jobs.find((j) => j.status?.state === 'STARTED');
      // a job that is being suspended or cancelled takes no new savepoint (Flink would refuse it)
      if (!active || deployment.spec.state !== 'RUNNING') throw ApiError.badRequest('No active job for a deployment.', { deploymentId: deployment.id }, 'NoActiveJob');
      const row = await this.store.createIn(ctx, this.strategy, {
        metadata: {
          deploymentId: deployment.id,
          jobId: active.id,
          origin: 'USER_REQUEST',
          type: 'FULL',
          labels,
          annotations: { ...annotations, [SPEC_VERSION_ANNOTATION]: deploymentSpecVersion },
        },
        spec: {},
        status: { state: 'STARTED' },
      });
      await wake(tx, row.id, namespace, this.strategy.kind);
      return toResource(row, this.strategy);
    });
  }

  /**
   * Starts the deletion of a settled savepoint (COMPLETED, FAILED, FAILED_DELETION: it goes to
   * PENDING_DELETION), or with `force` removes the resource at once whatever its state, without
   * touching its data.
   */
  async remove(namespace: string, id: string, force: boolean): Promise<Resource> {
    if (!isUuid(id)) {
      await this.store.requireNamespace(this.db, namespace);
      throw ApiError.notFound(this.strategy.kind, id, namespace);
    }
    return this.db.tx(async (tx) => {
      await this.store.requireNamespace(tx, namespace, true);
      // the queue row first, as the reconciler does: a deletion step in flight finishes before we look
      await tx.$queryRaw`SELECT 1 FROM reconcile_queue WHERE resource_id = ${id}::uuid FOR UPDATE`;
      const sp = await this.store.findRow(tx, namespace, this.strategy, id, true);
      if (!sp) throw ApiError.notFound(this.strategy.kind, id, namespace);
      if (force) {
        await tx.resource.delete({ where: { id: sp.id } });
        return toResource(sp, this.strategy);
      }
      const state = String(sp.status?.state);
      if (!DELETABLE_SAVEPOINT_STATES.includes(state)) {
        throw ApiError.conflict(
          `Savepoint "${sp.id}" is ${state} and cannot be deleted now; only ${DELETABLE_SAVEPOINT_STATES.join(', ')} savepoints can (force=true removes the resource regardless, leaving its data).`,
          { savepointId: sp.id, state },
          'SavepointNotDeletable',
        );
      }
      const next = await this.store.writeVersion(tx, sp, { metadata: sp.metadata, spec: sp.spec, status: { state: 'PENDING_DELETION' } });
      await this.events.emit(tx, namespace, {
        name: 'TRIGGERED_SAVEPOINT_DELETION',
        message: `Deletion of savepoint ${sp.id}${typeof sp.spec.savepointLocation === 'string' ? ` at ${sp.spec.savepointLocation}` : ''} was requested.`,
        deploymentId: sp.metadata.deploymentId as string | undefined,
        jobId: sp.metadata.jobId as string | undefined,
      });
      await wake(tx, sp.id, namespace, this.strategy.kind);
      return toResource(next, this.strategy);
    });
  }
}
