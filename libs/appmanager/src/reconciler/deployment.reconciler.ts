import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ResolvedConfig, SERVER_CONFIG } from '../../../config/src/config';
import type { Tx } from '../../../persistence/src/prisma.service';
import { canonical, isPlainObject } from '../../../resource-kit/src/merge-patch';
import { ResourceStore, SYSTEM_ANNOTATION_PREFIX } from '../../../resource-kit/src/store';
import { StoredRow } from '../../../resource-kit/src/strategy';
import { DeploymentStrategy, SPEC_VERSION_ANNOTATION, TRANSITIONING_ANNOTATION, TRANSITIONING_SINCE_ANNOTATION } from '../deployments/deployment.strategy';
import { EventInput, EventsService } from '../events/events.service';
import { ACTIVE_JOB_STATES, JobStrategy } from '../jobs/job.strategy';
import { FLINK_RUNTIME, FlinkRuntime, faultsFromAnnotations } from '../runtime/flink-runtime';
import { SavepointStrategy } from '../savepoints/savepoint.strategy';
import { SecretResolutionError, SecretResolver } from '../secret-values/secret-resolver';
import { KindReconciler, StepResult } from './kind-reconciler';
import { QueueRow } from './work-queue';

// The deployment controller: moves status.state toward spec.state, one persisted phase at a time.
//
//   intent.op     phases (each step advances at most one; the intent is committed before acting)
//   start         create (Job STARTING) → submit (runtime) → await (Job STARTED, deployment RUNNING)
//   suspend       savepoint (Savepoint STARTED) → trigger (stop-with-savepoint) → await-savepoint → await-stop
//   cancel        cancel (runtime) → await-stop
//   upgrade       STATEFUL: the suspend phases, then start restoring that savepoint;
//                 STATELESS: the cancel phases, then start without state; NONE: nothing until the next start
//
// Because every runtime call is keyed by our Job/Savepoint id and the id is committed before the
// call, a step repeated after a crash never starts a second job or takes a second savepoint.

export const JOB_SPEC_HASH_ANNOTATION = `${SYSTEM_ANNOTATION_PREFIX}job.spec.hash`;

type Op = 'start' | 'suspend' | 'cancel' | 'upgrade-stateful' | 'upgrade-stateless';

interface Intent {
  op: Op;
  phase: string;
  specVersion: number;
  attempts: number;
  jobId?: string;
  savepointId?: string;
  /** explicit restore location for the next start (null: start without state); absent: per restoreStrategy */
  restore?: string | null;
  awaitingCluster?: boolean;
}

interface Memory {
  [key: string]: unknown;
  /** spec version at which the deployment settled in FAILED or FINISHED; it stays there until the spec changes */
  settledAt?: number;
}

const now = () => new Date().toISOString();

/** The part of a deployment's spec that a running job is made of: a change here is an upgrade. */
export function jobSpecHash(spec: Record<string, unknown>): string {
  const affecting = {
    template: spec.template,
    deploymentTargetName: spec.deploymentTargetName,
    deploymentTargetId: spec.deploymentTargetId,
    sessionClusterName: spec.sessionClusterName,
  };
  return createHash('sha256').update(canonical(affecting)).digest('hex').slice(0, 16);
}

@Injectable()
export class DeploymentReconciler implements KindReconciler {
  readonly kind = 'Deployment';

  constructor(
    private readonly store: ResourceStore,
    private readonly events: EventsService,
    private readonly deployments: DeploymentStrategy,
    private readonly jobs: JobStrategy,
    private readonly savepoints: SavepointStrategy,
    @Inject(FLINK_RUNTIME) private readonly runtime: FlinkRuntime,
    @Inject(SERVER_CONFIG) private readonly config: ResolvedConfig,
    private readonly secrets: SecretResolver,
  ) {}

  async step(tx: Tx, q: QueueRow): Promise<StepResult> {
    const d = await this.store.findRow(tx, q.namespace, this.deployments, q.resourceId);
    if (!d) return { intent: null, memory: {}, nextInMs: null };
    const memory = { ...(q.memory as Memory) };
    const intent = (q.intent as Intent | null) ?? (await this.decide(tx, d, memory));
    if (!intent) return this.idle(d, memory);
    return this.advance(tx, d, intent, memory);
  }

