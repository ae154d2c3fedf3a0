// Publishes one second of integration figures: the whole set on `integrations`, and each
// integration's own figures on `integration:<name>`, so a client can follow just the ones it shows.
import type { IntegrationLiveState } from '@switchboard/shared/integrations';
import { integrationTopic, type SampleMessage } from '@switchboard/shared/stream';
import type { StreamHub } from './stream-hub';

/**
 * `liveState` adds each integration's breaker, bulkhead and rate limit to its sample, so the console
 * can keep the REST answers it holds current (issue 5: REST and live never disagree).
 * @example publishSamples(hub, sampler.flush(), (name) => liveStateOf(engine.integrations.get(name)));
 */
export function publishSamples(
  hub: StreamHub,
  sample: Omit<SampleMessage, 'seq'>,
  liveState?: (integration: string) => IntegrationLiveState | undefined,
): void {
  const samples = liveState
    ? sample.samples.map((one) => {
        const state = liveState(one.integration);
        return state ? { ...one, state } : one;
      })
    : sample.samples;
  hub.publish({ ...sample, samples });
  for (const one of samples)
    hub.publish({
      type: 'integration.sample',
      topic: integrationTopic(one.integration),
      at: sample.at,
      sample: one,
    });
}
