// The console's one live connection to the BFF, as RxJS observables: a WebSocket subject first, SSE
// when the socket cannot open or keeps failing, back to the socket when it can; reconnects with
// jittered backoff and resumes from the last message seen; one shared observable per topic, and the
// connection follows the union of the topics being watched (decisions 002, 011, 017).
import {
  formatResumePoint,
  ServerMessageSchema,
  TopicSchema,
  type ClientMessage,
  type HelloMessage,
  type SequencedMessage,
  type Topic,
} from '@switchboard/shared/stream';
import {
  BehaviorSubject,
  filter,
  Observable,
  ReplaySubject,
  share,
  Subject,
  type Subscription,
} from 'rxjs';
import { webSocket, type WebSocketSubject } from 'rxjs/webSocket';
import { nextBackoff, type BackoffOptions } from './backoff';

export type StreamTransport = 'websocket' | 'sse';

/**
 * `live`: messages flow. `reconnecting`: the connection dropped and is being re-established.
 * `stale`: connected, but no message (nor heartbeat answer) for a while: what is shown may be old.
 */
export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'stale';

export interface StreamHealth {
  state: StreamState;
  transport: StreamTransport | null;
  /** Epoch milliseconds of the last message received, or null before the first. */
  lastMessageAt: number | null;
  /** From the server's `stream.status`: how far behind this connection is, and what it lost. */
  lagMs: number;
  merged: number;
  dropped: number;
  /** The server run the sequence numbers belong to, and the highest one delivered. */
  epoch: string | null;
  lastSeq: number;
  /** Sequenced messages delivered in this epoch (each once). */
  delivered: number;
  /** The topics the connection asks for; null for every topic. */
  topics: readonly string[] | null;
  /** Reconnections scheduled since the page opened. */
  reconnects: number;
  /** When this health was taken (epoch ms): "no data for N s" is measured against it. */
  checkedAt: number;
}

export const initialHealth: StreamHealth = {
  state: 'connecting',
  transport: null,
  lastMessageAt: null,
  lagMs: 0,
  merged: 0,
  dropped: 0,
  epoch: null,
  lastSeq: 0,
  delivered: 0,
  topics: null,
  reconnects: 0,
  checkedAt: 0,
};

/** The browser classes and clock, injected so tests can drive connections and time by hand. */
export interface StreamPlatform {
  createWebSocket: (url: string) => WebSocket;
  createEventSource: (url: string) => EventSource;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  random: () => number;
  now: () => number;
  /**
   * Calls `listener` when a retry now is worth it (the browser came back online, or the tab became
   * visible again) instead of waiting out a long backoff; returns the unsubscribe.
   */
  onRetryHint?: (listener: () => void) => () => void;
}

export interface LiveStreamOptions {
  /** Absolute ws:// or wss:// URL of /api/ws. */
  wsUrl: string;
  /** URL of /api/stream. */
  sseUrl: string;
  platform?: StreamPlatform;
  /** Failed socket attempts in a row (not opened, or closed soon after opening) before SSE. */
  wsAttemptsBeforeFallback?: number;
  /** While on SSE, the first wait before trying the socket again; later waits back off. */
  wsRetryWhileFallbackMs?: number;
  /** The longest wait between two tries of the socket while on SSE. */
  wsRetryMaxMs?: number;
  backoff?: BackoffOptions;
  /** A socket that closes sooner than this after opening counts as a failed attempt. */
  stableAfterMs?: number;
  /** No message for this long: the stream shows as stale (a WebSocket is pinged at half of it). */
  staleAfterMs?: number;
  /** No message for this long: the connection is taken for dead and replaced. */
  deadAfterMs?: number;
  /** How long a topic stays subscribed after its last listener leaves (route changes, StrictMode). */
  lingerMs?: number;
  /**
   * Asked when the server ends the stream the way it does for a revoked session (WebSocket close
   * 1008, or an SSE request it refuses): resolve false when the session is over, and the stream stops
   * instead of reconnecting forever. Without it, every close reconnects.
   */
  checkSession?: () => Promise<boolean>;
}

export interface LiveStream {
  /**
   * The messages of one topic, delivered once each and in order; one shared observable per topic
   * however many subscribe, and the latest message is replayed to a late subscriber. While anyone
   * listens, the connection subscribes to the topic.
   */
  topic$(topic: Topic): Observable<SequencedMessage>;
  /** Every topic's messages (the connection then asks for every topic). */
  messages$: Observable<SequencedMessage>;
  health$: Observable<StreamHealth>;
  /** The latest health (what `health$` last emitted), for useSyncExternalStore. */
  getHealth: () => StreamHealth;
  /**
   * Keeps the connection open without watching anything in particular (a revoked session is then
   * noticed on any page); returns the release. It receives `integrations`, one message a second,
   * which is also how a connection on SSE (no heartbeat the page can see) is known to be alive.
   */
  hold(): () => void;
}

