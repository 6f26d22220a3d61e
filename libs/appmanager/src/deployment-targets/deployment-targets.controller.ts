import { Body, Controller, Delete, Get, Headers, Param, Post, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AccessResource } from '../../../auth/src/access.decorator';
import { Reply } from '../../../resource-kit/src/content';
import { Operation } from '../../../resource-kit/src/openapi';
import { ResourceStore } from '../../../resource-kit/src/store';
import { DeploymentTargetStrategy } from './deployment-target.strategy';

@ApiTags('deployment-target-resource')
@AccessResource('DeploymentTarget')
@Controller('api/v1/namespaces/:namespace/deployment-targets')
export class DeploymentTargetsController {
  constructor(
    private readonly store: ResourceStore,
    private readonly strategy: DeploymentTargetStrategy,
  ) {}

  @Get()
  @Operation({ id: 'getDeploymentTargetsUsingGET', summary: 'List deployment targets', response: 'ResourceListOfDeploymentTarget' })
  list(@Param('namespace') namespace: string) {
    return this.store.list(namespace, this.strategy);
  }

  @Post()
  @Operation({ id: 'createDeploymentTargetUsingPOST', summary: 'Create a deployment target', body: 'DeploymentTarget', response: 'DeploymentTarget', status: 201 })
  async create(@Param('namespace') namespace: string, @Body() body: unknown) {
    return Reply.created(await this.store.create(namespace, this.strategy, body));
  }

  @Get(':name')
  @Operation({ id: 'getDeploymentTargetUsingGET', summary: 'Get a deployment target by name', response: 'DeploymentTarget' })
  get(@Param('namespace') namespace: string, @Param('name') name: string) {
    return this.store.get(namespace, this.strategy, name);
  }

  @Put(':name')
  @Operation({ id: 'upsertDeploymentTargetUsingPUT', summary: 'Create or update a deployment target (spec is immutable)', body: 'DeploymentTarget', response: 'DeploymentTarget', upsert: true })
  async upsert(@Param('namespace') namespace: string, @Param('name') name: string, @Body() body: unknown, @Headers('if-match') ifMatch?: string) {
    const { created, resource } = await this.store.upsert(namespace, this.strategy, name, body, { ifMatch });
    return created ? Reply.created(resource) : Reply.ok(resource);
  }

  @Delete(':name')
  @Operation({ id: 'deleteDeploymentTargetUsingDELETE', summary: 'Delete a deployment target that nothing references', response: 'DeploymentTarget' })
  remove(@Param('namespace') namespace: string, @Param('name') name: string, @Headers('if-match') ifMatch?: string) {
    return this.store.remove(namespace, this.strategy, name, { ifMatch });
  }
}
