import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import * as yaml from 'js-yaml';
import { map, Observable } from 'rxjs';
import { ApiError } from './errors';
import { guardDocument } from './document-guard';

// Content types both ways. AppManager (`/api/...`) reads and writes JSON and YAML; the Platform API
// is JSON only, as in the real specifications. Parsing is ours (not Express's body parser) so that
// limits, YAML safety and error shapes are the same for every route.

export type ApiFamily = 'appmanager' | 'platform';
export type Format = 'json' | 'yaml';

const JSON_TYPES = new Set(['application/json']);
const YAML_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml']);

export function apiFamilyOf(path: string): ApiFamily {
  return path === '/api' || path.startsWith('/api/') ? 'appmanager' : 'platform';
}

function mediaType(header: string): string {
  return header.split(';')[0].trim().toLowerCase();
}

/** JSON and structured `+json` types; not a JSON Patch (RFC 6902) document, whose operations this API does not take. */
function isJsonType(t: string): boolean {
  return JSON_TYPES.has(t) || (t.endsWith('+json') && t !== 'application/json-patch+json');
}

/** Picks the response format from `Accept`; throws 406 when nothing we produce is acceptable. */
export function negotiate(accept: string | undefined, family: ApiFamily): Format {
  if (!accept || !accept.trim()) return 'json';
  const ranges = accept
    .split(',')
    .map((part, index) => {
      const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return { type, q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((r) => r.type && !(r.q <= 0) && !Number.isNaN(r.q))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { type } of ranges) {
    if (type === '*/*' || type === 'application/*' || isJsonType(type)) return 'json';
    if (family === 'appmanager' && YAML_TYPES.has(type)) return 'yaml';
  }
  const produces = family === 'appmanager' ? 'application/json, application/yaml' : 'application/json';
  throw new ApiError(406, 'NotAcceptable', `None of the accepted media types (${accept}) can be produced; this API produces ${produces}.`, {
    accept,
  });
}

export function toYaml(body: unknown): string {
  return yaml.dump(body, { noRefs: true, lineWidth: -1, skipInvalid: true });
}

/** Writes a body in the format negotiated for this request (JSON when negotiation itself failed). */
export function sendNegotiated(req: Request, res: Response, status: number, body: unknown): void {
  const format: Format = (res.locals.format as Format | undefined) ?? 'json';
  res.status(status);
  if (format === 'yaml') res.type('application/yaml').send(toYaml(body));
  else res.type('application/json').send(JSON.stringify(body));
}

export function parseBody(raw: string, contentType: string | undefined, family: ApiFamily): unknown {
  const type = contentType ? mediaType(contentType) : 'application/json';
  let value: unknown;
  if (isJsonType(type)) {
    try {
      value = JSON.parse(raw);
    } catch (e) {
      // V8 quotes an excerpt of the document (`Unexpected token 'x', "…" is not valid JSON`); a body may hold a secret value
      const text = (e as Error).message;
      const msg = / is not valid JSON$/.test(text) ? 'unexpected token (not valid JSON)' : text;
      throw ApiError.badRequest(`Malformed JSON: ${msg}`, {}, 'MalformedBody');
    }
  } else if (family === 'appmanager' && YAML_TYPES.has(type)) {
    try {
      // CORE_SCHEMA: plain JSON-compatible types only (no timestamps, binaries, merge keys, custom tags).
      value = yaml.load(raw, { schema: yaml.CORE_SCHEMA });
    } catch (e) {
      const msg = e instanceof RangeError ? 'the document is nested too deeply' : (e as Error).message.split('\n')[0];
      throw ApiError.badRequest(`Malformed YAML: ${msg}`, {}, 'MalformedBody');
    }
  } else {
    const accepted = family === 'appmanager' ? 'application/json, application/yaml' : 'application/json';
    throw new ApiError(415, 'UnsupportedMediaType', `Content-Type ${type} is not supported; use ${accepted}.`, { contentType: type });
  }
  guardDocument(value);
  return value;
}

export interface ContentOptions {
  maxBodyBytes: number;
}

/**
 * Express middleware for every API route: negotiates the response format first (a 406 must not
 * cost a write), then reads and parses the body with a size limit (413).
 */
export function contentMiddleware(options: ContentOptions) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const family = apiFamilyOf(req.path);
    const fail = (err: unknown) => {
      const { renderError, toApiError } = require('./error.filter') as typeof import('./error.filter');
      const apiErr = toApiError(err);
      sendNegotiated(req, res, apiErr.statusCode, renderError(apiErr, family));
    };
    // Handlers choose their status (201 vs 200 on PUT); Nest would otherwise impose the route default.
    const setStatus = res.status.bind(res);
    res.status = (code: number) => setStatus((res.locals.replyStatus as number | undefined) ?? code);
    try {
      res.locals.format = negotiate(req.headers.accept, family);
    } catch (e) {
      return fail(e);
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    const hasBody = declared > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) {
      req.body = undefined;
      return next();
    }
    if (declared > options.maxBodyBytes) {
      res.setHeader('Connection', 'close');
      return fail(new ApiError(413, 'PayloadTooLarge', `The request body exceeds ${options.maxBodyBytes} bytes.`, { limit: options.maxBodyBytes }));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > options.maxBodyBytes) {
        done = true;
        res.setHeader('Connection', 'close');
        fail(new ApiError(413, 'PayloadTooLarge', `The request body exceeds ${options.maxBodyBytes} bytes.`, { limit: options.maxBodyBytes }));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (e) => {
      if (!done) {
        done = true;
        fail(e);
      }
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      const raw = Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, ''); // a UTF-8 byte order mark is not content
      if (raw.trim() === '') {
        req.body = undefined;
        return next();
      }
      try {
        req.body = parseBody(raw, req.headers['content-type'], family);
      } catch (e) {
        return fail(e);
      }
      next();
    });
  };
}

/** A response body that is already JSON text (e.g. a list assembled by PostgreSQL). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** What a handler returns when the status is not the route's default (e.g. 201 on a PUT that created). */
export class Reply<T = unknown> {
  constructor(
    readonly status: number,
    readonly body: T,
  ) {}
  static created<T>(body: T): Reply<T> {
    return new Reply(201, body);
  }
  static ok<T>(body: T): Reply<T> {
    return new Reply(200, body);
  }
}

/**
 * Writes every handler result in the negotiated format, sets `ETag` from a single resource's
 * `metadata.resourceVersion`, and applies a Reply's status.
 */
@Injectable()
export class ContentInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const res = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      map((result) => {
        let body = result;
        if (result instanceof Reply) {
          res.locals.replyStatus = result.status;
          // Nest sets the route's status before the handler runs and not again when replying
          res.status(result.status);
          body = result.body;
        }
        if (body instanceof RawJson) {
          if (res.locals.format !== 'yaml') {
            res.type('application/json');
            return body.text;
          }
          body = JSON.parse(body.text);
        }
        const version = (body as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata?.resourceVersion;
        if (typeof version === 'number') res.setHeader('ETag', `"${version}"`);
        if (res.locals.format === 'yaml') {
          res.type('application/yaml');
          return toYaml(body);
        }
        res.type('application/json');
        return JSON.stringify(body);
      }),
    );
  }
}
