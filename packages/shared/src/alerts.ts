// Alert rules (declared in the catalog), the incidents they open, and the incident API.
import { z } from 'zod';
import { NameSchema } from './upstreams';

const forSec = z.number().int().min(0).max(86_400);

/**
 * When a rule is breached, judged once a second on each integration's 1-second bucket. Seconds
 * without calls neither break nor extend an error-rate or latency breach.
 */
export const AlertConditionSchema = z.union([
  z
    .object({
      /** Share of calls that failed, 0..1, above which the second breaches. */
      errorRateAbove: z.number().min(0).max(1),
      forSec: forSec.default(30),
    })
    .strict(),
  z.object({ p95AboveMs: z.number().positive(), forSec: forSec.default(30) }).strict(),
  z.object({ breakerOpen: z.literal(true), forSec: forSec.default(0) }).strict(),
  /** The dead-letter count is higher than it was `forSec` ago (needs the queue's gauge). */
  z.object({ deadLettersGrowing: z.literal(true), forSec: forSec.default(60) }).strict(),
]);
export type AlertCondition = z.infer<typeof AlertConditionSchema>;

export const AlertRuleSchema = z
  .object({
    name: NameSchema,
    /** One integration; every integration when unset (one incident per integration). */
    integration: NameSchema.optional(),
    when: AlertConditionSchema,
    severity: z.enum(['warning', 'critical']).default('warning'),
  })
  .strict();
export type AlertRule = z.infer<typeof AlertRuleSchema>;

export const AlertNotifySchema = z
  .object({
    /** Receives every fired and resolved alert as a JSON POST. */
    webhookUrl: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }),
    timeoutMs: z.number().int().min(100).max(60_000).default(5_000),
  })
  .strict();

export const IncidentSchema = z
  .object({
    id: z.number().int().positive(),
    rule: NameSchema,
    integration: NameSchema,
    severity: z.enum(['warning', 'critical']),
    /** What breached, e.g. `error rate 62% > 50% for 30 s`. */
    message: z.string(),
    /** Epoch milliseconds. */
    firedAt: z.number().int(),
    resolvedAt: z.number().int().nullable(),
    acknowledgedAt: z.number().int().nullable(),
    acknowledgedBy: z.string().nullable(),
  })
  .meta({ id: 'Incident' });
export type Incident = z.infer<typeof IncidentSchema>;

export const IncidentListSchema = z
  .object({ items: z.array(IncidentSchema) })
  .meta({ id: 'IncidentList' });
