// The request id: the caller's X-Request-Id when it is a sane token, a fresh UUID otherwise; set on
// the context (`requestId`) and echoed in the response. Hono's requestId() as a frame part.
import type { RequestHook } from './request-frame';

const headerName = 'X-Request-Id';
const maxLength = 255;
const unsafe = /[^\w\-=]/;

/** Same rules as `hono/request-id`'s defaults (length ≤ 255, letters, digits, `_`, `-`, `=`). */
export const assignRequestId: RequestHook = (c) => {
  let id = c.req.header(headerName);
  if (!id || id.length > maxLength || unsafe.test(id)) id = crypto.randomUUID();
  c.set('requestId', id);
  c.header(headerName, id);
  return undefined;
};
