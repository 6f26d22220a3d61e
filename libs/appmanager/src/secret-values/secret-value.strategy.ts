import { Injectable } from '@nestjs/common';
import { ApiError, FieldError } from '../../../resource-kit/src/errors';
import { KindStrategy, Resource, ResourceDoc, StoredRow, WriteContext } from '../../../resource-kit/src/strategy';
import { SecretCipher, secretAad } from './secret-cipher';

// SecretValue (vvp-api.md 3.A, 4.8): spec {kind: PLAIN, value}. The value is encrypted before it is
// stored (spec.encryptedValue, see secret-cipher.ts) and never returned: every response carries
// metadata and spec {kind} only. Error messages name fields, never the value.

export const SECRET_KINDS = ['PLAIN'];

@Injectable()
export class SecretValueStrategy implements KindStrategy {
  readonly kind = 'SecretValue';
  readonly nameRule = 'wide' as const;

  constructor(private readonly cipher: SecretCipher) {}

  /** `kind` is documented as PLAIN; the 2.7.1 Swagger example writes `Plain`, so the case is ignored. */
  private specErrors(spec: Record<string, unknown>, creating: boolean): FieldError[] {
    const errors: FieldError[] = [];
    if (spec.kind === undefined) errors.push({ attribute: 'spec.kind', message: `is required (${SECRET_KINDS.join(', ')})` });
    else if (typeof spec.kind !== 'string' || !SECRET_KINDS.includes(spec.kind.toUpperCase())) {
      errors.push({ attribute: 'spec.kind', message: `must be one of ${SECRET_KINDS.join(', ')}` });
    }
    if (spec.value === undefined) {
      if (creating) errors.push({ attribute: 'spec.value', message: 'is required' });
    } else if (typeof spec.value !== 'string') {
      errors.push({ attribute: 'spec.value', message: 'must be a string (quote it in YAML)' });
    }
    return errors;
  }

  prepareForCreate(doc: ResourceDoc, ctx: WriteContext): void {
    const errors = this.specErrors(doc.spec, true);
    if (errors.length) throw ApiError.validation(errors);
    const aad = secretAad(ctx.namespace, doc.metadata.name as string);
    doc.spec = { kind: (doc.spec.kind as string).toUpperCase(), encryptedValue: this.cipher.encrypt(doc.spec.value as string, aad) };
  }

  /** PATCH: a new `spec.value` is encrypted; without one the stored ciphertext stays (a client cannot set it directly). */
  prepareForUpdate(doc: ResourceDoc, existing: StoredRow, ctx: WriteContext): void {
    const errors = this.specErrors(doc.spec, false);
    if (errors.length) throw ApiError.validation(errors);
    const encryptedValue =
      typeof doc.spec.value === 'string' ? this.cipher.encrypt(doc.spec.value, secretAad(ctx.namespace, existing.name as string)) : existing.spec.encryptedValue;
    doc.spec = { kind: (doc.spec.kind as string).toUpperCase(), encryptedValue };
  }

  validate(doc: ResourceDoc): FieldError[] {
    return SecretCipher.isEncrypted(doc.spec.encryptedValue) ? [] : [{ attribute: 'spec.value', message: 'is required' }];
  }

  /** The redacted shape of every response: metadata, and spec with `kind` only. */
  present(resource: Resource): Resource {
    return { ...resource, spec: { kind: resource.spec.kind ?? 'PLAIN' } };
  }
}
