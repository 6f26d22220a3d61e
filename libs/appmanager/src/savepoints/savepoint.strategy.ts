import { Injectable } from '@nestjs/common';
import { KindStrategy } from '../../../resource-kit/src/strategy';

export type SavepointOrigin = 'USER_REQUEST' | 'SUSPEND' | 'COPIED' | 'RETAINED_CHECKPOINT';

/** States from which DELETE starts a deletion (the reference is silent; see README): settled ones only. */
export const DELETABLE_SAVEPOINT_STATES = ['COMPLETED', 'FAILED', 'FAILED_DELETION'];

/** Savepoints are id-addressed; the system creates them for suspensions and upgrades, users by POST. */
@Injectable()
export class SavepointStrategy implements KindStrategy {
  readonly kind = 'Savepoint';
  /** the only metadata a user sets besides labels and annotations; origin, jobId and type are the system's */
  readonly userMetadata = ['deploymentId'] as const;
  validate() {
    return [];
  }
}

/**
 * The namespace whose savepoint area (`<blobBase>/flink-savepoints/namespaces/<ns>/…`, where the
 * runtime writes savepoints) a location lies in, if it is not `namespace`. Such a location is
 * another namespace's state: it can neither be registered nor have its data disposed from here.
 */
export function foreignNamespaceOf(location: string, blobBase: string, namespace: string): string | undefined {
  const prefix = `${blobBase.replace(/\/+$/, '')}/flink-savepoints/namespaces/`;
  if (!location.startsWith(prefix)) return undefined;
  const owner = location.slice(prefix.length).split('/')[0];
  return owner !== namespace ? owner : undefined;
}
