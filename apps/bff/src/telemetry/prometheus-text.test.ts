import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from './prometheus-text';

const valid = [
  '# HELP req_total Requests',
  '# TYPE req_total counter',
  'req_total{route="/a",note="say \\"hi\\"\\n"} 3',
  'req_total{route="/b"} 1e3',
  '# TYPE lat histogram',
  'lat_bucket{le="0.1"} 1',
  'lat_bucket{le="+Inf"} 2',
  'lat_sum 0.3',
  'lat_count 2',
  '',
].join('\n');

describe('parsePrometheusText (test support)', () => {
  it('reads families, labels with escapes, and histogram series', () => {
    const families = parsePrometheusText(valid);
    expect(families.get('req_total')?.help).toBe('Requests');
    expect(sampleValue(families, 'req_total', { note: 'say "hi"\n' })).toBe(3);
    expect(sampleValue(families, 'req_total', { route: '/b' })).toBe(1000);
    expect(sampleValue(families, 'lat_bucket', { le: '+Inf' })).toBe(2);
    expect(sampleValue(families, 'lat_count')).toBe(2);
  });

  it.each([
    ['a sample before its TYPE', 'x 1\n'],
    ['an unquoted label value', '# TYPE x gauge\nx{a=b} 1\n'],
    ['a value that is no number', '# TYPE x gauge\nx one\n'],
    ['a series given twice', '# TYPE x gauge\nx{a="1"} 1\nx{a="1"} 2\n'],
    ['a missing final newline', '# TYPE x gauge\nx 1'],
    ['a bucket on a counter', '# TYPE x counter\nx_bucket{le="1"} 1\n'],
  ])('refuses %s', (_why, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
