import type { Tx } from '../../../persistence/src/prisma.service';
import type { QueueRow } from './work-queue';

/** What one reconciler step decided: the intent to persist, the memory to keep, and when to look again. */
export interface StepResult {
  intent: Record<string, unknown> | null;
  memory: Record<string, unknown>;
  /** ms until the next step; null: not until the resource is written again */
  nextInMs: number | null;
}

/**
 * One kind's controller. `step` runs inside a transaction that holds the resource's queue row
 * (FOR UPDATE SKIP LOCKED), so one replica at a time acts on a resource. A step advances the
 * intent by at most one phase; everything it writes commits together with the new intent.
 */
export interface KindReconciler {
  readonly kind: string;
  step(tx: Tx, row: QueueRow): Promise<StepResult>;
}
