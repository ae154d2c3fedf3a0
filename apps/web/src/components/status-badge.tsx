// A status shown by colour, shape and text together, so it reads without colour vision.
import type { SourceStatus } from '@switchboard/shared/upstreams';

const looks: Record<SourceStatus, { icon: string; label: string }> = {
  ok: { icon: '●', label: 'OK' },
  stale: { icon: '◐', label: 'Stale' },
  fallback: { icon: '⇄', label: 'Fallback' },
  error: { icon: '▲', label: 'Error' },
  timeout: { icon: '◆', label: 'Timeout' },
  skipped: { icon: '○', label: 'Skipped' },
};

export function StatusBadge({ status }: { status: SourceStatus }) {
  const look = looks[status];
  return (
    <span className={`status status--${status}`} data-status={status}>
      <span aria-hidden="true">{look.icon}</span> {look.label}
    </span>
  );
}
