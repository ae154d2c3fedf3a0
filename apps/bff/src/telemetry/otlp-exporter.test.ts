import { describe, expect, it } from 'vitest';
import type { Logger } from '../http/logger';
import { createOtlpExporter, toOtlpJson } from './otlp-exporter';
import type { SpanData } from './spans';

const span = (n: number): SpanData => ({
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: n.toString(16).padStart(16, '0'),
  parentSpanId: '00f067aa0ba902b7',
  name: `span ${n}`,
  kind: 'client',
  startMs: 1_700_000_000_123.5,
  endMs: 1_700_000_000_124.25,
  attributes: { 'http.response.status_code': 200, ratio: 0.5, ok: true, name: 'x' },
  status: { code: 'error', message: 'http_5xx' },
});

function recordingLogger() {
  const lines: Array<{ level: string; msg: string | undefined }> = [];
  const at =
    (level: string) =>
    (_obj: object, msg?: string): void =>
      void lines.push({ level, msg });
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return { logger, lines };
}

/** The exporter always sends a JSON string body. */
function bodyText(init: RequestInit | undefined): string {
  if (typeof init?.body !== 'string') throw new Error('expected a string body');
  return init.body;
}

describe('toOtlpJson', () => {
  it('writes ids as hex, times as exact nanosecond strings, and typed attributes', () => {
    const [rs] = toOtlpJson([span(1)], 'svc').resourceSpans;
    expect(rs?.resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'svc' } },
    ]);
    expect(rs?.scopeSpans[0]?.spans[0]).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '0000000000000001',
      parentSpanId: '00f067aa0ba902b7',
      name: 'span 1',
      kind: 3,
      startTimeUnixNano: '1700000000123500000',
      endTimeUnixNano: '1700000000124250000',
      attributes: [
        { key: 'http.response.status_code', value: { intValue: '200' } },
        { key: 'ratio', value: { doubleValue: 0.5 } },
        { key: 'ok', value: { boolValue: true } },
        { key: 'name', value: { stringValue: 'x' } },
      ],
      status: { code: 2, message: 'http_5xx' },
    });
  });
});

describe('createOtlpExporter', () => {
  it('sends full batches at once and the rest on flush', async () => {
    const posts: number[] = [];
    const exporter = createOtlpExporter({
      endpoint: 'http://collector.test/v1/traces',
      serviceName: 'svc',
      logger: recordingLogger().logger,
      maxBatchSize: 2,
      fetch: (_url, init) => {
        const body = JSON.parse(bodyText(init)) as ReturnType<typeof toOtlpJson>;
        posts.push(body.resourceSpans[0]?.scopeSpans[0]?.spans.length ?? 0);
        return Promise.resolve(new Response('{}'));
      },
    });
    for (let i = 1; i <= 5; i += 1) exporter.export(span(i));
    expect(posts).toEqual([2, 2]);
    await exporter.flush();
    expect(posts).toEqual([2, 2, 1]);
    expect(exporter.dropped()).toBe(0);
  });

  it('drops what the collector refuses, warns once per outage, and says when it recovers', async () => {
    const { logger, lines } = recordingLogger();
    let status = 503;
    const exporter = createOtlpExporter({
      endpoint: 'http://collector.test/v1/traces',
      serviceName: 'svc',
      logger,
      fetch: () => Promise.resolve(new Response('', { status })),
    });
    for (const n of [1, 2]) {
      exporter.export(span(n));
      await exporter.flush();
    }
    expect(exporter.dropped()).toBe(2);
    status = 200;
    exporter.export(span(3));
    await exporter.flush();
    expect(lines.map((l) => l.level)).toEqual(['warn', 'info']);
    expect(exporter.dropped()).toBe(2);
  });

  it('bounds its queue', async () => {
    let sent = 0;
    const exporter = createOtlpExporter({
      endpoint: 'http://collector.test/v1/traces',
      serviceName: 'svc',
      logger: recordingLogger().logger,
      maxQueueSize: 3,
      maxBatchSize: 10,
      fetch: (_url, init) => {
        sent +=
          (JSON.parse(bodyText(init)) as ReturnType<typeof toOtlpJson>).resourceSpans[0]
            ?.scopeSpans[0]?.spans.length ?? 0;
        return Promise.resolve(new Response('{}'));
      },
    });
    for (let i = 1; i <= 5; i += 1) exporter.export(span(i));
    await exporter.flush();
    expect(sent).toBe(3);
    expect(exporter.dropped()).toBe(2);
  });
});
