// Runs a planned view: independent sources in parallel, dependent ones as soon as what they read is
// there, all under one whole-view deadline; partial results with a status per source.
import type { SourceResult, ViewResult } from '@switchboard/shared/upstreams';
import type { CallOutcome, CallRequest, UpstreamCaller } from '../upstreams/call-types';
import { traceId as newTraceId } from '../upstreams/trace';
import { resolveParams, type PlannedSource, type ViewPlan } from './view-plan';

export interface RunViewDeps {
  client: UpstreamCaller;
  now: () => number;
}

/**
 * Tells when the caller is gone without an AbortSignal: on Node a listener on the response is much
 * cheaper than the inbound request's signal (an AbortController built for it, an EventTarget
 * listener added and removed on every view). `watch` may call `onGone` at once when the caller
 * has already left; it returns the function that stops watching.
 */
export interface CallerWatch {
  watch(onGone: (reason: unknown) => void): () => void;
}

/** What a source without dependencies waited for. */
const noPrior: readonly SourceResult[] = [];

/** Calling sources per abort signal; see {@link ViewRun}. */
const sourcesPerSignal = 5;
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
  signal: AbortSignal | (() => AbortSignal) | CallerWatch,
  /** The inbound request's trace: its calls join it as children of `parentSpanId`. */
  trace?: { traceId: string; parentSpanId?: string },
): Promise<ViewResult> {
  const run = new ViewRun(deps, plan, signal, trace);
  try {
    // Index loops: no iterator, entry array or closure per source on every view.
    const planned = plan.sources;
    const pending = new Array<Promise<SourceResult>>(planned.length);
    for (let i = 0; i < planned.length; i++) pending[i] = run.section(planned[i] as PlannedSource);
    const sections = await Promise.all(pending);
    const sources: Record<string, SourceResult> = {};
    for (let i = 0; i < planned.length; i++) {
      const section = sections[i];
      if (section) sources[(planned[i] as PlannedSource).id] = section;
    }
    return {
      view: plan.name,
      generatedAt: new Date().toISOString(),
      deadlineMs: plan.deadlineMs,
      latencyMs: round(deps.now() - run.start),
      sources,
    };
  } finally {
    run.disarm();
  }
}

/**
 * The state of one view run. A class rather than closures: per view it allocates one object
 * instead of a handful of functions (each of which tsx's keepNames also renames at creation).
 *
 * One timer for the whole view, and one controller per group of up to five calling sources: the
 * deadline aborts them all itself. A call in flight listens on its signal once or twice at a time
 * (undici, and a queue or timer wait), so no signal collects more than the ten listeners Node
 * allows without a warning, while a typical view builds one controller instead of one per source
 * (a signal costs several µs to build on Node 20). Armed
 * by the first source that calls out: a view whose sources are all refused at once (open
 * breakers) builds no timer and no signal, and never reads the caller's (which, for an inbound
 * request on Node, is built on first read).
 */
class ViewRun {
  readonly start: number;
  private readonly traceId: string;
  private readonly parentSpanId: string | undefined;
  private readonly deadlineAt: number;
  private readonly controllers: AbortController[] = [];
  /** Sources already sharing the newest controller. */
  private sharing = 0;
  private stopReason: unknown;
  private armed:
    | {
        timer: ReturnType<typeof setTimeout>;
        caller: AbortSignal | undefined;
        unwatch: (() => void) | undefined;
      }
    | undefined;
  private readonly results = new Map<string, Promise<SourceResult>>();
  private readonly data = new Map<string, unknown>();

  constructor(
    private readonly deps: RunViewDeps,
    private readonly plan: ViewPlan,
    private readonly signal: AbortSignal | (() => AbortSignal) | CallerWatch,
    trace: { traceId: string; parentSpanId?: string } | undefined,
  ) {
    this.start = deps.now();
    this.traceId = trace?.traceId ?? newTraceId();
    this.parentSpanId = trace?.parentSpanId;
    this.deadlineAt = this.start + plan.deadlineMs;
  }

  /** The section of `source`, run once however many dependents ask for it. */
  section(source: PlannedSource): Promise<SourceResult> {
    let pending = this.results.get(source.id);
    if (!pending) {
      pending = this.execute(source);
      this.results.set(source.id, pending);
    }
    return pending;
  }

  /** The caller's signal aborted (an EventListener object, so no closure is needed). */
  handleEvent(): void {
    this.stop(this.armed?.caller?.reason);
  }

  disarm(): void {
    if (!this.armed) return;
    clearTimeout(this.armed.timer);
    this.armed.caller?.removeEventListener('abort', this);
    this.armed.unwatch?.();
  }

  private async execute(source: PlannedSource): Promise<SourceResult> {
    const { deps } = this;
    // A source that waits for nothing does not await at all before it calls.
    const prior =
      source.dependsOn.length === 0
        ? noPrior
        : await Promise.all(source.dependsOn.map((id) => this.section(this.byId(id) ?? source)));
    const startedAtMs = round(deps.now() - this.start);
    const failed = prior.length === 0 ? -1 : prior.findIndex((p) => !succeeded(p));
    const params = failed === -1 ? resolveParams(source.params, this.data) : undefined;
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
    // Field by field: a conditional spread and a spread copy cost more than the rest here.
    const request: Omit<CallRequest, 'signal'> = {
      integration: source.integration,
      operation: source.operation,
      params,
      deadlineAt: this.deadlineAt,
      traceId: this.traceId,
    };
    if (this.parentSpanId !== undefined) request.parentSpanId = this.parentSpanId;
    const refused = deps.client.refuseAtOnce?.(request);
    if (refused) return toSection(source, refused, startedAtMs);
    const controller = this.sourceController();
    const call: CallRequest = {
      integration: request.integration,
      operation: request.operation,
      params,
      deadlineAt: this.deadlineAt,
      traceId: this.traceId,
      signal: controller.signal,
    };
    if (this.parentSpanId !== undefined) call.parentSpanId = this.parentSpanId;
    const outcome = await deps.client.call(call);
    if (outcome.ok) this.data.set(source.id, outcome.data);
    return toSection(source, outcome, startedAtMs);
  }

  private byId(id: string): PlannedSource | undefined {
    return this.plan.sources.find((s) => s.id === id);
  }

  private stop(reason: unknown): void {
    this.stopReason ??= reason;
    for (const controller of this.controllers) controller.abort(reason);
  }

  private sourceController(): AbortController {
    if (!this.armed) this.arm();
    let controller = this.controllers.at(-1);
    if (controller === undefined || this.sharing >= sourcesPerSignal) {
      controller = new AbortController();
      if (this.stopReason !== undefined) controller.abort(this.stopReason);
      this.controllers.push(controller);
      this.sharing = 0;
    }
    this.sharing += 1;
    return controller;
  }

  private arm(): void {
    const { plan, signal } = this;
    const timer = setTimeout(
      () =>
        this.stop(
          new DOMException(
            `view ${plan.name} reached its ${plan.deadlineMs} ms deadline`,
            'TimeoutError',
          ),
        ),
      Math.max(0, this.deadlineAt - this.deps.now()),
    );
    if (typeof signal !== 'function' && !(signal instanceof AbortSignal)) {
      const armed = { timer, caller: undefined, unwatch: undefined as (() => void) | undefined };
      this.armed = armed;
      armed.unwatch = signal.watch((reason) => this.stop(reason));
      return;
    }
    const caller = typeof signal === 'function' ? signal() : signal;
    this.armed = { timer, caller, unwatch: undefined };
    if (caller.aborted) this.handleEvent();
    else caller.addEventListener('abort', this, { once: true });
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