  // ---------- deciding ----------

  private specVersion(d: StoredRow): number {
    return Number((d.metadata.annotations as Record<string, string> | undefined)?.[SPEC_VERSION_ANNOTATION] ?? 1);
  }

  private idle(d: StoredRow, memory: Memory): StepResult {
    const observedRunning = (d.status as { state?: string } | null)?.state === 'RUNNING';
    return { intent: null, memory, nextInMs: observedRunning ? this.config.reconciler.watchMs : null };
  }

  private async activeJob(tx: Tx, d: StoredRow): Promise<StoredRow | undefined> {
    const jobs = await this.store.listRows(tx, d.namespace, this.jobs, { metadata: { deploymentId: d.id } });
    return jobs.find((j) => ACTIVE_JOB_STATES.includes(String(j.status?.state)));
  }

  private async emit(tx: Tx, d: StoredRow, name: EventInput['name'], message: string, jobId?: string): Promise<void> {
    await this.events.emit(tx, d.namespace, { name, message, deploymentId: d.id, jobId, resourceName: d.name ?? undefined });
  }

  private async setStatus(tx: Tx, d: StoredRow, status: Record<string, unknown>, transitioning: boolean): Promise<void> {
    const annotations = transitioning
      ? { [TRANSITIONING_ANNOTATION]: 'true', [TRANSITIONING_SINCE_ANNOTATION]: now() }
      : { [TRANSITIONING_ANNOTATION]: null, [TRANSITIONING_SINCE_ANNOTATION]: null };
    const wasTransitioning = (d.metadata.annotations as Record<string, string> | undefined)?.[TRANSITIONING_ANNOTATION] === 'true';
    await this.store.writeStatus(tx, d.id, status, transitioning === wasTransitioning ? undefined : annotations);
    d.status = status;
  }

  private async begin(tx: Tx, d: StoredRow, op: Op, extra: Partial<Intent> = {}): Promise<Intent> {
    const why = op.startsWith('upgrade')
      ? `Deployment "${d.name}" needs a transition: its running job must be upgraded to spec version ${this.specVersion(d)}.`
      : this.transitionMessage(d);
    await this.emit(tx, d, 'STATE_TRANSITION_IS_NEEDED', why);
    await this.setStatus(tx, d, { state: 'TRANSITIONING' }, true);
    const phase = op === 'start' ? 'create' : op === 'cancel' || op === 'upgrade-stateless' ? 'cancel' : 'savepoint';
    return { op, phase, specVersion: this.specVersion(d), attempts: 0, ...extra };
  }

  private transitionMessage(d: StoredRow): string {
    const observed = d.status?.state;
    const from = observed && observed !== 'TRANSITIONING' ? ` from ${String(observed)}` : '';
    return `Deployment "${d.name}" needs a transition${from} to ${String(d.spec.state)}.`;
  }

