// The always-visible stream-health indicator: live, reconnecting, or falling back to SSE.
import type { StreamHealth } from './live-stream';
import { useLiveStream } from './realtime-context';
import { useObservable } from './use-observable';

const initial: StreamHealth = { state: 'connecting', transport: null, lastMessageAt: null };

export function StreamStatus() {
  const health = useObservable(useLiveStream().health$, initial);
  const label =
    health.state === 'live'
      ? health.transport === 'sse'
        ? 'Live (SSE fallback)'
        : 'Live'
      : health.state === 'reconnecting'
        ? 'Reconnecting…'
        : 'Connecting…';
  return (
    <span
      className={`stream-status stream-status--${health.state}`}
      data-testid="stream-status"
      data-state={health.state}
      data-transport={health.transport ?? 'none'}
      role="status"
    >
      <span aria-hidden="true" className="stream-status__dot" />
      {label}
    </span>
  );
}
