import { FieldError } from './errors';

// Name rules from the conventions page.
export type NameRule = 'dns-label' | 'wide';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const WIDE = /^[0-9a-zA-Z_-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(s: string): boolean {
  return UUID.test(s);
}

export function nameErrors(name: unknown, rule: NameRule, attribute = 'metadata.name'): FieldError[] {
  if (name === undefined || name === null || name === '') return [{ attribute, message: 'must not be empty' }];
  if (typeof name !== 'string') return [{ attribute, message: 'must be a string' }];
  if (rule === 'dns-label') {
    if (name.length > 63) return [{ attribute, message: 'must be at most 63 characters' }];
    if (!DNS_LABEL.test(name)) {
      return [{ attribute, message: 'must consist of lower case alphanumeric characters or "-", and must start and end with an alphanumeric character' }];
    }
    return [];
  }
  if (name.length > 250) return [{ attribute, message: 'must be at most 250 characters' }];
  if (!WIDE.test(name)) return [{ attribute, message: 'must consist of alphanumeric characters, "-" or "_"' }];
  return [];
}
