import { Body, Controller, Delete, Get, Headers, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AccessResource } from '../../../auth/src/access.decorator';
import { Reply } from '../../../resource-kit/src/content';
import { booleanQuery } from '../../../resource-kit/src/query';
import { Operation } from '../../../resource-kit/src/openapi';
import { ResourceStore } from '../../../resource-kit/src/store';
import { DeploymentStrategy } from './deployment.strategy';

@ApiTags('deployment-resource')
@AccessResource('Deployment')
@Controller('api/v1/namespaces/:namespace/deployments')
export class DeploymentsController {
  constructor(
    private readonly store: ResourceStore,
    private readonly strategy: DeploymentStrategy,
  ) {}

  @Get()
  @Operation({
    id: 'getDeploymentsUsingGET',
    summary: 'List deployments',
    response: 'ResourceListOfDeployment',
    query: [{ name: 'labelSelector', type: 'string', description: 'Kubernetes label selector, e.g. `env=prod,tier in (a,b),!legacy`' }],
  })
  list(@Param('namespace') namespace: string, @Query('labelSelector') labelSelector?: string) {
    return this.store.list(namespace, this.strategy, { labelSelector });
  }

  @Post()
  @Operation({ id: 'createDeploymentUsingPOST', summary: 'Create a deployment (defaults are merged in)', body: 'Deployment', response: 'Deployment', status: 201 })
  async create(@Param('namespace') namespace: string, @Body() body: unknown) {
    return Reply.created(await this.store.create(namespace, this.strategy, body));
  }

  @Get(':name')
  @Operation({ id: 'getDeploymentUsingGET', summary: 'Get a deployment by name (or by id)', response: 'Deployment' })
  get(@Param('namespace') namespace: string, @Param('name') name: string) {
    return this.store.get(namespace, this.strategy, name);
  }

  @Put(':name')
  @Operation({
    id: 'upsertDeploymentUsingPUT',
    summary: 'Create or replace a deployment',
    body: 'Deployment',
    response: 'Deployment',
    upsert: true,
    query: [{ name: 'applyDefaults', type: 'boolean', default: true, description: 'merge the global and namespace defaults into the body' }],
  })
  async upsert(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Body() body: unknown,
    @Query('applyDefaults') applyDefaults?: string,
    @Headers('if-match') ifMatch?: string,
  ) {
    const options = { applyDefaults: booleanQuery('applyDefaults', applyDefaults, true) };
    const { created, resource } = await this.store.upsert(namespace, this.strategy, name, body, { ifMatch, options });
    return created ? Reply.created(resource) : Reply.ok(resource);
  }

  @Patch(':name')
  @Operation({ id: 'updateDeploymentUsingPATCH', summary: 'Update a deployment (RFC 7386 merge patch)', body: 'Deployment', response: 'Deployment' })
  patch(@Param('namespace') namespace: string, @Param('name') name: string, @Body() body: unknown, @Headers('if-match') ifMatch?: string) {
    return this.store.patch(namespace, this.strategy, name, body, { ifMatch });
  }

  @Delete(':name')
  @Operation({ id: 'deleteDeploymentUsingDELETE', summary: 'Delete a deployment whose desired state is CANCELLED or SUSPENDED', response: 'Deployment' })
  remove(@Param('namespace') namespace: string, @Param('name') name: string, @Headers('if-match') ifMatch?: string) {
    return this.store.remove(namespace, this.strategy, name, { ifMatch });
  }
}
