import { Injectable } from '@nestjs/common';
import { KindStrategy } from '../../../resource-kit/src/strategy';

export const ACTIVE_JOB_STATES = ['STARTING', 'STANDBY', 'STARTED', 'TERMINATING'];
export const TERMINAL_JOB_STATES = ['TERMINATED', 'FAILED', 'FINISHED'];

/** Jobs are created and written only by the reconciler (read-only API); their spec is frozen at start. */
@Injectable()
export class JobStrategy implements KindStrategy {
  readonly kind = 'Job';
  validate() {
    return [];
  }
}
