// The effective policies of an integration (defaults applied), as a definition list.
import type { EffectivePolicies } from '@switchboard/shared/catalog';
import { memo } from 'react';

const describe = (value: unknown): string => {
  if (Array.isArray(value)) return value.map(describe).join(', ');
  if (typeof value === 'object' && value !== null)
    return Object.entries(value)
      .map(([k, v]) =>
        typeof v === 'object' && v !== null && !Array.isArray(v)
          ? `${k}: (${describe(v)})`
          : `${k}: ${describe(v)}`,
      )
      .join(' · ');
  return String(value);
};

// Memoised: the detail page re-renders every second for its charts; this part has not changed.
export const PoliciesPanel = memo(function PoliciesPanel({
  policies,
}: {
  policies: EffectivePolicies;
}) {
  return (
    <section aria-labelledby="policies-title">
      <h2 id="policies-title">Effective policies</h2>
      <dl className="policies" data-testid="policies">
        {Object.entries(policies).map(([name, policy]) => (
          <div key={name} style={{ display: 'contents' }}>
            <dt>{name}</dt>
            <dd>{describe(policy)}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
});
