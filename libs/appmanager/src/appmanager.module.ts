import { Logger, Module } from '@nestjs/common';
import { DeploymentDefaultsController } from './deployment-defaults/deployment-defaults.controller';
import { DeploymentDefaultsService } from './deployment-defaults/deployment-defaults.service';
import { DeploymentDefaultsStrategy } from './deployment-defaults/deployment-defaults.strategy';
import { DeploymentTargetStrategy } from './deployment-targets/deployment-target.strategy';
import { DeploymentTargetsController } from './deployment-targets/deployment-targets.controller';
import { DeploymentStrategy } from './deployments/deployment.strategy';
import { DeploymentsController } from './deployments/deployments.controller';
import { StatusController } from './status/status.controller';
import { EventStrategy } from './events/event.strategy';
import { EventsService } from './events/events.service';
import { EventsController } from './events/events.controller';
import { JobsController } from './jobs/jobs.controller';
import { JobStrategy } from './jobs/job.strategy';
import { SavepointStrategy } from './savepoints/savepoint.strategy';
import { SavepointsController } from './savepoints/savepoints.controller';
import { SavepointsService } from './savepoints/savepoints.service';
import { SavepointReconciler } from './reconciler/savepoint.reconciler';
import { DeploymentReconciler } from './reconciler/deployment.reconciler';
import { SessionClusterReconciler } from './reconciler/session-cluster.reconciler';
import { SessionClusterStrategy } from './session-clusters/session-cluster.strategy';
import { SessionClustersController } from './session-clusters/session-clusters.controller';
import { NamespaceTerminator } from './reconciler/namespace-terminator';
import { Reconciler } from './reconciler/reconciler.service';
import { FLINK_RUNTIME } from './runtime/flink-runtime';
import { SimulatedFlinkRuntime } from './runtime/simulated-flink.runtime';
import { SecretCipher, loadOrCreateKeyFile } from './secret-values/secret-cipher';
import { SecretResolver } from './secret-values/secret-resolver';
import { SecretValueStrategy } from './secret-values/secret-value.strategy';
import { SecretValuesController } from './secret-values/secret-values.controller';
import { PrismaService } from '../../persistence/src/prisma.service';
import { ResolvedConfig, SERVER_CONFIG } from '../../config/src/config';

/** The Application Manager API (`/api/...`, documented at `/api/swagger.json`). */
@Module({
  controllers: [StatusController, DeploymentDefaultsController, DeploymentTargetsController, DeploymentsController, JobsController, EventsController, SavepointsController, SessionClustersController, SecretValuesController],
  providers: [
    DeploymentDefaultsStrategy,
    DeploymentDefaultsService,
    DeploymentTargetStrategy,
    DeploymentStrategy,
    EventStrategy,
    EventsService,
    JobStrategy,
    SavepointStrategy,
    SavepointsService,
    SavepointReconciler,
    {
      provide: FLINK_RUNTIME,
      inject: [PrismaService, SERVER_CONFIG],
      useFactory: (db: PrismaService, config: ResolvedConfig) => new SimulatedFlinkRuntime(db, config.runtime),
    },
    {
      // SECRETS_KEY, or else <DATA_DIR>/secrets.key (created on first use)
      provide: SecretCipher,
      inject: [SERVER_CONFIG],
      useFactory: (config: ResolvedConfig) => new SecretCipher(() => config.secretsKey ?? loadOrCreateKeyFile(config.dataDir, new Logger('Secrets'))),
    },
    SecretValueStrategy,
    SecretResolver,
    DeploymentReconciler,
    SessionClusterStrategy,
    SessionClusterReconciler,
    NamespaceTerminator,
    Reconciler,
  ],
  exports: [DeploymentDefaultsService, DeploymentStrategy, EventsService, Reconciler, FLINK_RUNTIME],
})
export class AppManagerModule {}
