import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '../../../libs/config/src/config';
import { startServer } from './bootstrap';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = new Logger('Server');
  let server;
  try {
    server = await startServer(config);
  } catch (err) {
    // settings that can only be checked once the modules load (e.g. GLOBAL_DEPLOYMENT_DEFAULTS)
    if (err instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  log.log(`Serving the Application Manager and Platform APIs on ${server.url} (Swagger UI: ${server.url}/swagger)`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      log.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log.log(`${signal}: shutting down gracefully (a second ${signal} or ${config.shutdownTimeoutMs} ms forces the exit)`);
    const force = setTimeout(() => {
      log.error(`graceful shutdown did not finish within ${config.shutdownTimeoutMs} ms (SHUTDOWN_TIMEOUT_MS): exiting now`);
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    server.stop().then(
      () => process.exit(0),
      (err) => {
        log.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`Failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
