// Runs the catalog's flows: sync steps inline while the caller waits, then async steps as queued
// jobs (in parallel where independent), each with its own retry policy; compensation (saga) when a
// critical step fails for good. Every upstream call carries an idempotency key derived from the run
// and the step, so retries, redeliveries and restarts never repeat a side effect.
import type { Catalog } from '@switchboard/shared/catalog';
import type {
  FlowConfig,
  FlowRun,
  FlowRunStatus,
  FlowStepConfig,
  FlowStepError,
  FlowStepState,
} from '@switchboard/shared/flows';
import type { Job, JobErrorKind } from '@switchboard/shared/queue';
import type { SourceError } from '@switchboard/shared/upstreams';
import { z } from 'zod';
import type { Logger } from '../http/logger';
import {
  JobFailure,
  type EnqueueOptions,
  type JobContext,
  type JobSuccess,
  type Queue,
} from '../queue/queue';
import type { UpstreamCaller } from '../upstreams/call-types';
import { traceId as newTraceId } from '../upstreams/trace';
import type { FlowStore } from './flow-store';
import { fillParams, fillTemplate, TemplateError, type TemplateScope } from './flow-template';

/** Job types the engine registers on the queue. */
export const flowStepJobType = 'flow.step';
export const flowCompensateJobType = 'flow.compensate';

const FlowJobPayloadSchema = z.object({
  runId: z.string().min(1),
  flow: z.string().min(1),
  step: z.string().min(1),
  /** The call as resolved when the job was queued; an operator may edit it in the dead letters. */
  request: z.object({
    params: z.record(z.string(), z.string()).optional(),
    body: z.unknown().optional(),
  }),
});
type FlowJobPayload = z.infer<typeof FlowJobPayloadSchema>;

export interface FlowEngineDeps {
  flows: Catalog['flows'];
  caller: UpstreamCaller;
  queue: Queue;
  store: FlowStore;
  /** Called with the run after every change (the live stream). */
  publish: (run: FlowRun) => void;
  /** Epoch milliseconds. */
  now: () => number;
  logger: Logger;
  /** Bound on one upstream call made by a job (its own retries included). Default 15 s. */
  jobCallTimeoutMs?: number;
  /** Jobs of each flow job type run at most this many at a time. Default 16. */
  concurrency?: number;
}

export interface StartOptions {
  /** The inbound request's Idempotency-Key, when it had one. */
  idempotencyKey?: string | undefined;
  /** Whose key it is (the signed-in user): two callers' keys never share a run. */
  scope: string;
  signal: AbortSignal;
  traceId: string;
  parentSpanId?: string | undefined;
}

export type StartResult =
  | { kind: 'started'; run: FlowRun; results: Record<string, unknown> }
  /** A critical sync step failed for good; steps it undoes are being compensated. */
  | { kind: 'failed'; run: FlowRun; step: string; error: FlowStepError }
  /** The key names a run started with a different input. */
  | { kind: 'mismatch'; run: FlowRun }
  /** The key names a run that was compensated: it will not run again. */
  | { kind: 'compensated'; run: FlowRun };

export interface FlowEngine {
  start(flow: string, input: unknown, options: StartOptions): Promise<StartResult>;
  /** Registers the step and compensation handlers; call before `queue.start()`. */
  register(): void;
  /**
   * Picks up runs a previous process left under way (created before `before`): finishes their sync
   * steps, queues their ready steps and compensations. Idempotent; returns how many it looked at.
   */
  recover(before: number): Promise<number>;
}

const terminalStep = new Set([
  'succeeded',
  'failed',
  'skipped',
  'compensated',
  'compensation_failed',
]);

const undoStates = new Set(['compensating', 'compensated', 'compensation_failed']);

/** Whether the run has started undoing steps (after that, nothing of it runs forward again). */
export const isUndone = (run: Pick<FlowRun, 'steps'>) =>
  run.steps.some((s) => undoStates.has(s.status));

/**
 * What a run's status is, given its steps. A critical step that failed for good with nothing to
 * undo leaves the run `failed` (a replay of its dead letter, or a retried request, can still
 * complete it); with steps to undo, `compensating` then `compensated`.
 */
