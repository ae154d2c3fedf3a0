// The Hono environment type shared by every route of the BFF.
import type { RequestIdVariables } from 'hono/request-id';

export type AppEnv = {
  Variables: RequestIdVariables;
};
