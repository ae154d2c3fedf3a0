// Test fixtures: well-formed bus events with only what a test cares about spelled out.
import type { UpstreamCallEvent } from '@switchboard/shared/events';

/** An `upstream.call` event for `integration`, successful and uncached unless overridden. */
export function upstreamCall(
  integration: string,
  overrides: Partial<UpstreamCallEvent> = {},
): UpstreamCallEvent {
  return {
    type: 'upstream.call',
    at: 0,
    integration,
    operation: 'summary',
    outcome: 'ok',
    latencyMs: 1,
    breaker: 'closed',
    rateLimitHeadroom: 1,
    traceId: 't',
    attempts: 1,
    cache: 'none',
    provider: integration,
    ...overrides,
  };
}
