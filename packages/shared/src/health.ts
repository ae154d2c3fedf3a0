// Liveness and readiness answers.
import { z } from 'zod';

export const LivenessSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Liveness' });

export const DependencyCheckSchema = z.object({
  status: z.enum(['ok', 'failing']),
  detail: z.string().optional(),
});

export const ReadinessSchema = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.record(z.string(), DependencyCheckSchema),
  })
  .meta({ id: 'Readiness' });
export type Readiness = z.infer<typeof ReadinessSchema>;
