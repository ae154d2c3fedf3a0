// Publishes one second of integration figures: the whole set on `integrations`, and each
// integration's own figures on `integration:<name>`, so a client can follow just the ones it shows.
import {
  integrationTopic,
  type QueueSampleMessage,
  type SampleMessage,
} from '@switchboard/shared/stream';
import type { StreamHub } from './stream-hub';

/**
 * The integrations' second goes out every second even when nothing moved (or there is no
 * integration): it is the event stream's only heartbeat the console can see (EventSource hides
 * comment lines; decision 017), and the point each live chart draws for that second.
 * @example publishSamples(hub, sampler.flush());
 */
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

/**
 * Publishes the queue's second only when it says something the last one published did not: an
 * idle queue (same depth, dead letters, nothing completed or failed) costs no broadcast to every
 * connection each second. Nothing reads the `queue` topic for liveness (the console's stream
 * health rides on `integrations`, decision 023), and a late subscriber still gets the latest
 * figures as its snapshot.
 * @example const publishQueue = createQueueSamplePublisher(hub); publishQueue(await figures.sample(Date.now()));
 */
export function createQueueSamplePublisher(
  hub: StreamHub,
): (sample: Omit<QueueSampleMessage, 'seq'>) => void {
  let last: string | undefined;
  return (sample) => {
    // Everything but the time: once a second, so one serialisation costs nothing that matters.
    const figures = JSON.stringify({ ...sample, at: 0 });
    if (figures === last) return;
    last = figures;
    hub.publish(sample);
  };
}
