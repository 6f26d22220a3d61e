import { createHash } from 'node:crypto';
import { PrismaService } from '../../../persistence/src/prisma.service';
import {
  FlinkRuntime,
  RuntimeJobStatus,
  RuntimeSavepointStatus,
  SavepointRequest,
  SubmitRequest,
} from './flink-runtime';

// A simulated Flink: no Flink process runs. Each job's lifecycle is a set of timestamps persisted in
// PostgreSQL (simulated_flink_jobs / simulated_flink_savepoints) and the state is derived from them
// at the moment of the question, so a restarted server finds running jobs still running, and a
// savepoint triggered before a crash still completes. Timings are configurable.

export interface SimulatedTimings {
  /** submission → RUNNING */
  jobStartMs: number;
  /** trigger → savepoint COMPLETED */
  savepointMs: number;
  /** cancel → CANCELED */
  cancelMs: number;
  /** where savepoint data "lives" */
  blobBase: string;
}

const after = (ms: number, from = new Date()) => new Date(from.getTime() + ms);
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** SHA-256 digests of what a job was submitted with (secret references resolved): the values themselves are kept nowhere. */
export interface SubmittedDigests {
  jarUri?: string;
  flinkConfiguration: Record<string, string>;
}

export class SimulatedFlinkRuntime implements FlinkRuntime {
  readonly name = 'simulated';

  constructor(
    private readonly db: PrismaService,
    private readonly timings: SimulatedTimings,
  ) {}

  /** per job id, in memory only and bounded: lets tests check what reached the runtime */
  private readonly digests = new Map<string, SubmittedDigests>();

  submittedDigests(jobId: string): SubmittedDigests | undefined {
    return this.digests.get(jobId);
  }

  async submit(req: SubmitRequest): Promise<void> {
    const jarUri = (req.spec.artifact as { jarUri?: unknown } | undefined)?.jarUri;
    const conf = (req.spec.flinkConfiguration as Record<string, unknown> | undefined) ?? {};
    this.digests.set(req.jobId, {
      jarUri: typeof jarUri === 'string' ? sha256(jarUri) : undefined,
      flinkConfiguration: Object.fromEntries(Object.entries(conf).map(([k, v]) => [k, sha256(String(v))])),
    });
    if (this.digests.size > 1000) this.digests.delete(this.digests.keys().next().value!);
    const now = new Date();
    const startAt = after(this.timings.jobStartMs, now);
    const f = req.faults;
    await this.db.simulatedFlinkJob.upsert({
      where: { jobId: req.jobId },
      update: {}, // idempotent: a repeated submission of the same job changes nothing
      create: {
        jobId: req.jobId,
        namespace: req.namespace,
        deploymentId: req.deploymentId,
        restoredFrom: req.restoreFrom ?? null,
        allowNonRestoredState: req.allowNonRestoredState,
        submittedAt: now,
        runningAt: f.failStart ? null : startAt,
        failedAt: f.failStart ? startAt : f.failAfterMs !== undefined ? after(f.failAfterMs, startAt) : null,
        failure: f.failStart
          ? 'Simulated failure: the job could not be started (fault injected)'
          : f.failAfterMs !== undefined
            ? 'Simulated failure: the job failed while running (fault injected)'
            : null,
        finishedAt: f.finishAfterMs !== undefined ? after(f.finishAfterMs, startAt) : null,
      },
    });
  }

  async jobStatus(jobId: string): Promise<RuntimeJobStatus> {
    const job = await this.db.simulatedFlinkJob.findUnique({ where: { jobId } });
    if (!job) return { state: 'NOT_FOUND', restarts: 0 };
    const now = Date.now();
    const stop = await this.db.simulatedFlinkSavepoint.findFirst({ where: { jobId, stopJob: true, fails: false }, orderBy: { completesAt: 'asc' } });
    // the earliest terminal event that has happened decides
    const terminal = [
      { at: job.cancelledAt, state: 'CANCELED' as const },
      { at: stop?.completesAt ?? null, state: 'FINISHED' as const },
      { at: job.failedAt, state: 'FAILED' as const },
      { at: job.finishedAt, state: 'FINISHED' as const },
    ]
      .filter((t) => t.at !== null && t.at.getTime() <= now)
      .sort((a, b) => a.at!.getTime() - b.at!.getTime())[0];
    const startedAt = job.runningAt && job.runningAt.getTime() <= now ? job.runningAt : undefined;
    if (terminal) return { state: terminal.state, startedAt, restarts: 0, failure: terminal.state === 'FAILED' ? (job.failure ?? undefined) : undefined };
    if (job.cancelRequestedAt) return { state: 'CANCELLING', startedAt, restarts: 0 };
    return { state: startedAt ? 'RUNNING' : 'INITIALIZING', startedAt, restarts: 0 };
  }

  async cancel(jobId: string): Promise<void> {
    const now = new Date();
    await this.db.simulatedFlinkJob.updateMany({
      where: { jobId, cancelRequestedAt: null },
      data: { cancelRequestedAt: now, cancelledAt: after(this.timings.cancelMs, now) },
    });
  }

  async triggerSavepoint(req: SavepointRequest): Promise<void> {
    const existing = await this.db.simulatedFlinkSavepoint.findUnique({ where: { savepointId: req.savepointId } });
    if (existing) return;
    const status = await this.jobStatus(req.jobId);
    const now = new Date();
    await this.db.simulatedFlinkSavepoint.upsert({
      where: { savepointId: req.savepointId },
      update: {},
      create: {
        savepointId: req.savepointId,
        jobId: req.jobId,
        location: `${this.timings.blobBase}/flink-savepoints/namespaces/${req.namespace}/deployments/${req.deploymentId}/${req.savepointId}`,
        stopJob: req.stopJob,
        requestedAt: now,
        completesAt: after(this.timings.savepointMs, now),
        // a savepoint of a job that is not running fails, as in Flink
        fails: !!req.faults.failSavepoint || status.state !== 'RUNNING',
      },
    });
  }

  async savepointStatus(savepointId: string): Promise<RuntimeSavepointStatus> {
    const sp = await this.db.simulatedFlinkSavepoint.findUnique({ where: { savepointId } });
    if (!sp) return { state: 'NOT_FOUND' };
    if (sp.completesAt.getTime() > Date.now()) return { state: 'IN_PROGRESS' };
    if (sp.fails) return { state: 'FAILED', failure: 'Simulated failure: the savepoint could not be completed' };
    return { state: 'COMPLETED', location: sp.location };
  }

  async disposeSavepoint(location: string): Promise<void> {
    if (location.includes('fail-dispose')) throw new Error(`Simulated failure: cannot dispose ${location}`);
    await this.db.simulatedFlinkSavepoint.updateMany({ where: { location }, data: { deletedAt: new Date() } });
  }
}
