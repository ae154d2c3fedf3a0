// Synthetic health checks: each integration's configured operation, called on its interval through the
// engine's normal pipeline, so an idle integration still shows up or down on the dashboard.
import type { Catalog } from '@switchboard/shared/catalog';
import type { UpstreamCaller } from '../upstreams/call-types';
import { traceId } from '../upstreams/trace';

export interface SyntheticChecks {
  /**
   * Starts every check whose interval has passed (and which is not still running); the app calls
   * this once a second. Resolves when the checks it started have finished (tests await it).
   */
  runDue(now: number): Promise<void>;
  /** Cancels checks in flight. */
  stop(): void;
}

/**
 * Calls are ordinary engine calls with `synthetic: true`: their `upstream.call` and
 * `upstream.attempt` events carry `synthetic: true` (so dashboards can separate or count them), and
 * they skip the response cache so each one reaches the provider. Breakers, bulkheads and rate limits
 * treat them like any other call: a check refused by an open breaker reports the integration down.
 * @example const checks = createSyntheticChecks({ catalog, caller: engine }); await checks.runDue(Date.now());
 */
export function createSyntheticChecks(deps: {
  catalog: Catalog;
  caller: UpstreamCaller;
  /** Cap on one check's duration (its own operation's timeouts usually end it sooner). */
  timeoutMs?: number;
  /**
   * Whether an operator switched the integration off (kill switch): it is not checked then, as a
   * check could only report the refusal, and it is checked at once when switched back on.
   */
  disabled?: (integration: string) => boolean;
}): SyntheticChecks {
  const checks = Object.entries(deps.catalog.integrations).flatMap(([integration, config]) =>
    config.healthCheck
      ? [
          {
            integration,
            operation: config.healthCheck.operation,
            intervalMs: config.healthCheck.intervalMs,
          },
        ]
      : [],
  );
  const nextAt = new Map<string, number>();
  const running = new Set<string>();
  const controller = new AbortController();

  async function check(integration: string, operation: string) {
    running.add(integration);
    try {
      await deps.caller.call({
        integration,
        operation,
        signal: AbortSignal.any([controller.signal, AbortSignal.timeout(deps.timeoutMs ?? 10_000)]),
        traceId: traceId(),
        synthetic: true,
      });
    } catch {
      // The outcome is in the call event; an exception here (unknown operation) cannot happen for a
      // validated catalog, and must not stop the other checks.
    } finally {
      running.delete(integration);
    }
  }

  return {
    async runDue(now) {
      if (controller.signal.aborted) return;
      const started: Promise<void>[] = [];
      for (const { integration, operation, intervalMs } of checks) {
        if (deps.disabled?.(integration)) {
          nextAt.delete(integration);
          continue;
        }
        if (running.has(integration) || now < (nextAt.get(integration) ?? 0)) continue;
        nextAt.set(integration, now + Math.max(1_000, intervalMs));
        started.push(check(integration, operation));
      }
      await Promise.all(started);
    },
    stop() {
      controller.abort(new DOMException('shutting down', 'AbortError'));
    },
  };
}
