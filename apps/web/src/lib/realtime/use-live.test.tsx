// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createLiveStream } from './live-stream';
import { RealtimeProvider } from './realtime-context';
import { StreamStatus } from './stream-status';
import { createTestPlatform, epochA, hello, one } from './test-platform';
import { useTopic } from './use-live';

function LatestSeq({ id }: { id: string }) {
  const latest = useTopic('integration:payments');
  return <output data-testid={id}>{latest?.seq ?? 'none'}</output>;
}

afterEach(cleanup);

describe('useTopic and StreamStatus', () => {
  it('share one subscription among components and show the stream’s health', () => {
    const t = createTestPlatform();
    const stream = createLiveStream({
      wsUrl: 'ws://x/api/ws',
      sseUrl: '/api/stream',
      platform: t.platform,
      staleAfterMs: 5_000,
    });
    render(
      <RealtimeProvider stream={stream}>
        <StreamStatus />
        <LatestSeq id="a" />
        <LatestSeq id="b" />
      </RealtimeProvider>,
    );
    expect(t.sockets).toHaveLength(1);
    expect(t.socket().url).toBe(
      `ws://x/api/ws?topics=${encodeURIComponent('integration:payments')}`,
    );
    const status = screen.getByTestId('stream-status');
    expect(status).toHaveProperty('textContent', 'Connecting…');
    act(() => {
      t.socket().open();
      t.socket().receive(hello(epochA, 0));
      t.socket().receive(one(4, 'payments'));
    });
    expect(screen.getByTestId('a').textContent).toBe('4');
    expect(screen.getByTestId('b').textContent).toBe('4');
    expect(status.dataset).toMatchObject({ state: 'live', transport: 'websocket' });
    act(() => {
      t.socket().receive({
        type: 'stream.status',
        lagMs: 2_500,
        merged: 7,
        dropped: 0,
        queued: 1,
        bufferedBytes: 1,
      });
    });
    expect(status.textContent).toBe('Live · lag 2.5 s · 7 merged');
    act(() => t.advance(6_000));
    expect(status.dataset.state).toBe('stale');
    expect(status.textContent).toMatch(/^Stale: no data for 6 s/);
  });
});
