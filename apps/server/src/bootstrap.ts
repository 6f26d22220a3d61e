import 'reflect-metadata';
import { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { ResolvedConfig, ServerConfig } from '../../../libs/config/src/config';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../../../libs/persistence/src/embedded-postgres';
import { applyMigrations } from '../../../libs/persistence/src/migrations';
import { NamespacesService } from '../../../libs/platform/src/namespaces/namespaces.service';
import { ContentInterceptor, contentMiddleware } from '../../../libs/resource-kit/src/content';
import { ApiErrorFilter } from '../../../libs/resource-kit/src/error.filter';
import { AppModule } from './app.module';
import { setupSwagger } from './swagger';

const NON_API_PATHS = new Set(['/swagger.json', '/api/swagger.json', '/healthz', '/readyz', '/metrics']);

function logLevels(level: ServerConfig['logLevel']): LogLevel[] {
  const all: LogLevel[] = ['error', 'warn', 'log', 'debug'];
  return all.slice(0, all.indexOf(level) + 1);
}

/** The Nest application, fully wired, on an already migrated database (used by main and by the tests). */
export async function createApp(config: ResolvedConfig): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config), { bodyParser: false, logger: logLevels(config.logLevel) });
  const express = app.getHttpAdapter().getInstance() as { disable(s: string): void };
  express.disable('x-powered-by');
  const content = contentMiddleware({ maxBodyBytes: config.maxBodyBytes });
  app.use((req: Request, res: Response, next: NextFunction) =>
    NON_API_PATHS.has(req.path) || req.path === '/swagger' || req.path.startsWith('/swagger/') ? next() : content(req, res, next),
  );
  app.useGlobalFilters(new ApiErrorFilter());
  app.useGlobalInterceptors(new ContentInterceptor());
  setupSwagger(app);
  await app.init();
  await app.get(NamespacesService).ensureDefault();
  return app;
}

export interface RunningServer {
  app: INestApplication;
  url: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

/** Resolves the database (DATABASE_URL, or the embedded PostgreSQL under DATA_DIR), migrates, and listens. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(config.dataDir);
    databaseUrl = embedded.url;
  }
  try {
    await applyMigrations(databaseUrl);
    const app = await createApp({ ...config, databaseUrl });
    await app.listen(config.port, config.host);
    const address = app.getHttpServer().address() as { port: number };
    return {
      app,
      url: `http://${config.host}:${address.port}`,
      databaseUrl,
      stop: async () => {
        await app.close();
        await embedded?.stop();
      },
    };
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
}