export function deriveStatus(run: Pick<FlowRun, 'steps' | 'failedStep'>): FlowRunStatus {
  if (run.failedStep !== null && isUndone(run)) {
    if (run.steps.some((s) => s.status === 'compensating')) return 'compensating';
    return run.steps.some((s) => s.status === 'compensation_failed') ? 'failed' : 'compensated';
  }
  if (run.steps.every((s) => s.status === 'succeeded')) return 'succeeded';
  if (run.failedStep !== null || run.steps.some((s) => s.status === 'failed')) return 'failed';
  return 'running';
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The run id for an inbound key: the same caller, flow and key always name the same run, so a
 * retried request (after a timeout, a crash, a 5xx) resumes it instead of starting another.
 */
export async function runIdFor(scope: string, flow: string, key: string): Promise<string> {
  return `run_${(await sha256Hex(`${scope}\n${flow}\n${key}`)).slice(0, 32)}`;
}

/** The key sent upstream for one step; an edited dead letter is a new request, so a new key. */
export const upstreamKey = (runId: string, step: string, revision = 0, undo = false) =>
  `${runId}:${step}${undo ? ':undo' : ''}${revision > 0 ? `:rev${revision}` : ''}`;

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Upstream failures another attempt cannot fix (a bad body may be a passing glitch: retried). */
const permanentKinds = new Set<string>(['http_4xx']);

/**
 * @example
 * const flows = createFlowEngine({ flows: catalog.flows, caller: engine, queue, store, publish, now: Date.now, logger });
 * flows.register(); queue.start(); await flows.recover(startedAt);
 * const result = await flows.start('signup', { name, email }, { idempotencyKey, scope, signal, traceId });
 */
export function createFlowEngine(deps: FlowEngineDeps): FlowEngine {
  const { store, queue, caller, now, logger } = deps;
  const jobCallTimeoutMs = deps.jobCallTimeoutMs ?? 15_000;

  const flowOf = (name: string): FlowConfig | undefined => deps.flows[name];

  function newRun(flowName: string, flow: FlowConfig, id: string, key: string, input: unknown) {
    const at = now();
    const steps: FlowStepState[] = Object.entries(flow.steps).map(([step, config]) => ({
      step,
      mode: config.mode,
      critical: config.critical,
      dependsOn: config.dependsOn,
      status: 'pending',
      jobId: null,
      attempts: 0,
      compensationJobId: null,
      updatedAt: at,
    }));
    const run: FlowRun = {
      id,
      flow: flowName,
      idempotencyKey: key,
      status: 'running',
      input,
      steps,
      failedStep: null,
      createdAt: at,
      updatedAt: at,
    };
    return run;
  }

  /** Changes one step (and the run's status with it), publishes the result. */
  async function changeStep(
    runId: string,
    step: string,
    change: (state: FlowStepState, run: FlowRun) => Partial<FlowStepState> | undefined,
  ): Promise<FlowRun | undefined> {
    let changed = false;
    const run = await store.update(runId, (current) => {
      const state = current.steps.find((s) => s.step === step);
      if (!state) return undefined;
      const patch = change(state, current);
      if (!patch) return undefined;
      changed = true;
      const at = now();
      const steps = current.steps.map((s) =>
        s.step === step ? { ...s, ...patch, updatedAt: at } : s,
      );
      // The step whose failure stopped the run succeeded after all (a replay or a retried request).
      const failedStep =
        current.failedStep === step && patch.status === 'succeeded' && !isUndone(current)
          ? null
          : current.failedStep;
      const next = { ...current, steps, failedStep, updatedAt: at };
      return { ...next, status: deriveStatus(next) };
    });
    if (run && changed) deps.publish(run);
    return run;
  }

  const resultsOf = (run: FlowRun): Record<string, unknown> =>
    Object.fromEntries(
      run.steps.filter((s) => s.result !== undefined).map((s) => [s.step, s.result]),
    );
  const scopeOf = (run: FlowRun): TemplateScope => ({ input: run.input, steps: resultsOf(run) });

  function resolveCall(
    call: Pick<FlowStepConfig, 'params' | 'body'>,
    scope: TemplateScope,
  ): FlowJobPayload['request'] {
    const params = fillParams(call.params, scope);
    const body = call.body === undefined ? undefined : fillTemplate(call.body, scope);
    return { ...(params && { params }), ...(body !== undefined && { body }) };
  }

  /** Queues every async step whose dependencies succeeded and that has no job yet. */
  async function enqueueReady(runId: string): Promise<void> {
    const run = await store.get(runId);
    const flow = run && flowOf(run.flow);
    if (!run || !flow || isUndone(run)) return;
    const done = new Set(run.steps.filter((s) => s.status === 'succeeded').map((s) => s.step));
    const syncDone = run.steps.every((s) => s.mode === 'async' || terminalStep.has(s.status));
    if (!syncDone) return;
    const ready: Array<{ step: string; options: EnqueueOptions }> = [];
    for (const state of run.steps) {
      const config = flow.steps[state.step];
      if (!config || state.mode !== 'async' || state.status !== 'pending' || state.jobId) continue;
      if (!config.dependsOn.every((d) => done.has(d))) continue;
      let request: FlowJobPayload['request'];
      try {
        request = resolveCall(config, scopeOf(run));
      } catch (err) {
        await changeStep(run.id, state.step, () => ({
          status: 'failed',
          error: { kind: 'invalid_payload', message: String((err as Error).message) },
        }));
        continue;
      }
      ready.push({
        step: state.step,
        options: {
          type: flowStepJobType,
          payload: { runId: run.id, flow: run.flow, step: state.step, request },
          // The queue dedupes on the key: queuing again after a crash returns the same job.
          idempotencyKey: upstreamKey(run.id, state.step),
          maxAttempts: config.retry.maxAttempts,
          backoff: { baseMs: config.retry.baseDelayMs, maxMs: config.retry.maxDelayMs },
          integration: config.integration,
          operation: config.operation,
        },
      });
    }
    if (ready.length === 0) return;
    // Parallel steps in one commit: one durable write for all of them.
    const jobs = await queue.enqueueMany(ready.map((r) => r.options));
    const jobIds = new Map(ready.map((r, i) => [r.step, jobs[i]?.id]));
    let changed = false;
    const updated = await store.update(run.id, (current) => {
      const at = now();
      const steps = current.steps.map((s) => {
        const jobId = jobIds.get(s.step);
        if (jobId === undefined || s.jobId) return s;
        changed = true;
        return { ...s, jobId, updatedAt: at };
      });
      return changed ? { ...current, steps, updatedAt: at } : undefined;
    });
    if (updated && changed) deps.publish(updated);
  }

  /** A critical step failed for good: undo what succeeded, skip what has not started. */
  async function compensate(runId: string, failedStep: string): Promise<FlowRun | undefined> {
    let changed = false;
    const updated = await store.update(runId, (run) => {
      const flow = flowOf(run.flow);
      if (!flow || run.failedStep !== null) return undefined;
      changed = true;
      const at = now();
      const undo = run.steps.some(
        (s) => s.status === 'succeeded' && flow.steps[s.step]?.compensate !== undefined,
      );
      // Nothing to undo: the run just failed, and may still complete (replay, retried request).
      const steps = !undo
        ? run.steps
        : run.steps.map((s): FlowStepState => {
            if (s.status === 'succeeded' && flow.steps[s.step]?.compensate)
              return { ...s, status: 'compensating', updatedAt: at };
            if (s.status === 'pending') return { ...s, status: 'skipped', updatedAt: at };
            return s;
          });
      const next = { ...run, steps, failedStep, updatedAt: at };
      return { ...next, status: deriveStatus(next) };
    });
    if (updated && changed) deps.publish(updated);
    await enqueueCompensations(runId);
    return store.get(runId);
  }

  async function enqueueCompensations(runId: string): Promise<void> {
    const run = await store.get(runId);
    const flow = run && flowOf(run.flow);
    if (!run || !flow) return;
    for (const state of run.steps) {
      const undo = flow.steps[state.step]?.compensate;
      const config = flow.steps[state.step];
      if (!undo || !config || state.status !== 'compensating' || state.compensationJobId) continue;
      let request: FlowJobPayload['request'];
      try {
        request = resolveCall(undo, scopeOf(run));
      } catch (err) {
        await changeStep(run.id, state.step, () => ({
          status: 'compensation_failed',
          error: { kind: 'invalid_payload', message: String((err as Error).message) },
        }));
        continue;
      }
      const job = await queue.enqueue({
        type: flowCompensateJobType,
        payload: { runId: run.id, flow: run.flow, step: state.step, request },
        idempotencyKey: upstreamKey(run.id, state.step, 0, true),
        maxAttempts: config.retry.maxAttempts,
        backoff: { baseMs: config.retry.baseDelayMs, maxMs: config.retry.maxDelayMs },
        integration: undo.integration,
        operation: undo.operation,
      });
      await changeStep(run.id, state.step, (s) =>
        s.compensationJobId ? undefined : { compensationJobId: job.id },
      );
    }
  }

  /** Runs the sync steps not done yet, in order; then queues the ready async steps. */
  async function runSync(
    run: FlowRun,
    call: { signal: AbortSignal; traceId: string; parentSpanId?: string | undefined },
  ): Promise<StartResult> {
    const flow = flowOf(run.flow);
    if (!flow) throw new Error(`flow ${run.flow} is not declared`);
    let current = run;
    for (const [stepName, config] of Object.entries(flow.steps)) {
      if (config.mode !== 'sync') continue;
      const state = current.steps.find((s) => s.step === stepName);
      if (!state || state.status === 'succeeded') continue;
      let request: FlowJobPayload['request'];
      try {
        request = resolveCall(config, scopeOf(current));
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        const error = { kind: 'invalid_payload', message: err.message };
        current =
          (await changeStep(run.id, stepName, () => ({ status: 'failed', error }))) ?? current;
        if (config.critical) {
          current = (await compensate(run.id, stepName)) ?? current;
          return { kind: 'failed', run: current, step: stepName, error };
        }
        continue;
      }
      await changeStep(run.id, stepName, (s) => ({ status: 'running', attempts: s.attempts }));
      const outcome = await caller.call({
        integration: config.integration,
        operation: config.operation,
        ...(request.params && { params: request.params }),
        ...(request.body !== undefined && { body: request.body }),
        idempotencyKey: upstreamKey(run.id, stepName),
        signal: call.signal,
        traceId: call.traceId,
        ...(call.parentSpanId && { parentSpanId: call.parentSpanId }),
      });
      if (outcome.ok) {
        current =
          (await changeStep(run.id, stepName, (s) => ({
            status: 'succeeded',
            result: outcome.data,
            provider: outcome.provider,
            attempts: s.attempts + outcome.attempts,
          }))) ?? current;
        continue;
      }
      const error: FlowStepError = {
        kind: outcome.error.kind,
        message: outcome.error.message,
        provider: outcome.provider,
      };
      current =
        (await changeStep(run.id, stepName, (s) => ({
          status: 'failed',
          error,
          attempts: s.attempts + outcome.attempts,
        }))) ?? current;
      if (config.critical) {
        current = (await compensate(run.id, stepName)) ?? current;
        return { kind: 'failed', run: current, step: stepName, error };
      }
    }
    await enqueueReady(run.id);
    const latest = (await store.get(run.id)) ?? current;
    return { kind: 'started', run: latest, results: resultsOf(latest) };
  }

  function payloadOf(job: Job): FlowJobPayload {
    const parsed = FlowJobPayloadSchema.safeParse(job.payload);
    if (!parsed.success)
      throw new JobFailure('invalid_payload', 'the payload is not a flow step', {
        retryable: false,
      });
    return parsed.data;
  }

  const failureOf = (error: SourceError, provider: string) =>
    new JobFailure(error.kind, error.message, {
      retryable: !permanentKinds.has(error.kind),
      provider,
    });

  async function runStepJob(job: Job, context: JobContext): Promise<JobSuccess> {
    const payload = payloadOf(job);
    const run = await store.get(payload.runId);
    const config = run && flowOf(run.flow)?.steps[payload.step];
    if (!run || !config)
      throw new JobFailure('invalid_payload', `no run ${payload.runId} step ${payload.step}`, {
        retryable: false,
      });
    if (isUndone(run)) {
      // The run is being undone: doing this step now would need undoing too.
      await changeStep(run.id, payload.step, (s) =>
        s.status === 'succeeded' ? undefined : { status: 'skipped' },
      );
      return { result: { skipped: 'the run was compensated' } };
    }
    await changeStep(run.id, payload.step, (s) => ({
      status: 'running',
      jobId: job.id,
      attempts: s.attempts + 1,
    }));
    const outcome = await caller.call({
      integration: config.integration,
      operation: config.operation,
      ...(payload.request.params && { params: payload.request.params }),
      ...(payload.request.body !== undefined && { body: payload.request.body }),
      idempotencyKey: upstreamKey(run.id, payload.step, job.revision),
      signal: AbortSignal.any([context.signal, AbortSignal.timeout(jobCallTimeoutMs)]),
      traceId: newTraceId(),
    });
    if (!outcome.ok) {
      await changeStep(run.id, payload.step, () => ({
        error: {
          kind: outcome.error.kind,
          message: outcome.error.message,
          provider: outcome.provider,
        },
      }));
      throw failureOf(outcome.error, outcome.provider);
    }
    const after = await changeStep(run.id, payload.step, () => ({
      status: 'succeeded',
      result: outcome.data,
      provider: outcome.provider,
    }));
    // It succeeded while the run was being undone (it was already running): undo it too.
    if (after && isUndone(after) && config.compensate) {
      await changeStep(run.id, payload.step, () => ({ status: 'compensating' }));
      await enqueueCompensations(run.id);
    } else await enqueueReady(run.id);
    return { provider: outcome.provider };
  }

  async function runCompensationJob(job: Job, context: JobContext): Promise<JobSuccess> {
    const payload = payloadOf(job);
    const run = await store.get(payload.runId);
    const undo = run && flowOf(run.flow)?.steps[payload.step]?.compensate;
    if (!run || !undo)
      throw new JobFailure('invalid_payload', `no compensation for ${payload.step}`, {
        retryable: false,
      });
    const outcome = await caller.call({
      integration: undo.integration,
      operation: undo.operation,
      ...(payload.request.params && { params: payload.request.params }),
      ...(payload.request.body !== undefined && { body: payload.request.body }),
      idempotencyKey: upstreamKey(run.id, payload.step, job.revision, true),
      signal: AbortSignal.any([context.signal, AbortSignal.timeout(jobCallTimeoutMs)]),
      traceId: newTraceId(),
    });
    if (!outcome.ok) throw failureOf(outcome.error, outcome.provider);
    await changeStep(run.id, payload.step, () => ({ status: 'compensated' }));
    return { provider: outcome.provider };
  }

  const lastError = (job: Job): FlowStepError => {
    const last = job.history.at(-1);
    return {
      kind: (job.lastErrorKind ?? 'handler') satisfies JobErrorKind,
      message: last?.message ?? 'failed for good',
      ...(last?.provider !== undefined && { provider: last.provider }),
    };
  };

  async function stepDead(job: Job): Promise<void> {
    const parsed = FlowJobPayloadSchema.safeParse(job.payload);
    if (!parsed.success) return;
    const { runId, step } = parsed.data;
    const run = await changeStep(runId, step, (s) =>
      s.status === 'succeeded' || s.status === 'skipped'
        ? undefined
        : { status: 'failed', error: lastError(job) },
    );
    const config = run && flowOf(run.flow)?.steps[step];
    if (run && config?.critical) await compensate(runId, step);
  }

  async function compensationDead(job: Job): Promise<void> {
    const parsed = FlowJobPayloadSchema.safeParse(job.payload);
    if (!parsed.success) return;
    await changeStep(parsed.data.runId, parsed.data.step, () => ({
      status: 'compensation_failed',
      error: lastError(job),
    }));
  }

  return {
    async start(flowName, input, options) {
      const flow = flowOf(flowName);
      if (!flow) throw new Error(`flow ${flowName} is not declared`);
      const id = options.idempotencyKey
        ? await runIdFor(options.scope, flowName, options.idempotencyKey)
        : `run_${crypto.randomUUID().replaceAll('-', '')}`;
      const { run: stored, created } = await store.create(
        newRun(flowName, flow, id, options.idempotencyKey ?? id, input),
      );
      if (created) deps.publish(stored);
      else if (!sameJson(stored.input, input)) return { kind: 'mismatch', run: stored };
      if (isUndone(stored)) return { kind: 'compensated', run: stored };
      return runSync(stored, options);
    },
    register() {
      const concurrency = deps.concurrency ?? 16;
      queue.handle(flowStepJobType, runStepJob, { concurrency, onDead: stepDead });
      queue.handle(flowCompensateJobType, runCompensationJob, {
        concurrency,
        onDead: compensationDead,
      });
    },
    async recover(before) {
      let seen = 0;
      let after: { createdAt: number; id: string } | undefined;
      for (;;) {
        const batch = await store.unfinished(before, after, 200);
        for (const run of batch) {
          try {
            if (isUndone(run)) await enqueueCompensations(run.id);
            else
              await runSync(run, {
                signal: AbortSignal.timeout(jobCallTimeoutMs),
                traceId: newTraceId(),
              });
          } catch (err) {
            logger.error({ runId: run.id, err: String(err) }, 'recovering a flow run failed');
          }
        }
        seen += batch.length;
        const last = batch.at(-1);
        if (batch.length < 200 || !last) return seen;
        after = { createdAt: last.createdAt, id: last.id };
      }
    },
  };
}
