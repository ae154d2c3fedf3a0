// The client-side payload diff: JSON pointers, escaped keys, arrays, and nothing for equal values.
import { describe, expect, it } from 'vitest';
import { diffJson } from './json-diff';

describe('diffJson', () => {
  it('finds added, removed and replaced values by JSON pointer', () => {
    expect(
      diffJson(
        { to: 'a@x', subject: 'Hi', meta: { tries: 1 } },
        { to: 'b@x', meta: { tries: 1, tag: 'x' }, cc: 'c@x' },
      ),
    ).toEqual([
      { path: '/cc', op: 'add', after: 'c@x' },
      { path: '/meta/tag', op: 'add', after: 'x' },
      { path: '/subject', op: 'remove', before: 'Hi' },
      { path: '/to', op: 'replace', before: 'a@x', after: 'b@x' },
    ]);
  });

  it('escapes ~ and / in keys (RFC 6901)', () => {
    expect(diffJson({ 'a/b': 1, 'c~d': 1 }, { 'a/b': 2, 'c~d': 2 }).map((c) => c.path)).toEqual([
      '/a~1b',
      '/c~0d',
    ]);
  });

  it('compares arrays index by index, removing from the end backwards', () => {
    expect(diffJson([1, 2, 3, 4], [1, 5])).toEqual([
      { path: '/1', op: 'replace', before: 2, after: 5 },
      { path: '/3', op: 'remove', before: 4 },
      { path: '/2', op: 'remove', before: 3 },
    ]);
    expect(diffJson([1], [1, { a: 1 }])).toEqual([{ path: '/1', op: 'add', after: { a: 1 } }]);
  });

  it('replaces the whole value when its type changes, and finds nothing in equal values', () => {
    expect(diffJson({ a: 1 }, [1])).toEqual([
      { path: '/', op: 'replace', before: { a: 1 }, after: [1] },
    ]);
    expect(diffJson({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toEqual([]);
  });
});
