// The error codes of the one JSON error shape (errors.ts), free of zod so the console's sign-in path
// can check an error answer with zod/mini (auth-mini.ts) without pulling zod's classic API in.
export const errorCodes = [
  'bad_request',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  /** The same Idempotency-Key was sent with a different request. */
  'idempotency_key_reused',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'not_ready',
  /** An upstream provider failed the request for good (502). */
  'upstream_failed',
  'internal',
] as const;
