import { ConfigError } from '../../../config/src/config';
import { BUILT_IN_GLOBAL_DEFAULTS, globalDefaultsSpec, mergeDefaults } from './global-defaults';

describe('GLOBAL_DEPLOYMENT_DEFAULTS', () => {
  it('is merged over the built-in defaults (bare spec or a document with spec; strategy kinds in any case)', () => {
    const spec = globalDefaultsSpec('spec:\n  upgradeStrategy: {kind: stateless}\n  template: {spec: {flinkConfiguration: {a: "1"}}}');
    expect(spec.upgradeStrategy).toEqual({ kind: 'STATELESS' });
    expect((spec.template as any).spec.flinkConfiguration).toEqual({ 'taskmanager.numberOfTaskSlots': '1', a: '1' });
    expect(spec.maxJobCreationAttempts).toBe(BUILT_IN_GLOBAL_DEFAULTS.maxJobCreationAttempts);
  });

  it.each([
    ['a: [b', /not valid YAML or JSON/],
    ['- 1', /must be a YAML or JSON object/],
    ['{"maxJobCreationAttempts": 0}', /spec\.maxJobCreationAttempts/],
    ['state: RUNNIN', /spec\.state must be one of RUNNING, SUSPENDED, CANCELLED/],
  ])('%j stops the start with a message naming the variable', (value, message) => {
    expect(() => globalDefaultsSpec(value)).toThrow(ConfigError);
    expect(() => globalDefaultsSpec(value)).toThrow(/^GLOBAL_DEPLOYMENT_DEFAULTS/);
    expect(() => globalDefaultsSpec(value)).toThrow(message);
  });
});

describe('mergeDefaults', () => {
  it('takes the execution mode as a group from the most specific layer that sets it', () => {
    const merged = mergeDefaults({ deploymentTargetName: 'global' }, { deploymentTargetId: 'ns-target-id' }, { sessionClusterName: 'sc' });
    expect(merged).toMatchObject({ sessionClusterName: 'sc' });
    expect(merged.deploymentTargetName).toBeUndefined();
    expect(merged.deploymentTargetId).toBeUndefined();
  });
});
