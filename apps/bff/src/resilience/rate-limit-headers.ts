// Reads what a provider says about its rate limits: X-RateLimit-*, IETF RateLimit / RateLimit-Policy, Retry-After.
import type { ResponseHeaders } from '../upstreams/http-transport';

/** What one response said about the provider's limits; `null` where it said nothing. */
export interface ProviderRateLimit {
  /** Requests allowed in the current window. */
  limit: number | null;
  /** Requests left in the current window. */
  remaining: number | null;
  /** Milliseconds from now until the window resets. */
  resetMs: number | null;
  /** The sustained rate the provider's policy allows (quota / window), per second. */
  policyPerSecond: number | null;
  /** Retry-After of a 429 or 503, in milliseconds from now. */
  retryAfterMs: number | null;
}

/**
 * Reads a response's rate-limit headers, in every form seen in the wild:
 * - `X-RateLimit-Limit / -Remaining / -Reset`, the reset in seconds from now or, above 1e9, as
 *   epoch seconds (above 1e12, epoch milliseconds);
 * - IETF `RateLimit`, both the older dictionary `limit=100, remaining=3, reset=20` (and its
 *   separate `RateLimit-Limit / -Remaining / -Reset` headers) and the newer `"default";r=3;t=20`;
 * - `RateLimit-Policy`, older `100;w=60` and newer `"default";q=100;w=60`;
 * - `Retry-After` on 429 and 503, in seconds or as an HTTP-date.
 * Dates (epoch resets, HTTP-dates) are measured against the response's own `Date` header when it
 * has one, so a skewed local clock does not stretch or shrink the wait; else against `wallNow()`.
 *
 * @example
 * readRateLimitHeaders(429, new Headers({ 'retry-after': '2' }), Date.now).retryAfterMs; // 2000
 */
export function readRateLimitHeaders(
  status: number,
  headers: ResponseHeaders,
  wallNow: () => number,
): ProviderRateLimit {
  const out: ProviderRateLimit = {
    limit: null,
    remaining: null,
    resetMs: null,
    policyPerSecond: null,
    retryAfterMs: null,
  };

  let policyName: string | null = null;
  const policy = headers.get('ratelimit-policy');
  const policies = policy === null ? [] : parseMembers(policy);
  const rateLimit = headers.get('ratelimit');
  if (rateLimit !== null) {
    const members = parseMembers(rateLimit);
    const dictionary = members.find((m) => m.key !== null);
    if (dictionary !== undefined) {
      // Older draft: one dictionary, `limit=100, remaining=3, reset=20`.
      for (const m of members) {
        if (m.key === 'limit') out.limit = toNumber(m.value);
        else if (m.key === 'remaining') out.remaining = toNumber(m.value);
        else if (m.key === 'reset') out.resetMs = seconds(toNumber(m.value));
      }
    } else {
      // Newer draft: one item per policy, `"name";r=3;t=20`; the scarcest one governs.
      for (const m of members) {
        const r = toNumber(m.params.get('r'));
        if (r === null || (out.remaining !== null && r >= out.remaining)) continue;
        out.remaining = r;
        out.resetMs = seconds(toNumber(m.params.get('t')));
        policyName = m.value;
      }
    }
  } else {
    out.limit = toNumber(headers.get('ratelimit-limit'));
    out.remaining = toNumber(headers.get('ratelimit-remaining'));
    out.resetMs = seconds(toNumber(headers.get('ratelimit-reset')));
  }

  for (const m of policies) {
    const quota = toNumber(m.params.get('q')) ?? toNumber(m.value);
    const windowSeconds = toNumber(m.params.get('w'));
    if (quota === null) continue;
    if (windowSeconds !== null && windowSeconds > 0) {
      const perSecond = quota / windowSeconds;
      if (out.policyPerSecond === null || perSecond < out.policyPerSecond)
        out.policyPerSecond = perSecond;
    }
    if (out.limit === null || m.value === policyName) out.limit = quota;
  }

  if (out.remaining === null) {
    out.limit ??= toNumber(headers.get('x-ratelimit-limit'));
    out.remaining = toNumber(headers.get('x-ratelimit-remaining'));
    const reset = toNumber(headers.get('x-ratelimit-reset'));
    if (reset !== null) {
      if (reset > 1e12) out.resetMs = Math.max(0, reset - referenceTime(headers, wallNow));
      else if (reset > 1e9)
        out.resetMs = Math.max(0, reset * 1000 - referenceTime(headers, wallNow));
      else out.resetMs = seconds(reset);
    }
  }

  if (status === 429 || status === 503) {
    const retryAfter = headers.get('retry-after')?.trim();
    if (retryAfter) {
      if (/^\d+(\.\d+)?$/.test(retryAfter)) out.retryAfterMs = Number(retryAfter) * 1000;
      else {
        const at = Date.parse(retryAfter);
        if (!Number.isNaN(at)) out.retryAfterMs = Math.max(0, at - referenceTime(headers, wallNow));
      }
    }
  }
  return out;
}

/** The provider's own clock when it sent a Date, else ours (a function, not a per-call closure). */
function referenceTime(headers: ResponseHeaders, wallNow: () => number): number {
  const date = Date.parse(headers.get('date') ?? '');
  return Number.isNaN(date) ? wallNow() : date;
}

interface Member {
  /** The bare item, unquoted (`default`, `100`), or for a dictionary entry its value. */
  value: string;
  /** For a dictionary entry (`remaining=3`), its key; null for a bare item. */
  key: string | null;
  params: Map<string, string>;
}

/** A forgiving reader for structured-field lists and dictionaries (RFC 8941) as these headers use them. */
function parseMembers(header: string): Member[] {
  const members: Member[] = [];
  for (const raw of splitOutsideQuotes(header, ',')) {
    const parts = splitOutsideQuotes(raw, ';');
    const first = (parts[0] ?? '').trim();
    const eq = first.startsWith('"') ? -1 : first.indexOf('=');
    const member: Member = {
      key: eq >= 0 ? first.slice(0, eq).trim().toLowerCase() : null,
      value: unquote(eq >= 0 ? first.slice(eq + 1) : first),
      params: new Map(),
    };
    for (const param of parts.slice(1)) {
      const i = param.indexOf('=');
      if (i > 0)
        member.params.set(param.slice(0, i).trim().toLowerCase(), unquote(param.slice(i + 1)));
    }
    if (member.value !== '' || member.key !== null) members.push(member);
  }
  return members;
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    else if (c === separator && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function unquote(text: string): string {
  const t = text.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

function toNumber(text: string | null | undefined): number | null {
  if (text === null || text === undefined) return null;
  const t = text.trim();
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : null;
}

function seconds(value: number | null): number | null {
  return value === null ? null : Math.max(0, value * 1000);
}
