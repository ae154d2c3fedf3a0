// Processes verified webhook deliveries on the queue: an event type the source maps to a flow starts
// that flow (the event as input, the delivery id as its idempotency key, so a redelivery or a retried
// job resumes the same run); the webhook log records what each delivery triggered.
import { z } from 'zod';
import type { FlowEngine } from '../flows/flow-engine';
import { JobFailure, type JobHandler } from '../queue/queue';
import { traceId as newTraceId } from '../upstreams/trace';
import type { WebhookLog } from './webhook-log';
import type { WebhookSource } from './webhooks.routes';

const WebhookJobPayloadSchema = z.object({
  source: z.string(),
  deliveryId: z.string().nullable(),
  eventType: z.string().nullable(),
  event: z.unknown(),
});

export interface WebhookProcessorDeps {
  sources: ReadonlyMap<string, WebhookSource>;
  flows: FlowEngine;
  log: WebhookLog;
  /** Bound on the flow's sync steps run inside the job. Default 15 s. */
  timeoutMs?: number;
}

/**
 * @example queue.handle(webhookJobType, createWebhookProcessor({ sources, flows, log }), { concurrency: 4 });
 */
export function createWebhookProcessor(deps: WebhookProcessorDeps): JobHandler {
  const timeoutMs = deps.timeoutMs ?? 15_000;
  return async function processWebhook(job, context) {
    const parsed = WebhookJobPayloadSchema.safeParse(job.payload);
    if (!parsed.success)
      throw new JobFailure('invalid_payload', 'not a webhook delivery', { retryable: false });
    const { source, deliveryId, eventType, event } = parsed.data;
    const flows = deps.sources.get(source)?.config.flows ?? {};
    const flow = flows[eventType ?? ''] ?? flows['*'];
    if (flow === undefined) {
      // Not awaited: asked for in this turn, the line's update joins the group commit of the job's
      // settle (one commit per job instead of two in a row). A failing commit fails both, and the
      // job then runs again and writes the line again; the UPDATE alone cannot fail otherwise.
      deps.log
        .setTriggered(job.id, `nothing (no flow for ${eventType ?? 'untyped'} events)`)
        .catch(() => undefined);
      return { result: { triggered: null } };
    }
    const result = await deps.flows.start(flow, event, {
      // A redelivery is deduplicated before it is queued; this makes a retried job resume its run.
      idempotencyKey: deliveryId ?? job.id,
      scope: `webhook:${source}`,
      signal: AbortSignal.any([context.signal, AbortSignal.timeout(timeoutMs)]),
      traceId: newTraceId(),
    });
    switch (result.kind) {
      case 'started':
        await deps.log.setTriggered(job.id, `flow ${flow} (run ${result.run.id})`);
        return { result: { flow, runId: result.run.id } };
      case 'compensated':
        await deps.log.setTriggered(job.id, `flow ${flow} (run ${result.run.id}, compensated)`);
        return { result: { flow, runId: result.run.id } };
      case 'mismatch':
        throw new JobFailure(
          'invalid_payload',
          `run ${result.run.id} was started by another event`,
          {
            retryable: false,
          },
        );
      case 'failed':
        await deps.log.setTriggered(
          job.id,
          `flow ${flow} (run ${result.run.id}, step ${result.step} failed: ${result.error.kind})`,
        );
        throw new JobFailure(
          'handler',
          `flow ${flow} step ${result.step}: ${result.error.message}`,
        );
    }
  };
}