  /** No transition in progress: observe, and start one if the spec asks for it. */
  private async decide(tx: Tx, d: StoredRow, memory: Memory): Promise<Intent | null> {
    const desired = d.spec.state as string;
    const version = this.specVersion(d);
    let job = await this.activeJob(tx, d);

    if (job && job.status?.state === 'STARTED') {
      const settled = await this.observeRunningJob(tx, d, job, memory);
      if (settled) job = undefined;
    }
    const observed = d.status?.state as string | undefined; // after the observation above
    if ((observed === 'FAILED' || observed === 'FINISHED') && memory.settledAt === version) return null;
    memory.settledAt = undefined;

    if (job && job.status?.state !== 'STARTED') {
      // a job left mid-transition by a crash before the intent was recorded: finish what it was doing
      if (job.status?.state === 'STARTING') return { op: 'start', phase: 'submit', specVersion: version, attempts: 0, jobId: job.id };
      return { op: desired === 'SUSPENDED' ? 'suspend' : 'cancel', phase: 'await-stop', specVersion: version, attempts: 0, jobId: job.id };
    }

    switch (desired) {
      case 'RUNNING': {
        if (!job) return this.begin(tx, d, 'start');
        const strategy = (d.spec.upgradeStrategy as { kind?: string } | undefined)?.kind ?? 'STATEFUL';
        const jobHash = (job.metadata.annotations as Record<string, string> | undefined)?.[JOB_SPEC_HASH_ANNOTATION];
        if (jobHash !== jobSpecHash(d.spec) && strategy !== 'NONE') {
          const intent = await this.begin(tx, d, strategy === 'STATELESS' ? 'upgrade-stateless' : 'upgrade-stateful', { jobId: job.id });
          await this.emit(tx, d, 'USING_AN_UPGRADE_STRATEGY', `Upgrading the running job with upgrade strategy ${strategy}.`, job.id);
          return intent;
        }
        if (observed !== 'RUNNING') await this.setRunning(tx, d, job);
        return null;
      }
      case 'SUSPENDED':
      case 'CANCELLED': {
        if (job) return this.begin(tx, d, desired === 'SUSPENDED' ? 'suspend' : 'cancel', { jobId: job.id });
        if (observed !== desired) {
          await this.emit(tx, d, 'STATE_TRANSITION_IS_NEEDED', this.transitionMessage(d));
          await this.setStatus(tx, d, { state: desired }, false);
          await this.emit(tx, d, 'STATE_TRANSITION_IS_COMPLETED', `Deployment "${d.name}" is ${desired}.`);
        }
        return null;
      }
      default:
        return null;
    }
  }

  /** A running job failed, finished or vanished: settle the deployment. Returns true when the job is no longer active. */
  private async observeRunningJob(tx: Tx, d: StoredRow, job: StoredRow, memory: Memory): Promise<boolean> {
    const rs = await this.runtime.jobStatus(job.id);
    if (rs.state === 'RUNNING' || rs.state === 'INITIALIZING' || rs.state === 'CANCELLING') return false;
    const failedAt = now();
    if (rs.state === 'FINISHED') {
      await this.finishJob(tx, job, 'FINISHED');
      await this.emit(tx, d, 'JOB_SUCCESSFULLY_FINISHED', 'The job finished successfully.', job.id);
      await this.setStatus(tx, d, { state: 'FINISHED' }, false);
      await this.emit(tx, d, 'TRANSITIONED_TO_FINISHED_STATE', `Deployment "${d.name}" is FINISHED.`, job.id);
    } else {
      const missing = rs.state === 'NOT_FOUND' || rs.state === 'CANCELED';
      const message = missing ? 'The job is no longer known to Flink.' : (rs.failure ?? 'The job failed.');
      await this.finishJob(tx, job, 'FAILED', { message, reason: missing ? 'JobMissing' : 'JobFailed', failedAt });
      await this.emit(
        tx,
        d,
        missing ? 'TRANSITIONING_TO_FAILED_STATE_BECAUSE_OF_A_MISSING_JOB' : 'TERMINATING_A_JOB_DUE_TO_AN_UNRECOVERABLE_FAILURE',
        message,
        job.id,
      );
      await this.setStatus(tx, d, { state: 'FAILED' }, false);
    }
    memory.settledAt = this.specVersion(d);
    return true;
  }

  // ---------- acting ----------

