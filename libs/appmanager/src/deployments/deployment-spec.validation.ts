import type { Tx } from '../../../persistence/src/prisma.service';
import { FieldError } from '../../../resource-kit/src/errors';
import { isPlainObject } from '../../../resource-kit/src/merge-patch';
import { isUuid } from '../../../resource-kit/src/names';
import { requestContract } from '../contract';
import { secretReferenceErrors } from '../secret-values/secret-resolver';

// Rules for a deployment spec (also used, with `partial`, for DeploymentDefaults): the contract
// shapes first, then what the Swagger cannot express.

const MEMORY = /^\s*\d+(\.\d+)?\s*(b|bytes|k|kb|ki|kib|kibibytes|m|mb|mi|mib|mebibytes|g|gb|gi|gib|gibibytes|t|tb|ti|tib|tebibytes)?\s*$/i;

export interface SpecCheckOptions {
  /** DeploymentDefaults: every field optional, references not resolved */
  partial: boolean;
  namespace: string;
  tx: Tx;
}

function templateSpecOf(spec: Record<string, unknown>): Record<string, unknown> | undefined {
  const t = spec.template;
  if (!isPlainObject(t) || !isPlainObject(t.spec)) return undefined;
  return t.spec;
}

function artifactErrors(artifact: unknown, partial: boolean): FieldError[] {
  const at = 'spec.template.spec.artifact';
  if (artifact === undefined) return partial ? [] : [{ attribute: at, message: 'is required' }];
  if (!isPlainObject(artifact)) return [];
  const errors: FieldError[] = [];
  const required: Record<string, string> = { JAR: 'jarUri', SQLSCRIPT: 'sqlScript', PYTHON: 'pythonArtifactUri' };
  if (artifact.kind === undefined) {
    if (!partial) errors.push({ attribute: `${at}.kind`, message: 'is required (one of JAR, SQLSCRIPT, PYTHON)' });
  } else if (typeof artifact.kind === 'string' && required[artifact.kind] && !partial) {
    const field = required[artifact.kind];
    const value = artifact[field];
    if (typeof value !== 'string' || value.trim() === '') errors.push({ attribute: `${at}.${field}`, message: `is required for a ${artifact.kind} artifact` });
  }
  return errors;
}

function resourceErrors(templateSpec: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  const resources = templateSpec.resources;
  if (!isPlainObject(resources)) return errors;
  for (const [component, value] of Object.entries(resources)) {
    const at = `spec.template.spec.resources.${component}`;
    if (!['jobmanager', 'taskmanager'].includes(component)) errors.push({ attribute: at, message: 'must be jobmanager or taskmanager' });
    if (!isPlainObject(value)) continue;
    if (typeof value.memory === 'string' && !MEMORY.test(value.memory)) {
      errors.push({ attribute: `${at}.memory`, message: 'must be a memory size such as 1G, 1024m or 2gb' });
    }
  }
  return errors;
}

async function referenceErrors(spec: Record<string, unknown>, opts: SpecCheckOptions): Promise<FieldError[]> {
  const name = spec.deploymentTargetName;
  const id = spec.deploymentTargetId;
  const session = spec.sessionClusterName;
  const hasTarget = typeof name === 'string' || typeof id === 'string';
  const hasSession = typeof session === 'string';
  if (hasTarget && hasSession) {
    return [{ attribute: 'spec.sessionClusterName', message: 'a deployment runs either on a deployment target or on a session cluster, not both' }];
  }
  if (!hasTarget && !hasSession) {
    return opts.partial ? [] : [{ attribute: 'spec.deploymentTargetName', message: 'one of deploymentTargetName, deploymentTargetId or sessionClusterName is required' }];
  }
  if (opts.partial) return [];
  const errors: FieldError[] = [];
  if (hasTarget) {
    const rows = await opts.tx.$queryRaw<{ id: string; name: string }[]>`SELECT id::text AS id, name FROM resources
      WHERE namespace = ${opts.namespace} AND kind = 'DeploymentTarget'
        AND (name = ${typeof name === 'string' ? name : null} OR id::text = ${typeof id === 'string' && isUuid(id) ? id.toLowerCase() : null})`;
    if (typeof name === 'string' && !rows.some((r) => r.name === name)) {
      errors.push({ attribute: 'spec.deploymentTargetName', message: `deployment target "${name}" does not exist in namespace "${opts.namespace}"` });
    }
    if (typeof id === 'string' && isUuid(id) && !rows.some((r) => r.id === id.toLowerCase())) {
      errors.push({ attribute: 'spec.deploymentTargetId', message: `deployment target ${id} does not exist in namespace "${opts.namespace}"` });
    }
    if (typeof name === 'string' && typeof id === 'string' && errors.length === 0 && !rows.some((r) => r.name === name && r.id === id.toLowerCase())) {
      errors.push({ attribute: 'spec.deploymentTargetId', message: 'deploymentTargetId and deploymentTargetName name different targets' });
    }
  } else {
    const rows = await opts.tx.$queryRaw<{ id: string }[]>`SELECT id FROM resources
      WHERE namespace = ${opts.namespace} AND kind = 'SessionCluster' AND name = ${session as string}`;
    if (rows.length === 0) errors.push({ attribute: 'spec.sessionClusterName', message: `session cluster "${session}" does not exist in namespace "${opts.namespace}"` });
  }
  return errors;
}

export async function deploymentSpecErrors(spec: Record<string, unknown>, opts: SpecCheckOptions): Promise<FieldError[]> {
  const errors = requestContract.validate('DeploymentSpec', spec, 'spec');
  if (!opts.partial && spec.state === undefined) errors.push({ attribute: 'spec.state', message: 'is required (RUNNING, SUSPENDED or CANCELLED)' });
  const templateSpec = templateSpecOf(spec);
  if (!templateSpec) {
    if (!opts.partial && !errors.some((e) => e.attribute.startsWith('spec.template'))) errors.push({ attribute: 'spec.template.spec', message: 'is required' });
  } else {
    errors.push(...artifactErrors(templateSpec.artifact, opts.partial), ...resourceErrors(templateSpec));
  }
  if (errors.length) return errors; // references are only resolved for a well-formed spec
  const refErrors = await referenceErrors(spec, opts);
  // `${NAME}` secret references must exist when the deployment is meant to run (a stop is always accepted)
  if (opts.partial || spec.state !== 'RUNNING' || !templateSpec) return refErrors;
  return [...refErrors, ...(await secretReferenceErrors(templateSpec, opts.namespace, opts.tx))];
}
