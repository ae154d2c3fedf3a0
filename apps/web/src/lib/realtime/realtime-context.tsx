// Provides the console's one live connection to every feature.
import { createContext, useContext, type ReactNode } from 'react';
import type { LiveStream } from './live-stream';

const RealtimeContext = createContext<LiveStream | null>(null);

export function RealtimeProvider({
  stream,
  children,
}: {
  stream: LiveStream;
  children: ReactNode;
}) {
  return <RealtimeContext.Provider value={stream}>{children}</RealtimeContext.Provider>;
}

export function useLiveStream(): LiveStream {
  const stream = useContext(RealtimeContext);
  if (!stream) throw new Error('useLiveStream must be used inside <RealtimeProvider>');
  return stream;
}