  private async advance(tx: Tx, d: StoredRow, intent: Intent, memory: Memory): Promise<StepResult> {
    const poll = this.config.reconciler.pollMs;
    const next = (i: Intent | null, ms: number | null): StepResult => ({ intent: i as Record<string, unknown> | null, memory, nextInMs: ms });
    const done = (): StepResult => {
      // the spec may have moved on during the transition: look again at once
      const moved = this.specVersion(d) !== intent.specVersion;
      return next(null, moved ? 0 : d.status?.state === 'RUNNING' ? this.config.reconciler.watchMs : null);
    };
    const fail = async (name: EventInput['name'], message: string): Promise<StepResult> => {
      await this.emit(tx, d, name, message, intent.jobId);
      await this.setStatus(tx, d, { state: 'FAILED' }, false);
      memory.settledAt = this.specVersion(d);
      return next(null, null);
    };

    // Before a job is created or a savepoint taken nothing is in flight at the runtime (a first
    // attempt, a retry, a wait for a session cluster, or the start that ends an upgrade whose old job
    // has stopped): if the spec moved on meanwhile, drop the old intent and decide again for the new
    // spec. Elsewhere the phase in flight is finished first.
    const safePoint = intent.phase === 'create' || intent.phase === 'savepoint';
    if (safePoint && this.specVersion(d) !== intent.specVersion) return next(null, 0);

    switch (`${intent.op === 'start' ? 'start' : intent.op}:${intent.phase}`) {
      // ----- start -----
      case 'start:create': {
        const max = Number(d.spec.maxJobCreationAttempts ?? 4);
        if (intent.attempts >= max) {
          return fail('TOO_MANY_FAILED_JOB_CREATION_ATTEMPTS', `The job could not be started in ${max} attempts; the deployment is FAILED.`);
        }
        if (typeof d.spec.sessionClusterName === 'string' && !(await this.sessionClusterRunning(tx, d))) {
          if (!intent.awaitingCluster) {
            await this.emit(tx, d, 'AWAITING_FOR_A_CLUSTER_TO_SPIN_UP', `Waiting for session cluster "${d.spec.sessionClusterName}" to be RUNNING.`);
          }
          return next({ ...intent, awaitingCluster: true }, poll);
        }
        const restore = intent.restore !== undefined ? intent.restore : await this.restoreLocation(tx, d);
        const job = await this.createJob(tx, d, restore);
        await this.emit(tx, d, 'CREATING_A_NEW_JOB', restore ? `Creating a new job, restoring from ${restore}.` : 'Creating a new job without state.', job.id);
        return next({ ...intent, phase: 'submit', jobId: job.id }, 0);
      }
      case 'start:submit': {
        const job = await this.store.findRow(tx, d.namespace, this.jobs, intent.jobId!);
        let spec: Record<string, unknown>;
        try {
          spec = await this.secrets.resolveJobSpec(tx, d.namespace, job!.spec); // `${NAME}` → value, for the runtime only
        } catch (e) {
          if (!(e instanceof SecretResolutionError)) throw e;
          // like a failed start: the attempt counts toward maxJobCreationAttempts
          await this.finishJob(tx, job!, 'FAILED', { message: e.message, reason: e.reason, failedAt: now() });
          await this.emit(tx, d, 'FAILED_CREATING_A_NEW_JOB', `Attempt ${intent.attempts + 1} to start the job failed: ${e.message}`, job!.id);
          return next({ ...intent, phase: 'create', attempts: intent.attempts + 1, jobId: undefined }, 0);
        }
        await this.runtime.submit({
          jobId: job!.id,
          namespace: d.namespace,
          deploymentId: d.id,
          spec,
          restoreFrom: (job!.spec.savepointLocation as string | undefined) ?? undefined,
          allowNonRestoredState: job!.spec.allowNonRestoredState === true,
          faults: faultsFromAnnotations(d.metadata.annotations as Record<string, string>),
        });
        return next({ ...intent, phase: 'await' }, poll);
      }
      case 'start:await': {
        const job = (await this.store.findRow(tx, d.namespace, this.jobs, intent.jobId!))!;
        const rs = await this.runtime.jobStatus(job.id);
        if (rs.state === 'INITIALIZING') return next(intent, poll);
        // a job that did start counts as started even if it has already failed or finished since
        if (rs.state === 'RUNNING' || rs.state === 'FINISHED' || rs.startedAt) {
          const started = await this.store.writeVersion(tx, job, {
            metadata: job.metadata,
            spec: job.spec,
            status: {
              state: 'STARTED',
              started: {
                flinkJobId: job.id.replace(/-/g, ''),
                startedAt: (rs.startedAt ?? new Date()).toISOString(),
                lastUpdateTime: now(),
                observedFlinkJobRestarts: rs.restarts,
                observedFlinkJobStatus: 'RUNNING',
              },
            },
          });
          await this.emit(tx, d, 'JOB_SUCCESSFULLY_STARTED', 'The job was started successfully.', job.id);
          await this.setRunning(tx, d, started);
          await this.emit(tx, d, 'STATE_TRANSITION_IS_COMPLETED', `Deployment "${d.name}" is RUNNING.`, job.id);
          if (rs.state !== 'RUNNING') await this.observeRunningJob(tx, d, started, memory);
          return done();
        }
        await this.finishJob(tx, job, 'FAILED', { message: rs.failure ?? `The job is ${rs.state}.`, reason: 'JobStartFailed', failedAt: now() });
        await this.emit(tx, d, 'FAILED_CREATING_A_NEW_JOB', `Attempt ${intent.attempts + 1} to start the job failed: ${rs.failure ?? rs.state}.`, job.id);
        return next({ ...intent, phase: 'create', attempts: intent.attempts + 1, jobId: undefined }, 0);
      }

      // ----- savepoint, then stop (suspend and stateful upgrade) -----
      case 'suspend:savepoint':
      case 'upgrade-stateful:savepoint': {
        const max = Number(d.spec.maxSavepointCreationAttempts ?? 4);
        if (intent.attempts >= max) {
          return fail('TOO_MANY_FAILED_SUSPENSION_ATTEMPTS', `No savepoint could be taken in ${max} attempts; the deployment is FAILED and its job keeps running.`);
        }
        const sp = await this.store.createIn({ tx, namespace: d.namespace, options: {} }, this.savepoints, {
          metadata: {
            deploymentId: d.id,
            jobId: intent.jobId,
            origin: 'SUSPEND',
            type: 'FULL',
            annotations: { [SPEC_VERSION_ANNOTATION]: String(this.specVersion(d)) },
          },
          spec: {},
          status: { state: 'STARTED' },
        });
        await this.emit(
          tx,
          d,
          intent.op === 'suspend' ? 'CREATING_A_SAVEPOINT_BEFORE_SUSPENSION' : 'NEED_TO_TRIGGER_A_SAVEPOINT',
          intent.op === 'suspend' ? 'Taking a savepoint before suspending the job.' : 'Taking a savepoint before upgrading the job.',
          intent.jobId,
        );
        return next({ ...intent, phase: 'trigger', savepointId: sp.id }, 0);
      }
      case 'suspend:trigger':
      case 'upgrade-stateful:trigger': {
        await this.runtime.triggerSavepoint({
          savepointId: intent.savepointId!,
          jobId: intent.jobId!,
          namespace: d.namespace,
          deploymentId: d.id,
          stopJob: true,
          faults: faultsFromAnnotations(d.metadata.annotations as Record<string, string>),
        });
        await this.emit(tx, d, 'SUCCESSFULLY_TRIGGERED_A_SAVEPOINT', `Triggered savepoint ${intent.savepointId}.`, intent.jobId);
        return next({ ...intent, phase: 'await-savepoint' }, poll);
      }
      case 'suspend:await-savepoint':
      case 'upgrade-stateful:await-savepoint': {
        const s = await this.runtime.savepointStatus(intent.savepointId!);
        if (s.state === 'IN_PROGRESS') return next(intent, poll);
        const sp = await this.store.findRow(tx, d.namespace, this.savepoints, intent.savepointId!);
        if (!sp) {
          // the user force-deleted the savepoint record while Flink was taking it
          if (s.state === 'COMPLETED') {
            // the job stopped with it all the same: go on stopping, without that (deleted) restore point
            const job = (await this.store.findRow(tx, d.namespace, this.jobs, intent.jobId!))!;
            await this.store.writeVersion(tx, job, { metadata: job.metadata, spec: job.spec, status: { ...job.status, state: 'TERMINATING' } });
            await this.emit(tx, d, 'FOUND_A_COMPLETED_SAVEPOINT_READY_FOR_SUSPENSION', `Savepoint ${intent.savepointId} completed, but its record was deleted; it is not used for restores.`, intent.jobId);
            return next({ ...intent, phase: 'await-stop', restore: undefined }, 0);
          }
          await this.emit(tx, d, 'AN_UNRECOVERABLE_FAILURE_WHILE_TAKING_A_SAVEPOINT', `Savepoint ${intent.savepointId} was deleted while in progress.`, intent.jobId);
          return next({ ...intent, phase: 'savepoint', attempts: intent.attempts + 1, savepointId: undefined }, 0);
        }
        if (s.state === 'COMPLETED') {
          await this.store.writeVersion(tx, sp, { metadata: sp.metadata, spec: { ...sp.spec, savepointLocation: s.location }, status: { state: 'COMPLETED' } });
          const job = (await this.store.findRow(tx, d.namespace, this.jobs, intent.jobId!))!;
          await this.store.writeVersion(tx, job, { metadata: job.metadata, spec: job.spec, status: { ...job.status, state: 'TERMINATING' } });
          if (intent.op === 'suspend') {
            await this.emit(tx, d, 'FOUND_A_COMPLETED_SAVEPOINT_READY_FOR_SUSPENSION', `Savepoint ${sp.id} completed at ${s.location}.`, intent.jobId);
          }
          const restoreNone = (d.spec.restoreStrategy as { kind?: string } | undefined)?.kind === 'NONE';
          return next({ ...intent, phase: 'await-stop', restore: restoreNone ? null : s.location }, 0);
        }
        const failure = { message: s.failure ?? 'The savepoint failed.', reason: 'SavepointFailed', failedAt: now() };
        await this.store.writeVersion(tx, sp, { metadata: sp.metadata, spec: sp.spec, status: { state: 'FAILED', failure } });
        await this.emit(tx, d, 'AN_UNRECOVERABLE_FAILURE_WHILE_TAKING_A_SAVEPOINT', `Savepoint attempt ${intent.attempts + 1} failed: ${failure.message}`, intent.jobId);
        return next({ ...intent, phase: 'savepoint', attempts: intent.attempts + 1, savepointId: undefined }, 0);
      }

      // ----- cancel (cancel and stateless upgrade) -----
      case 'cancel:cancel':
      case 'upgrade-stateless:cancel': {
        await this.runtime.cancel(intent.jobId!);
        const job = (await this.store.findRow(tx, d.namespace, this.jobs, intent.jobId!))!;
        await this.store.writeVersion(tx, job, { metadata: job.metadata, spec: job.spec, status: { ...job.status, state: 'TERMINATING' } });
        await this.emit(
          tx,
          d,
          intent.op === 'cancel' ? 'FOUND_A_JOB_TO_TERMINATE' : 'FOUND_AN_OLD_JOB_AND_WILL_TERMINATE_IT',
          'Cancelling the job without a savepoint.',
          intent.jobId,
        );
        return next({ ...intent, phase: 'await-stop', restore: null }, poll);
      }

      // ----- waiting for the old job to stop -----
      case 'suspend:await-stop':
      case 'cancel:await-stop':
      case 'upgrade-stateful:await-stop':
      case 'upgrade-stateless:await-stop': {
        const job = await this.store.findRow(tx, d.namespace, this.jobs, intent.jobId!);
        if (job && ACTIVE_JOB_STATES.includes(String(job.status?.state))) {
          const rs = await this.runtime.jobStatus(job.id);
          if (rs.state === 'RUNNING' || rs.state === 'INITIALIZING') {
            if (intent.op === 'cancel' || intent.op === 'upgrade-stateless') await this.runtime.cancel(job.id); // idempotent; covers crash recovery
            return next(intent, poll);
          }
          if (rs.state === 'CANCELLING') return next(intent, poll);
          await this.finishJob(tx, job, 'TERMINATED');
        }
        if (intent.op === 'suspend' || intent.op === 'cancel') {
          const state = intent.op === 'suspend' ? 'SUSPENDED' : 'CANCELLED';
          await this.setStatus(tx, d, { state }, false);
          await this.emit(tx, d, 'STATE_TRANSITION_IS_COMPLETED', `Deployment "${d.name}" is ${state}.`, intent.jobId);
          return done();
        }
        // an upgrade continues with the new job
        // (restore: the savepoint just taken, null for an empty start, or absent: per restore strategy)
        return next({ op: 'start', phase: 'create', specVersion: intent.specVersion, attempts: 0, ...(intent.restore !== undefined ? { restore: intent.restore } : {}) }, 0);
      }
      default:
        return next(null, 0); // unknown phase (e.g. written by another version): decide again
    }
  }

