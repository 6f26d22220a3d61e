import type { Tx } from '../../../persistence/src/prisma.service';

// The reconciler's work queue (table reconcile_queue, one row per resource under control) and its
// wake-ups. A user write never touches a queue row (a reconciler step may hold its lock): it only
// inserts into reconcile_wakeups, which the reconciler drains. So no request ever waits for Flink.

export interface QueueRow {
  resourceId: string;
  namespace: string;
  kind: string;
  intent: Record<string, unknown> | null;
  memory: Record<string, unknown>;
}

/** Put a resource under the reconciler's control (if it is not) and wake it up. Never blocks. */
export async function wake(tx: Tx, resourceId: string, namespace: string, kind: string): Promise<void> {
  await tx.$executeRaw`INSERT INTO reconcile_queue (resource_id, namespace, kind, next_run_at, updated_at)
    VALUES (${resourceId}::uuid, ${namespace}, ${kind}, now(), now()) ON CONFLICT (resource_id) DO NOTHING`;
  await tx.$executeRaw`INSERT INTO reconcile_wakeups (resource_id) VALUES (${resourceId}::uuid)`;
}
