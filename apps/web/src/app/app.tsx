// The console's root: providers and the page frame.
import { QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { OverviewPage } from '../features/overview/components/overview-page';
import { createQueryClient } from '../lib/query-client';
import { createLiveStream } from '../lib/realtime/live-stream';
import { RealtimeProvider } from '../lib/realtime/realtime-context';
import { StreamStatus } from '../lib/realtime/stream-status';

function liveStreamForThisPage() {
  const wsUrl = new URL('/api/ws', window.location.href);
  wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  return createLiveStream({ wsUrl: wsUrl.toString(), sseUrl: '/api/stream' });
}

export function App() {
  const [queryClient] = useState(createQueryClient);
  const [stream] = useState(liveStreamForThisPage);
  return (
    <QueryClientProvider client={queryClient}>
      <RealtimeProvider stream={stream}>
        <header className="topbar">
          <span className="brand">Switchboard</span>
          <StreamStatus />
        </header>
        <main>
          <OverviewPage />
        </main>
      </RealtimeProvider>
    </QueryClientProvider>
  );
}
