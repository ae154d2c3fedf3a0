// The request id: the caller's X-Request-Id when it is a sane token, a fresh UUID otherwise; set on
// the context (`requestId`) and echoed in the response. Hono's requestId() as a frame part.
import type { RequestHook } from './request-frame';

const headerName = 'X-Request-Id';
const maxLength = 255;
const unsafe = /[^\w\-=]/;

/**
 * The caller's id when it is a sane token, else a fresh UUID. Same rules as `hono/request-id`'s
 * defaults (length ≤ 255, letters, digits, `_`, `-`, `=`).
 */
export function requestIdFrom(given: string | undefined): string {
  return !given || given.length > maxLength || unsafe.test(given) ? crypto.randomUUID() : given;
}

export const assignRequestId: RequestHook = (c) => {
  const id = requestIdFrom(c.req.header(headerName));
  c.set('requestId', id);
  c.header(headerName, id);
  return undefined;
};
