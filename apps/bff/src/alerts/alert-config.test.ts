import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../config/catalog-parse';

const catalog = (extra: object) =>
  JSON.stringify({
    integrations: {
      users: { baseUrl: 'https://users.example.com', operations: { list: { path: '/users' } } },
    },
    ...extra,
  });

describe('alert rules in the catalog', () => {
  it('parses rules with defaults and a webhook', () => {
    const parsed = parseCatalog(
      catalog({
        alerts: [
          { name: 'errors', integration: 'users', when: { errorRateAbove: 0.5 } },
          { name: 'open', when: { breakerOpen: true }, severity: 'critical' },
        ],
        notify: { webhookUrl: 'https://hooks.example.com/alerts' },
      }),
      'test',
    );
    expect(parsed.alerts).toEqual([
      {
        name: 'errors',
        integration: 'users',
        when: { errorRateAbove: 0.5, forSec: 30 },
        severity: 'warning',
      },
      { name: 'open', when: { breakerOpen: true, forSec: 0 }, severity: 'critical' },
    ]);
    expect(parsed.notify).toEqual({
      webhookUrl: 'https://hooks.example.com/alerts',
      timeoutMs: 5_000,
    });
  });

  it('refuses rules naming an unknown integration, duplicate names and unknown conditions', () => {
    const bad = () =>
      parseCatalog(
        catalog({
          alerts: [
            { name: 'a', integration: 'user', when: { breakerOpen: true } },
            { name: 'a', when: { breakerOpen: true } },
          ],
        }),
        'test',
      );
    expect(bad).toThrow(
      /alerts\[0\]\.integration: no integration named user \(did you mean users\?\)/,
    );
    expect(bad).toThrow(/alerts\[1\]\.name: another rule is named a/);
    expect(() =>
      parseCatalog(catalog({ alerts: [{ name: 'x', when: { latencyAbove: 3 } }] }), 'test'),
    ).toThrow(/alerts/);
  });
});
