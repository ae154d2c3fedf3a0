// A payload change shown line by line: path, the value before and after, marked by sign and
// colour both, so it reads without colour vision.
import type { PayloadChange } from '@switchboard/shared/queue';

const show = (value: unknown) => (value === undefined ? '(nothing)' : JSON.stringify(value));

const label: Record<PayloadChange['op'], string> = {
  add: 'added',
  remove: 'removed',
  replace: 'changed',
};

export function DiffView({ changes, title }: { changes: PayloadChange[]; title: string }) {
  if (changes.length === 0) return <p className="muted">No changes to the payload.</p>;
  return (
    <div>
      <p className="muted">
        {title}: {changes.length} {changes.length === 1 ? 'change' : 'changes'}
      </p>
      <ul className="diff" data-testid="payload-diff">
        {changes.map((change) => (
          <li key={`${change.op}:${change.path}`} className={`diff--${change.op}`}>
            <strong>
              {change.op === 'add' ? '+' : change.op === 'remove' ? '−' : '±'} {change.path}
            </strong>{' '}
            <span className="muted">{label[change.op]}</span>
            {change.op !== 'add' && <div>before: {show(change.before)}</div>}
            {change.op !== 'remove' && <div>after: {show(change.after)}</div>}
          </li>
        ))}
      </ul>
    </div>
  );
}
