import { resolve } from 'node:path';

// Every setting of the server, read and validated in one place. A bad value stops the start with a
// message naming the variable. The README's configuration table lists the same variables.

export interface ServerConfig {
  host: string;
  port: number;
  /** where the embedded PostgreSQL keeps its data when DATABASE_URL is not set */
  dataDir: string;
  /** an external PostgreSQL; when unset the embedded one is started */
  databaseUrl?: string;
  /** connections in the server's pool */
  databasePoolSize: number;
  /** request bodies larger than this get 413 */
  maxBodyBytes: number;
  /** YAML or JSON document overriding the built-in global deployment defaults */
  globalDeploymentDefaults?: string;
  logLevel: 'error' | 'warn' | 'log' | 'debug';
}

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const logLevel = (env.LOG_LEVEL ?? 'log') as ServerConfig['logLevel'];
  if (!['error', 'warn', 'log', 'debug'].includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of error, warn, log, debug (got "${env.LOG_LEVEL}")`);
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ConfigError(`DATABASE_URL must be a postgresql:// URL`);
  return {
    host: env.HOST || '127.0.0.1',
    port: int(env, 'PORT', 8080, 0, 65535),
    dataDir: resolve(env.DATA_DIR || '.data'),
    databaseUrl,
    databasePoolSize: int(env, 'DATABASE_POOL_SIZE', 20, 1, 500),
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    globalDeploymentDefaults: env.GLOBAL_DEPLOYMENT_DEFAULTS || undefined,
    logLevel,
  };
}

/** Nest injection token of the ServerConfig (with the resolved databaseUrl). */
export const SERVER_CONFIG = 'SERVER_CONFIG';
export type ResolvedConfig = ServerConfig & { databaseUrl: string };
