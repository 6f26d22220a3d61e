import { Injectable } from '@nestjs/common';
import type { Tx } from '../../../persistence/src/prisma.service';
import { FieldError } from '../../../resource-kit/src/errors';
import { isPlainObject } from '../../../resource-kit/src/merge-patch';
import { SecretCipher, SecretDecryptionError, secretAad } from './secret-cipher';

// `${NAME}` references to secret values (vvp-api.md 4.8), allowed in a JAR artifact's jarUri and in
// flinkConfiguration values. Deployments and Jobs keep the reference text; only the spec handed to
// the Flink runtime is resolved (DeploymentReconciler, start:submit).

/** `${NAME}` with NAME a secret value name (braces mandatory); anything else is plain text. */
const REFERENCE = /\$\{([0-9a-zA-Z_-]{1,250})\}/g;

export interface SecretReference {
  /** where it occurs, relative to the spec it was found in */
  path: string;
  name: string;
}

function namesIn(text: unknown): string[] {
  return typeof text === 'string' ? [...text.matchAll(REFERENCE)].map((m) => m[1]) : [];
}

/** The references of a deployment template spec or of a job spec (same field names). */
export function secretReferences(spec: Record<string, unknown>, confKeys = ['flinkConfiguration']): SecretReference[] {
  const refs: SecretReference[] = [];
  const artifact = spec.artifact;
  if (isPlainObject(artifact) && artifact.kind === 'JAR') {
    for (const name of namesIn(artifact.jarUri)) refs.push({ path: 'artifact.jarUri', name });
  }
  for (const confKey of confKeys) {
    const conf = spec[confKey];
    if (!isPlainObject(conf)) continue;
    for (const [key, value] of Object.entries(conf)) for (const name of namesIn(value)) refs.push({ path: `${confKey}.${key}`, name });
  }
  return refs;
}

async function existingNames(tx: Tx, namespace: string, names: string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const rows = await tx.$queryRaw<{ name: string }[]>`SELECT name FROM resources
    WHERE namespace = ${namespace} AND kind = 'SecretValue' AND name = ANY(${names}::text[])`;
  return new Set(rows.map((r) => r.name));
}

/** Deployment validation: one error per reference to a secret value that does not exist (names only, never values). */
export async function secretReferenceErrors(templateSpec: Record<string, unknown>, namespace: string, tx: Tx): Promise<FieldError[]> {
  const refs = secretReferences(templateSpec);
  const found = await existingNames(tx, namespace, [...new Set(refs.map((r) => r.name))]);
  return refs
    .filter((r) => !found.has(r.name))
    .map((r) => ({
      attribute: `spec.template.spec.${r.path}`,
      message: `references secret value "${r.name}", which does not exist in namespace "${namespace}"`,
    }));
}

/** A job spec whose references cannot be resolved; the message names secrets, never values. */
export class SecretResolutionError extends Error {
  constructor(
    message: string,
    readonly reason: 'SecretValueMissing' | 'SecretValueUndecryptable',
  ) {
    super(message);
  }
}

@Injectable()
export class SecretResolver {
  constructor(private readonly cipher: SecretCipher) {}

  /**
   * A copy of a Job spec with every `${NAME}` in artifact.jarUri and in the flinkConfiguration values
   * replaced by the secret's value: only for the runtime, never stored. Throws SecretResolutionError.
   */
  async resolveJobSpec(tx: Tx, namespace: string, spec: Record<string, unknown>): Promise<Record<string, unknown>> {
    const confKeys = ['flinkConfiguration', 'userFlinkConfiguration'];
    const refs = secretReferences(spec, confKeys);
    if (refs.length === 0) return spec;
    const names = [...new Set(refs.map((r) => r.name))];
    const rows = await tx.$queryRaw<{ name: string; encrypted: string | null }[]>`SELECT name, spec->>'encryptedValue' AS encrypted FROM resources
      WHERE namespace = ${namespace} AND kind = 'SecretValue' AND name = ANY(${names}::text[])`;
    const missing = names.filter((n) => !rows.some((r) => r.name === n));
    if (missing.length) {
      throw new SecretResolutionError(
        `${missing.length === 1 ? 'Secret value' : 'Secret values'} ${missing.map((n) => `"${n}"`).join(', ')} referenced by the deployment ${missing.length === 1 ? 'does' : 'do'} not exist in namespace "${namespace}".`,
        'SecretValueMissing',
      );
    }
    const values = new Map<string, string>();
    for (const row of rows) {
      try {
        values.set(row.name, this.cipher.decrypt(row.encrypted, secretAad(namespace, row.name)));
      } catch (e) {
        if (!(e instanceof SecretDecryptionError)) throw e;
        throw new SecretResolutionError(`Secret value "${row.name}" cannot be decrypted (tampered with, or encrypted with another SECRETS_KEY).`, 'SecretValueUndecryptable');
      }
    }
    const substitute = (text: unknown) => (typeof text === 'string' ? text.replace(REFERENCE, (_m, name: string) => values.get(name)!) : text);
    const resolved: Record<string, unknown> = { ...spec };
    if (isPlainObject(spec.artifact) && spec.artifact.kind === 'JAR') resolved.artifact = { ...spec.artifact, jarUri: substitute(spec.artifact.jarUri) };
    for (const key of confKeys) {
      const conf = spec[key];
      if (isPlainObject(conf)) resolved[key] = Object.fromEntries(Object.entries(conf).map(([k, v]) => [k, substitute(v)]));
    }
    return resolved;
  }
}
