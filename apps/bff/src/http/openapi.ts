// Small builders for route documentation, so every route describes its bodies the same way.
import { ErrorBodySchema } from '@switchboard/shared/errors';
import type { z } from 'zod';

/** A JSON response (or body) of `schema`. */
export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** An error response in the shared JSON error shape. */
export const errorContent = (description: string) => jsonContent(ErrorBodySchema, description);

/** A required JSON request body of `schema`. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});
