// The Hono environment type shared by every route of the BFF.
import type { RequestIdVariables } from 'hono/request-id';
import type { Principal } from '../auth/sessions';
import type { Logger } from './logger';

export type AppEnv = {
  Variables: RequestIdVariables & {
    /** Set by the session middleware on every route behind it. */
    principal: Principal | undefined;
    /** The caller's address: the socket's, or a trusted proxy's forwarded one. */
    clientIp: string;
    /**
     * The request's server span, set by the telemetry middleware: the trace it belongs to (the
     * caller's, when it sent a valid `traceparent`) and its own span id, parent of upstream calls.
     */
    trace: { traceId: string; spanId: string } | undefined;
    /** The request-scoped logger: every line carries `requestId` and `traceId`. */
    log: Logger;
    /** The request's `Idempotency-Key`, once the idempotency middleware accepted it. */
    idempotencyKey: string | undefined;
  };
};
