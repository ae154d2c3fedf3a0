// The Hono environment type shared by every route of the BFF.
import type { RequestIdVariables } from 'hono/request-id';
import type { Principal } from '../auth/sessions';

export type AppEnv = {
  Variables: RequestIdVariables & {
    /** Set by the session middleware on every route behind it. */
    principal: Principal | undefined;
    /** The caller's address: the socket's, or a trusted proxy's forwarded one. */
    clientIp: string;
    /** The request's `Idempotency-Key`, once the idempotency middleware accepted it. */
    idempotencyKey: string | undefined;
  };
};
