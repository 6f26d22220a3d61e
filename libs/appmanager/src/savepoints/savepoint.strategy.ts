import { Injectable } from '@nestjs/common';
import { KindStrategy } from '../../../resource-kit/src/strategy';

export type SavepointOrigin = 'USER_REQUEST' | 'SUSPEND' | 'COPIED' | 'RETAINED_CHECKPOINT';

/** Savepoints are id-addressed; the system creates them for suspensions and upgrades, users by POST. */
@Injectable()
export class SavepointStrategy implements KindStrategy {
  readonly kind = 'Savepoint';
  validate() {
    return [];
  }
}
