import { Body, Controller, Delete, Get, Headers, Param, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AccessResource } from '../../../auth/src/access.decorator';
import { Reply } from '../../../resource-kit/src/content';
import { Operation } from '../../../resource-kit/src/openapi';
import { ResourceStore } from '../../../resource-kit/src/store';
import { SecretValueStrategy } from './secret-value.strategy';

@ApiTags('secret-value-resource')
@AccessResource('SecretValue')
@Controller('api/v1/namespaces/:namespace/secret-values')
export class SecretValuesController {
  constructor(
    private readonly store: ResourceStore,
    private readonly strategy: SecretValueStrategy,
  ) {}

  @Get()
  @Operation({ id: 'getSecretValuesUsingGET', summary: 'List secret values (values are never returned)', response: 'ResourceListOfSecretValue' })
  list(@Param('namespace') namespace: string) {
    return this.store.list(namespace, this.strategy);
  }

  @Post()
  @Operation({ id: 'createSecretValueUsingPOST', summary: 'Create a secret value', body: 'SecretValue', response: 'SecretValue', status: 201 })
  async create(@Param('namespace') namespace: string, @Body() body: unknown) {
    return Reply.created(await this.store.create(namespace, this.strategy, body));
  }

  @Get(':name')
  @Operation({ id: 'getSecretValueUsingGET', summary: 'Get a secret value by name (without its value)', response: 'SecretValue' })
  get(@Param('namespace') namespace: string, @Param('name') name: string) {
    return this.store.get(namespace, this.strategy, name);
  }

  @Patch(':name')
  @Operation({ id: 'updateSecretValueUsingPATCH', summary: 'Update a secret value (JSON merge patch; without spec.value the stored value stays)', body: 'SecretValue', response: 'SecretValue' })
  patch(@Param('namespace') namespace: string, @Param('name') name: string, @Body() body: unknown, @Headers('if-match') ifMatch?: string) {
    return this.store.patch(namespace, this.strategy, name, body, { ifMatch });
  }

  @Delete(':name')
  @Operation({ id: 'deleteSecretValueUsingDELETE', summary: 'Delete a secret value', response: 'SecretValue' })
  remove(@Param('namespace') namespace: string, @Param('name') name: string, @Headers('if-match') ifMatch?: string) {
    return this.store.remove(namespace, this.strategy, name, { ifMatch });
  }
}
