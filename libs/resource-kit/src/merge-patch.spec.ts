import { applyMergePatch, deepMerge } from './merge-patch';

// The example table of RFC 7386, Appendix A: original, patch, result.
const RFC_7386_EXAMPLES: [unknown, unknown, unknown][] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [['a', 'b'], ['c', 'd'], ['c', 'd']],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

describe('applyMergePatch (RFC 7386)', () => {
  it.each(RFC_7386_EXAMPLES)('%j + %j = %j', (original, patch, result) => {
    expect(applyMergePatch(original, patch)).toEqual(result);
  });

  it('leaves its inputs untouched', () => {
    const original = { a: { b: 1 } };
    const patch = { a: { b: null } };
    applyMergePatch(original, patch);
    expect(original).toEqual({ a: { b: 1 } });
    expect(patch).toEqual({ a: { b: null } });
  });
});

describe('deepMerge (layered deployment defaults)', () => {
  it('merges maps key by key, later layers win, arrays replace, null does not erase', () => {
    expect(deepMerge({ conf: { a: '1', b: '2' }, list: [1] }, { conf: { b: '3' }, list: [2] }, { conf: { c: '4' }, list: null })).toEqual({
      conf: { a: '1', b: '3', c: '4' },
      list: [2],
    });
  });
});
