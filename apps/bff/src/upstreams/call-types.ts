// What callers (views, flows, health checks) ask of the upstream engine, and what they get back.
import type { CacheResult, SourceError } from '@switchboard/shared/upstreams';

export interface CallRequest {
  integration: string;
  operation: string;
  /** Values for the `{name}` placeholders of the operation's path. */
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** Makes a non-idempotent call safe to retry; forwarded as `Idempotency-Key`. */
  idempotencyKey?: string;
  /** The caller's deadline or the inbound request going away. */
  signal: AbortSignal;
  /** When the caller's deadline ends, in the engine clock's time: waits that would pass it are not started. */
  deadlineAt?: number;
  traceId: string;
  /** The span this call is made under (e.g. the inbound request's); attempts become its children. */
  parentSpanId?: string;
  /** A synthetic health check: its events carry `synthetic: true`. */
  synthetic?: boolean;
}

interface OutcomeBase {
  latencyMs: number;
  attempts: number;
  cache: CacheResult;
  /** The integration that answered, or was last tried. */
  provider: string;
}

export type CallOutcome =
  | (OutcomeBase & {
      ok: true;
      data: unknown;
      /** Set when stale data or a fallback stood in for the primary answer. */
      degraded?: { reason: SourceError; via: 'stale' | 'static' | 'failover' };
    })
  | (OutcomeBase & { ok: false; error: SourceError });

export interface UpstreamCaller {
  call(request: CallRequest): Promise<CallOutcome>;
  /**
   * The outcome at once when the call would be refused before any work (its breaker is open,
   * nothing is cached and no fallback applies), published like any call; `undefined` when the
   * call has something to do, and `call()` must run. Lets callers skip building signals and
   * timers for a call that will never use them.
   */
  refuseAtOnce?(request: Omit<CallRequest, 'signal'>): CallOutcome | undefined;
}
