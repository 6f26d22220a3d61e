import { Body, Controller, Delete, Get, Headers, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AccessResource } from '../../../auth/src/access.decorator';
import { Reply } from '../../../resource-kit/src/content';
import { Operation } from '../../../resource-kit/src/openapi';
import { ResourceStore } from '../../../resource-kit/src/store';
import { SessionClusterStrategy } from './session-cluster.strategy';

@ApiTags('session-cluster-resource')
@AccessResource('SessionCluster')
@Controller('api/v1/namespaces/:namespace/sessionclusters')
export class SessionClustersController {
  constructor(
    private readonly store: ResourceStore,
    private readonly strategy: SessionClusterStrategy,
  ) {}

  @Get()
  @Operation({ id: 'getSessionClustersUsingGET', summary: 'List session clusters', response: 'ResourceListOfSessionCluster' })
  list(@Param('namespace') namespace: string) {
    return this.store.list(namespace, this.strategy);
  }

  @Post()
  @Operation({ id: 'createSessionClusterUsingPOST', summary: 'Create a session cluster', body: 'SessionCluster', response: 'SessionCluster', status: 201 })
  async create(@Param('namespace') namespace: string, @Body() body: unknown) {
    return Reply.created(await this.store.create(namespace, this.strategy, body));
  }

  @Get(':name')
  @Operation({ id: 'getSessionClusterUsingGET', summary: 'Get a session cluster by name', response: 'SessionCluster' })
  get(@Param('namespace') namespace: string, @Param('name') name: string) {
    return this.store.get(namespace, this.strategy, name);
  }

  @Put(':name')
  @Operation({ id: 'upsertSessionClusterUsingPUT', summary: 'Create or replace a session cluster', body: 'SessionCluster', response: 'SessionCluster', upsert: true })
  async upsert(@Param('namespace') namespace: string, @Param('name') name: string, @Body() body: unknown, @Headers('if-match') ifMatch?: string) {
    const { created, resource } = await this.store.upsert(namespace, this.strategy, name, body, { ifMatch });
    return created ? Reply.created(resource) : Reply.ok(resource);
  }

  @Patch(':name')
  @Operation({ id: 'updateSessionClusterUsingPATCH', summary: 'Update a session cluster (RFC 7386 merge patch)', body: 'SessionCluster', response: 'SessionCluster' })
  patch(@Param('namespace') namespace: string, @Param('name') name: string, @Body() body: unknown, @Headers('if-match') ifMatch?: string) {
    return this.store.patch(namespace, this.strategy, name, body, { ifMatch });
  }

  @Delete(':name')
  @Operation({ id: 'deleteSessionClusterUsingDELETE', summary: 'Delete a stopped session cluster that no deployment runs on', response: 'SessionCluster' })
  remove(@Param('namespace') namespace: string, @Param('name') name: string, @Headers('if-match') ifMatch?: string) {
    return this.store.remove(namespace, this.strategy, name, { ifMatch });
  }
}
