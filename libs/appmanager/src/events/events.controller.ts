import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AccessResource } from '../../../auth/src/access.decorator';
import { Operation } from '../../../resource-kit/src/openapi';
import { ResourceStore } from '../../../resource-kit/src/store';
import { uuidQuery } from '../../../resource-kit/src/query';
import { EventStrategy } from './event.strategy';

@ApiTags('event-resource')
@AccessResource('Event')
@Controller('api/v1/namespaces/:namespace/events')
export class EventsController {
  constructor(
    private readonly store: ResourceStore,
    private readonly strategy: EventStrategy,
  ) {}

  @Get()
  @Operation({
    id: 'getEventsUsingGET',
    summary: 'List events, oldest first',
    response: 'ResourceListOfEvent',
    query: [
      { name: 'deploymentId', type: 'string' },
      { name: 'jobId', type: 'string' },
      { name: 'sessionClusterId', type: 'string' },
    ],
  })
  list(
    @Param('namespace') namespace: string,
    @Query('deploymentId') deploymentId?: string,
    @Query('jobId') jobId?: string,
    @Query('sessionClusterId') sessionClusterId?: string,
  ) {
    return this.store.list(namespace, this.strategy, {
      metadata: {
        deploymentId: uuidQuery('deploymentId', deploymentId),
        jobId: uuidQuery('jobId', jobId),
        sessionClusterId: uuidQuery('sessionClusterId', sessionClusterId),
      },
    });
  }
}
