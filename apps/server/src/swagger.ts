import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AppManagerModule } from '../../../libs/appmanager/src/appmanager.module';
import { PlatformModule } from '../../../libs/platform/src/platform.module';
import { loadContract } from '../../../libs/resource-kit/src/contract-validator';

// Both OpenAPI documents are generated from the controllers (paths, operations, parameters); their
// schemas are the real 2.7.1 definitions, so clients generated from our documents see the same types
// as clients generated from the real platform's. The Swagger UI at /swagger offers both.

type Schemas = Record<string, unknown>;

/** Swagger 2.0 definitions → OpenAPI 3 component schemas (only the reference prefix differs). */
function toComponentSchemas(definitions: Schemas): Schemas {
  return JSON.parse(JSON.stringify(definitions).replace(/"#\/definitions\//g, '"#/components/schemas/')) as Schemas;
}

const ERROR_SCHEMAS: Schemas = {
  ApiException: {
    type: 'object',
    properties: {
      kind: { type: 'string', enum: ['ApiException'] },
      apiVersion: { type: 'string' },
      message: { type: 'string' },
      reason: { type: 'string' },
      statusCode: { type: 'integer' },
      context: { type: 'object', additionalProperties: true },
    },
  },
  ApiValidationException: {
    type: 'object',
    properties: {
      kind: { type: 'string', enum: ['ApiValidationException'] },
      apiVersion: { type: 'string' },
      message: { type: 'string' },
      statusCode: { type: 'integer' },
      errors: { type: 'array', items: { type: 'object', properties: { attribute: { type: 'string' }, message: { type: 'string' } } } },
    },
  },
  PlatformError: {
    type: 'object',
    properties: { code: { type: 'string' }, description: { type: 'string' }, cause: { type: 'object', nullable: true }, ok: { type: 'boolean' } },
  },
};

function build(app: INestApplication, title: string, module: unknown, contract: 'appmanager' | 'platform'): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(title)
    .setVersion('2.7.1')
    .setDescription(`${title} of the self-hosted Flink control plane (compatible with Ververica Platform 2.7.1).`)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'Authorization' }, 'apiKey')
    .build();
  const doc = SwaggerModule.createDocument(app, config, { include: [module as never], operationIdFactory: (_c, method) => method });
  doc.components = { ...(doc.components ?? {}), schemas: { ...toComponentSchemas(loadContract(contract).definitions), ...ERROR_SCHEMAS } as never };
  return doc;
}

export function buildDocuments(app: INestApplication): { appManager: OpenAPIObject; platform: OpenAPIObject } {
  return {
    appManager: build(app, 'Application Manager API', AppManagerModule, 'appmanager'),
    platform: build(app, 'Platform API', PlatformModule, 'platform'),
  };
}

export function setupSwagger(app: INestApplication): void {
  const { appManager, platform } = buildDocuments(app);
  const http = app.getHttpAdapter();
  http.get('/api/swagger.json', (_req: Request, res: Response) => res.json(appManager));
  http.get('/swagger.json', (_req: Request, res: Response) => res.json(platform));
  // the UI's asset links are relative to /swagger: send /swagger/ there instead of serving a page without styles
  app.use((req: Request, res: Response, next: () => void) => (req.path === '/swagger/' && req.originalUrl.split('?')[0] === '/swagger/' ? res.redirect(301, '/swagger') : next()));
  SwaggerModule.setup('swagger', app, appManager, {
    raw: false,
    explorer: true,
    customSiteTitle: 'Flink control plane API',
    swaggerOptions: {
      urls: [
        { url: '/api/swagger.json', name: 'Application Manager API' },
        { url: '/swagger.json', name: 'Platform API' },
      ],
    },
  });
}
