import { DynamicModule, Global, Module } from '@nestjs/common';
import { PrismaService } from '../../../libs/persistence/src/prisma.service';
import { ResourceStore } from '../../../libs/resource-kit/src/store';
import { AppManagerModule } from '../../../libs/appmanager/src/appmanager.module';
import { PlatformModule } from '../../../libs/platform/src/platform.module';
import { AuthModule } from '../../../libs/auth/src/auth.module';
import { ResolvedConfig, SERVER_CONFIG } from '../../../libs/config/src/config';

/** Shared infrastructure every API module uses: the config, the database client and the resource store. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: ResolvedConfig): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: SERVER_CONFIG, useValue: config },
        { provide: PrismaService, useFactory: () => new PrismaService(config.databaseUrl, config.databasePoolSize) },
        ResourceStore,
      ],
      exports: [SERVER_CONFIG, PrismaService, ResourceStore],
    };
  }
}

@Module({})
export class AppModule {
  static forRoot(config: ResolvedConfig): DynamicModule {
    return { module: AppModule, imports: [CoreModule.forRoot(config), AuthModule, AppManagerModule, PlatformModule] };
  }
}
