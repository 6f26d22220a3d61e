import { Body, Controller, Get, Headers, Param, Patch } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AccessResource } from '../../../auth/src/access.decorator';
import { Operation } from '../../../resource-kit/src/openapi';
import { DeploymentDefaultsService } from './deployment-defaults.service';

@ApiTags('deployment-defaults-resource')
@AccessResource('DeploymentDefaults')
@Controller('api/v1')
export class DeploymentDefaultsController {
  constructor(private readonly defaults: DeploymentDefaultsService) {}

  @Get('namespaces/:namespace/deployment-defaults')
  @Operation({ id: 'getDeploymentDefaultsUsingGET', summary: 'Get the deployment defaults of a namespace', response: 'DeploymentDefaults' })
  get(@Param('namespace') namespace: string) {
    return this.defaults.get(namespace);
  }

  @Patch('namespaces/:namespace/deployment-defaults')
  @Operation({ id: 'updateDeploymentDefaultsUsingPATCH', summary: 'Update the deployment defaults of a namespace (RFC 7386 merge patch)', body: 'DeploymentDefaults', response: 'DeploymentDefaults' })
  patch(@Param('namespace') namespace: string, @Body() body: unknown, @Headers('if-match') ifMatch?: string) {
    return this.defaults.patch(namespace, body, ifMatch);
  }

  @Get('global-deployment-defaults')
  @AccessResource('GlobalDeploymentDefaults')
  @Operation({ id: 'getGlobalDeploymentDefaultsUsingGET', summary: 'Get the global deployment defaults (read-only)', response: 'DeploymentDefaults' })
  global() {
    return this.defaults.globalDefaults();
  }
}
