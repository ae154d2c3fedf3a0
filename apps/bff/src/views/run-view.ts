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
  signal: AbortSignal | (() => AbortSignal),
): Promise<ViewResult> {
  const start = deps.now();
  const traceId = newTraceId();
  const deadlineAt = start + plan.deadlineMs;
  // One timer for the whole view, and one controller per source: the deadline aborts them all
  // itself, so no signal collects a listener per source (Node warns past ten on one signal).
  // Armed by the first source that calls out: a view whose sources are all refused at once (open
  // breakers) builds no timer and no signal, and never reads the caller's (which, for an inbound
  // request on Node, is built on first read).
  const controllers = new Set<AbortController>();
  let stopReason: unknown;
  const stop = (reason: unknown) => {
    stopReason ??= reason;
    for (const controller of controllers) controller.abort(reason);
  };
  let armed: { timer: ReturnType<typeof setTimeout>; caller: AbortSignal } | undefined;
  const onCallerAbort = () => stop(armed?.caller.reason);
  const arm = () => {
    const caller = typeof signal === 'function' ? signal() : signal;
    armed = {
      caller,
      timer: setTimeout(
        () =>
          stop(
            new DOMException(
              `view ${plan.name} reached its ${plan.deadlineMs} ms deadline`,
              'TimeoutError',
            ),
          ),
        Math.max(0, deadlineAt - deps.now()),
      ),
    };
    if (caller.aborted) onCallerAbort();
    else caller.addEventListener('abort', onCallerAbort, { once: true });
  };
  const sourceSignal = () => {
    if (!armed) arm();
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
        const prior =
          source.dependsOn.length === 0
            ? []
            : await Promise.all(source.dependsOn.map((id) => run(byId.get(id) ?? source)));
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
        const request = {
          integration: source.integration,
          operation: source.operation,
          params,
          deadlineAt,
          traceId,
        };
        const refused = deps.client.refuseAtOnce?.(request);
        if (refused) return toSection(source, refused, startedAtMs);
        const controller = sourceSignal();
        const outcome = await deps.client
          .call({ ...request, signal: controller.signal })
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
    if (armed) {
      clearTimeout(armed.timer);
      armed.caller.removeEventListener('abort', onCallerAbort);
    }
  }
}

function toSection(source: PlannedSource, outcome: CallOutcome, startedAtMs: number): SourceResult {
  // Built field by field: spreads of a base and of `cond && {...}` cost more than the rest of
  // this function on every source of every view.
  const section: SourceResult = {
    integration: source.integration,
    operation: source.operation,
    startedAtMs,
    latencyMs: round(outcome.latencyMs),
    attempts: outcome.attempts,
    cache: outcome.cache,
    provider: outcome.provider,
    status: 'ok',
  };
  if (outcome.ok) {
    section.data = outcome.data;
    if (outcome.degraded) {
      section.status = outcome.degraded.via === 'stale' ? 'stale' : 'fallback';
      section.error = outcome.degraded.reason;
    }
  } else {
    section.status = outcome.error.kind === 'timeout' ? 'timeout' : 'error';
    section.error = outcome.error;
  }
  return section;
}
