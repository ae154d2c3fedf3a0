// Failover over real HTTP: email.send falls back to email-backup.send while email fails or is
// isolated, and comes back to email once it recovers; side-effect counters show who sent what.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../resilience/clock';
import { sandboxCatalogConfig } from '../sandbox/providers';
import { policies, startHarness, transitionTo, type Harness } from './sandbox-harness';

let harness: Harness | undefined;
/**
 * The app's clock: the breaker's open wait ends when the test advances it, never because a loaded
 * machine took two seconds between two lines of the test.
 */
const clock = createManualClock();

function h(): Harness {
  if (!harness) throw new Error('the harness is not running: beforeAll did not complete');
  return harness;
}

let sent = 0;
/** email.send (or another email operation) with a fresh message each time. */
function send(operation = 'send') {
  sent += 1;
  return h().call({
    integration: 'email',
    operation,
    body: { to: `reader${sent}@example.com`, subject: `Message ${sent}` },
  });
}

/** The breaker's wait before it probes; time passes only through `clock.advance`. */
const halfOpenAfterMs = 2_000;
/** The attempt timeout of `send-impatient`, the one operation whose timeout a test exercises. */
const impatientMs = 300;

beforeAll(async () => {
  harness = await startHarness(
    (urls) => {
      const sandbox = sandboxCatalogConfig(urls);
      const { email, 'email-backup': backup } = sandbox.integrations;
      const send = email?.operations['send'];
      if (!email || !backup || !send)
        throw new Error('the sandbox catalog lost its email integrations');
      // One attempt per call and a breaker that opens after 3 failures. The attempt timeout is
      // real time (a timer in the engine), so where a test does not exercise it, it is as long as
      // the harness's own 5 s safety deadline: a 503 or a 202 that a loaded machine takes more than
      // a few hundred ms to carry must not turn into a timeout, which changes the outcome.
      const patient = policies({
        timeout: { connectMs: 5_000, totalMs: 5_000 },
        breaker: { threshold: 3, halfOpenAfterMs },
      });
      return {
        ...sandbox,
        integrations: {
          ...sandbox.integrations,
          email: {
            ...email,
            policies: patient,
            operations: {
              ...email.operations,
              // `send` with a short timeout, for the test that needs one to run out.
              'send-impatient': { ...send, policies: { timeout: { totalMs: impatientMs } } },
            },
          },
          'email-backup': { ...backup, policies: patient },
        },
      };
    },
    { clock },
  );
});

afterEach(async () => {
  await h().breaker('email', 'release');
  h().reset();
});

afterAll(async () => {
  await harness?.close();
});

describe('failover from email to email-backup', () => {
  it('fails over while email fails, keeps failing over while its breaker is open, and returns once it recovers', async () => {
    const { events } = h();
    await h().setFaults('email', { failureRate: 1, latencyMs: 0, jitterMs: 0 });

    for (let i = 0; i < 3; i++) {
      const outcome = await send();
      expect(outcome).toMatchObject({
        ok: true,
        provider: 'email-backup',
        degraded: { via: 'failover', reason: { kind: 'http_5xx', httpStatus: 503 } },
      });
    }
    expect((await h().effects('email')).total).toBe(0);
    expect((await h().effects('email-backup')).total).toBe(3);
    expect(events.calls('email').at(-1)).toMatchObject({
      outcome: 'ok',
      provider: 'email-backup',
      fallback: 'failover',
    });
    await events.next(transitionTo('email', 'open', 'consecutive_failures'));

    // Open: the primary is not even tried.
    const emailRequests = await h().requests('email');
    const whileOpen = await send();
    expect(whileOpen).toMatchObject({
      ok: true,
      provider: 'email-backup',
      degraded: { via: 'failover', reason: { kind: 'breaker_open' } },
    });
    expect(await h().requests('email')).toBe(emailRequests);
    expect((await h().effects('email-backup')).total).toBe(4);

    // Still open just before the wait ends: the primary is still not tried.
    await clock.advance(halfOpenAfterMs - 1);
    expect((await h().integration('email')).breaker.state).toBe('open');
    expect(await send()).toMatchObject({
      provider: 'email-backup',
      degraded: { reason: { kind: 'breaker_open' } },
    });
    expect(await h().requests('email')).toBe(emailRequests);

    // Recovered: after the open wait the next call is email's probe, which succeeds.
    await h().setFaults('email', { failureRate: 0 });
    await clock.advance(1);
    expect((await h().integration('email')).breaker.state).toBe('half-open');
    const back = await send();
    expect(back).toMatchObject({ ok: true, provider: 'email', attempts: 1 });
    expect(back.ok && back.degraded).toBeUndefined();
    await events.next(transitionTo('email', 'closed', 'probes_succeeded'));
    expect((await h().effects('email')).total).toBe(1);
    expect((await h().effects('email-backup')).total).toBe(5);
  });

  it('fails over while an operator holds email open, and returns after release', async () => {
    expect((await h().breaker('email', 'force-open')).breaker.state).toBe('open');
    const emailRequests = await h().requests('email');
    const backupRequests = await h().requests('email-backup');

    const isolated = await send();

    expect(isolated).toMatchObject({
      ok: true,
      provider: 'email-backup',
      degraded: { via: 'failover', reason: { kind: 'breaker_open' } },
    });
    expect(await h().requests('email')).toBe(emailRequests);
    expect(await h().requests('email-backup')).toBe(backupRequests + 1);
    expect((await h().effects('email')).total).toBe(0);
    expect((await h().effects('email-backup')).total).toBe(1);

    await h().breaker('email', 'release');
    const released = await send();
    expect(released).toMatchObject({ ok: true, provider: 'email' });
    expect(released.ok && released.degraded).toBeUndefined();
    expect((await h().effects('email')).total).toBe(1);
    expect((await h().effects('email-backup')).total).toBe(1);
  });

  it('reports the backup failure when both providers are down', async () => {
    await h().setFaults('email', { failureRate: 1, latencyMs: 0, jitterMs: 0 });
    await h().setFaults('email-backup', { failureRate: 1, latencyMs: 0, jitterMs: 0 });

    const outcome = await send();

    expect(outcome).toMatchObject({
      ok: false,
      provider: 'email-backup',
      attempts: 2,
      error: { kind: 'http_5xx' },
    });
    expect((await h().effects('email')).total).toBe(0);
    expect((await h().effects('email-backup')).total).toBe(0);
  });

  it('does not fail over on a 4xx: the request itself is wrong, and the backup would refuse it too', async () => {
    const backupRequests = await h().requests('email-backup');

    const outcome = await h().call({
      integration: 'email',
      operation: 'send',
      body: { to: 'not an address', subject: 'x' },
    });

    expect(outcome).toMatchObject({
      ok: false,
      provider: 'email',
      error: { kind: 'http_4xx', httpStatus: 400 },
    });
    expect(await h().requests('email-backup')).toBe(backupRequests);
  });

  // A non-idempotent call whose primary may have acted (a timeout, a lost answer) must not be sent
  // again to the backup: keys are per provider, so the message would go out twice.
  it('does not send a message twice: no failover after a timeout in which email may have acted', async () => {
    // email queues the message, then trickles its answer out for far longer than the attempt
    // timeout: however slowly this machine runs, the timeout ends the attempt first.
    await h().setFaults('email', { slowBodyMs: 60_000, latencyMs: 0, jitterMs: 0 });

    const outcome = await send('send-impatient');

    expect(outcome).toMatchObject({ ok: false, error: { kind: 'timeout' } });
    expect((await h().effects('email')).total).toBe(1);
    expect((await h().effects('email-backup')).total).toBe(0);
  });
});
