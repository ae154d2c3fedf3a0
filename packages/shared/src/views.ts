// Contracts of the declared-views catalog: which views exist, their deadline and their sources, so
// the console can list them and draw a run's waterfall against the plan.
import { z } from 'zod';
import { NameSchema } from './upstreams';

export const ViewSourceInfoSchema = z
  .object({
    /** The source's id inside the view (the key of its section in a ViewResult). */
    id: z.string(),
    integration: NameSchema,
    operation: NameSchema,
    /** Ids of sources whose results this one reads: it starts once they are there. */
    dependsOn: z.array(z.string()),
  })
  .meta({ id: 'ViewSourceInfo' });
export type ViewSourceInfo = z.infer<typeof ViewSourceInfoSchema>;

export const ViewInfoSchema = z
  .object({
    name: NameSchema,
    /** The whole-view deadline every source runs under. */
    deadlineMs: z.number().int().positive(),
    sources: z.array(ViewSourceInfoSchema),
  })
  .meta({ id: 'ViewInfo' });
export type ViewInfo = z.infer<typeof ViewInfoSchema>;

export const ViewListSchema = z.object({ items: z.array(ViewInfoSchema) }).meta({ id: 'ViewList' });
export type ViewList = z.infer<typeof ViewListSchema>;
