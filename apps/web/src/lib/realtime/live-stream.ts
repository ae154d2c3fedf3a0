// One live connection to the BFF as RxJS observables: WebSocket first, SSE when the socket cannot open,
// back to WebSocket when it can; reconnects with backoff and resumes from the last message seen.
import {
  formatResumePoint,
  StreamMessageSchema,
  type SequencedMessage,
} from '@switchboard/shared/stream';
import { BehaviorSubject, Observable, share, type Observer } from 'rxjs';

export type StreamTransport = 'websocket' | 'sse';

export interface StreamHealth {
  state: 'connecting' | 'live' | 'reconnecting';
  transport: StreamTransport | null;
  /** Epoch milliseconds of the last message received, or null before the first. */
  lastMessageAt: number | null;
}

/** The browser classes, injected so tests can drive connections by hand. */
export interface StreamPlatform {
  createWebSocket(url: string): WebSocket;
  createEventSource(url: string): EventSource;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  random(): number;
  now(): number;
}

export interface LiveStreamOptions {
  /** Absolute ws:// or wss:// URL of /api/ws. */
  wsUrl: string;
  /** URL of /api/stream. */
  sseUrl: string;
  platform?: StreamPlatform;
  /** Failed socket openings in a row before falling back to SSE. */
  wsAttemptsBeforeFallback?: number;
  /** While on SSE, how often to try the socket again. */
  wsRetryWhileFallbackMs?: number;
  backoff?: { baseMs: number; maxMs: number };
  /**
   * Asked when the server ends the stream the way it does for a revoked session (WebSocket close
   * 1008, or an SSE request it refuses): resolve false when the session is over, and the stream stops
   * instead of reconnecting forever. Without it, every close reconnects.
   */
  checkSession?: () => Promise<boolean>;
}

export interface LiveStream {
  /** Sequenced messages, each delivered once and in order; shared by every subscriber. */
  messages$: Observable<SequencedMessage>;
  health$: Observable<StreamHealth>;
}

const browserPlatform = (): StreamPlatform => ({
  createWebSocket: (url) => new WebSocket(url),
  createEventSource: (url) => new EventSource(url),
  setTimeout: (fn, ms) => window.setTimeout(fn, ms),
  clearTimeout: (handle) => window.clearTimeout(handle as number),
  random: Math.random,
  now: Date.now,
});

/** EventSource.CLOSED, spelled out so the module loads where EventSource is not defined. */
const closedState = 2;
/** The close code the server uses for a revoked or expired session. */
const policyViolation = 1008;

const withResume = (url: string, resume: string | undefined) =>
  resume ? `${url}${url.includes('?') ? '&' : '?'}resume=${encodeURIComponent(resume)}` : url;

/**
 * @example
 * const live = createLiveStream({ wsUrl: 'ws://localhost:8080/api/ws', sseUrl: '/api/stream' });
 * live.messages$.subscribe((m) => console.log(m.seq));
 */
