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
