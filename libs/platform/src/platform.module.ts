import { Module } from '@nestjs/common';
import { AppManagerModule } from '../../appmanager/src/appmanager.module';
import { NamespacesController } from './namespaces/namespaces.controller';
import { NamespacesService } from './namespaces/namespaces.service';

/** The Platform API (`/namespaces/v1`, `/apitokens/v1`, `/sql/...`; documented at `/swagger.json`). */
@Module({
  imports: [AppManagerModule],
  controllers: [NamespacesController],
  providers: [NamespacesService],
  exports: [NamespacesService],
})
export class PlatformModule {}
