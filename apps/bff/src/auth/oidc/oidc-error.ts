// The one error type for a failed single sign-on step, with a code the routes map to a response.

/**
 * - `invalid_state`: the callback does not belong to the sign-in this browser started (missing,
 *   tampered or foreign transaction, state mismatch).
 * - `expired`: the sign-in took longer than the transaction's lifetime.
 * - `provider_error`: the provider sent the user back with an `error` parameter.
 * - `exchange_failed`: the code exchange or the ID token / userinfo checks failed.
 * - `no_role`: signed in at the provider, but no claim value maps to a Switchboard role.
 * - `refresh_refused`: the provider refused the refresh token; end the session.
 * - `provider_unavailable`: the provider could not be reached or answered with a server error;
 *   transient, so a session should not be ended for it.
 */
export type OidcErrorCode =
  | 'invalid_state'
  | 'expired'
  | 'provider_error'
  | 'exchange_failed'
  | 'no_role'
  | 'refresh_refused'
  | 'provider_unavailable';

/** Messages are shown to users and logged: they never carry tokens, codes or secrets. */
export class OidcError extends Error {
  override name = 'OidcError';
  constructor(
    readonly code: OidcErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
  }
}

export const isOidcError = (e: unknown): e is OidcError => e instanceof OidcError;
