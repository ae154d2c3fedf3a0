// The one place this feature meets the live stream: per-second samples for every integration, and
// for one. Everything else in the feature consumes these observables, so re-pointing the feature at
// another realtime layer (topic subscriptions) means changing only this file.
import type { IntegrationSampleMessage, SampleMessage } from '@switchboard/shared/stream';
import { useMemo } from 'react';
import { filter, type Observable } from 'rxjs';
import { useLiveStream } from '../../lib/realtime/realtime-context';

/** One message a second with every integration's sample (`integrations` topic). */
export function useAllSamples$(): Observable<SampleMessage> {
  const { messages$ } = useLiveStream();
  return useMemo(
    () => messages$.pipe(filter((m): m is SampleMessage => m.type === 'integrations.sample')),
    [messages$],
  );
}

/** One message a second for `name` (its `integration:<name>` topic). */
export function useIntegrationSamples$(name: string): Observable<IntegrationSampleMessage> {
  const { messages$ } = useLiveStream();
  return useMemo(
    () =>
      messages$.pipe(
        filter(
          (m): m is IntegrationSampleMessage =>
            m.type === 'integration.sample' && m.sample.integration === name,
        ),
      ),
    [messages$, name],
  );
}
