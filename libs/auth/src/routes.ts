import { RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ACCESS_RESOURCE, AccessResourceName } from './access.decorator';
import { ROLE_MATRIX, Verb } from './role-matrix';

// What the guard needs to know about a route, read from the Nest metadata of its controller and
// handler: the matrix row (AccessResource, on the class or overridden on the method), the HTTP method,
// the full path, and from those the verb. The e2e suite enumerates the same descriptions.

export interface RouteAccess {
  method: string;
  /** Express path, e.g. `/api/v1/namespaces/:namespace/deployments/:name` */
  path: string;
  resource: AccessResourceName | undefined;
  verb: Verb;
}

function join(...parts: (string | undefined)[]): string {
  const path = parts
    .filter((p): p is string => typeof p === 'string' && p !== '' && p !== '/')
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .join('/');
  return `/${path}`;
}

/**
 * The verb of a route: DELETE → Delete, PUT/PATCH → Update, POST → Create, GET on an item (the path
 * ends in a parameter) or on a singleton → Get, other GETs → List. A Platform custom method
 * (`…/{name}:action`) is its action when that is a verb (`:list`, `:getMetadata`, `:delete`);
 * `:upload` creates; any other action reads (GET) or updates.
 */
export function verbOf(method: string, path: string, singleton = false): Verb {
  const last = path.split('/').pop() ?? '';
  const action = /[^:\\]\\?:([A-Za-z-]+)$/.exec(last)?.[1];
  if (action) {
    const verb = action.charAt(0).toUpperCase() + action.slice(1);
    if (['List', 'Get', 'Delete', 'GetMetadata'].includes(verb)) return verb as Verb;
    if (verb === 'Upload') return 'Create';
    return method === 'GET' ? 'Get' : 'Update';
  }
  switch (method) {
    case 'DELETE':
      return 'Delete';
    case 'PUT':
    case 'PATCH':
      return 'Update';
    case 'POST':
      return 'Create';
    default:
      return singleton || last.startsWith(':') ? 'Get' : 'List';
  }
}

export function describeRoute(controller: Type<unknown>, handler: (...args: unknown[]) => unknown): RouteAccess {
  const resource = (Reflect.getMetadata(ACCESS_RESOURCE, handler) ?? Reflect.getMetadata(ACCESS_RESOURCE, controller)) as AccessResourceName | undefined;
  const base = Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined;
  const own = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
  const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number] ?? 'GET';
  const path = join(Array.isArray(base) ? base[0] : base, Array.isArray(own) ? own[0] : own);
  return { method, path, resource, verb: verbOf(method, path, resource ? ROLE_MATRIX[resource].singleton : false) };
}

/** Every route of the given controllers (the e2e suite's view of the server). */
export function describeControllers(controllers: Type<unknown>[]): RouteAccess[] {
  const out: RouteAccess[] = [];
  for (const controller of controllers) {
    const proto = controller.prototype as Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(proto)) {
      const handler = proto[key];
      if (key === 'constructor' || typeof handler !== 'function') continue;
      if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
      out.push(describeRoute(controller, handler as (...args: unknown[]) => unknown));
    }
  }
  return out;
}
