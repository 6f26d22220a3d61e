import { CanActivate, ExecutionContext, Injectable, Type } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiError } from '../../resource-kit/src/errors';
import { allowed, Principal } from './role-matrix';
import { describeRoute, RouteAccess } from './routes';
import { TokenVerifier } from './token-verifier';

// The one access check of the server (a global guard). AUTH_MODE=none: every request passes.
// AUTH_MODE=token: open routes pass; every other route needs `Authorization: Bearer <secret>`
// (401 without it or with an unknown secret) and the role matrix must allow the route's verb on its
// AccessResource in the namespace of the URL (403 otherwise). Routes without an AccessResource are
// admin-only (fail closed). Errors are ApiErrors, rendered by ApiErrorFilter in the API family's shape.

/** Routes that never need a token: health probes and metrics. (The Swagger UI and documents are not Nest routes; the guard never sees them.) */
export const OPEN_ROUTES: ReadonlySet<string> = new Set(['GET /api/v1/status', 'GET /healthz', 'GET /readyz', 'GET /metrics']);

export function isOpenRoute(method: string, path: string): boolean {
  const m = method === 'HEAD' ? 'GET' : method;
  return OPEN_ROUTES.has(`${m} ${path.length > 1 ? path.replace(/\/+$/, '') : path}`);
}

export type AuthenticatedRequest = Request & { principal?: Principal };

@Injectable()
export class AuthGuard implements CanActivate {
  private readonly routes = new WeakMap<object, RouteAccess>();

  constructor(private readonly verifier: TokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http' || this.verifier.mode === 'none') return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (isOpenRoute(req.method, req.path)) return true;

    const header = req.headers.authorization;
    const secret = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    const principal = secret ? await this.verifier.verify(secret) : undefined;
    if (!principal) {
      context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer');
      throw new ApiError(401, 'Unauthorized', secret ? 'The API token is not valid (unknown or revoked).' : 'Authentication required: send "Authorization: Bearer <API token secret>".');
    }
    req.principal = principal;

    const handler = context.getHandler();
    let route = this.routes.get(handler);
    if (!route) {
      route = describeRoute(context.getClass() as Type<unknown>, handler as (...args: unknown[]) => unknown);
      this.routes.set(handler, route);
    }
    const namespace = (req.params?.namespace ?? req.params?.ns) as string | undefined;
    const ok = route.resource ? allowed(principal, route.resource, route.verb, namespace) : principal.kind === 'admin';
    if (!ok) {
      const who = principal.kind === 'admin' ? 'the admin token' : `API token "${principal.name}" (role ${principal.role} in namespace "${principal.namespace}")`;
      throw new ApiError(403, 'Forbidden', `Permission denied: ${who} may not ${route.verb} ${route.resource ?? 'this resource'}${namespace !== undefined ? ` in namespace "${namespace}"` : ''}.`, {
        ...(route.resource ? { resource: route.resource } : {}),
        verb: route.verb,
        ...(namespace !== undefined ? { namespace } : {}),
      });
    }
    return true;
  }
}
