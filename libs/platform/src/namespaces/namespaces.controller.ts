import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AccessResource } from '../../../auth/src/access.decorator';
import { CurrentPrincipal } from '../../../auth/src/principal.decorator';
import { allowed, Principal } from '../../../auth/src/role-matrix';
import { Operation } from '../../../resource-kit/src/openapi';
import { NamespacesService } from './namespaces.service';

@ApiTags('namespaces')
@AccessResource('Namespace')
@Controller('namespaces/v1/namespaces')
export class NamespacesController {
  constructor(private readonly namespaces: NamespacesService) {}

  @Get()
  @Operation({ id: 'listNamespacesUsingGET', summary: 'List namespaces', response: 'ListNamespacesResponse', errors: 'platform' })
  async list(@CurrentPrincipal() principal?: Principal) {
    const all = await this.namespaces.list();
    // with access control on, the list shows the namespaces the caller may Get (admin: all; an owner token: its own)
    if (!principal) return all;
    return { namespaces: all.namespaces.filter((n) => allowed(principal, 'Namespace', 'Get', n.name.slice('namespaces/'.length))) };
  }

  @Post()
  @HttpCode(200)
  @Operation({ id: 'createNamespaceUsingPOST', summary: 'Create a namespace (name: namespaces/<id>)', body: 'Namespace', response: 'CreateNamespaceResponse', errors: 'platform' })
  create(@Body() body: unknown) {
    return this.namespaces.create(body);
  }

  // `{ns}:setPreviewSessionCluster` (a custom verb on the namespace; the colon is literal)
  @Post(':ns\\:setPreviewSessionCluster')
  @HttpCode(200)
  @Operation({
    id: 'setPreviewSessionClusterUsingPOST',
    summary: 'Set the session cluster used by the SQL editor previews of a namespace',
    body: 'SetPreviewSessionClusterRequest',
    response: 'SetPreviewSessionClusterResponse',
    errors: 'platform',
  })
  setPreviewSessionCluster(@Param('ns') ns: string, @Body() body: unknown) {
    return this.namespaces.setPreviewSessionCluster(ns, body);
  }

  @Get(':ns')
  @Operation({ id: 'getNamespaceUsingGET', summary: 'Get a namespace', response: 'GetNamespaceResponse', errors: 'platform' })
  get(@Param('ns') ns: string) {
    return this.namespaces.get(ns);
  }

  @Put(':ns')
  @Operation({ id: 'updateNamespaceUsingPUT', summary: 'Replace the role bindings of a namespace', body: 'Namespace', response: 'UpdateNamespaceResponse', errors: 'platform' })
  replace(@Param('ns') ns: string, @Body() body: unknown) {
    return this.namespaces.replace(ns, body);
  }

  @Patch(':ns')
  @Operation({ id: 'patchNamespaceUsingPATCH', summary: 'Patch a namespace (RFC 7386 merge patch)', body: 'Namespace', response: 'UpdateNamespaceResponse', errors: 'platform' })
  patch(@Param('ns') ns: string, @Body() body: unknown) {
    return this.namespaces.patch(ns, body);
  }

  @Delete(':ns')
  @Operation({ id: 'deleteNamespaceUsingDELETE', summary: 'Delete a namespace and everything in it', response: 'DeleteNamespaceResponse', errors: 'platform' })
  remove(@Param('ns') ns: string) {
    return this.namespaces.remove(ns);
  }
}
