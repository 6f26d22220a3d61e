import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AccessResource } from '../../../auth/src/access.decorator';
import { Reply } from '../../../resource-kit/src/content';
import { booleanQuery, uuidQuery } from '../../../resource-kit/src/query';
import { Operation } from '../../../resource-kit/src/openapi';
import { ResourceStore } from '../../../resource-kit/src/store';
import { SavepointStrategy } from './savepoint.strategy';
import { SavepointsService } from './savepoints.service';


@ApiTags('savepoint-resource')
@AccessResource('Savepoint')
@Controller('api/v1/namespaces/:namespace/savepoints')
export class SavepointsController {
  constructor(
    private readonly store: ResourceStore,
    private readonly strategy: SavepointStrategy,
    private readonly savepoints: SavepointsService,
  ) {}

  @Get()
  @Operation({
    id: 'getSavepointsUsingGET',
    summary: 'List savepoints, oldest first',
    response: 'ResourceListOfSavepoint',
    query: [
      { name: 'deploymentId', type: 'string' },
      { name: 'jobId', type: 'string' },
    ],
  })
  list(@Param('namespace') namespace: string, @Query('deploymentId') deploymentId?: string, @Query('jobId') jobId?: string) {
    return this.store.list(namespace, this.strategy, {
      metadata: { deploymentId: uuidQuery('deploymentId', deploymentId), jobId: uuidQuery('jobId', jobId) },
    });
  }

  @Post()
  @Operation({
    id: 'createSavepointUsingPOST',
    summary: 'Trigger a savepoint of the deployment\'s running job (metadata.deploymentId), or register an existing one (spec.savepointLocation)',
    body: 'Savepoint',
    response: 'Savepoint',
    status: 201,
  })
  async create(@Param('namespace') namespace: string, @Body() body: unknown) {
    return Reply.created(await this.savepoints.create(namespace, body));
  }

  @Get(':savepointId')
  @Operation({ id: 'getSavepointUsingGET', summary: 'Get a savepoint by id', response: 'Savepoint' })
  get(@Param('namespace') namespace: string, @Param('savepointId') savepointId: string) {
    return this.store.get(namespace, this.strategy, savepointId);
  }

  @Delete(':savepointId')
  @Operation({
    id: 'deleteSavepointUsingDELETE',
    summary: 'Delete a COMPLETED, FAILED or FAILED_DELETION savepoint and its data (asynchronously); force=true removes the resource in any state',
    response: 'Savepoint',
    query: [{ name: 'force', type: 'boolean', default: false }],
  })
  remove(@Param('namespace') namespace: string, @Param('savepointId') savepointId: string, @Query('force') force?: string) {
    return this.savepoints.remove(namespace, savepointId, booleanQuery('force', force, false));
  }
}
