// An integration's health as colour, shape and text together, so it reads without colour vision.
import type { Health, HealthLevel } from '../integration-health';

const looks: Record<HealthLevel, { icon: string; label: string }> = {
  healthy: { icon: '●', label: 'Healthy' },
  degraded: { icon: '◆', label: 'Degraded' },
  down: { icon: '▲', label: 'Down' },
  disabled: { icon: '■', label: 'Disabled' },
  idle: { icon: '○', label: 'Idle' },
};

export function HealthBadge({ health }: { health: Health }) {
  const look = looks[health.level];
  return (
    <span
      className={`health health--${health.level}`}
      data-testid="health"
      data-health={health.level}
      title={health.reason}
    >
      <span aria-hidden="true" className="health__icon">
        {look.icon}
      </span>{' '}
      {look.label}
      <span className="health__reason"> · {health.reason}</span>
    </span>
  );
}
