import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AccessResource } from '../../../auth/src/access.decorator';
import { uuidQuery } from '../../../resource-kit/src/query';
import { Operation } from '../../../resource-kit/src/openapi';
import { ResourceStore } from '../../../resource-kit/src/store';
import { JobStrategy } from './job.strategy';

@ApiTags('job-resource')
@AccessResource('Job')
@Controller('api/v1/namespaces/:namespace/jobs')
export class JobsController {
  constructor(
    private readonly store: ResourceStore,
    private readonly strategy: JobStrategy,
  ) {}

  @Get()
  @Operation({ id: 'getJobsUsingGET', summary: 'List jobs (read-only; created by the controller)', response: 'ResourceListOfJob', query: [{ name: 'deploymentId', type: 'string' }] })
  list(@Param('namespace') namespace: string, @Query('deploymentId') deploymentId?: string) {
    return this.store.list(namespace, this.strategy, { metadata: { deploymentId: uuidQuery('deploymentId', deploymentId) } });
  }

  @Get(':jobId')
  @Operation({ id: 'getJobUsingGET', summary: 'Get a job by id', response: 'Job' })
  get(@Param('namespace') namespace: string, @Param('jobId') jobId: string) {
    return this.store.get(namespace, this.strategy, jobId);
  }
}