  private async setRunning(tx: Tx, d: StoredRow, job: StoredRow): Promise<void> {
    await this.setStatus(tx, d, { state: 'RUNNING', running: { jobId: job.id, transitionTime: now(), conditions: [] } }, false);
  }

  private async finishJob(tx: Tx, job: StoredRow, state: 'TERMINATED' | 'FAILED' | 'FINISHED', failure?: Record<string, unknown>): Promise<void> {
    const status: Record<string, unknown> = { ...(job.status ?? {}), state };
    if (failure) status.failure = failure;
    await this.store.writeVersion(tx, job, { metadata: { ...job.metadata, terminatedAt: now() }, spec: job.spec, status });
  }

  private async sessionClusterRunning(tx: Tx, d: StoredRow): Promise<boolean> {
    // running, and meant to keep running (a cluster being stopped takes no new jobs)
    const rows = await tx.$queryRaw<{ state: string | null; desired: string | null }[]>`SELECT status->>'state' AS state, spec->>'state' AS desired
      FROM resources WHERE namespace = ${d.namespace} AND kind = 'SessionCluster' AND name = ${d.spec.sessionClusterName as string}`;
    return rows[0]?.state === 'RUNNING' && rows[0]?.desired === 'RUNNING';
  }

  /** LATEST_STATE: newest COMPLETED savepoint of any origin; LATEST_SAVEPOINT: excluding retained checkpoints; NONE: none. */
  private async restoreLocation(tx: Tx, d: StoredRow): Promise<string | null> {
    const kind = (d.spec.restoreStrategy as { kind?: string } | undefined)?.kind ?? 'LATEST_STATE';
    if (kind === 'NONE') return null;
    const candidates = await this.store.listRows(tx, d.namespace, this.savepoints, { metadata: { deploymentId: d.id } });
    const usable = candidates
      .filter((s) => s.status?.state === 'COMPLETED' && typeof s.spec.savepointLocation === 'string')
      .filter((s) => kind !== 'LATEST_SAVEPOINT' || s.metadata.origin !== 'RETAINED_CHECKPOINT');
    return (usable[usable.length - 1]?.spec.savepointLocation as string | undefined) ?? null;
  }

