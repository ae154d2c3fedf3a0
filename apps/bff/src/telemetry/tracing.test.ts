// Traces over real HTTP: a loopback OTLP collector receives one server span per inbound request and
// one client span per upstream attempt, linked parent to child, in the trace whose traceparent the
// sandbox providers echoed; and the request's log line carries the same ids.
import type { CatalogInput } from '@switchboard/shared/catalog';
import { ViewResultSchema, type ViewResult } from '@switchboard/shared/upstreams';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { signIn, testEnv } from '../auth/test-session';
import { loadConfig } from '../config/config';
import { createRedactingLogger } from '../runtime/node/logger';
import { startServer, type RunningServer } from '../runtime/node/server';
import { sandboxCatalogConfig, traceEchoPath } from '../sandbox/providers';
import { policies } from '../upstreams/sandbox-harness';
import { parseTraceparent } from './traceparent';

const OtlpSpanSchema = z.object({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.string().optional(),
  name: z.string(),
  kind: z.number(),
  startTimeUnixNano: z.string().regex(/^\d+$/),
  endTimeUnixNano: z.string().regex(/^\d+$/),
  attributes: z.array(z.object({ key: z.string(), value: z.record(z.string(), z.unknown()) })),
  status: z.object({ code: z.number(), message: z.string().optional() }),
});
type OtlpSpan = z.infer<typeof OtlpSpanSchema>;
const ExportRequestSchema = z.object({
  resourceSpans: z.array(
    z.object({
      resource: z.object({ attributes: z.array(z.object({ key: z.string() }).loose()) }),
      scopeSpans: z.array(z.object({ spans: z.array(OtlpSpanSchema) })),
    }),
  ),
});

/** A stand-in OpenTelemetry collector: accepts OTLP/HTTP JSON on /v1/traces and keeps the spans. */
async function startCollector() {
  const spans: OtlpSpan[] = [];
  const services = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const ok = req.method === 'POST' && req.url === '/v1/traces';
      if (ok && req.headers['content-type'] === 'application/json') {
        const body = ExportRequestSchema.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        for (const rs of body.resourceSpans) {
          for (const attr of rs.resource.attributes) {
            const value = (attr as { value?: { stringValue?: string } }).value?.stringValue;
            if (attr.key === 'service.name' && value) services.add(value);
          }
          for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        }
      }
      res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    services,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The `trace` view: two providers that echo the traceparent they got, and one that fails twice. */
function tracedCatalog(urls: ReadonlyMap<string, string>): CatalogInput {
  const sandbox = sandboxCatalogConfig(urls);
  const { users, analytics, email } = sandbox.integrations;
  if (!users || !analytics || !email) throw new Error('the sandbox catalog lost an integration');
  const echo = { 'trace-echo': { method: 'GET', path: traceEchoPath } } as const;
  return {
    integrations: {
      ...sandbox.integrations,
      users: { ...users, operations: { ...users.operations, ...echo } },
      analytics: { ...analytics, operations: { ...analytics.operations, ...echo } },
      flaky: {
        ...email,
        healthCheck: undefined,
        policies: policies({
          retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, budget: { ratio: 1 } },
        }),
        operations: { summary: { method: 'GET', path: '/v1/stats' } },
      },
    },
    views: {
      ...sandbox.views,
      trace: {
        deadlineMs: 5_000,
        sources: {
          users: { integration: 'users', operation: 'trace-echo' },
          analytics: { integration: 'analytics', operation: 'trace-echo' },
          flaky: { integration: 'flaky', operation: 'summary' },
        },
      },
    },
  };
}

/** The traceparent a provider echoed into its section of the view. */
function echoed(view: ViewResult, source: string) {
  const data = z.object({ traceparent: z.string() }).parse(view.sources[source]?.data);
  const parsed = parseTraceparent(data.traceparent);
  if (!parsed) throw new Error(`${source} echoed an invalid traceparent: ${data.traceparent}`);
  return parsed;
}

const LogLineSchema = z
  .object({ msg: z.string(), requestId: z.string().optional(), traceId: z.string().optional() })
  .loose();

