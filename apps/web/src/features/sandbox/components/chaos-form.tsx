// One provider's fault controls: latency, error rate and status, 429 storm, hangs, resets and
// malformed bodies. Sends only what changed; "Heal" puts every fault back to healthy.
import type { ProviderFaultsPatch, SandboxProvider } from '@switchboard/shared/sandbox';
import { useId, useState, type FormEvent } from 'react';
import {
  patchFrom,
  valuesOf,
  type ChaosErrors,
  type ChaosField,
  type ChaosValues,
} from './chaos-model';

interface NumberField {
  field: Exclude<ChaosField, 'rateLimitStorm'>;
  label: string;
  unit: string;
  max: number;
  step: number;
  min?: number;
}

const numberFields: NumberField[] = [
  { field: 'latencyMs', label: 'Latency', unit: 'ms', max: 60_000, step: 10 },
  { field: 'jitterMs', label: 'Jitter', unit: 'ms', max: 60_000, step: 10 },
  { field: 'errorPct', label: 'Error rate', unit: '%', max: 100, step: 1 },
  { field: 'errorStatus', label: 'Error status', unit: 'HTTP', max: 599, min: 500, step: 1 },
  { field: 'hangPct', label: 'Hangs', unit: '%', max: 100, step: 1 },
  { field: 'resetPct', label: 'Resets', unit: '%', max: 100, step: 1 },
  { field: 'malformedPct', label: 'Malformed bodies', unit: '%', max: 100, step: 1 },
];

export function ChaosForm({
  provider,
  onApply,
  onHeal,
  pending = false,
}: {
  provider: SandboxProvider;
  onApply: (patch: ProviderFaultsPatch) => void;
  onHeal: () => void;
  pending?: boolean;
}) {
  const [values, setValues] = useState<ChaosValues>(() => valuesOf(provider.faults));
  const [errors, setErrors] = useState<ChaosErrors>({});
  const [note, setNote] = useState<string | null>(null);
  const id = useId();
  const set = <K extends ChaosField>(field: K, value: ChaosValues[K]) => {
    setValues((v) => ({ ...v, [field]: value }));
    setNote(null);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = patchFrom(provider.faults, values);
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setErrors({});
    if (result.patch === null) setNote('Nothing changed.');
    else onApply(result.patch);
  };

  return (
    <form
      className="chaos-form"
      aria-label={`Faults for ${provider.name}`}
      onSubmit={submit}
      noValidate
      data-testid={`chaos-form-${provider.name}`}
    >
      <fieldset disabled={pending}>
        <div className="form-row">
          {numberFields.map(({ field, label, unit, max, step, min = 0 }) => {
            const inputId = `${id}-${field}`;
            const error = errors[field];
            return (
              <div className="field" key={field}>
                <label htmlFor={inputId}>
                  {label} ({unit})
                </label>
                <input
                  id={inputId}
                  type="number"
                  inputMode="numeric"
                  min={min}
                  max={max}
                  step={step}
                  value={values[field]}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? `${inputId}-error` : undefined}
                  onChange={(event) => set(field, event.target.value)}
                />
                {error && (
                  <small id={`${inputId}-error`} className="form-error">
                    {error}
                  </small>
                )}
              </div>
            );
          })}
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={values.rateLimitStorm}
            onChange={(event) => set('rateLimitStorm', event.target.checked)}
          />
          429 storm (every request rate-limited)
        </label>
        <div className="toolbar">
          <button type="submit" className="button--primary">
            Apply to {provider.name}
          </button>
          <button type="button" onClick={onHeal}>
            Heal {provider.name}
          </button>
          {note && <span className="muted">{note}</span>}
        </div>
      </fieldset>
    </form>
  );
}
