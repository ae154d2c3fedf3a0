// What the realtime routes use of a runtime's raw WebSocket when it has one (Node's `ws`), found by
// shape so this folder stays free of runtime imports; other runtimes fall back to WSContext alone.

/** The parts of a `ws` WebSocket the stream transport uses. */
export interface RawSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: Uint8Array, options: { binary: boolean; compress?: boolean }): void;
  ping(): void;
  terminate(): void;
  on(event: 'pong', listener: (this: RawSocket) => void): unknown;
}

/** The raw socket behind Hono's `WSContext.raw`, when it offers what a `ws` WebSocket does. */
export function rawSocketOf(raw: unknown): RawSocket | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const candidate = raw as Partial<Record<keyof RawSocket, unknown>>;
  return typeof candidate.bufferedAmount === 'number' &&
    typeof candidate.send === 'function' &&
    typeof candidate.ping === 'function' &&
    typeof candidate.terminate === 'function' &&
    typeof candidate.on === 'function'
    ? (raw as RawSocket)
    : undefined;
}

/** `WebSocket.OPEN` */
export const socketOpen = 1;
