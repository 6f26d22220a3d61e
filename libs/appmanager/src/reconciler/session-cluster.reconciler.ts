import { Inject, Injectable } from '@nestjs/common';
import { ResolvedConfig, SERVER_CONFIG } from '../../../config/src/config';
import type { Tx } from '../../../persistence/src/prisma.service';
import { ResourceStore, SYSTEM_ANNOTATION_PREFIX } from '../../../resource-kit/src/store';
import { StoredRow } from '../../../resource-kit/src/strategy';
import { EventInput, EventsService } from '../events/events.service';
import { ACTIVE_JOB_STATES } from '../jobs/job.strategy';
import { observedState, SessionClusterStrategy } from '../session-clusters/session-cluster.strategy';
import { KindReconciler, StepResult } from './kind-reconciler';
import { QueueRow } from './work-queue';

// The session cluster controller: moves status.state toward spec.state, one persisted phase at a time.
//
//   desired RUNNING:  STOPPED → STARTING → RUNNING        (SPINNING_UP_A_CLUSTER_FOR_A_SESSION_CLUSTER,
//                                                           SESSION_CLUSTER_SUCCESSFULLY_STARTED)
//   TM count changed: RUNNING → UPDATING → RUNNING
//   desired STOPPED:  RUNNING → STOPPING → STOPPED        (SESSION_CLUSTER_SUCCESSFULLY_STOPPED)
//                     (only once no active Job runs on it: the API refuses a stop while deployments
//                     run on it, but a namespace deletion cancels them and stops the cluster at once)
//
// The simulated cluster needs no Flink call: the time at which a phase completes (start: the simulated
// job start time, stop: the simulated cancel time) is committed in the intent together with the
// status, so a restarted server finishes the phase at the same moment. A phase in flight is finished
// before the latest spec is looked at again.

export const RESOURCES_ACQUIRED_ANNOTATION = `${SYSTEM_ANNOTATION_PREFIX}sessioncluster.resources.acquired`;

type Op = 'start' | 'update' | 'stop';

interface Intent {
  op: Op;
  /** ISO time at which the phase completes */
  readyAt: string;
  /** the TaskManager count the phase brings the cluster to */
  numberOfTaskManagers?: number | null;
}

interface Memory {
  [key: string]: unknown;
  /** TaskManager count of the running cluster (null: as configured by default) */
  numberOfTaskManagers?: number | null;
}

const now = () => new Date().toISOString();

@Injectable()
export class SessionClusterReconciler implements KindReconciler {
  readonly kind = 'SessionCluster';

