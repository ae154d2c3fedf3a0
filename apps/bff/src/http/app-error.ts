// The one error type the BFF throws on purpose; the error handler turns it into the JSON error shape.
import type { ErrorCode } from '@switchboard/shared/errors';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export class AppError extends Error {
  override name = 'AppError';
  readonly status: ContentfulStatusCode;
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(
    status: ContentfulStatusCode,
    code: ErrorCode,
    message: string,
    options: { details?: unknown; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.status = status;
    this.code = code;
    this.details = options.details;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
