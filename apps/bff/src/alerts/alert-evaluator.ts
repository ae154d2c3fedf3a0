// Alert rules judged once a second on the metrics engine's snapshots: a breach held for `forSec` fires
// (opens an incident, publishes alert.fired, notifies) and resolves when it clears.
import type { AlertCondition, AlertRule } from '@switchboard/shared/alerts';
import type { AlertFiredEvent, AlertResolvedEvent, BusEvent } from '@switchboard/shared/events';
import type { MetricsSecond, MetricsSeriesSecond } from '@switchboard/shared/metrics';
import type { Logger } from '../http/logger';
import { sketchFromJSON } from '../metrics/histogram';
import type { IncidentStore } from './incident-store';

export type AlertEvent = AlertFiredEvent | AlertResolvedEvent;

export interface AlertEvaluatorDeps {
  rules: readonly AlertRule[];
  integrations: readonly string[];
  incidents: IncidentStore;
  publish: (event: BusEvent) => void;
  /** Fire and forget: evaluation never waits for it. */
  notify?: (event: AlertEvent) => void;
  logger: Logger;
}

export interface AlertEvaluator {
  /** Judges every rule on one closed second; calls are queued so seconds are judged in order. */
  evaluate(second: MetricsSecond): Promise<void>;
  /** Adopts incidents left open by a previous run, so they resolve when their breach clears. */
  restore(): Promise<void>;
}

type Verdict = { breach: true; message: string } | { breach: false } | undefined;

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

interface Track {
  rule: AlertRule;
  integration: string;
  breachSince: number | null;
  incident: { id: number; firedAt: number } | undefined;
  /** Dead-letter counts by second, for deadLettersGrowing. */
  history: { at: number; value: number }[];
}

function judge(when: AlertCondition, s: MetricsSeriesSecond, at: number, track: Track): Verdict {
  if ('errorRateAbove' in when) {
    // Calls an operator's kill switch refused say nothing of the provider's health: an integration
    // switched off on purpose must not page anyone.
    const refused = s.errorsByKind.disabled ?? 0;
    const calls = s.calls - refused;
    if (calls <= 0) return undefined;
    const rate = (s.errors - refused) / calls;
    return rate > when.errorRateAbove
      ? { breach: true, message: `error rate ${pct(rate)} above ${pct(when.errorRateAbove)}` }
      : { breach: false };
  }
  if ('p95AboveMs' in when) {
    const p95 = s.calls === 0 ? null : sketchFromJSON(s.latency).quantile(0.95);
    if (p95 === null) return undefined;
    return p95 > when.p95AboveMs
      ? { breach: true, message: `p95 ${p95.toFixed(1)} ms above ${when.p95AboveMs} ms` }
      : { breach: false };
  }
  if ('breakerOpen' in when) {
    if (!s.state) return undefined;
    return s.state.breaker === 'open'
      ? { breach: true, message: 'circuit breaker open' }
      : { breach: false };
  }
  const value = s.state?.deadLetters;
  if (value === undefined) return undefined;
  const windowStart = at - when.forSec * 1000;
  track.history.push({ at, value });
  while ((track.history[1]?.at ?? Infinity) <= windowStart) track.history.shift();
  const baseline = track.history[0];
  // Judged only once the history covers the whole window.
  if (!baseline || baseline.at > windowStart) return undefined;
  return value > baseline.value
    ? {
        breach: true,
        message: `dead letters grew from ${baseline.value} to ${value} in ${when.forSec} s`,
      }
    : { breach: false };
}

/**
 * A breach starts at the first breaching second and lasts until a clear one; seconds without data
 * for a condition (no calls, no breaker state, no dead-letter gauge) give no verdict and do not
 * break it. A rule fires at the end of a breaching second once the breach has lasted `forSec`
 * (`forSec: 0` fires on the first), and resolves at the end of the first clear second.
 * `deadLettersGrowing` judges its own window, so it fires on the first growing second.
 * @example const alerts = createAlertEvaluator({ rules: catalog.alerts, ... }); engine onSecond: void alerts.evaluate(s);
 */
export function createAlertEvaluator(deps: AlertEvaluatorDeps): AlertEvaluator {
  const tracks = new Map<string, Track>();
  for (const rule of deps.rules)
    for (const integration of rule.integration ? [rule.integration] : deps.integrations)
      tracks.set(`${rule.name}\u0000${integration}`, {
        rule,
        integration,
        breachSince: null,
        incident: undefined,
        history: [],
      });
  let queue = Promise.resolve();

  const emit = (event: AlertEvent) => {
    deps.publish(event);
    deps.notify?.(event);
  };

  async function judgeSecond(second: MetricsSecond) {
    const end = second.at + 1000;
    for (const s of second.series) {
      if (s.operation !== null) continue;
      for (const rule of deps.rules) {
        const track = tracks.get(`${rule.name}\u0000${s.integration}`);
        if (!track) continue;
        const verdict = judge(rule.when, s, second.at, track);
        if (verdict === undefined) continue;
        const base = { rule: rule.name, integration: s.integration, severity: rule.severity };
        if (verdict.breach) {
          track.breachSince ??= second.at;
          const held = 'deadLettersGrowing' in rule.when ? Infinity : end - track.breachSince;
          if (track.incident || held < rule.when.forSec * 1000) continue;
          const message =
            rule.when.forSec > 0 && !('deadLettersGrowing' in rule.when)
              ? `${verdict.message} for ${rule.when.forSec} s`
              : verdict.message;
          const id = await deps.incidents.open({ ...base, message, firedAt: end });
          track.incident = { id, firedAt: end };
          emit({ type: 'alert.fired', at: end, incidentId: id, ...base, message });
        } else {
          track.breachSince = null;
          const incident = track.incident;
          if (!incident) continue;
          track.incident = undefined;
          await deps.incidents.resolve(incident.id, end);
          emit({
            type: 'alert.resolved',
            at: end,
            incidentId: incident.id,
            ...base,
            message: 'cleared',
            firedAt: incident.firedAt,
          });
        }
      }
    }
  }

  return {
    evaluate(second) {
      queue = queue
        .then(() => judgeSecond(second))
        .catch((err: unknown) =>
          deps.logger.error({ err: String(err), at: second.at }, 'alert evaluation failed'),
        );
      return queue;
    },
    async restore() {
      for (const incident of await deps.incidents.list({ open: true, limit: 1000 })) {
        const track = tracks.get(`${incident.rule}\u0000${incident.integration}`);
        if (track && !track.incident) {
          track.incident = { id: incident.id, firedAt: incident.firedAt };
          track.breachSince = incident.firedAt;
        }
      }
    },
  };
}

/**
 * POSTs each alert event as JSON to `url`; failures and timeouts are logged, never thrown.
 * Sent with the runtime's `fetch`, not through the upstream engine's egress rules: the URL is
 * operator configuration, like the catalog's base URLs.
 * @example const notify = createWebhookNotifier({ url, timeoutMs: 5000, logger });
 */
export function createWebhookNotifier(options: {
  url: string;
  timeoutMs: number;
  logger: Logger;
  fetch?: typeof fetch;
}): (event: AlertEvent) => Promise<void> {
  const send = options.fetch ?? fetch;
  return async (event) => {
    try {
      const response = await send(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ source: 'switchboard', ...event }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      await response.body?.cancel();
      if (!response.ok)
        options.logger.warn({ status: response.status, type: event.type }, 'alert webhook refused');
    } catch (err) {
      options.logger.warn({ err: String(err), type: event.type }, 'alert webhook failed');
    }
  };
}
