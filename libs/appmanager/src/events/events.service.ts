import { Injectable } from '@nestjs/common';
import type { Tx } from '../../../persistence/src/prisma.service';
import { ResourceStore } from '../../../resource-kit/src/store';
import { EventStrategy } from './event.strategy';

/** Event codes of the 2.7.1 contract that this server emits. */
export type EventName =
  | 'STATE_TRANSITION_IS_NEEDED'
  | 'STATE_TRANSITION_IS_COMPLETED'
  | 'CREATING_A_NEW_JOB'
  | 'FAILED_CREATING_A_NEW_JOB'
  | 'JOB_SUCCESSFULLY_STARTED'
  | 'JOB_SUCCESSFULLY_FINISHED'
  | 'TRANSITIONED_TO_FINISHED_STATE'
  | 'TOO_MANY_FAILED_JOB_CREATION_ATTEMPTS'
  | 'TOO_MANY_FAILED_SUSPENSION_ATTEMPTS'
  | 'CREATING_A_SAVEPOINT_BEFORE_SUSPENSION'
  | 'NEED_TO_TRIGGER_A_SAVEPOINT'
  | 'SUCCESSFULLY_TRIGGERED_A_SAVEPOINT'
  | 'FOUND_A_COMPLETED_SAVEPOINT_READY_FOR_SUSPENSION'
  | 'AN_UNRECOVERABLE_FAILURE_WHILE_TAKING_A_SAVEPOINT'
  | 'USING_AN_UPGRADE_STRATEGY'
  | 'FOUND_A_JOB_TO_TERMINATE'
  | 'FOUND_AN_OLD_JOB_AND_WILL_TERMINATE_IT'
  | 'TERMINATING_A_JOB_DUE_TO_AN_UNRECOVERABLE_FAILURE'
  | 'TRANSITIONING_TO_FAILED_STATE_BECAUSE_OF_A_MISSING_JOB'
  | 'AWAITING_FOR_A_CLUSTER_TO_SPIN_UP'
  | 'SPINNING_UP_A_CLUSTER_FOR_A_SESSION_CLUSTER'
  | 'SESSION_CLUSTER_SUCCESSFULLY_STARTED'
  | 'SESSION_CLUSTER_SUCCESSFULLY_STOPPED'
  | 'TRIGGERED_SAVEPOINT_DELETION'
  | 'SUCCESSFULLY_DELETED_SAVEPOINT'
  | 'FAILED_TO_DELETE_SAVEPOINT'
  | 'GENERAL_FAILURE';

export interface EventInput {
  name: EventName;
  message: string;
  deploymentId?: string;
  jobId?: string;
  sessionClusterId?: string;
  /** name of the resource the event is about */
  resourceName?: string;
}

@Injectable()
export class EventsService {
  constructor(
    private readonly store: ResourceStore,
    readonly strategy: EventStrategy,
  ) {}

  async emit(tx: Tx, namespace: string, e: EventInput): Promise<void> {
    const metadata: Record<string, unknown> = { name: e.name };
    if (e.deploymentId) metadata.deploymentId = e.deploymentId;
    if (e.jobId) metadata.jobId = e.jobId;
    if (e.sessionClusterId) metadata.sessionClusterId = e.sessionClusterId;
    if (e.resourceName) metadata.resourceName = e.resourceName;
    await this.store.createIn({ tx, namespace, options: {} }, this.strategy, { metadata, spec: { message: e.message } });
  }
}