  constructor(
    private readonly store: ResourceStore,
    private readonly events: EventsService,
    private readonly clusters: SessionClusterStrategy,
    @Inject(SERVER_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  async step(tx: Tx, q: QueueRow): Promise<StepResult> {
    // looked up by id (the kind is name-addressed without an id fallback)
    const c = await this.store.findRow(tx, q.namespace, { kind: this.clusters.kind, validate: () => [] }, q.resourceId);
    if (!c) return { intent: null, memory: {}, nextInMs: null };
    const memory = { ...(q.memory as Memory) };
    const intent = (q.intent as Intent | null) ?? (await this.decide(tx, c, memory));
    if (!intent) {
      const waiting = c.spec.state === 'STOPPED' && observedState(c) === 'RUNNING';
      return { intent: null, memory, nextInMs: waiting ? this.config.reconciler.pollMs : null };
    }
    return this.advance(tx, c, intent, memory);
  }

  private taskManagers(c: StoredRow): number | null {
    return typeof c.spec.numberOfTaskManagers === 'number' ? c.spec.numberOfTaskManagers : null;
  }

  private async emit(tx: Tx, c: StoredRow, name: EventInput['name'], message: string): Promise<void> {
    await this.events.emit(tx, c.namespace, { name, message, sessionClusterId: c.id, resourceName: c.name ?? undefined });
  }

  private async setStatus(tx: Tx, c: StoredRow, status: Record<string, unknown>, acquired?: boolean): Promise<void> {
    const annotations = acquired === undefined ? undefined : { [RESOURCES_ACQUIRED_ANNOTATION]: acquired ? 'true' : null };
    await this.store.writeStatus(tx, c.id, status, annotations);
    c.status = status;
  }

  private intent(op: Op, ms: number, c: StoredRow): Intent {
    return { op, readyAt: new Date(Date.now() + ms).toISOString(), numberOfTaskManagers: this.taskManagers(c) };
  }

  private async hasActiveJobs(tx: Tx, c: StoredRow): Promise<boolean> {
    const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM resources WHERE namespace = ${c.namespace} AND kind = 'Job'
      AND metadata->>'sessionClusterName' = ${c.name} AND status->>'state' = ANY(${ACTIVE_JOB_STATES}::text[]) LIMIT 1`;
    return rows.length > 0;
  }

  /** No phase in flight: start one if the spec asks for it. */
  private async decide(tx: Tx, c: StoredRow, memory: Memory): Promise<Intent | null> {
    const desired = c.spec.state;
    const observed = observedState(c);
    const { jobStartMs, cancelMs } = this.config.runtime;
    switch (observed) {
      case 'STOPPED':
        if (desired !== 'RUNNING') return null;
        await this.emit(tx, c, 'SPINNING_UP_A_CLUSTER_FOR_A_SESSION_CLUSTER', `Spinning up session cluster "${c.name}".`);
        await this.setStatus(tx, c, { state: 'STARTING' }, true);
        return this.intent('start', jobStartMs, c);
      case 'RUNNING':
        if (desired === 'STOPPED') {
          // jobs still on the cluster (e.g. deployments being cancelled with their namespace) go first
          if (await this.hasActiveJobs(tx, c)) return null;
          await this.setStatus(tx, c, { ...c.status, state: 'STOPPING' });
          return this.intent('stop', cancelMs, c);
        }
        if (!('numberOfTaskManagers' in memory)) memory.numberOfTaskManagers = this.taskManagers(c);
        if (memory.numberOfTaskManagers !== this.taskManagers(c)) {
          await this.setStatus(tx, c, { ...c.status, state: 'UPDATING' });
          return this.intent('update', jobStartMs, c);
        }
        return null;
      case 'FAILED':
        // a failed cluster holds nothing; it stays FAILED until it is stopped
        if (desired === 'STOPPED') {
          await this.setStatus(tx, c, { state: 'STOPPED' }, false);
          await this.emit(tx, c, 'SESSION_CLUSTER_SUCCESSFULLY_STOPPED', `Session cluster "${c.name}" is STOPPED.`);
        }
        return null;
      // a phase whose intent was lost (e.g. written by another version): finish it now
      case 'STARTING':
        return this.intent('start', 0, c);
      case 'UPDATING':
        return this.intent('update', 0, c);
      case 'STOPPING':
        return this.intent('stop', 0, c);
      default:
        return null;
    }
  }

  private async advance(tx: Tx, c: StoredRow, intent: Intent, memory: Memory): Promise<StepResult> {
    const remaining = new Date(intent.readyAt).getTime() - Date.now();
    if (remaining > 0) return { intent: intent as unknown as Record<string, unknown>, memory, nextInMs: remaining };
    const time = now();
    switch (intent.op) {
      case 'start':
        await this.setStatus(tx, c, { state: 'RUNNING', running: { startedAt: time, lastUpdateTime: time } });
        await this.emit(tx, c, 'SESSION_CLUSTER_SUCCESSFULLY_STARTED', `Session cluster "${c.name}" is RUNNING.`);
        memory.numberOfTaskManagers = intent.numberOfTaskManagers ?? null;
        break;
      case 'update': {
        const running = (c.status?.running as Record<string, unknown> | undefined) ?? { startedAt: time };
        await this.setStatus(tx, c, { state: 'RUNNING', running: { ...running, lastUpdateTime: time } });
        memory.numberOfTaskManagers = intent.numberOfTaskManagers ?? null;
        break;
      }
      case 'stop':
        await this.setStatus(tx, c, { state: 'STOPPED' }, false);
        await this.emit(tx, c, 'SESSION_CLUSTER_SUCCESSFULLY_STOPPED', `Session cluster "${c.name}" is STOPPED.`);
        delete memory.numberOfTaskManagers;
        break;
    }
    // the spec may have moved on during the phase: look again at once
    return { intent: null, memory, nextInMs: 0 };
  }
}
