import * as yaml from 'js-yaml';
import { ConfigError } from '../../../config/src/config';
import { deepMerge, isPlainObject } from '../../../resource-kit/src/merge-patch';
import { normalizeStrategyKinds, requestContract } from '../contract';

// Built-in global deployment defaults (vvp-api.md 4.10: values two independent clients copied from
// real server output). GLOBAL_DEPLOYMENT_DEFAULTS (a YAML or JSON document, like the Helm value
// `vvp.globalDeploymentDefaults`) is merged over them.

export const BUILT_IN_GLOBAL_DEFAULTS: Record<string, unknown> = {
  state: 'RUNNING',
  upgradeStrategy: { kind: 'STATEFUL' },
  restoreStrategy: { kind: 'LATEST_STATE', allowNonRestoredState: false },
  maxJobCreationAttempts: 4,
  maxSavepointCreationAttempts: 4,
  template: {
    metadata: {
      annotations: {
        'flink.queryable-state.enabled': 'false',
        'flink.security.ssl.enabled': 'false',
      },
    },
    spec: {
      parallelism: 1,
      numberOfTaskManagers: 1,
      resources: {
        jobmanager: { cpu: 1, memory: '1G' },
        taskmanager: { cpu: 1, memory: '2G' },
      },
      flinkConfiguration: {
        'taskmanager.numberOfTaskSlots': '1',
      },
      logging: {
        loggingProfile: 'default',
        log4jLoggers: { '': 'INFO' },
      },
    },
  },
};

export function globalDefaultsSpec(override?: string): Record<string, unknown> {
  if (!override) return deepMerge(BUILT_IN_GLOBAL_DEFAULTS);
  let parsed: unknown;
  try {
    parsed = yaml.load(override, { schema: yaml.CORE_SCHEMA });
  } catch (e) {
    throw new ConfigError(`GLOBAL_DEPLOYMENT_DEFAULTS is not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isPlainObject(parsed)) throw new ConfigError('GLOBAL_DEPLOYMENT_DEFAULTS must be a YAML or JSON object (a deployment spec, or a document with `spec`)');
  // accept either a bare spec or a DeploymentDefaults-like document with `spec`
  const spec = isPlainObject(parsed.spec) ? parsed.spec : parsed;
  normalizeStrategyKinds(spec);
  const errors = requestContract.validate('DeploymentSpec', spec, 'spec');
  if (errors.length) {
    throw new ConfigError(`GLOBAL_DEPLOYMENT_DEFAULTS is not a valid deployment spec: ${errors.map((e) => `${e.attribute} ${e.message}`).join('; ')}`);
  }
  return deepMerge(BUILT_IN_GLOBAL_DEFAULTS, spec);
}

const MODE_FIELDS = ['deploymentTargetName', 'deploymentTargetId', 'sessionClusterName'] as const;

/**
 * Global, then namespace, then the deployment's own fields; maps merge key by key. The execution
 * mode (target name / target id / session cluster) is taken as a group from the most specific layer
 * that sets any of it, so a deployment choosing a session cluster is not also given a default target.
 */
export function mergeDefaults(global: Record<string, unknown>, namespaceDefaults: Record<string, unknown>, own: Record<string, unknown>): Record<string, unknown> {
  const layers = [global, namespaceDefaults, own];
  const modeLayer = [...layers].reverse().find((l) => MODE_FIELDS.some((f) => l[f] !== undefined && l[f] !== null));
  const stripMode = (l: Record<string, unknown>) => {
    const copy = { ...l };
    for (const f of MODE_FIELDS) delete copy[f];
    return copy;
  };
  const sessionMode = typeof modeLayer?.sessionClusterName === 'string';
  // session mode runs on the cluster's resources: cluster-level template fields are not defaulted
  const stripCluster = (l: Record<string, unknown>) => {
    if (!sessionMode || !isPlainObject(l.template) || !isPlainObject(l.template.spec)) return l;
    const spec = { ...l.template.spec };
    for (const f of ['resources', 'numberOfTaskManagers', 'kubernetes']) delete spec[f];
    return { ...l, template: { ...l.template, spec } };
  };
  const merged = deepMerge(stripCluster(stripMode(global)), stripCluster(stripMode(namespaceDefaults)), stripMode(own));
  if (modeLayer) for (const f of MODE_FIELDS) if (modeLayer[f] !== undefined && modeLayer[f] !== null) merged[f] = modeLayer[f];
  return merged;
}