  private async createJob(tx: Tx, d: StoredRow, restore: string | null): Promise<StoredRow> {
    const template = (isPlainObject(d.spec.template) && isPlainObject(d.spec.template.spec) ? d.spec.template.spec : {}) as Record<string, unknown>;
    const userConf = (template.flinkConfiguration as Record<string, string> | undefined) ?? {};
    const spec: Record<string, unknown> = {
      artifact: template.artifact,
      parallelism: template.parallelism,
      numberOfTaskManagers: template.numberOfTaskManagers,
      resources: template.resources,
      flinkConfiguration: {
        'state.savepoints.dir': `${this.config.runtime.blobBase}/flink-savepoints/namespaces/${d.namespace}/deployments/${d.id}`,
        ...userConf,
      },
      userFlinkConfiguration: userConf,
      logging: template.logging,
      kubernetes: template.kubernetes,
      allowNonRestoredState: (d.spec.restoreStrategy as { allowNonRestoredState?: boolean } | undefined)?.allowNonRestoredState === true,
    };
    if (restore) spec.savepointLocation = restore;
    if (typeof d.spec.sessionClusterName !== 'string') {
      const target = await tx.$queryRaw<{ ns: string | null }[]>`SELECT spec->'kubernetes'->>'namespace' AS ns FROM resources
        WHERE namespace = ${d.namespace} AND kind = 'DeploymentTarget'
          AND (name = ${(d.spec.deploymentTargetName as string | undefined) ?? null} OR id::text = ${(d.spec.deploymentTargetId as string | undefined) ?? null})`;
      spec.deploymentTarget = { kubernetes: target[0]?.ns ? { namespace: target[0].ns } : {} };
    }
    for (const k of Object.keys(spec)) if (spec[k] === undefined) delete spec[k];
    const metadata: Record<string, unknown> = {
      deploymentId: d.id,
      deploymentName: d.name,
      annotations: { [SPEC_VERSION_ANNOTATION]: String(this.specVersion(d)), [JOB_SPEC_HASH_ANNOTATION]: jobSpecHash(d.spec) },
    };
    if (typeof d.spec.sessionClusterName === 'string') metadata.sessionClusterName = d.spec.sessionClusterName;
    return this.store.createIn({ tx, namespace: d.namespace, options: {} }, this.jobs, { metadata, spec, status: { state: 'STARTING' } });
  }
}