export function createLiveStream(options: LiveStreamOptions): LiveStream {
  const platform = options.platform ?? browserPlatform();
  const attemptsBeforeFallback = options.wsAttemptsBeforeFallback ?? 2;
  const retryWsMs = options.wsRetryWhileFallbackMs ?? 30_000;
  const { baseMs, maxMs } = options.backoff ?? { baseMs: 500, maxMs: 10_000 };
  const health = new BehaviorSubject<StreamHealth>({
    state: 'connecting',
    transport: null,
    lastMessageAt: null,
  });
  const setHealth = (patch: Partial<StreamHealth>) => health.next({ ...health.value, ...patch });

  const messages$ = new Observable<SequencedMessage>((subscriber) => {
    let epoch: string | undefined;
    let lastSeq = 0;
    let failedOpenings = 0;
    let retries = 0;
    let stopped = false;
    let socket: WebSocket | undefined;
    let source: EventSource | undefined;
    let timer: unknown;

    const resumePoint = () => (epoch ? formatResumePoint(epoch, lastSeq) : undefined);
    const schedule = (fn: () => void, ms: number) => {
      platform.clearTimeout(timer);
      timer = platform.setTimeout(fn, ms);
    };
    const unlessSignedOut = (next: () => void) => {
      if (!options.checkSession) return next();
      // A failed check (server unreachable) is no proof the session ended: keep reconnecting.
      options.checkSession().then(
        (valid) => valid && !stopped && next(),
        () => !stopped && next(),
      );
    };

    const deliver = (observer: Pick<Observer<SequencedMessage>, 'next'>, raw: unknown) => {
      if (typeof raw !== 'string') return;
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        return;
      }
      const parsed = StreamMessageSchema.safeParse(json);
      if (!parsed.success) return;
      const message = parsed.data;
      setHealth({ lastMessageAt: platform.now() });
      if (message.type === 'hello') {
        // A new epoch means the server restarted: its numbers start again.
        if (message.epoch !== epoch) {
          epoch = message.epoch;
          lastSeq = 0;
        }
        return;
      }
      if (message.seq <= lastSeq) return;
      lastSeq = message.seq;
      observer.next(message);
    };

    const connectWebSocket = () => {
      if (stopped) return;
      setHealth({
        state: retries === 0 && lastSeq === 0 ? 'connecting' : 'reconnecting',
        transport: 'websocket',
      });
      const ws = platform.createWebSocket(withResume(options.wsUrl, resumePoint()));
      socket = ws;
      let opened = false;
      ws.onopen = () => {
        opened = true;
        failedOpenings = 0;
        retries = 0;
        setHealth({ state: 'live', transport: 'websocket' });
      };
      ws.onmessage = (event: MessageEvent) => deliver(subscriber, event.data);
      // A close, clean or not, is never the end of the stream: only unsubscribing ends it.
      ws.onclose = (event?: CloseEvent) => {
        if (socket !== ws || stopped) return;
        socket = undefined;
        if (!opened) failedOpenings += 1;
        const reconnect = () => {
          if (failedOpenings >= attemptsBeforeFallback) return connectEventSource();
          retries += 1;
          setHealth({ state: 'reconnecting' });
          const delay = Math.min(maxMs, baseMs * 2 ** (retries - 1));
          schedule(connectWebSocket, delay / 2 + (platform.random() * delay) / 2);
        };
        if (event?.code === policyViolation) unlessSignedOut(reconnect);
        else reconnect();
      };
    };

    const connectEventSource = () => {
      if (stopped) return;
      setHealth({ state: 'reconnecting', transport: 'sse' });
      const es = platform.createEventSource(withResume(options.sseUrl, resumePoint()));
      source = es;
      es.onopen = () => setHealth({ state: 'live', transport: 'sse' });
      es.onmessage = (event: MessageEvent) => deliver(subscriber, event.data);
      es.onerror = () => {
        // EventSource reconnects by itself (sending Last-Event-ID) unless the server refused it.
        setHealth({ state: 'reconnecting' });
        if (es.readyState === closedState && source === es) {
          source = undefined;
          unlessSignedOut(() => schedule(connectEventSource, maxMs));
        }
      };
      schedule(probeWebSocket, retryWsMs);
    };

    // While on SSE, try the socket now and then; once it opens, switch back to it.
    const probeWebSocket = () => {
      if (stopped) return;
      const probe = platform.createWebSocket(withResume(options.wsUrl, resumePoint()));
      probe.onopen = () => {
        probe.onclose = null;
        probe.close(1000, 'probe');
        source?.close();
        source = undefined;
        failedOpenings = 0;
        retries = 0;
        connectWebSocket();
      };
      probe.onclose = () => schedule(probeWebSocket, retryWsMs);
    };

    connectWebSocket();
    return () => {
      stopped = true;
      platform.clearTimeout(timer);
      socket?.close(1000, 'unsubscribed');
      source?.close();
      setHealth({ state: 'connecting', transport: null });
    };
  }).pipe(share());

  return { messages$, health$: health.asObservable() };
}
