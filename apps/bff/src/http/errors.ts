// The one error handler: every failure leaves the BFF as the shared JSON error shape, never HTML or a stack.
import type { ErrorBody, ErrorCode, FieldIssue } from '@switchboard/shared/errors';
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { AppEnv } from './app-env';
import { isAppError } from './app-error';
import type { Logger } from './logger';

const codeByStatus: Partial<Record<number, ErrorCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'validation_failed',
  429: 'rate_limited',
  503: 'not_ready',
};

export function errorResponse(
  c: Context<AppEnv>,
  status: ContentfulStatusCode,
  code: ErrorCode,
  message: string,
  details?: unknown,
): Response {
  return c.json(errorBody(code, message, details, c.get('requestId') ?? 'unknown'), status);
}

/**
 * The shared error shape, for paths that answer without a Hono context (views/view-get.ts): the
 * same fields in the same order, so `JSON.stringify` gives the bytes `errorResponse` sends.
 * @example JSON.stringify(errorBody('internal', unexpectedErrorMessage, undefined, requestId));
 */
export function errorBody(
  code: ErrorCode,
  message: string,
  details: unknown,
  requestId: string,
): ErrorBody {
  return {
    error: { code, message, ...(details === undefined ? {} : { details }), requestId },
  };
}

/** What an unexpected error answers: nothing about the error, the request id to quote instead. */
export const unexpectedErrorMessage =
  'Something went wrong on our side; quote the request id when reporting it.';

/** Turns zod issues into `{ path, message }` pairs a person can act on. */
export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  const at = (path: PropertyKey[]) => path.map(String).join('.');
  return error.issues.flatMap((issue) =>
    // One issue per unknown key, at that key's path, so a client can point at the field.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: at([...issue.path, key]), message: 'Unknown field' }))
      : [{ path: issue.path.length > 0 ? at(issue.path) : '(root)', message: issue.message }],
  );
}

/** Hook for route validators: a failing request answers 400 with the failing field paths. */
export function validationHook(
  result: { success: true } | { success: false; error: z.ZodError; target: string },
  c: Context<AppEnv>,
): Response | undefined {
  if (result.success) return undefined;
  const issues = toFieldIssues(result.error);
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return errorResponse(c, 400, 'validation_failed', `Invalid ${result.target}: ${summary}`, {
    target: result.target,
    issues,
  });
}

export function createErrorHandler(logger: Logger): ErrorHandler<AppEnv> {
  return function handleError(err, c) {
    if (isAppError(err)) return errorResponse(c, err.status, err.code, err.message, err.details);
    if (err instanceof HTTPException && err.status < 500) {
      const code = codeByStatus[err.status] ?? 'bad_request';
      return errorResponse(c, err.status, code, err.message || 'The request was refused.');
    }
    // Unexpected: log what happened (name and message only: no stack, no request data) and
    // answer with a generic message; the request id ties the two together.
    // The request's own logger (request and trace ids bound) when the request log has set it.
    const log =
      (c.get('log') as Logger | undefined) ?? logger.child({ requestId: c.get('requestId') });
    log.error({ err: { name: err.name, message: err.message } }, 'unhandled error');
    return errorResponse(c, 500, 'internal', unexpectedErrorMessage);
  };
}

export const handleNotFound: NotFoundHandler<AppEnv> = function handleNotFound(c) {
  return errorResponse(c, 404, 'not_found', `No route for ${c.req.method} ${c.req.path}.`);
};
