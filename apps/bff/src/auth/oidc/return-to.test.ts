// Open-redirect attempts through the sign-in's returnTo are refused.
import { describe, expect, it } from 'vitest';
import { isSafeReturnTo, sanitizeReturnTo } from './return-to';

describe('isSafeReturnTo', () => {
  it.each(['/', '/views', '/views/orders?tab=2#top', '/a/b/../c', '/search?q=a//b', '/%7Euser'])(
    'accepts the same-site path %j',
    (path) => {
      expect(isSafeReturnTo(path)).toBe(true);
    },
  );

  it.each([
    ['an absolute URL', 'https://evil.example/'],
    ['a scheme-relative URL', '//evil.example'],
    ['a scheme-relative URL with three slashes', '///evil.example'],
    ['a backslash that browsers read as a slash', '/\\evil.example'],
    ['a leading backslash', '\\\\evil.example'],
    ['a tab browsers strip', '/\t/evil.example'],
    ['a newline browsers strip', '/\n/evil.example'],
    ['a relative path', 'views'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['an encoded scheme-relative URL', '/%2F%2Fevil.example'],
    ['an encoded slash then a slash', '%2F/evil.example'],
    ['an encoded backslash', '/%5Cevil.example'],
    ['a malformed escape', '/%E0%A4%A'],
    ['the empty string', ''],
    ['an over-long path', `/${'a'.repeat(2048)}`],
  ])('refuses %s', (_label, value) => {
    expect(isSafeReturnTo(value)).toBe(false);
  });
});

describe('sanitizeReturnTo', () => {
  it('keeps a safe path and falls back to / otherwise', () => {
    expect(sanitizeReturnTo('/views/orders')).toBe('/views/orders');
    expect(sanitizeReturnTo('//evil.example')).toBe('/');
    expect(sanitizeReturnTo(undefined)).toBe('/');
  });
});
