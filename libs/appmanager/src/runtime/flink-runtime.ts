// The port through which the reconciler talks to Flink. Every call is idempotent, keyed by our own
// ids (Job id, Savepoint id), so a step repeated after a crash does not start a second job or take a
// second savepoint. Adapters: the simulated runtime (default, simulated-flink.runtime.ts); a Flink
// REST or Kubernetes adapter would implement the same interface.

export const FLINK_RUNTIME = 'FLINK_RUNTIME';

/** Per-deployment fault injection for the simulated runtime (deployment annotations, see README). */
export interface InjectedFaults {
  /** every start attempt fails */
  failStart?: boolean;
  /** a started job fails after this many ms */
  failAfterMs?: number;
  /** savepoints fail */
  failSavepoint?: boolean;
  /** the job is bounded: it finishes this many ms after it started */
  finishAfterMs?: number;
}

export interface SubmitRequest {
  jobId: string;
  namespace: string;
  deploymentId: string;
  /** the frozen Job spec, with secret references already resolved */
  spec: Record<string, unknown>;
  restoreFrom?: string;
  allowNonRestoredState: boolean;
  faults: InjectedFaults;
}

export type RuntimeJobState = 'INITIALIZING' | 'RUNNING' | 'FAILED' | 'FINISHED' | 'CANCELLING' | 'CANCELED' | 'NOT_FOUND';

export interface RuntimeJobStatus {
  state: RuntimeJobState;
  startedAt?: Date;
  failure?: string;
  restarts: number;
}

export interface SavepointRequest {
  savepointId: string;
  jobId: string;
  namespace: string;
  deploymentId: string;
  /** stop the job once the savepoint completes (suspend, stateful upgrade) */
  stopJob: boolean;
  faults: InjectedFaults;
}

export interface RuntimeSavepointStatus {
  state: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'NOT_FOUND';
  location?: string;
  failure?: string;
}

export interface FlinkRuntime {
  readonly name: string;
  submit(req: SubmitRequest): Promise<void>;
  jobStatus(jobId: string): Promise<RuntimeJobStatus>;
  cancel(jobId: string): Promise<void>;
  triggerSavepoint(req: SavepointRequest): Promise<void>;
  savepointStatus(savepointId: string): Promise<RuntimeSavepointStatus>;
  /** removes a savepoint's data; throws when it cannot */
  disposeSavepoint(location: string): Promise<void>;
}

export const FAULT_ANNOTATION_PREFIX = 'simulator.flink/';

export function faultsFromAnnotations(annotations: Record<string, string> | undefined): InjectedFaults {
  const a = annotations ?? {};
  const ms = (key: string) => {
    const v = Number(a[FAULT_ANNOTATION_PREFIX + key]);
    return Number.isFinite(v) && v >= 0 ? v : undefined;
  };
  return {
    failStart: a[FAULT_ANNOTATION_PREFIX + 'fail-start'] === 'true',
    failAfterMs: ms('fail-after-ms'),
    failSavepoint: a[FAULT_ANNOTATION_PREFIX + 'fail-savepoint'] === 'true',
    finishAfterMs: ms('finish-after-ms'),
  };
}
