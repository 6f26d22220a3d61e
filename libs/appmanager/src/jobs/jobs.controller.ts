import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AccessResource } from '../../../auth/src/access.decorator';
import { ApiError } from '../../../resource-kit/src/errors';
import { isUuid } from '../../../resource-kit/src/names';
import { Operation } from '../../../resource-kit/src/openapi';
import { ResourceStore } from '../../../resource-kit/src/store';
import { JobStrategy } from './job.strategy';

/** A uuid query filter: absent, or a uuid (400 otherwise). */
export function uuidFilter(name: string, value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !isUuid(value)) throw ApiError.field(name, 'must be a uuid');
  return value.toLowerCase();
}

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
    return this.store.list(namespace, this.strategy, { metadata: { deploymentId: uuidFilter('deploymentId', deploymentId) } });
  }

  @Get(':jobId')
  @Operation({ id: 'getJobUsingGET', summary: 'Get a job by id', response: 'Job' })
  get(@Param('namespace') namespace: string, @Param('jobId') jobId: string) {
    return this.store.get(namespace, this.strategy, jobId);
  }
}
