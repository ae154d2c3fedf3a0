// The difference between two JSON values as JSON-pointer operations, for audited payload edits.
import type { PayloadChange } from '@switchboard/shared/queue';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const pointer = (path: string, key: string | number) =>
  `${path}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;

/**
 * @example diffPayload({ a: 1 }, { a: 2, b: 3 })
 * // [{ path: '/a', op: 'replace', before: 1, after: 2 }, { path: '/b', op: 'add', after: 3 }]
 */
export function diffPayload(before: unknown, after: unknown, path = ''): PayloadChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key): PayloadChange[] => {
      const at = pointer(path, key);
      if (!(key in after)) return [{ path: at, op: 'remove', before: before[key] }];
      if (!(key in before)) return [{ path: at, op: 'add', after: after[key] }];
      return diffPayload(before[key], after[key], at);
    });
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const changes: PayloadChange[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i += 1) {
      const at = pointer(path, i);
      if (i >= after.length) changes.push({ path: at, op: 'remove', before: before[i] });
      else if (i >= before.length) changes.push({ path: at, op: 'add', after: after[i] });
      else changes.push(...diffPayload(before[i], after[i], at));
    }
    return changes;
  }
  return JSON.stringify(before) === JSON.stringify(after)
    ? []
    : [{ path: path || '/', op: 'replace', before, after }];
}
