import { ApiError } from './errors';

// Every parsed request body passes through here before anything else sees it. It bounds what a
// hostile document can cost (nesting depth; total node visits, which also stops YAML alias
// "billion laughs" expansion because a shared node is counted every time it is reached) and
// rejects keys that would reach an object's prototype when merged.

export const MAX_DEPTH = 100;
export const MAX_NODES = 100_000;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** what PostgreSQL (text and jsonb) cannot store: NUL, and surrogate halves without their pair */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function guardDocument(root: unknown, maxDepth = MAX_DEPTH, maxNodes = MAX_NODES): void {
  const stack: [unknown, number, string][] = [[root, 0, '']];
  let visited = 0;
  while (stack.length > 0) {
    const [value, depth, path] = stack.pop()!;
    if (++visited > maxNodes) {
      throw ApiError.badRequest(`The document has more than ${maxNodes} nodes (YAML aliases count each time they are used).`, {}, 'DocumentTooLarge');
    }
    if (typeof value === 'string' && UNSTORABLE.test(value)) throw ApiError.field(path, 'must not contain NUL characters or unpaired UTF-16 surrogates');
    if (typeof value === 'number' && !Number.isFinite(value)) throw ApiError.field(path, 'must be a finite number');
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxDepth) {
      throw ApiError.field(path, `nesting deeper than ${maxDepth} levels is not accepted`);
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], depth + 1, `${path}[${i}]`]);
      continue;
    }
    for (const key of Object.keys(value)) {
      const child = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) throw ApiError.field(child, `the key "${key}" is not allowed`);
      if (UNSTORABLE.test(key)) throw ApiError.field(child, 'keys must not contain NUL characters or unpaired UTF-16 surrogates');
      stack.push([(value as Record<string, unknown>)[key], depth + 1, child]);
    }
  }
}
