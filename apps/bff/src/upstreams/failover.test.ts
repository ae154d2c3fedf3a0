// Failover over real HTTP: email.send falls back to email-backup.send while email fails or is
// isolated, and comes back to email once it recovers; side-effect counters show who sent what.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sandboxCatalogConfig } from '../sandbox/providers';
import { policies, startHarness, transitionTo, waitFor, type Harness } from './sandbox-harness';

let harness: Harness | undefined;

function h(): Harness {
  if (!harness) throw new Error('the harness is not running: beforeAll did not complete');
  return harness;
}

let sent = 0;
/** email.send with a fresh message each time. */
function send() {
  sent += 1;
  return h().call({
    integration: 'email',
    operation: 'send',
    body: { to: `reader${sent}@example.com`, subject: `Message ${sent}` },
  });
}

beforeAll(async () => {
  harness = await startHarness((urls) => {
    const sandbox = sandboxCatalogConfig(urls);
    const { email, 'email-backup': backup } = sandbox.integrations;
    if (!email || !backup) throw new Error('the sandbox catalog lost its email integrations');
    // One attempt per call, a 300 ms timeout, and a breaker that opens after 3 failures and
    // probes after 2 s: long enough that a loaded CI machine still makes its "while open" call
    // inside the open window, short enough to wait for the probe.
    const fast = policies({
      timeout: { totalMs: 300 },
      breaker: { threshold: 3, halfOpenAfterMs: 2000 },
    });
    return {
      ...sandbox,
      integrations: {
        ...sandbox.integrations,
        email: { ...email, policies: fast },
        'email-backup': { ...backup, policies: fast },
      },
    };
  });
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

    // Recovered: after the open wait the next call is email's probe, which succeeds.
    await h().setFaults('email', { failureRate: 0 });
    await waitFor(
      async () => (await h().integration('email')).breaker.state === 'half-open' || undefined,
      'the email breaker to half-open',
      10_000,
    );
    const back = await send();
    expect(back).toMatchObject({ ok: true, provider: 'email', attempts: 1 });
    expect(back.ok && back.degraded).toBeUndefined();
    await events.next(transitionTo('email', 'closed', 'probes_succeeded'));
    expect((await h().effects('email')).total).toBe(1);
    expect((await h().effects('email-backup')).total).toBe(4);
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
    // email queues the message, then trickles its answer out for longer than the 300 ms timeout.
    await h().setFaults('email', { slowBodyMs: 2_000, latencyMs: 0, jitterMs: 0 });

    const outcome = await send();

    expect(outcome).toMatchObject({ ok: false, error: { kind: 'timeout' } });
    expect((await h().effects('email')).total).toBe(1);
    expect((await h().effects('email-backup')).total).toBe(0);
  });
});
