import { ApiError } from './errors';
import { isUuid } from './names';

// Query parameters, parsed the same way on every route: a bad value is a 400 naming the parameter.

/** `true` / `false`; absent or empty: `fallback`. */
export function booleanQuery(name: string, raw: unknown, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw ApiError.field(name, 'must be true or false');
}

/** A uuid filter: absent, or a uuid (lower-cased). */
export function uuidQuery(name: string, raw: unknown): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !isUuid(raw)) throw ApiError.field(name, 'must be a uuid');
  return raw.toLowerCase();
}
