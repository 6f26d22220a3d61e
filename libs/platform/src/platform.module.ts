import { Module } from '@nestjs/common';
import { AppManagerModule } from '../../appmanager/src/appmanager.module';
import { ApiTokensController } from './apitokens/apitokens.controller';
import { ApiTokensService } from './apitokens/apitokens.service';
import { NamespacesController } from './namespaces/namespaces.controller';
import { NamespacesService } from './namespaces/namespaces.service';

/** The Platform API (`/namespaces/v1`, `/apitokens/v1`, `/sql/...`; documented at `/swagger.json`). */
@Module({
  imports: [AppManagerModule],
  controllers: [NamespacesController, ApiTokensController],
  providers: [NamespacesService, ApiTokensService],
  exports: [NamespacesService],
})
export class PlatformModule {}
