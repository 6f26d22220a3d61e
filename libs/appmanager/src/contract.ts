import { ContractValidator, loadContract } from '../../resource-kit/src/contract-validator';

// The AppManager 2.7.1 definitions as the server validates requests: the real Swagger, plus the enums
// and bounds that the Swagger lost to polymorphism (taken from the 1.x spec and the docs, see
// vvp-api.md 3.A). Responses are checked in the tests against the unmodified contract.

const UPGRADE_STRATEGIES = ['STATEFUL', 'STATELESS', 'NONE'];
const RESTORE_STRATEGIES = ['LATEST_STATE', 'LATEST_SAVEPOINT', 'NONE'];
export const ARTIFACT_KINDS = ['JAR', 'SQLSCRIPT', 'PYTHON'];

function requestDefinitions() {
  const { definitions: d } = loadContract('appmanager');
  const props = (name: string) => d[name].properties as Record<string, Record<string, unknown>>;
  props('DeploymentUpgradeStrategy').kind = { type: 'string', enum: UPGRADE_STRATEGIES };
  props('DeploymentRestoreStrategy').kind = { type: 'string', enum: RESTORE_STRATEGIES };
  props('DeploymentRestoreStrategy').allowNonRestoredState = { type: 'boolean' };
  props('Artifact').kind = { type: 'string', enum: ARTIFACT_KINDS };
  for (const f of ['pythonArtifactUri', 'entryModule']) props('Artifact')[f] = { type: 'string' };
  for (const f of ['additionalPythonArchives', 'additionalPythonLibraries']) props('Artifact')[f] = { type: 'array', items: { type: 'string' } };
  props('DeploymentTemplateSpec').parallelism = { type: 'integer', format: 'int32', minimum: 1 };
  props('DeploymentTemplateSpec').numberOfTaskManagers = { type: 'integer', format: 'int32', minimum: 1 };
  props('DeploymentSpec').maxJobCreationAttempts = { type: 'integer', format: 'int32', minimum: 1 };
  props('DeploymentSpec').maxSavepointCreationAttempts = { type: 'integer', format: 'int32', minimum: 1 };
  props('ResourceSpec').cpu = { type: 'number', exclusiveMinimum: 0 };
  props('SessionClusterSpec').numberOfTaskManagers = { type: 'integer', format: 'int32', minimum: 1 };
  d.SessionClusterSpec.required = ['state', 'deploymentTargetName', 'flinkVersion'];
  return d;
}

/** Validator for request bodies (contract + overlays). */
export const requestContract = new ContractValidator(requestDefinitions());

/** Strategy kinds are documented in upper case; the docs' own Helm example writes `stateless`. */
export function normalizeStrategyKinds(spec: Record<string, unknown>): void {
  for (const key of ['upgradeStrategy', 'restoreStrategy']) {
    const s = spec[key] as { kind?: unknown } | undefined;
    if (s && typeof s === 'object' && typeof s.kind === 'string') s.kind = s.kind.toUpperCase();
  }
}

/** `flinkConfiguration` values are strings; real clients send numbers and booleans, which the real server stores as strings. */
export function stringifyFlinkConfiguration(templateSpec: unknown): void {
  const conf = (templateSpec as { flinkConfiguration?: unknown } | undefined)?.flinkConfiguration;
  if (!conf || typeof conf !== 'object' || Array.isArray(conf)) return;
  for (const [k, v] of Object.entries(conf)) {
    if (typeof v === 'number' || typeof v === 'boolean') (conf as Record<string, unknown>)[k] = String(v);
  }
}
