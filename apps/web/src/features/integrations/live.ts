// The one place this feature meets the live stream: per-second samples for every integration, and
// for one. Everything else in the feature consumes these observables, so re-pointing the feature at
// another realtime layer means changing only this file. Each uses its own topic, so the connection
// carries only what the pages on screen show (decision 017).
import {
  integrationTopic,
  TopicSchema,
  type IntegrationSampleMessage,
  type SampleMessage,
} from '@switchboard/shared/stream';
import { useMemo } from 'react';
import { EMPTY, filter, type Observable } from 'rxjs';
import { useLiveStream } from '../../lib/realtime/realtime-context';

/** One message a second with every integration's sample (`integrations` topic). */
export function useAllSamples$(): Observable<SampleMessage> {
  const stream = useLiveStream();
  return useMemo(
    () =>
      stream
        .topic$('integrations')
        .pipe(filter((m): m is SampleMessage => m.type === 'integrations.sample')),
    [stream],
  );
}

/** One message a second for `name` (its `integration:<name>` topic). */
export function useIntegrationSamples$(name: string): Observable<IntegrationSampleMessage> {
  const stream = useLiveStream();
  return useMemo(() => {
    // A name from the URL may not be a valid one: no topic, nothing live (the page shows the 404).
    const topic = TopicSchema.safeParse(integrationTopic(name));
    if (!topic.success) return EMPTY;
    return stream
      .topic$(topic.data)
      .pipe(
        filter(
          (m): m is IntegrationSampleMessage =>
            m.type === 'integration.sample' && m.sample.integration === name,
        ),
      );
  }, [stream, name]);
}
