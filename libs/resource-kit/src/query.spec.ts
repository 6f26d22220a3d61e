import { ApiError } from './errors';
import { booleanQuery, uuidQuery } from './query';

describe('query parameters', () => {
  it('booleanQuery: true/false, the fallback when absent, 400 naming the parameter otherwise', () => {
    expect(booleanQuery('force', 'true', false)).toBe(true);
    expect(booleanQuery('force', 'false', true)).toBe(false);
    expect(booleanQuery('applyDefaults', undefined, true)).toBe(true);
    expect(booleanQuery('applyDefaults', '', false)).toBe(false);
    for (const bad of ['yes', 'TRUE', '1', ['true', 'true']]) {
      expect(() => booleanQuery('force', bad, false)).toThrow(ApiError);
      expect(() => booleanQuery('force', bad, false)).toThrow(/force/);
    }
  });

  it('uuidQuery: absent, or a uuid (lower-cased); 400 naming the parameter otherwise', () => {
    expect(uuidQuery('jobId', undefined)).toBeUndefined();
    expect(uuidQuery('jobId', 'A1B2C3D4-0000-4000-8000-00000000000F')).toBe('a1b2c3d4-0000-4000-8000-00000000000f');
    for (const bad of ['nope', '1234', ['a', 'b']]) expect(() => uuidQuery('deploymentId', bad)).toThrow(/deploymentId/);
  });
});
