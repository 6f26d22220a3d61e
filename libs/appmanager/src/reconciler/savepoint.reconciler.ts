import { Inject, Injectable } from '@nestjs/common';
import { ResolvedConfig, SERVER_CONFIG } from '../../../config/src/config';
import type { Tx } from '../../../persistence/src/prisma.service';
import { ResourceStore } from '../../../resource-kit/src/store';
import { StoredRow } from '../../../resource-kit/src/strategy';
import { DeploymentStrategy } from '../deployments/deployment.strategy';
import { EventInput, EventsService } from '../events/events.service';
import { FLINK_RUNTIME, FlinkRuntime, faultsFromAnnotations } from '../runtime/flink-runtime';
import { foreignNamespaceOf, SavepointStrategy } from '../savepoints/savepoint.strategy';
import { KindReconciler, StepResult } from './kind-reconciler';
import { QueueRow } from './work-queue';

// The savepoint controller, for what users ask of savepoints (savepoints the deployment controller
// takes for suspensions and upgrades stay with it until they are settled):
//
//   USER_REQUEST, STARTED   trigger (runtime, keyed by the savepoint id, job keeps running) → poll → COMPLETED | FAILED
//   PENDING_DELETION        → DELETING → dispose of the data (runtime) → resource removed | FAILED_DELETION
//
// Every step writes at most one state, committed with the queue row; the trigger and the disposal
// are idempotent, so a step repeated after a crash does no harm.

interface Intent {
  phase: 'await';
}

const now = () => new Date().toISOString();

@Injectable()
export class SavepointReconciler implements KindReconciler {
  readonly kind = 'Savepoint';

  constructor(
    private readonly store: ResourceStore,
    private readonly events: EventsService,
    private readonly savepoints: SavepointStrategy,
    private readonly deployments: DeploymentStrategy,
    @Inject(FLINK_RUNTIME) private readonly runtime: FlinkRuntime,
    @Inject(SERVER_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  async step(tx: Tx, q: QueueRow): Promise<StepResult> {
    const sp = await this.store.findRow(tx, q.namespace, this.savepoints, q.resourceId);
    const idle = (): StepResult => ({ intent: null, memory: {}, nextInMs: null });
    if (!sp) return idle();
    switch (sp.status?.state) {
      case 'STARTED':
        if (sp.metadata.origin !== 'USER_REQUEST') return idle(); // the deployment controller's own
        return this.awaitSavepoint(tx, sp, q.intent as Intent | null);
      case 'PENDING_DELETION':
        await this.setState(tx, sp, { state: 'DELETING' });
        return { intent: null, memory: {}, nextInMs: 0 };
      case 'DELETING':
        await this.dispose(tx, sp);
        return idle();
      default:
        return idle();
    }
  }

  private async emit(tx: Tx, sp: StoredRow, name: EventInput['name'], message: string): Promise<void> {
    await this.events.emit(tx, sp.namespace, {
      name,
      message,
      deploymentId: sp.metadata.deploymentId as string | undefined,
      jobId: sp.metadata.jobId as string | undefined,
    });
  }

  private async setState(tx: Tx, sp: StoredRow, status: Record<string, unknown>, spec = sp.spec): Promise<void> {
    await this.store.writeVersion(tx, sp, { metadata: sp.metadata, spec, status });
  }

  private async awaitSavepoint(tx: Tx, sp: StoredRow, intent: Intent | null): Promise<StepResult> {
    const poll = this.config.reconciler.pollMs;
    if (!intent) {
      const deployment = await this.store.findRow(tx, sp.namespace, this.deployments, sp.metadata.deploymentId as string);
      await this.runtime.triggerSavepoint({
        savepointId: sp.id,
        jobId: sp.metadata.jobId as string,
        namespace: sp.namespace,
        deploymentId: sp.metadata.deploymentId as string,
        stopJob: false,
        faults: faultsFromAnnotations(deployment?.metadata.annotations as Record<string, string> | undefined),
      });
      await this.emit(tx, sp, 'SUCCESSFULLY_TRIGGERED_A_SAVEPOINT', `Triggered savepoint ${sp.id}.`);
      return { intent: { phase: 'await' }, memory: {}, nextInMs: poll };
    }
    const s = await this.runtime.savepointStatus(sp.id);
    if (s.state === 'IN_PROGRESS') return { intent: intent as unknown as Record<string, unknown>, memory: {}, nextInMs: poll };
    if (s.state === 'COMPLETED' && s.location) {
      await this.setState(tx, sp, { state: 'COMPLETED' }, { ...sp.spec, savepointLocation: s.location });
    } else {
      const message = s.failure ?? (s.state === 'NOT_FOUND' ? 'The savepoint is not known to Flink.' : 'The savepoint failed.');
      await this.setState(tx, sp, { state: 'FAILED', failure: { message, reason: 'SavepointFailed', failedAt: now() } });
      await this.emit(tx, sp, 'AN_UNRECOVERABLE_FAILURE_WHILE_TAKING_A_SAVEPOINT', `Savepoint ${sp.id} failed: ${message}`);
    }
    return { intent: null, memory: {}, nextInMs: null };
  }

  private async dispose(tx: Tx, sp: StoredRow): Promise<void> {
    const location = sp.spec.savepointLocation;
    // (never another namespace's data, whatever the record says)
    if (typeof location === 'string' && foreignNamespaceOf(location, this.config.runtime.blobBase, sp.namespace) === undefined) {
      try {
        await this.runtime.disposeSavepoint(location);
      } catch (err) {
        const message = (err as Error).message;
        await this.setState(tx, sp, { state: 'FAILED_DELETION', failure: { message, reason: 'SavepointDeletionFailed', failedAt: now() } });
        await this.emit(tx, sp, 'FAILED_TO_DELETE_SAVEPOINT', `Savepoint ${sp.id} could not be deleted (a new DELETE retries): ${message}`);
        return;
      }
    }
    await tx.resource.delete({ where: { id: sp.id } });
    await this.emit(
      tx,
      sp,
      'SUCCESSFULLY_DELETED_SAVEPOINT',
      typeof location === 'string' ? `Savepoint ${sp.id} and its data at ${location} were deleted.` : `Savepoint ${sp.id} (without data) was deleted.`,
    );
  }
}
