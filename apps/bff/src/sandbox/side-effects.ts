// Counts a provider's side effects and makes them idempotent per `Idempotency-Key`, as Stripe does:
// the first request with a key acts and its answer is stored; repeats get that answer back.
import type { SideEffects } from '@switchboard/shared/sandbox';

/** An answer as stored for replay: enough to rebuild the same response. */
export interface StoredAnswer {
  status: number;
  body: unknown;
}

export interface SideEffectLedger {
  /**
   * Runs `effect` unless `key` was seen before. A repeat with the same key and the same request
   * (`fingerprint`) answers the stored response marked `Idempotent-Replayed: true`; the same key
   * with a different request answers 422, because acting on it would be a silent surprise.
   */
  perform(
    key: string | undefined,
    fingerprint: string,
    effect: (sequence: number) => StoredAnswer,
  ): Response;
  snapshot(): SideEffects;
  reset(): void;
}

/** Keys kept (answers for replay, and counts); the oldest go first, so memory stays bounded. */
const maxKeys = 10_000;

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.set(key, value);
  if (map.size <= maxKeys) return;
  const oldest = map.keys().next();
  if (!oldest.done) map.delete(oldest.value);
}

const jsonResponse = (answer: StoredAnswer, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(answer.body), {
    status: answer.status,
    headers: { 'content-type': 'application/json', ...headers },
  });

/** @example const ledger = createSideEffectLedger(); ledger.perform(key, `POST /v1/charges ${body}`, (n) => ({ status: 201, body: { id: `ch_${n}` } })); */
export function createSideEffectLedger(): SideEffectLedger {
  const stored = new Map<string, { fingerprint: string; answer: StoredAnswer }>();
  // Counted apart from the stored answers so a key that acted twice would show as 2.
  const countByKey = new Map<string, number>();
  let total = 0;
  let replays = 0;

  return {
    perform(key, fingerprint, effect) {
      if (key === undefined) {
        total += 1;
        return jsonResponse(effect(total));
      }
      const previous = stored.get(key);
      if (previous) {
        if (previous.fingerprint !== fingerprint) {
          return jsonResponse({
            status: 422,
            body: {
              error: {
                type: 'idempotency_key_reused',
                message: 'This Idempotency-Key was used with a different request.',
              },
            },
          });
        }
        replays += 1;
        return jsonResponse(previous.answer, { 'idempotent-replayed': 'true' });
      }
      total += 1;
      const answer = effect(total);
      remember(stored, key, { fingerprint, answer });
      remember(countByKey, key, (countByKey.get(key) ?? 0) + 1);
      return jsonResponse(answer);
    },
    snapshot: () => ({
      total,
      byKey: Object.fromEntries(countByKey),
      replays,
    }),
    reset() {
      stored.clear();
      countByKey.clear();
      total = 0;
      replays = 0;
    },
  };
}
