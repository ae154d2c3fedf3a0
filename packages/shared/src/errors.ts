// The one JSON error shape every Switchboard endpoint answers with, and its codes.
import { z } from 'zod';

import { errorCodes } from './error-codes';

// Zod-free, in its own module for the console's sign-in path (see error-codes.ts).
export { errorCodes } from './error-codes';

export const ErrorCodeSchema = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** One failing field, as a path into the input and what is wrong with it. */
export const FieldIssueSchema = z.object({
  path: z.string(),
  message: z.string(),
});
export type FieldIssue = z.infer<typeof FieldIssueSchema>;

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: ErrorCodeSchema,
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string(),
    }),
  })
  .meta({ id: 'ErrorBody' });
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
