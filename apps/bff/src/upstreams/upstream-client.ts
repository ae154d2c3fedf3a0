// Calls one operation of one integration: deadline, classification of failures, and one event per attempt.
import type { ErrorKind, SourceError } from '@switchboard/shared/upstreams';
import type { EventBus } from '../events/event-bus';
import type { HttpTransport } from './http-transport';
import type { IntegrationConfig } from './integrations';
import { randomHex } from './trace';

export type CallResult =
  | { ok: true; httpStatus: number; data: unknown; latencyMs: number }
  | { ok: false; error: SourceError; latencyMs: number };

export interface CallOptions {
  /** The caller's signal: its deadline or the inbound request going away. */
  signal: AbortSignal;
  traceId: string;
}

export interface UpstreamClient {
  call(integration: string, operation: string, options: CallOptions): Promise<CallResult>;
}

export interface UpstreamClientDeps {
  integrations: IntegrationConfig[];
  transport: HttpTransport;
  bus: EventBus;
  now: () => number;
}

class CallFailure extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}

function classifyStatus(status: number): ErrorKind | undefined {
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'http_5xx';
  if (status >= 400) return 'http_4xx';
  return undefined;
}

/**
 * Builds the client every view and flow uses to reach upstreams.
 * @example const r = await client.call('users', 'list', { signal, traceId });
 */
export function createUpstreamClient(deps: UpstreamClientDeps): UpstreamClient {
  const byName = new Map(deps.integrations.map((i) => [i.name, i]));

  return {
    async call(integrationName, operationName, { signal, traceId }) {
      const integration = byName.get(integrationName);
      const operation = integration?.operations[operationName];
      if (!integration || !operation) {
        throw new Error(`Unknown operation ${integrationName}.${operationName}`);
      }
      const start = deps.now();
      const ownTimeout = AbortSignal.timeout(integration.timeoutMs);
      const combined = AbortSignal.any([signal, ownTimeout]);
      let result: CallResult;
      try {
        const response = await deps.transport({
          url: new URL(operation.path.replace(/^\//, ''), integration.baseUrl.replace(/\/?$/, '/')),
          method: operation.method,
          headers: {
            accept: 'application/json',
            traceparent: `00-${traceId}-${randomHex(8)}-01`,
          },
          signal: combined,
        });
        const failure = classifyStatus(response.status);
        if (failure)
          throw new CallFailure(
            failure,
            `${integration.name} answered HTTP ${response.status}`,
            response.status,
          );
        let data: unknown;
        try {
          data = response.body === '' ? null : JSON.parse(response.body);
        } catch {
          throw new CallFailure(
            'parse',
            `${integration.name} answered with a body that is not JSON`,
            response.status,
          );
        }
        result = { ok: true, httpStatus: response.status, data, latencyMs: deps.now() - start };
      } catch (err) {
        result = {
          ok: false,
          error: classifyError(err, integration, ownTimeout, signal),
          latencyMs: deps.now() - start,
        };
      }

      deps.bus.publish({
        type: 'upstream.call',
        at: start,
        integration: integration.name,
        operation: operationName,
        attempt: 1,
        outcome: result.ok ? 'ok' : 'error',
        ...(result.ok
          ? { httpStatus: result.httpStatus }
          : { kind: result.error.kind, httpStatus: result.error.httpStatus }),
        latencyMs: result.latencyMs,
        traceId,
      });
      return result;
    },
  };
}

function isTimeoutReason(reason: unknown): boolean {
  return reason instanceof DOMException && reason.name === 'TimeoutError';
}

function classifyError(
  err: unknown,
  integration: IntegrationConfig,
  own: AbortSignal,
  caller: AbortSignal,
): SourceError {
  if (err instanceof CallFailure) {
    return {
      kind: err.kind,
      message: err.message,
      ...(err.httpStatus === undefined ? {} : { httpStatus: err.httpStatus }),
    };
  }
  if (own.aborted) {
    return {
      kind: 'timeout',
      message: `${integration.name} did not answer within ${integration.timeoutMs} ms`,
    };
  }
  if (caller.aborted) {
    return isTimeoutReason(caller.reason)
      ? { kind: 'timeout', message: `${integration.name} did not answer before the deadline` }
      : { kind: 'cancelled', message: `the call to ${integration.name} was cancelled` };
  }
  // Connection refused, reset, DNS, TLS: the message names the cause without echoing request data.
  const code = (err as { code?: unknown } | null)?.code;
  return {
    kind: 'network',
    message: `could not reach ${integration.name}${typeof code === 'string' ? ` (${code})` : ''}`,
  };
}
