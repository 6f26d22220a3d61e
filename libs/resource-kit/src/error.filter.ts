import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiError } from './errors';
import { apiFamilyOf, sendNegotiated } from './content';

/** Platform API errors are gRPC-status style, as recorded from a real server (fixtures/catalog-responses). */
const PLATFORM_CODES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'UNIMPLEMENTED',
  406: 'INVALID_ARGUMENT',
  409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION',
  413: 'RESOURCE_EXHAUSTED',
  415: 'INVALID_ARGUMENT',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
};

const CONNECTION_ERROR = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|Connection terminated|connect ECONN|database system is (starting|shutting) up|terminating connection|Can't reach database|DatabaseNotReachable|the database system is in recovery|timeout exceeded when trying to connect|Query read timeout|connection timeout/i;

/** Turns anything thrown during a request into the documented error shape. Never leaks a stack trace. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HttpException) {
    const status = err.getStatus();
    if (status === 404) return new ApiError(404, 'NotFound', 'No such endpoint.', {});
    const body = err.getResponse();
    const message = typeof body === 'string' ? body : String((body as { message?: unknown }).message ?? err.message);
    return new ApiError(status, 'HttpError', message, {});
  }
  const e = err as { code?: string; message?: string; name?: string; type?: string; status?: number; cause?: unknown };
  if (e?.type === 'entity.too.large' || e?.status === 413) return new ApiError(413, 'PayloadTooLarge', 'The request body is too large.');
  const text = `${e?.name ?? ''} ${e?.code ?? ''} ${e?.message ?? ''} ${String((e?.cause as { message?: string })?.message ?? '')}`;
  // PostgreSQL cannot store NUL characters or unpaired surrogates (in a URL or query parameter); the request is at fault
  const pgCode = (e as { meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } })?.meta?.driverAdapterError?.cause?.originalCode ?? e?.code;
  if (pgCode === '22021' || pgCode === '22P05') {
    return ApiError.badRequest('The request contains characters that cannot be stored (NUL or unpaired UTF-16 surrogates).', {}, 'InvalidCharacters');
  }
  if (e?.code === 'P2002' || /23505|Unique constraint/i.test(text)) {
    return new ApiError(409, 'AlreadyExists', 'A resource with this name already exists.');
  }
  if (CONNECTION_ERROR.test(text) || e?.code === 'P1001' || e?.code === 'P1017') return ApiError.unavailable();
  return new ApiError(500, 'InternalError', 'An internal error occurred.');
}

export function renderError(err: ApiError, family: 'appmanager' | 'platform'): Record<string, unknown> {
  if (family === 'platform') {
    const body: Record<string, unknown> = {
      code: err.statusCode === 409 && err.reason !== 'AlreadyExists' ? 'FAILED_PRECONDITION' : (PLATFORM_CODES[err.statusCode] ?? 'UNKNOWN'),
      description: err.message,
      cause: null,
      ok: false,
    };
    if (err.errors) body.details = err.errors;
    return body;
  }
  if (err.errors) {
    return { kind: 'ApiValidationException', apiVersion: 'v1', message: err.message, statusCode: err.statusCode, errors: err.errors };
  }
  return { kind: 'ApiException', apiVersion: 'v1', message: err.message, reason: err.reason, statusCode: err.statusCode, context: err.context };
}

@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const err = toApiError(exception);
    if (err.statusCode >= 500 && !(exception instanceof ApiError)) {
      this.log.error(`${req.method} ${req.path}: ${(exception as Error)?.stack ?? String(exception)}`);
    }
    if (res.headersSent) return;
    sendNegotiated(req, res, err.statusCode, renderError(err, apiFamilyOf(req.path)));
  }
}