// Timers on `globalThis` and listeners removed from the very objects they were added to: a stream
// lingers (`lingerMs`) after its page unmounted, and its last timer must not depend on a `window`
// global still being there when it fires (component tests tear the DOM down under it).
const browserPlatform = (): StreamPlatform => ({
  createWebSocket: (url) => new WebSocket(url),
  createEventSource: (url) => new EventSource(url),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as number),
  random: Math.random,
  now: Date.now,
  onRetryHint(listener) {
    const page = window;
    const doc = document;
    const onVisible = () => {
      if (doc.visibilityState === 'visible') listener();
    };
    page.addEventListener('online', listener);
    doc.addEventListener('visibilitychange', onVisible);
    return () => {
      page.removeEventListener('online', listener);
      doc.removeEventListener('visibilitychange', onVisible);
    };
  },
});

/** EventSource.CLOSED, spelled out so the module loads where EventSource is not defined. */
const closedState = 2;
/** The close code the server uses for a revoked or expired session. */
const policyViolation = 1008;
/** What a connection asks for when it is held open but nobody watches a topic. */
const baselineTopic = 'integrations';
const allTopics = '*';

const keyOf = (topics: readonly string[] | undefined) => topics?.join(',') ?? allTopics;

function withParams(url: string, topics: readonly string[] | undefined, resume?: string): string {
  const params: string[] = [];
  if (topics) params.push(`topics=${encodeURIComponent(topics.join(','))}`);
  if (resume) params.push(`resume=${encodeURIComponent(resume)}`);
  if (params.length === 0) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${params.join('&')}`;
}

/** rxjs wants a constructor; the platform hands out instances (a fake in tests). */
const constructorOf = (create: (url: string) => WebSocket) =>
  function PlatformWebSocket(url: string) {
    return create(url);
  } as unknown as new (url: string) => WebSocket;

const closeCodeOf = (value: unknown): number | undefined =>
  typeof value === 'object' && value !== null && 'code' in value && typeof value.code === 'number'
    ? value.code
    : undefined;

interface SocketConnection {
  subject: WebSocketSubject<string>;
  subscription: Subscription | undefined;
  /** The topics this socket was last told (in its URL or by a `subscribe`). */
  topicsKey: string;
  openedAt: number | undefined;
}

interface SourceConnection {
  source: EventSource;
  topicsKey: string;
}

/**
 * @example
 * const live = createLiveStream({ wsUrl: 'ws://localhost:8080/api/ws', sseUrl: '/api/stream' });
 * live.topic$('integration:payments').subscribe((m) => console.log(m.seq));
 */
export function createLiveStream(options: LiveStreamOptions): LiveStream {
  const platform = options.platform ?? browserPlatform();
  const attemptsBeforeFallback = options.wsAttemptsBeforeFallback ?? 2;
  const probe: BackoffOptions = {
    baseMs: options.wsRetryWhileFallbackMs ?? 5_000,
    maxMs: options.wsRetryMaxMs ?? 60_000,
  };
  const backoff = options.backoff ?? { baseMs: 500, maxMs: 10_000 };
  const stableAfterMs = options.stableAfterMs ?? 5_000;
  const staleAfterMs = options.staleAfterMs ?? 5_000;
  const deadAfterMs = options.deadAfterMs ?? 3 * staleAfterMs;
  const lingerMs = options.lingerMs ?? 1_000;

  // --- what is watched: topics with listeners, "everything", and plain holds ---
  const watched = new Set<string>();
  let watchingAll = 0;
  let holds = 0;
  const wanted = (): string[] | undefined =>
    watchingAll > 0 ? undefined : watched.size > 0 ? [...watched].sort() : [baselineTopic];

  // --- where the client is in the stream ---
  let epoch: string | undefined;
  let lastSeq = 0;
  /** Highest number delivered per topic: a snapshot message is new only if above it. */
  const topicSeq = new Map<string, number>();
  let delivered = 0;
  let lastMessageAt: number | null = null;
  /** Last message or connection opening: what staleness is measured from. */
  let activeAt = 0;
  let flow = { lagMs: 0, merged: 0, dropped: 0 };
  const delivered$ = new Subject<SequencedMessage>();

  // --- the connection ---
  let running = false;
  let signedOut = false;
  let socket: SocketConnection | undefined;
  let source: SourceConnection | undefined;
  /** On SSE because the socket failed; the socket is tried again now and then. */
  let fallback = false;
  let failures = 0;
  let delayMs = 0;
  let probeDelayMs = 0;
  let reconnects = 0;
  let pinged = false;
  const timers = {
    reconnect: undefined as unknown,
    probe: undefined as unknown,
    watchdog: undefined as unknown,
    sync: undefined as unknown,
    stop: undefined as unknown,
  };
  const schedule = (name: keyof typeof timers, fn: () => void, ms: number) => {
    platform.clearTimeout(timers[name]);
    timers[name] = platform.setTimeout(() => {
      timers[name] = undefined;
      fn();
    }, ms);
  };
  const cancel = (name: keyof typeof timers) => {
    platform.clearTimeout(timers[name]);
    timers[name] = undefined;
  };

  // --- health ---
  let state: StreamState = 'connecting';
  let transport: StreamTransport | null = null;
  const snapshot = (): StreamHealth => ({
    state,
    transport,
    lastMessageAt,
    ...flow,
    epoch: epoch ?? null,
    lastSeq,
    delivered,
    topics: running ? (wanted() ?? null) : null,
    reconnects,
    checkedAt: platform.now(),
  });
  const health = new BehaviorSubject<StreamHealth>(snapshot());
  const publishHealth = () => health.next(snapshot());
  const setState = (next: StreamState, via: StreamTransport | null = transport) => {
    if (next === state && via === transport) return;
    state = next;
    transport = via;
    publishHealth();
  };

  const resumePoint = () => (epoch ? formatResumePoint(epoch, lastSeq) : undefined);

  // --- receiving ---
  const onHello = (hello: HelloMessage) => {
    if (hello.epoch !== epoch) {
      // The server restarted: its numbers start again, and none of ours compare with them.
      epoch = hello.epoch;
      lastSeq = 0;
      topicSeq.clear();
      delivered = 0;
      publishHealth();
    }
    // A snapshot skips what came before it on purpose (only each topic's latest follows, marked):
    // the resume point moves past it, so a later resume does not replay history.
    if (hello.sync === 'snapshot') lastSeq = Math.max(lastSeq, hello.seq);
  };

  const deliver = (message: SequencedMessage) => {
    const seen = topicSeq.get(message.topic) ?? 0;
    // Exactly once, in order; a snapshot message may be older than others seen, not than its topic's.
    const fresh = message.seq > lastSeq || (message.snapshot === true && message.seq > seen);
    if (!fresh) return;
    lastSeq = Math.max(lastSeq, message.seq);
    topicSeq.set(message.topic, Math.max(seen, message.seq));
    delivered += 1;
    delivered$.next(message);
  };

  const receive = (raw: unknown) => {
    if (typeof raw !== 'string') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return;
    }
    const parsed = ServerMessageSchema.safeParse(json);
    if (!parsed.success) return;
    const message = parsed.data;
    lastMessageAt = activeAt = platform.now();
    pinged = false;
    if (state === 'stale') setState('live');
    switch (message.type) {
      case 'hello':
        return onHello(message);
      case 'stream.status':
        flow = { lagMs: message.lagMs, merged: message.merged, dropped: message.dropped };
        return publishHealth();
      case 'ping':
      case 'pong':
      case 'error':
        return undefined;
      default:
        return deliver(message);
    }
  };

  const unlessSignedOut = (next: () => void) => {
    if (!options.checkSession) return next();
    // A failed check (server unreachable) is no proof the session ended: keep reconnecting.
    options.checkSession().then(
      (valid) => {
        if (!valid) {
          // The session is over: stop for good (the auth layer shows sign-in).
          signedOut = true;
          stop();
        } else if (running) next();
      },
      () => running && next(),
    );
  };

  /** The reconnection waiting in the `reconnect` timer, so a retry hint can run it at once. */
  let pendingReconnect: (() => void) | undefined;
  const reconnectLater = (fn: () => void) => {
    delayMs = nextBackoff(delayMs, backoff, platform.random);
    reconnects += 1;
    setState('reconnecting');
    pendingReconnect = fn;
    schedule(
      'reconnect',
      () => {
        pendingReconnect = undefined;
        fn();
      },
      delayMs,
    );
  };
  /** Back online or visible again: reconnect now, or try the socket now if on the SSE fallback. */
  const retryNow = () => {
    if (!running) return;
    const waiting = pendingReconnect;
    if (waiting && timers.reconnect !== undefined) {
      cancel('reconnect');
      pendingReconnect = undefined;
      waiting();
    } else if (fallback && !socket) {
      cancel('probe');
      openSocket();
    }
  };
  let stopRetryHints: (() => void) | undefined;

  // --- WebSocket ---
  const send = (connection: SocketConnection, message: ClientMessage) =>
    connection.subject.next(JSON.stringify(message));

  /** Tells an open socket the topics now wanted, if they changed. */
  const resubscribe = (connection: SocketConnection) => {
    const topics = wanted();
    const key = keyOf(topics);
    if (key === connection.topicsKey) return;
    const before = connection.topicsKey === allTopics ? undefined : connection.topicsKey.split(',');
    const adds = before !== undefined && (!topics || topics.some((t) => !before.includes(t)));
    const resume = resumePoint();
    // A new topic needs its current state: without a resume point the server sends a snapshot (the
    // latest message per topic; the ones already held are dropped by number). Only removals: a
    // replay after the last number, so nothing in flight is lost.
    send(connection, {
      type: 'subscribe',
      ...(topics && { topics }),
      ...(!adds && resume && { resume }),
    });
    connection.topicsKey = key;
  };

  const openSocket = () => {
    if (!running) return;
    const topics = wanted();
    let closeEvent: CloseEvent | undefined;
    const connection: SocketConnection = {
      subject: webSocket<string>({
        url: withParams(options.wsUrl, topics, resumePoint()),
        WebSocketCtor: constructorOf((url) => platform.createWebSocket(url)),
        // Parsed and validated in `receive`; the default would JSON.parse without a schema.
        deserializer: (event: MessageEvent) => (typeof event.data === 'string' ? event.data : ''),
        serializer: (value: string) => value,
        // rxjs runs this for each socket it opens; the topics are re-sent from here when they
        // changed while the socket was connecting (the URL had the old ones).
        openObserver: { next: () => onSocketOpen(connection) },
        closeObserver: {
          next: (event: CloseEvent) => {
            closeEvent = event;
          },
        },
      }),
      subscription: undefined,
      topicsKey: keyOf(topics),
      openedAt: undefined,
    };
    socket = connection;
    connection.subscription = connection.subject.subscribe({
      next: (raw) => {
        if (socket === connection) receive(raw);
      },
      // A clean close *completes* an rxjs WebSocketSubject: handled like any other end, or a retry
      // would never fire.
      complete: () => onSocketEnd(connection, closeEvent?.code),
      error: (err: unknown) => onSocketEnd(connection, closeEvent?.code ?? closeCodeOf(err)),
    });
  };

  const onSocketOpen = (connection: SocketConnection) => {
    if (socket !== connection) return;
    connection.openedAt = activeAt = platform.now();
    pinged = false;
    cancel('reconnect');
    if (fallback) {
      // The socket works again: leave SSE. The socket resumed from where SSE was; anything both
      // carried is dropped by number.
      fallback = false;
      cancel('probe');
      probeDelayMs = 0;
      closeSource();
    }
    setState('live', 'websocket');
    resubscribe(connection);
  };

  const onSocketEnd = (connection: SocketConnection, code: number | undefined) => {
    if (socket !== connection) return;
    socket = undefined;
    connection.subscription?.unsubscribe();
    if (!running) return;
    const { openedAt } = connection;
    const stable = openedAt !== undefined && platform.now() - openedAt >= stableAfterMs;
    if (stable) {
      failures = 0;
      delayMs = 0;
    } else failures += 1;
    // A failed try while on SSE: SSE carries on, the socket is tried again later.
    if (fallback) return probeLater();
    setState('reconnecting');
    const next = () =>
      failures >= attemptsBeforeFallback ? startFallback() : reconnectLater(openSocket);
    if (code === policyViolation) unlessSignedOut(next);
    else next();
  };

  const dropSocket = () => {
    const connection = socket;
    socket = undefined;
    connection?.subscription?.unsubscribe();
  };

  // --- SSE ---
  const closeSource = () => {
    source?.source.close();
    source = undefined;
  };

  const startFallback = () => {
    fallback = true;
    probeDelayMs = 0;
    openSource();
    probeLater();
  };

  const openSource = () => {
    if (!running) return;
    closeSource();
    const topics = wanted();
    // `resume=` matters for this first request only: the browser's own reconnects send
    // Last-Event-ID, which the server prefers.
    const es = platform.createEventSource(withParams(options.sseUrl, topics, resumePoint()));
    const connection: SourceConnection = { source: es, topicsKey: keyOf(topics) };
    source = connection;
    setState(state === 'live' ? 'reconnecting' : state, 'sse');
    es.onopen = () => {
      if (source !== connection) return;
      activeAt = platform.now();
      delayMs = 0;
      setState('live', 'sse');
    };
    es.onmessage = (event: MessageEvent) => {
      if (source === connection) receive(event.data);
    };
    es.onerror = () => {
      if (source !== connection) return;
      setState('reconnecting');
      // EventSource reconnects by itself (sending Last-Event-ID) unless the server refused it.
      if (es.readyState !== closedState) return;
      closeSource();
      unlessSignedOut(() => reconnectLater(openSource));
    };
  };

  const probeLater = () => {
    probeDelayMs = nextBackoff(probeDelayMs, probe, platform.random);
    schedule('probe', openSocket, probeDelayMs);
  };

  // --- topics ---
  const syncTopics = () => {
    if (!running) return;
    if (socket?.openedAt !== undefined) resubscribe(socket);
    // SSE cannot change its topics in place: reconnect with the new set, resuming.
    if (source && source.topicsKey !== keyOf(wanted())) openSource();
    publishHealth();
  };

  // --- staleness and dead peers ---
  const watchdog = () => {
    if (!running) return;
    const quietMs = platform.now() - activeAt;
    if (state === 'live' && quietMs > staleAfterMs) setState('stale');
    if (socket?.openedAt !== undefined && quietMs > staleAfterMs / 2 && !pinged) {
      // The server answers a ping with a pong: a quiet topic set is not taken for a dead socket.
      pinged = true;
      send(socket, { type: 'ping' });
    }
    if (quietMs > deadAfterMs) {
      if (socket?.openedAt !== undefined) {
        const dead = socket;
        dead.subscription?.unsubscribe();
        onSocketEnd(dead, undefined);
      } else if (source) {
        activeAt = platform.now();
        openSource();
      }
    }
    publishHealth();
    schedule('watchdog', watchdog, 1_000);
  };

  // --- lifetime: connected while anything is watched or held ---
  const start = () => {
    running = true;
    fallback = false;
    failures = 0;
    delayMs = 0;
    activeAt = platform.now();
    setState(lastSeq === 0 ? 'connecting' : 'reconnecting', 'websocket');
    stopRetryHints = platform.onRetryHint?.(retryNow);
    openSocket();
    schedule('watchdog', watchdog, 1_000);
  };
  const stop = () => {
    running = false;
    for (const name of Object.keys(timers) as Array<keyof typeof timers>) cancel(name);
    pendingReconnect = undefined;
    stopRetryHints?.();
    stopRetryHints = undefined;
    dropSocket();
    closeSource();
    fallback = false;
    setState('connecting', null);
  };
  const demandChanged = () => {
    if (signedOut) return;
    if (watched.size + watchingAll + holds > 0) {
      cancel('stop');
      if (!running) start();
      // Coalesce the topic changes of one render (many components mounting) into one subscribe.
      else schedule('sync', syncTopics, 0);
    } else if (running) schedule('stop', stop, lingerMs);
  };

  /** Completes after `lingerMs`: keeps a shared stream connected briefly after its last listener. */
  const linger = () =>
    new Observable<void>((subscriber) => {
      const handle = platform.setTimeout(() => {
        subscriber.next();
        subscriber.complete();
      }, lingerMs);
      return () => platform.clearTimeout(handle);
    });

  const topicStreams = new Map<string, Observable<SequencedMessage>>();
  const topic$ = (topic: Topic): Observable<SequencedMessage> => {
    const name = TopicSchema.parse(topic);
    let stream = topicStreams.get(name);
    if (!stream) {
      stream = new Observable<SequencedMessage>((subscriber) => {
        watched.add(name);
        demandChanged();
        const inner = delivered$.pipe(filter((m) => m.topic === name)).subscribe(subscriber);
        return () => {
          inner.unsubscribe();
          watched.delete(name);
          demandChanged();
        };
      }).pipe(
        share({
          connector: () => new ReplaySubject<SequencedMessage>(1),
          resetOnRefCountZero: linger,
        }),
      );
      topicStreams.set(name, stream);
    }
    return stream;
  };

  const messages$ = new Observable<SequencedMessage>((subscriber) => {
    watchingAll += 1;
    demandChanged();
    const inner = delivered$.subscribe(subscriber);
    return () => {
      inner.unsubscribe();
      watchingAll -= 1;
      demandChanged();
    };
  }).pipe(share({ resetOnRefCountZero: linger }));

  return {
    topic$,
    messages$,
    health$: health.asObservable(),
    getHealth: () => health.value,
    hold() {
      holds += 1;
      demandChanged();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        holds -= 1;
        demandChanged();
      };
    },
  };
}
