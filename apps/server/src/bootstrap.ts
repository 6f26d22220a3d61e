import 'reflect-metadata';
import type { Server } from 'node:http';
import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Express, NextFunction, Request, Response } from 'express';
import type { DestinationStream } from 'pino';
import { Reconciler } from '../../../libs/appmanager/src/reconciler/reconciler.service';
import { ResolvedConfig, SERVER_CONFIG, ServerConfig } from '../../../libs/config/src/config';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../../../libs/persistence/src/embedded-postgres';
import { applyMigrations } from '../../../libs/persistence/src/migrations';
import { NamespacesService } from '../../../libs/platform/src/namespaces/namespaces.service';
import { ContentInterceptor, contentMiddleware } from '../../../libs/resource-kit/src/content';
import { ApiErrorFilter } from '../../../libs/resource-kit/src/error.filter';
import { PrismaService } from '../../../libs/persistence/src/prisma.service';
import { createPino, Metrics, PinoLogger, registerOpsRoutes, requestContextMiddleware, requestMiddleware } from '../../../libs/ops/src';
import { AppModule } from './app.module';
import { setupSwagger } from './swagger';

const NON_API_PATHS = new Set(['/swagger.json', '/api/swagger.json', '/healthz', '/readyz', '/metrics']);

/** Set when a graceful shutdown begins: /readyz then answers 503. */
const shuttingDown = new WeakSet<INestApplication>();

/** The Nest application, fully wired, on an already migrated database (used by main and by the tests). */
export async function createApp(config: ResolvedConfig, options: { logDestination?: DestinationStream } = {}): Promise<INestApplication> {
  const pino = createPino(config, options.logDestination);
  const app = await NestFactory.create(AppModule.forRoot(config), { bodyParser: false, logger: new PinoLogger(pino), abortOnError: false });
  const express = app.getHttpAdapter().getInstance() as Express;
  express.disable('x-powered-by');
  const db = app.get(PrismaService);
  const reconciler = app.get(Reconciler);
  const metrics = new Metrics({ pool: db.pool, reconcilerStats: reconciler.stats });
  // request id, access log and HTTP metrics first, so that 406/413 answers of the content middleware count too
  app.use(requestMiddleware(pino, metrics.observe));
  const content = contentMiddleware({ maxBodyBytes: config.maxBodyBytes });
  app.use((req: Request, res: Response, next: NextFunction) =>
    NON_API_PATHS.has(req.path) || req.path === '/swagger' || req.path.startsWith('/swagger/') ? next() : content(req, res, next),
  );
  app.use(requestContextMiddleware());
  // /healthz, /readyz and /metrics: public, outside both APIs and their documents
  registerOpsRoutes(
    express,
    { pool: db.pool, reconciler, reconcilerEnabled: config.reconciler.enabled, shuttingDown: () => shuttingDown.has(app) },
    metrics,
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
      stop: () => gracefulStop(app, embedded),
    };
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
}

/**
 * Waits until the HTTP server has answered every request in flight and closed every connection. A
 * client that stalls (e.g. a body that never completes) is cut off after `graceMs`, so it cannot
 * hold the shutdown until the forced exit.
 */
function drainHttp(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    // keep-alive connections become idle once their response is written: close them as they do
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const cutOff = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(cutOff);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Waits (up to `graceMs`) until no database connection is checked out: handlers whose client went away may still be running. */
async function waitForIdlePool(db: PrismaService, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (db.pool.totalCount - db.pool.idleCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

/**
 * The graceful shutdown: readiness fails, no new connections, requests in flight finish, the
 * reconciler finishes its current step, then the database pool closes and the embedded PostgreSQL
 * stops. (Nest's own close order would end the pool before the HTTP server and the reconciler.)
 */
async function gracefulStop(app: INestApplication, embedded: EmbeddedDatabase | undefined): Promise<void> {
  const log = new Logger('Shutdown');
  shuttingDown.add(app);
  try {
    // half the shutdown budget for the HTTP side, the rest for the reconciler step and the database
    const graceMs = Math.floor(app.get<ResolvedConfig>(SERVER_CONFIG).shutdownTimeoutMs / 2);
    await drainHttp(app.getHttpServer() as Server, graceMs);
    log.log('HTTP server closed (requests in flight answered)');
    await app.get(Reconciler).stop();
    log.log('reconciler stopped');
    await waitForIdlePool(app.get(PrismaService), graceMs);
    await app.close();
    log.log('database pool closed');
  } finally {
    await embedded?.stop();
    if (embedded) log.log('embedded PostgreSQL stopped');
  }
}
