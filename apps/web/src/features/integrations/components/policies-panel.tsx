// The effective policies of an integration (defaults applied), as a definition list.
import type { EffectivePolicies } from '@switchboard/shared/catalog';

const describe = (value: unknown): string =>
  typeof value === 'object' && value !== null
    ? Object.entries(value)
        .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
        .join(' · ')
    : String(value);

export function PoliciesPanel({ policies }: { policies: EffectivePolicies }) {
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
}
