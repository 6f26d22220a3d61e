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
  /** `json`: one JSON object per line (pino); `pretty`: one readable line per entry */
  logFormat: 'json' | 'pretty';
  /** how long a graceful shutdown (SIGTERM) may take before the process exits anyway */
  shutdownTimeoutMs: number;
  /** the commit the server was built from (shown by /api/v1/status/system-info) */
  gitCommit?: string;
  /** the 32-byte AES-256-GCM key of secret values (SECRETS_KEY); unset: a key file under dataDir */
  secretsKey?: Buffer;
  reconciler: {
    enabled: boolean;
    /** pause between two looks at the work queue when there is nothing to do */
    intervalMs: number;
    /** deployments reconciled at once by one server */
    concurrency: number;
    /** how soon a transition in progress is looked at again */
    pollMs: number;
    /** how often a RUNNING deployment's job is observed */
    watchMs: number;
  };
  runtime: {
    /** the Flink runtime adapter; only `simulated` exists so far */
    kind: 'simulated';
    jobStartMs: number;
    savepointMs: number;
    cancelMs: number;
    blobBase: string;
  };
  auth: {
    /** `none`: no access control (a warning at start); `token`: every API request needs `Authorization: Bearer <secret>` */
    mode: 'none' | 'token';
    /** AUTH_ADMIN_TOKEN: the bearer secret of the system-level admin (all namespaces, namespaces and API tokens) */
    adminToken?: string;
  };
}

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be true or false (got "${raw}")`);
}

function authConfig(env: NodeJS.ProcessEnv): ServerConfig['auth'] {
  const mode = env.AUTH_MODE || 'none';
  if (mode !== 'none' && mode !== 'token') throw new ConfigError(`AUTH_MODE must be "none" or "token" (got "${mode}")`);
  const adminToken = env.AUTH_ADMIN_TOKEN || undefined;
  // the message never echoes the value
  if (adminToken !== undefined && (adminToken.length < 16 || adminToken.length > 512 || !/^[\x21-\x7e]+$/.test(adminToken))) {
    throw new ConfigError('AUTH_ADMIN_TOKEN must be 16 to 512 printable ASCII characters without spaces; generate one with: openssl rand -base64 32');
  }
  return { mode, adminToken };
}

function runtimeKind(env: NodeJS.ProcessEnv): 'simulated' {
  const raw = env.FLINK_RUNTIME || 'simulated';
  if (raw !== 'simulated') throw new ConfigError(`FLINK_RUNTIME must be "simulated" (the only adapter so far; got "${raw}")`);
  return raw;
}

/** SECRETS_KEY: 32 bytes as base64 (44 characters) or hex (64 characters). The message never echoes the value. */
export function parseSecretsKey(raw: string | undefined, name = 'SECRETS_KEY'): Buffer | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const text = raw.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(text)) key = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=?$/.test(text) || /^[A-Za-z0-9_-]{43}=?$/.test(text)) key = Buffer.from(text, /[_-]/.test(text) ? 'base64url' : 'base64');
  if (!key || key.length !== 32) throw new ConfigError(`${name} must be a 32-byte key, base64 (44 characters) or hex (64 characters); generate one with: openssl rand -base64 32`);
  return key;
}

/**
 * Every environment variable the server reads, all of them read in `loadConfig` below. The README's
 * configuration table lists exactly these (test/e2e/config.spec.ts checks both against this file).
 */
export const CONFIG_VARIABLES = [
  'HOST',
  'PORT',
  'DATA_DIR',
  'DATABASE_URL',
  'DATABASE_POOL_SIZE',
  'MAX_BODY_BYTES',
  'GLOBAL_DEPLOYMENT_DEFAULTS',
  'LOG_LEVEL',
  'LOG_FORMAT',
  'SHUTDOWN_TIMEOUT_MS',
  'GIT_COMMIT',
  'RECONCILER_ENABLED',
  'RECONCILER_INTERVAL_MS',
  'RECONCILER_CONCURRENCY',
  'RECONCILER_POLL_MS',
  'RECONCILER_WATCH_MS',
  'FLINK_RUNTIME',
  'SIM_JOB_START_MS',
  'SIM_SAVEPOINT_MS',
  'SIM_CANCEL_MS',
  'SIM_BLOB_BASE',
  'SECRETS_KEY',
  'AUTH_MODE',
  'AUTH_ADMIN_TOKEN',
] as const;

function logFormat(env: NodeJS.ProcessEnv, isTty: boolean): 'json' | 'pretty' {
  const raw = env.LOG_FORMAT;
  if (raw === undefined || raw === '') return isTty ? 'pretty' : 'json';
  if (raw !== 'json' && raw !== 'pretty') throw new ConfigError(`LOG_FORMAT must be json or pretty (got "${raw}")`);
  return raw;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, isTty = process.stdout.isTTY === true): ServerConfig {
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
    logFormat: logFormat(env, isTty),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 20_000, 0, 3_600_000),
    gitCommit: env.GIT_COMMIT || undefined,
    secretsKey: parseSecretsKey(env.SECRETS_KEY),
    reconciler: {
      enabled: bool(env, 'RECONCILER_ENABLED', true),
      intervalMs: int(env, 'RECONCILER_INTERVAL_MS', 200, 10, 60_000),
      concurrency: int(env, 'RECONCILER_CONCURRENCY', 8, 1, 64),
      pollMs: int(env, 'RECONCILER_POLL_MS', 250, 10, 60_000),
      watchMs: int(env, 'RECONCILER_WATCH_MS', 10_000, 10, 3_600_000),
    },
    runtime: {
      kind: runtimeKind(env),
      jobStartMs: int(env, 'SIM_JOB_START_MS', 2000, 0, 600_000),
      savepointMs: int(env, 'SIM_SAVEPOINT_MS', 1000, 0, 600_000),
      cancelMs: int(env, 'SIM_CANCEL_MS', 500, 0, 600_000),
      blobBase: env.SIM_BLOB_BASE || 's3://flink-control-plane',
    },
    auth: authConfig(env),
  };
}

/** Nest injection token of the ServerConfig (with the resolved databaseUrl). */
export const SERVER_CONFIG = 'SERVER_CONFIG';
export type ResolvedConfig = ServerConfig & { databaseUrl: string };
