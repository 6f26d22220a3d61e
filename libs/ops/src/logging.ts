import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { LoggerService } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import pino, { DestinationStream, Level, Logger as Pino } from 'pino';
import type { ServerConfig } from '../../config/src/config';

// Structured logs: one pino logger per process, behind Nest's LoggerService, so every `new Logger(ctx)`
// in the code base writes through it. Each request gets an id (X-Request-Id) that every line logged
// while serving it carries. LOG_FORMAT=pretty prints one readable line per entry instead of JSON.

/** The request being served (AsyncLocalStorage), for the request id in log lines. */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

const PINO_LEVEL: Record<ServerConfig['logLevel'], Level> = { error: 'error', warn: 'warn', log: 'info', debug: 'debug' };

/** Never written to a log: credentials in headers, tokens, and secret values wherever they appear (two levels deep). */
export const REDACT_PATHS = ['authorization', 'token', 'value', 'secret', 'password', 'cookie', 'apiToken']
  .flatMap((k) => [k, `*.${k}`, `*.*.${k}`])
  .concat(['headers["set-cookie"]', 'req.headers["set-cookie"]']);

/** A sane incoming request id: letters, digits and `._:-`, at most 128 characters. */
export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const PRETTY_LEVEL: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** LOG_FORMAT=pretty: `12:00:00.000 INFO  [Context] message key=value …` (stack traces on their own lines). */
export function prettyStream(out: { write(s: string): unknown } = process.stdout): DestinationStream {
  return {
    write(line: string) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      const { level, time, msg, context, err, pid: _pid, hostname: _host, ...rest } = entry;
      const date = new Date(typeof time === 'number' ? time : String(time));
      const clock = Number.isNaN(date.getTime()) ? String(time) : date.toISOString().slice(11, 23);
      const extra = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      const stack = (err as { stack?: string } | undefined)?.stack;
      out.write(
        `${clock} ${(PRETTY_LEVEL[Number(level)] ?? String(level)).padEnd(5)} ${context ? `[${String(context)}] ` : ''}${String(msg ?? '')}${extra ? ` ${extra}` : ''}\n` +
          (stack ? `${stack}\n` : ''),
      );
    },
  };
}

export function createPino(config: Pick<ServerConfig, 'logLevel' | 'logFormat'>, destination?: DestinationStream): Pino {
  const dest = destination ?? (config.logFormat === 'pretty' ? prettyStream() : pino.destination({ dest: 1, sync: true }));
  return pino(
    {
      level: PINO_LEVEL[config.logLevel],
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      mixin: () => {
        const ctx = requestContext.getStore();
        return ctx ? { requestId: ctx.requestId } : {};
      },
    },
    dest,
  );
}

/** Nest's LoggerService over pino. Nest passes the context (class name) as the last string argument. */
export class PinoLogger implements LoggerService {
  constructor(readonly pino: Pino) {}

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const args = [...params];
    const context = args.length > 0 && typeof args[args.length - 1] === 'string' ? (args.pop() as string) : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    // Nest's error(message, stack, context)
    if (level === 'error' && typeof args[0] === 'string' && args[0].includes('\n    at ')) fields.err = { stack: args.shift() };
    if (message instanceof Error) {
      fields.err = message;
      this.pino[level](fields, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level]({ ...fields, ...(message as Record<string, unknown>) });
    } else {
      if (args.length > 0) fields.details = args;
      this.pino[level](fields, String(message));
    }
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }
}

/** Paths that are probed all the time: their access lines are logged at debug level only. */
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

export interface RequestObserver {
  (req: Request, res: Response, route: string, seconds: number): void;
}

/**
 * The first middleware: assigns the request id (a sane incoming X-Request-Id, else a new UUID), returns
 * it as X-Request-Id, and when the response is finished logs one access line and tells `observe`
 * (metrics). The route is the matched route pattern, never the raw URL.
 */
export function requestMiddleware(logger: Pino, observe?: RequestObserver) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    res.locals.requestId = requestId;
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req);
      observe?.(req, res, route, seconds);
      const level: Level = PROBES.has(req.path) ? 'debug' : res.statusCode >= 500 ? 'warn' : 'info';
      if (logger.isLevelEnabled(level)) {
        logger[level](
          { requestId, method: req.method, path: req.path, route, status: res.statusCode, durationMs: Math.round(seconds * 1e4) / 10 },
          'request',
        );
      }
    });
    requestContext.run({ requestId }, next);
  };
}

/**
 * Re-enters the request's context: body parsing resumes from socket events, which do not carry the
 * AsyncLocalStorage context of the middleware that started it. Registered after the content middleware.
 */
export function requestContextMiddleware() {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const requestId = res.locals.requestId as string | undefined;
    if (requestId && requestContext.getStore()?.requestId !== requestId) requestContext.run({ requestId }, next);
    else next();
  };
}

/** The matched route pattern (e.g. `/api/v1/namespaces/:namespace/deployments`), or `unmatched`. */
export function routeOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl ?? ''}${path}` : 'unmatched';
}
