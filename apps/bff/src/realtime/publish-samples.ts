// Publishes one second of integration figures: the whole set on `integrations`, and each
// integration's own figures on `integration:<name>`, so a client can follow just the ones it shows.
import { integrationTopic, type SampleMessage } from '@switchboard/shared/stream';
import type { StreamHub } from './stream-hub';

/** @example publishSamples(hub, sampler.flush()); */
export function publishSamples(hub: StreamHub, sample: Omit<SampleMessage, 'seq'>): void {
  hub.publish(sample);
  for (const one of sample.samples)
    hub.publish({
      type: 'integration.sample',
      topic: integrationTopic(one.integration),
      at: sample.at,
      sample: one,
    });
}
