// Runs a declared view: every source in parallel under one whole-view deadline, partial results per source.
import type { SourceResult, ViewResult } from '@switchboard/shared/upstreams';
import type { ViewConfig } from '../upstreams/integrations';
import { randomHex } from '../upstreams/trace';
import type { UpstreamClient } from '../upstreams/upstream-client';

export interface RunViewDeps {
  client: UpstreamClient;
  now: () => number;
}

/**
 * Fans a view out over its sources. One failing or slow source never fails the view or delays it
 * past its deadline: each section carries its own status.
 * @example const result = await runView(deps, overview, request.signal);
 */
export async function runView(
  deps: RunViewDeps,
  view: ViewConfig,
  signal: AbortSignal,
): Promise<ViewResult> {
  const start = deps.now();
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(view.deadlineMs)]);
  const traceId = randomHex(16);

  const sections = await Promise.all(
    view.sources.map(async ({ integration, operation }): Promise<[string, SourceResult]> => {
      const result = await deps.client.call(integration, operation, { signal: deadline, traceId });
      const section: SourceResult = result.ok
        ? {
            integration,
            operation,
            status: 'ok',
            latencyMs: round(result.latencyMs),
            data: result.data,
          }
        : {
            integration,
            operation,
            status: result.error.kind === 'timeout' ? 'timeout' : 'error',
            latencyMs: round(result.latencyMs),
            error: result.error,
          };
      return [integration, section];
    }),
  );

  return {
    view: view.name,
    generatedAt: new Date().toISOString(),
    deadlineMs: view.deadlineMs,
    latencyMs: round(deps.now() - start),
    sources: Object.fromEntries(sections),
  };
}

const round = (ms: number) => Math.round(ms * 10) / 10;
