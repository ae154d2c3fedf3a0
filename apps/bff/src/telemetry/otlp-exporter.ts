// Sends finished spans to an OpenTelemetry collector as OTLP/HTTP JSON, in batches, with fetch (so
// it runs on any runtime). See docs/decisions/009-telemetry.md for why not the OpenTelemetry SDK.
import type { Logger } from '../http/logger';
import type { SpanAttribute, SpanData, SpanExporter } from './spans';

export interface OtlpExporterOptions {
  /** The collector's traces endpoint, e.g. http://127.0.0.1:4318/v1/traces. */
  endpoint: string;
  serviceName: string;
  logger: Logger;
  fetch?: typeof fetch;
  /** A batch leaves this long after its first span was queued, or sooner when full. */
  scheduledDelayMs?: number;
  maxBatchSize?: number;
  /** Spans beyond this wait in no queue: they are dropped (and counted) rather than grow memory. */
  maxQueueSize?: number;
  /** Each POST gives up after this long. */
  exportTimeoutMs?: number;
}

export interface OtlpExporter extends SpanExporter {
  /** Spans dropped because the queue was full or the collector refused them. */
  dropped(): number;
}

// https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/trace/v1/trace.proto
const kindCode = { internal: 1, server: 2, client: 3 } as const;
const statusCode = { unset: 0, ok: 1, error: 2 } as const;

/** Epoch milliseconds as the decimal string of nanoseconds (too large for a double to hold exactly). */
function unixNano(ms: number): string {
  const whole = Math.floor(ms);
  const fractionNs = Math.round((ms - whole) * 1e6);
  return (BigInt(whole) * 1_000_000n + BigInt(fractionNs)).toString();
}

function attributeValue(value: SpanAttribute) {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  // int64 travels as a string in OTLP/JSON.
  return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}

const attributes = (record: Record<string, SpanAttribute>) =>
  Object.entries(record).map(([key, value]) => ({ key, value: attributeValue(value) }));

/** The OTLP/JSON `ExportTraceServiceRequest` for `spans` (ids as hex, as OTLP/JSON wants). */
export function toOtlpJson(spans: readonly SpanData[], serviceName: string) {
  return {
    resourceSpans: [
      {
        resource: { attributes: attributes({ 'service.name': serviceName }) },
        scopeSpans: [
          {
            scope: { name: 'switchboard' },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId !== undefined && { parentSpanId: s.parentSpanId }),
              name: s.name,
              kind: kindCode[s.kind],
              startTimeUnixNano: unixNano(s.startMs),
              endTimeUnixNano: unixNano(s.endMs),
              attributes: attributes(s.attributes),
              status: {
                code: statusCode[s.status.code],
                ...(s.status.message !== undefined && { message: s.status.message }),
              },
            })),
          },
        ],
      },
    ],
  };
}

/**
 * A batching span processor and OTLP/HTTP exporter in one: nothing runs until a span arrives.
 * @example const otlp = createOtlpExporter({ endpoint, serviceName: 'switchboard-bff', logger }); otlp.export(span); await otlp.flush();
 */
export function createOtlpExporter(options: OtlpExporterOptions): OtlpExporter {
  const send = options.fetch ?? fetch;
  const delayMs = options.scheduledDelayMs ?? 1000;
  const maxBatch = options.maxBatchSize ?? 512;
  const maxQueue = options.maxQueueSize ?? 2048;
  const timeoutMs = options.exportTimeoutMs ?? 10_000;
  let queue: SpanData[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let dropped = 0;
  let failing = false;
  const inFlight = new Set<Promise<void>>();

  async function post(batch: SpanData[]): Promise<void> {
    try {
      const response = await send(options.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(toOtlpJson(batch, options.serviceName)),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Drain the body so the connection can be reused.
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw new Error(`the collector answered HTTP ${response.status}`);
      if (failing) options.logger.info({ endpoint: options.endpoint }, 'span export recovered');
      failing = false;
    } catch (err) {
      dropped += batch.length;
      // Once per outage, not once per batch: a down collector must not flood the log.
      if (!failing) {
        options.logger.warn(
          { endpoint: options.endpoint, err: err instanceof Error ? err.message : String(err) },
          'span export failed; spans are dropped until the collector answers',
        );
      }
      failing = true;
    }
  }

  function drain(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    const sends: Promise<void>[] = [];
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(maxBatch);
      const sending = post(batch).finally(() => inFlight.delete(sending));
      inFlight.add(sending);
      sends.push(sending);
    }
    return Promise.all([...inFlight, ...sends]).then(() => undefined);
  }

  return {
    export(span) {
      if (queue.length >= maxQueue) {
        dropped += 1;
        return;
      }
      queue.push(span);
      if (queue.length >= maxBatch) void drain();
      else timer ??= setTimeout(() => void drain(), delayMs);
    },
    flush: drain,
    dropped: () => dropped,
  };
}
