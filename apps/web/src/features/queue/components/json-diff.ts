// The changes between two JSON values, by JSON pointer (RFC 6901): what the operator is about to
// send differently. The same shape the BFF returns and audits (PayloadChange). Pure.
import type { PayloadChange } from '@switchboard/shared/queue';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const escape = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * @example diffJson({ to: 'a@x' }, { to: 'b@x', cc: 'c@x' })
 * // [{ path: '/cc', op: 'add', after: 'c@x' }, { path: '/to', op: 'replace', before: 'a@x', after: 'b@x' }]
 */
export function diffJson(before: unknown, after: unknown, path = ''): PayloadChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => {
      const at = `${path}/${escape(key)}`;
      if (!Object.hasOwn(after, key))
        return [{ path: at, op: 'remove' as const, before: before[key] }];
      if (!Object.hasOwn(before, key)) return [{ path: at, op: 'add' as const, after: after[key] }];
      return diffJson(before[key], after[key], at);
    });
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: PayloadChange[] = [];
    const common = Math.min(before.length, after.length);
    for (let i = 0; i < common; i++) out.push(...diffJson(before[i], after[i], `${path}/${i}`));
    for (let i = common; i < after.length; i++)
      out.push({ path: `${path}/${i}`, op: 'add', after: after[i] });
    // Removed from the end backwards, so each pointer is valid when applied in order.
    for (let i = before.length - 1; i >= common; i--)
      out.push({ path: `${path}/${i}`, op: 'remove', before: before[i] });
    return out;
  }
  if (same(before, after)) return [];
  return [{ path: path === '' ? '/' : path, op: 'replace', before, after }];
}
