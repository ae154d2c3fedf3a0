// The always-visible stream-health indicator: live, reconnecting, live over the SSE fallback, or
// stale (connected but silent), with the lag and losses the server reports for this connection.
import type { StreamHealth } from './live-stream';
import { useStreamHealth } from './use-live';

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** What the indicator says, for a given health. */
export function describeHealth(health: StreamHealth): string {
  switch (health.state) {
    case 'live':
      return health.transport === 'sse' ? 'Live (SSE fallback)' : 'Live';
    case 'stale':
      return health.lastMessageAt === null
        ? 'Stale: no data yet'
        : `Stale: no data for ${seconds(health.checkedAt - health.lastMessageAt)}`;
    case 'reconnecting':
      return 'Reconnecting…';
    default:
      return 'Connecting…';
  }
}

export function StreamStatus() {
  const health = useStreamHealth();
  const label = describeHealth(health);
  const lagging = health.lagMs > 0;
  const losses = health.merged + health.dropped > 0;
  const details = [
    health.transport && `over ${health.transport === 'sse' ? 'Server-Sent Events' : 'WebSocket'}`,
    lagging && `lag ${seconds(health.lagMs)}`,
    health.merged > 0 && `${health.merged} merged`,
    health.dropped > 0 && `${health.dropped} dropped`,
  ].filter(Boolean);
  return (
    <span
      className={`stream-status stream-status--${health.state}`}
      data-testid="stream-status"
      data-state={health.state}
      data-transport={health.transport ?? 'none'}
      data-epoch={health.epoch ?? ''}
      data-last-seq={health.lastSeq}
      data-delivered={health.delivered}
      data-topics={health.topics?.join(',') ?? '*'}
      data-lag-ms={health.lagMs}
      data-merged={health.merged}
      data-dropped={health.dropped}
      title={[label, ...details].join(' · ')}
      role="status"
    >
      <span aria-hidden="true" className="stream-status__dot" />
      {label}
      {(lagging || losses) && (
        <span className="stream-status__flow" data-testid="stream-flow">
          {lagging && ` · lag ${seconds(health.lagMs)}`}
          {health.merged > 0 && ` · ${health.merged} merged`}
          {health.dropped > 0 && ` · ${health.dropped} dropped`}
        </span>
      )}
    </span>
  );
}
