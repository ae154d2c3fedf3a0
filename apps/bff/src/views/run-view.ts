// Runs a planned view: independent sources in parallel, dependent ones as soon as what they read is
// there, all under one whole-view deadline; partial results with a status per source.
import type { SourceResult, ViewResult } from '@switchboard/shared/upstreams';
import type { CallOutcome, UpstreamCaller } from '../upstreams/call-types';
import { traceId as newTraceId } from '../upstreams/trace';
import { resolveParams, type PlannedSource, type ViewPlan } from './view-plan';

export interface RunViewDeps {
  client: UpstreamCaller;
  now: () => number;
}

const succeeded = (s: SourceResult) =>
  s.status === 'ok' || s.status === 'stale' || s.status === 'fallback';
const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * One failing or slow source never fails the view or delays it past its deadline.
 * @example const result = await runView(deps, plan, request.signal);
 */
export async function runView(
  deps: RunViewDeps,
  plan: ViewPlan,
  signal: AbortSignal,
  /** The inbound request's trace: its calls join it as children of `parentSpanId`. */
  trace?: { traceId: string; parentSpanId?: string },
): Promise<ViewResult> {
  const start = deps.now();
  const traceId = trace?.traceId ?? newTraceId();
  const parentSpanId = trace?.parentSpanId;
  const deadlineAt = start + plan.deadlineMs;
  // One timer for the whole view, and one controller per source: the deadline aborts them all
  // itself, so no signal collects a listener per source (Node warns past ten on one signal).
  const controllers = new Set<AbortController>();
  let stopReason: unknown;
  const stop = (reason: unknown) => {
    stopReason ??= reason;
    for (const controller of controllers) controller.abort(reason);
  };
  const timer = setTimeout(
    () =>
      stop(
        new DOMException(
          `view ${plan.name} reached its ${plan.deadlineMs} ms deadline`,
          'TimeoutError',
        ),
      ),
    plan.deadlineMs,
  );
  const onCallerAbort = () => stop(signal.reason);
  if (signal.aborted) onCallerAbort();
  else signal.addEventListener('abort', onCallerAbort, { once: true });
  const sourceSignal = () => {
    const controller = new AbortController();
    if (stopReason !== undefined) controller.abort(stopReason);
    controllers.add(controller);
    return controller;
  };

  const results = new Map<string, Promise<SourceResult>>();
  const data = new Map<string, unknown>();
  const byId = new Map(plan.sources.map((s) => [s.id, s]));

  const run = (source: PlannedSource): Promise<SourceResult> => {
    let pending = results.get(source.id);
    if (!pending) {
      pending = (async (): Promise<SourceResult> => {
        const prior = await Promise.all(source.dependsOn.map((id) => run(byId.get(id) ?? source)));
        const startedAtMs = round(deps.now() - start);
        const failed = prior.findIndex((p) => !succeeded(p));
        const params = failed === -1 ? resolveParams(source.params, data) : undefined;
        if (params === undefined) {
          const why =
            failed === -1
              ? 'a value it reads is missing from an earlier result'
              : `source ${source.dependsOn[failed]} did not succeed`;
          return {
            integration: source.integration,
            operation: source.operation,
            status: 'skipped',
            startedAtMs,
            latencyMs: 0,
            attempts: 0,
            cache: 'none',
            provider: source.integration,
            error: { kind: 'cancelled', message: `skipped: ${why}` },
          };
        }
        const controller = sourceSignal();
        const outcome = await deps.client
          .call({
            integration: source.integration,
            operation: source.operation,
            params,
            signal: controller.signal,
            deadlineAt,
            traceId,
            ...(parentSpanId !== undefined && { parentSpanId }),
          })
          .finally(() => controllers.delete(controller));
        if (outcome.ok) data.set(source.id, outcome.data);
        return toSection(source, outcome, startedAtMs);
      })();
      results.set(source.id, pending);
    }
    return pending;
  };

  try {
    const sections = await Promise.all(
      plan.sources.map(async (s) => [s.id, await run(s)] as const),
    );
    return {
      view: plan.name,
      generatedAt: new Date().toISOString(),
      deadlineMs: plan.deadlineMs,
      latencyMs: round(deps.now() - start),
      sources: Object.fromEntries(sections),
    };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onCallerAbort);
  }
}

function toSection(source: PlannedSource, outcome: CallOutcome, startedAtMs: number): SourceResult {
  const base = {
    integration: source.integration,
    operation: source.operation,
    startedAtMs,
    latencyMs: round(outcome.latencyMs),
    attempts: outcome.attempts,
    cache: outcome.cache,
    provider: outcome.provider,
  };
  if (outcome.ok) {
    const status = outcome.degraded
      ? outcome.degraded.via === 'stale'
        ? 'stale'
        : 'fallback'
      : 'ok';
    return {
      ...base,
      status,
      data: outcome.data,
      ...(outcome.degraded && { error: outcome.degraded.reason }),
    };
  }
  return {
    ...base,
    status: outcome.error.kind === 'timeout' ? 'timeout' : 'error',
    error: outcome.error,
  };
}
