// Sign-in throttling: growing locks per username and per address, reset by success, shared by case variants.
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { describe, expect, it } from 'vitest';
import {
  createLoginThrottle,
  normaliseUsername,
  type LimiterSettings,
  type LoginThrottle,
} from './login-throttle';

const ip = '198.51.100.7';

async function fail(throttle: LoginThrottle, times: number, username: string, from = ip) {
  let last = await throttle.check(username, from);
  for (let i = 0; i < times; i++) last = await throttle.recordFailure(username, from);
  return last;
}

const waitMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createLoginThrottle', () => {
  describe('per username', () => {
    it('locks after 5 consecutive failures, for 1 min, then 2, 4, … capped at 1 h', async () => {
      const throttle = createLoginThrottle();
      expect(await fail(throttle, 4, 'alice')).toEqual({ allowed: true });
      expect(await throttle.recordFailure('alice', ip)).toEqual({
        allowed: false,
        retryAfterSec: 60,
        reason: 'username',
      });
      expect(await throttle.check('alice', ip)).toEqual({
        allowed: false,
        retryAfterSec: 60,
        reason: 'username',
      });
      const locks: number[] = [];
      for (let i = 0; i < 7; i++) {
        const verdict = await throttle.recordFailure('alice', `203.0.113.${i}`);
        locks.push(verdict.allowed ? 0 : verdict.retryAfterSec);
      }
      expect(locks).toEqual([120, 240, 480, 960, 1920, 3600, 3600]);
    });

    it('locks the username from every address, and leaves other usernames alone', async () => {
      const throttle = createLoginThrottle();
      await fail(throttle, 5, 'alice');
      expect(await throttle.check('alice', '203.0.113.1')).toMatchObject({
        allowed: false,
        reason: 'username',
      });
      expect(await throttle.check('bob', ip)).toEqual({ allowed: true });
    });

    it('counts case and spacing variants of a username together', async () => {
      const throttle = createLoginThrottle();
      for (const variant of ['Alice', ' alice', 'ALICE ', 'aLiCe', 'Ａｌｉｃｅ'])
        await throttle.recordFailure(variant, ip);
      expect(await throttle.check('alice', ip)).toMatchObject({
        allowed: false,
        reason: 'username',
      });
      expect(normaliseUsername('  Alice@Example.COM ')).toBe('alice@example.com');
    });

    it('starts the streak afresh after a success', async () => {
      const throttle = createLoginThrottle();
      await fail(throttle, 4, 'alice');
      await throttle.recordSuccess('Alice', ip);
      expect(await fail(throttle, 4, 'alice')).toEqual({ allowed: true });
      expect(await throttle.recordFailure('alice', ip)).toMatchObject({ retryAfterSec: 60 });
    });

    it('lets the person try again when the lock runs out, and the next failure locks twice as long', async () => {
      // Small real durations: the memory store keeps time with Date.now and its own timers.
      const throttle = createLoginThrottle({ username: { firstLockSec: 0.2 } });
      expect(await fail(throttle, 5, 'alice')).toMatchObject({
        allowed: false,
        reason: 'username',
      });
      await waitMs(250);
      expect(await throttle.check('alice', ip)).toEqual({ allowed: true });
      await throttle.recordFailure('alice', ip);
      await waitMs(200);
      // 0.4 s this time: still locked halfway through.
      expect(await throttle.check('alice', ip)).toMatchObject({ allowed: false });
      await waitMs(250);
      expect(await throttle.check('alice', ip)).toEqual({ allowed: true });
    });
  });

  describe('per address', () => {
    it('blocks an address after 20 failures in the window, whatever the usernames, then for longer', async () => {
      const throttle = createLoginThrottle();
      for (let i = 0; i < 19; i++) await throttle.recordFailure(`user-${i}`, ip);
      expect(await throttle.check('someone-else', ip)).toEqual({ allowed: true });
      expect(await throttle.recordFailure('user-19', ip)).toEqual({
        allowed: false,
        retryAfterSec: 900,
        reason: 'ip',
      });
      expect(await throttle.check('someone-else', ip)).toMatchObject({ reason: 'ip' });
      expect(await throttle.check('someone-else', '198.51.100.8')).toEqual({ allowed: true });
      // The next 20 failures (counting starts afresh after a block) block it twice as long.
      for (let i = 0; i < 19; i++) await throttle.recordFailure(`user-${i}`, ip);
      expect(await throttle.recordFailure('user-19', ip)).toMatchObject({ retryAfterSec: 1800 });
    });

    it("forgets only the signed-in username's failures from that address", async () => {
      const throttle = createLoginThrottle();
      for (let i = 0; i < 15; i++) await throttle.recordFailure(`victim-${i}`, ip);
      await fail(throttle, 4, 'me');
      await throttle.recordSuccess('ME', ip);
      // 15 left on the address: 4 more are allowed, the 20th blocks.
      for (let i = 0; i < 4; i++) await throttle.recordFailure(`victim-${i}`, ip);
      expect(await throttle.check('other', ip)).toEqual({ allowed: true });
      expect(await throttle.recordFailure('victim-4', ip)).toMatchObject({ reason: 'ip' });
    });

    it('answers the longer wait when both the username and the address are locked', async () => {
      const throttle = createLoginThrottle({ ip: { failures: 5, firstBlockSec: 30 } });
      expect(await fail(throttle, 5, 'alice')).toEqual({
        allowed: false,
        retryAfterSec: 60,
        reason: 'username',
      });
      const throttle2 = createLoginThrottle({ ip: { failures: 5, firstBlockSec: 600 } });
      expect(await fail(throttle2, 5, 'alice')).toEqual({
        allowed: false,
        retryAfterSec: 600,
        reason: 'ip',
      });
    });
  });

  it('builds its counters with the store it is given', async () => {
    const made: LimiterSettings[] = [];
    const throttle = createLoginThrottle({
      store: (settings) => {
        made.push(settings);
        return new RateLimiterMemory(settings);
      },
    });
    await fail(throttle, 5, 'alice');
    expect(await throttle.check('alice', ip)).toMatchObject({ allowed: false });
    expect(made.map((s) => s.keyPrefix)).toEqual([
      'login:user-streak',
      'login:user-lock',
      'login:ip-fails',
      'login:pair-fails',
      'login:ip-blocks',
      'login:ip-lock',
    ]);
    expect(made[0]).toEqual({ keyPrefix: 'login:user-streak', points: 5, duration: 86_400 });
  });

  it('checks its options when created', () => {
    expect(() => createLoginThrottle({ username: { freeFailures: 0 } })).toThrow(
      /username\.freeFailures/,
    );
    expect(() => createLoginThrottle({ ip: { windowSec: -1 } })).toThrow(/ip\.windowSec/);
  });
});
