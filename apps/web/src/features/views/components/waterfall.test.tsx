// @vitest-environment jsdom
// The waterfall draws each bar and the deadline where the geometry says, and says it all in text.
import type { ViewResult } from '@switchboard/shared/upstreams';
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Waterfall } from './waterfall';

const result: ViewResult = {
  view: 'messaging',
  generatedAt: new Date(0).toISOString(),
  deadlineMs: 2000,
  latencyMs: 640,
  sources: {
    users: {
      integration: 'users',
      operation: 'summary',
      status: 'ok',
      startedAtMs: 0,
      latencyMs: 40,
      attempts: 1,
      cache: 'hit',
      provider: 'users',
    },
    email: {
      integration: 'email',
      operation: 'status',
      status: 'fallback',
      startedAtMs: 0,
      latencyMs: 640,
      attempts: 4,
      cache: 'none',
      provider: 'email-backup',
      error: { kind: 'http_5xx', message: 'email answered HTTP 503', httpStatus: 503 },
    },
  },
};

describe('Waterfall', () => {
  afterEach(cleanup);

  it('shows each source with outcome, timing, cache and who answered, the failover marked', () => {
    render(<Waterfall result={result} />);
    const email = screen.getByTestId('waterfall-row-email');
    expect(email.dataset.failover).toBe('true');
    expect(within(email).getByTestId('failover').textContent).toContain(
      'email-backup (failover from email)',
    );
    expect(email.textContent).toContain('Fallback');
    expect(email.textContent).toContain('email answered HTTP 503');
    expect(email.textContent).toContain('4 attempts');
    expect(email.textContent).toContain('from 0 ms to 640 ms');
    const users = screen.getByTestId('waterfall-row-users');
    expect(users.dataset.failover).toBe('false');
    expect(users.textContent).toContain('cache hit');
    expect(screen.getByTestId('waterfall').textContent).toContain('deadline 2000 ms');
  });

  it('draws bars and the deadline line at the positions of the geometry', () => {
    render(<Waterfall result={result} />);
    const bar = within(screen.getByTestId('waterfall-row-email')).getByTestId('waterfall-bar');
    expect(bar.style.left).toBe('0%');
    expect(bar.style.width).toBe('32%');
    expect(bar.className).toContain('waterfall__bar--fallback');
    const lines = screen.getAllByTestId('waterfall-deadline');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.style.left).toBe('100%');
  });
});
