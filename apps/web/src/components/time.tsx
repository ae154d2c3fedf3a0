// A moment shown in the reader's locale, with the exact instant machine-readable.
export function Time({ at, fallback = '—' }: { at: number | null; fallback?: string }) {
  if (at === null) return <>{fallback}</>;
  const date = new Date(at);
  return <time dateTime={date.toISOString()}>{date.toLocaleString()}</time>;
}
