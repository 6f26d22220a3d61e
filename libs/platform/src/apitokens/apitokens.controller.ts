import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AccessResource } from '../../../auth/src/access.decorator';
import { Operation } from '../../../resource-kit/src/openapi';
import { ApiTokensService } from './apitokens.service';

@ApiTags('api-tokens')
@AccessResource('ApiToken')
@Controller('apitokens/v1/namespaces/:ns/apitokens')
export class ApiTokensController {
  constructor(private readonly tokens: ApiTokensService) {}

  @Get()
  @Operation({ id: 'listApiTokensUsingGET', summary: 'List the API tokens of a namespace (never their secrets)', response: 'ListApiTokensResponse', errors: 'platform' })
  list(@Param('ns') ns: string) {
    return this.tokens.list(ns);
  }

  @Post()
  @HttpCode(200)
  @Operation({
    id: 'createApiTokenUsingPOST',
    summary: 'Create an API token (name: namespaces/<ns>/apitokens/<name>, role: viewer|editor|owner); the response carries the secret, the only time it is shown',
    body: 'ApiToken',
    response: 'CreateApiTokenResponse',
    errors: 'platform',
  })
  create(@Param('ns') ns: string, @Body() body: unknown) {
    return this.tokens.create(ns, body);
  }

  @Get(':apiTokenName')
  @Operation({ id: 'getApiTokenUsingGET', summary: 'Get an API token (without its secret)', response: 'GetApiTokenResponse', errors: 'platform' })
  get(@Param('ns') ns: string, @Param('apiTokenName') name: string) {
    return this.tokens.get(ns, name);
  }

  @Delete(':apiTokenName')
  @Operation({ id: 'deleteApiTokenUsingDELETE', summary: 'Delete (revoke) an API token; it stops working at once', response: 'DeleteApiTokenResponse', errors: 'platform' })
  remove(@Param('ns') ns: string, @Param('apiTokenName') name: string) {
    return this.tokens.remove(ns, name);
  }
}