describe('OpenTelemetry traces and trace-correlated logs', () => {
  const inbound = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    parentId: '00f067aa0ba902b7',
  };
  let collector: Awaited<ReturnType<typeof startCollector>> | undefined;
  let server: RunningServer | undefined;
  const lines: string[] = [];
  const continued = { requestId: '', view: undefined as ViewResult | undefined };
  const started = { requestId: '', view: undefined as ViewResult | undefined };

  beforeAll(async () => {
    const otlp = await startCollector();
    collector = otlp;
    const { logger } = createRedactingLogger({
      level: 'info',
      destination: { write: (line) => void lines.push(line) },
    });
    const running = await startServer(
      loadConfig(testEnv({ SWITCHBOARD_OTLP_ENDPOINT: otlp.endpoint })),
      logger,
      { catalog: tracedCatalog },
    );
    server = running;
    const api = await signIn(running.url);
    await api.json('/api/sandbox/providers/email', {
      method: 'PATCH',
      body: { failureRate: 1, latencyMs: 0, jitterMs: 0 },
    });
    const view = async (headers: Record<string, string>) => {
      const response = await api.fetch('/api/views/trace', { headers });
      expect(response.status).toBe(200);
      return {
        requestId: response.headers.get('x-request-id') ?? '',
        view: ViewResultSchema.parse(await response.json()),
      };
    };
    Object.assign(
      continued,
      await view({ traceparent: `00-${inbound.traceId}-${inbound.parentId}-01` }),
    );
    Object.assign(started, await view({}));
    // Closing flushes the exporter's queue: afterwards the collector has every span.
    await running.close();
  });

  afterAll(async () => {
    await server?.close();
    await collector?.close();
  });

  const spansOf = (traceId: string) =>
    (collector?.spans ?? []).filter((s) => s.traceId === traceId);

  it('propagates the inbound trace to every provider, one span id per attempt', () => {
    const view = continued.view;
    if (!view) throw new Error('the view did not run');
    const users = echoed(view, 'users');
    const analytics = echoed(view, 'analytics');
    expect(users.traceId).toBe(inbound.traceId);
    expect(analytics.traceId).toBe(inbound.traceId);
    expect(users.parentId).not.toBe(analytics.parentId);
    expect(users.parentId).not.toBe(inbound.parentId);
  });

  it('exports one server span, child of the caller, and one client span per attempt under it', () => {
    const view = continued.view;
    if (!view) throw new Error('the view did not run');
    const spans = spansOf(inbound.traceId);
    const servers = spans.filter((s) => s.kind === 2);
    expect(servers).toHaveLength(1);
    const [serverSpan] = servers;
    expect(serverSpan).toMatchObject({
      name: 'GET /api/views/:name',
      parentSpanId: inbound.parentId,
    });
    expect(serverSpan?.attributes).toContainEqual({
      key: 'http.response.status_code',
      value: { intValue: '200' },
    });

    const clients = spans.filter((s) => s.kind === 3);
    // users and analytics once each; flaky twice (it failed, and was retried once).
    expect(clients.map((s) => s.name).sort()).toEqual([
      'analytics.trace-echo',
      'flaky.summary',
      'flaky.summary',
      'users.trace-echo',
    ]);
    for (const client of clients) {
      expect(client.parentSpanId).toBe(serverSpan?.spanId);
      expect(BigInt(client.startTimeUnixNano)).toBeGreaterThanOrEqual(
        BigInt(serverSpan?.startTimeUnixNano ?? '0'),
      );
      expect(BigInt(client.endTimeUnixNano)).toBeGreaterThanOrEqual(
        BigInt(client.startTimeUnixNano),
      );
    }
    // The client spans are the very spans the providers saw as their parents.
    const byName = (name: string) => clients.find((s) => s.name === name)?.spanId;
    expect(byName('users.trace-echo')).toBe(echoed(view, 'users').parentId);
    expect(byName('analytics.trace-echo')).toBe(echoed(view, 'analytics').parentId);
    const failed = clients.filter((s) => s.name === 'flaky.summary');
    expect(new Set(failed.map((s) => s.spanId)).size).toBe(2);
    for (const span of failed) expect(span.status).toEqual({ code: 2, message: 'http_5xx' });
    expect(collector?.services).toEqual(new Set(['switchboard-bff']));
  });

  it('starts a new trace for a request without traceparent, its server span the root', () => {
    const view = started.view;
    if (!view) throw new Error('the view did not run');
    const { traceId } = echoed(view, 'users');
    expect(traceId).not.toBe(inbound.traceId);
    const spans = spansOf(traceId);
    const serverSpan = spans.find((s) => s.kind === 2);
    expect(serverSpan?.parentSpanId).toBeUndefined();
    const clients = spans.filter((s) => s.kind === 3);
    expect(clients).toHaveLength(4);
    for (const client of clients) expect(client.parentSpanId).toBe(serverSpan?.spanId);
  });

  it('logs each request with its request id and the trace id sent upstream', () => {
    const requestLines = lines
      .map((line) => LogLineSchema.parse(JSON.parse(line)))
      .filter((line) => line.msg === 'request');
    for (const request of [continued, started]) {
      const view = request.view;
      if (!view) throw new Error('the view did not run');
      expect(request.requestId).not.toBe('');
      const line = requestLines.find((l) => l.requestId === request.requestId);
      expect(line).toMatchObject({
        path: '/api/views/trace',
        status: 200,
        traceId: echoed(view, 'users').traceId,
      });
      const serverSpan = spansOf(echoed(view, 'users').traceId).find((s) => s.kind === 2);
      expect(line?.spanId).toBe(serverSpan?.spanId);
    }
    // Every request-scoped line carries both ids, sign-in and sandbox changes included.
    expect(requestLines.length).toBeGreaterThanOrEqual(4);
    for (const line of requestLines) {
      expect(line.requestId).toMatch(/\S/);
      expect(line.traceId).toMatch(/^[0-9a-f]{32}$/);
    }
  });
});
