// The one error type for a failed upstream call, classified once where it happens.
import type { ErrorKind } from '@switchboard/shared/upstreams';

export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details: { httpStatus?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
  }
}

export const isUpstreamError = (e: unknown): e is UpstreamError => e instanceof UpstreamError;
