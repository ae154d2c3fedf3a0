// Fetches from the BFF and parses both success and error bodies with the shared zod contracts.
import { ErrorBodySchema, type ErrorCode } from '@switchboard/shared/errors';
import type { z } from 'zod';

/** A failed API call, carrying the server's error code, message and request id. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'network' | 'bad_response',
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

/**
 * @example const view = await apiFetch('/api/views/overview', ViewResultSchema, { signal });
 */
export async function apiFetch<S extends z.ZodType>(
  path: string,
  schema: S,
  init: RequestInit = {},
): Promise<z.infer<S>> {
  let response: Response;
  try {
    response = await fetch(path, {
      ...init,
      headers: { accept: 'application/json', ...init.headers },
    });
  } catch (err) {
    if (init.signal?.aborted) throw err;
    throw new ApiError(
      0,
      'network',
      'Could not reach the Switchboard server. Check that it is running.',
    );
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const parsed = ErrorBodySchema.safeParse(body);
    if (parsed.success) {
      const { code, message, requestId } = parsed.data.error;
      throw new ApiError(response.status, code, message, requestId);
    }
    throw new ApiError(
      response.status,
      'bad_response',
      `The server answered HTTP ${response.status}.`,
    );
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new ApiError(response.status, 'bad_response', `Unexpected answer from ${path}.`);
  return parsed.data;
}
