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
