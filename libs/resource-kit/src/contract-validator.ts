import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../persistence/src/project-root';
import { FieldError } from './errors';
import { clone } from './merge-patch';

// Validation against the real 2.7.1 Swagger definitions (libs/resource-kit/contract/, copied verbatim
// from the reference). The server uses them with overlays (enums and minimums the Swagger lost to
// polymorphism); the test suite uses them as they are to check every response shape.

export type Definitions = Record<string, Record<string, unknown>>;
export type ContractDocument = { definitions: Definitions };

const cache = new Map<string, ContractDocument>();

export function loadContract(name: 'appmanager' | 'platform'): ContractDocument {
  let doc = cache.get(name);
  if (!doc) {
    doc = JSON.parse(readFileSync(join(projectRoot(), 'libs', 'resource-kit', 'contract', `${name}-2.7.1.json`), 'utf8')) as ContractDocument;
    cache.set(name, doc);
  }
  return clone(doc);
}

function isInt(bits: 32 | 64) {
  const limit = bits === 32 ? 2 ** 31 : Number.MAX_SAFE_INTEGER;
  return { type: 'number' as const, validate: (n: number) => Number.isInteger(n) && n >= -limit && n < limit };
}

function ajvPath(err: ErrorObject, base: string): string {
  const segments = err.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (err.keyword === 'required') segments.push((err.params as { missingProperty: string }).missingProperty);
  let path = base;
  for (const s of segments) path = /^\d+$/.test(s) ? `${path}[${s}]` : path ? `${path}.${s}` : s;
  return path;
}

function ajvMessage(err: ErrorObject): string {
  switch (err.keyword) {
    case 'type':
      return `must be of type ${(err.params as { type: string }).type}`;
    case 'enum':
      return `must be one of ${((err.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}`;
    case 'required':
      return 'is required';
    case 'format':
      return `must be a valid ${(err.params as { format: string }).format}`;
    default:
      return err.message ?? 'is invalid';
  }
}

export class ContractValidator {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly definitions: Definitions) {
    this.ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addFormat('int32', isInt(32));
    this.ajv.addFormat('int64', isInt(64));
    for (const f of ['double', 'float', 'byte', 'binary', 'password']) this.ajv.addFormat(f, true);
    this.ajv.addSchema({ $id: 'contract', definitions }, 'contract');
  }

  private fn(definition: string): ValidateFunction {
    let f = this.compiled.get(definition);
    if (!f) {
      if (!this.definitions[definition]) throw new Error(`unknown contract definition ${definition}`);
      f = this.ajv.compile({ $ref: `contract#/definitions/${definition}` });
      this.compiled.set(definition, f);
    }
    return f;
  }

  /**
   * Removes, in place, the object keys a definition does not declare (recursively, through `$ref`,
   * maps and arrays), as the real server's deserializer drops unknown properties: a client typo such
   * as `spec.status` is accepted and ignored, not stored. Values of the wrong type are left for
   * `validate` to report; free-form objects (no `properties`) are kept as they are.
   */
  prune(definition: string, value: unknown): void {
    if (!this.definitions[definition]) throw new Error(`unknown contract definition ${definition}`);
    this.pruneWith(this.definitions[definition], value, 0);
  }

  private pruneWith(schema: Record<string, unknown> | undefined, value: unknown, depth: number): void {
    if (!schema || depth > 64 || value === null || typeof value !== 'object') return;
    const ref = schema.$ref;
    if (typeof ref === 'string') {
      return this.pruneWith(this.definitions[ref.replace(/^#\/definitions\//, '')], value, depth + 1);
    }
    if (Array.isArray(value)) {
      const items = schema.items as Record<string, unknown> | undefined;
      for (const item of value) this.pruneWith(items, item, depth + 1);
      return;
    }
    const obj = value as Record<string, unknown>;
    const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
    const additional = schema.additionalProperties;
    if (properties) {
      for (const key of Object.keys(obj)) {
        if (properties[key]) this.pruneWith(properties[key], obj[key], depth + 1);
        else if (additional === undefined || additional === false) delete obj[key];
        else if (typeof additional === 'object') this.pruneWith(additional as Record<string, unknown>, obj[key], depth + 1);
      }
    } else if (additional && typeof additional === 'object') {
      for (const key of Object.keys(obj)) this.pruneWith(additional as Record<string, unknown>, obj[key], depth + 1);
    }
  }

  /** Field errors of `value` against a definition; attributes are prefixed with `base`. */
  validate(definition: string, value: unknown, base = ''): FieldError[] {
    const f = this.fn(definition);
    if (f(value)) return [];
    const seen = new Set<string>();
    const out: FieldError[] = [];
    for (const e of f.errors ?? []) {
      const fe = { attribute: ajvPath(e, base), message: ajvMessage(e) };
      const key = `${fe.attribute}|${fe.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(fe);
      }
    }
    return out;
  }
}
