import { Module } from '@nestjs/common';
import { DeploymentDefaultsController } from './deployment-defaults/deployment-defaults.controller';
import { DeploymentDefaultsService } from './deployment-defaults/deployment-defaults.service';
import { DeploymentDefaultsStrategy } from './deployment-defaults/deployment-defaults.strategy';
import { DeploymentTargetStrategy } from './deployment-targets/deployment-target.strategy';
import { DeploymentTargetsController } from './deployment-targets/deployment-targets.controller';
import { DeploymentStrategy } from './deployments/deployment.strategy';
import { DeploymentsController } from './deployments/deployments.controller';
import { StatusController } from './status/status.controller';

/** The Application Manager API (`/api/...`, documented at `/api/swagger.json`). */
@Module({
  controllers: [StatusController, DeploymentDefaultsController, DeploymentTargetsController, DeploymentsController],
  providers: [DeploymentDefaultsStrategy, DeploymentDefaultsService, DeploymentTargetStrategy, DeploymentStrategy],
  exports: [DeploymentDefaultsService, DeploymentStrategy],
})
export class AppManagerModule {}
