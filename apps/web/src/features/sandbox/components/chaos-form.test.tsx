// @vitest-environment jsdom
// The chaos form: labelled fields from the provider's faults; Apply sends the change, errors show
// against their field, Heal asks for healthy defaults.
import { healthyProviderFaults, type SandboxProvider } from '@switchboard/shared/sandbox';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChaosForm } from './chaos-form';

const provider: SandboxProvider = {
  name: 'email',
  baseUrl: 'http://127.0.0.1:1/',
  faults: healthyProviderFaults(),
  requests: 0,
};

function renderForm() {
  const onApply = vi.fn();
  const onHeal = vi.fn();
  render(<ChaosForm provider={provider} onApply={onApply} onHeal={onHeal} />);
  return { onApply, onHeal };
}

describe('ChaosForm', () => {
  afterEach(cleanup);

  it('labels every control and starts from the current faults', () => {
    renderForm();
    expect(screen.getByRole('form', { name: 'Faults for email' })).toBeTruthy();
    expect(screen.getByLabelText<HTMLInputElement>('Latency (ms)').value).toBe('20');
    expect(screen.getByLabelText<HTMLInputElement>('Error rate (%)').value).toBe('0');
    expect(screen.getByLabelText<HTMLInputElement>('Error status (HTTP)').value).toBe('503');
    for (const label of ['Hangs (%)', 'Resets (%)', 'Malformed bodies (%)', 'Jitter (ms)'])
      expect(screen.getByLabelText(label)).toBeTruthy();
    expect(
      screen.getByLabelText<HTMLInputElement>('429 storm (every request rate-limited)').checked,
    ).toBe(false);
  });

  it('applies only the changed faults', () => {
    const { onApply } = renderForm();
    fireEvent.change(screen.getByLabelText('Error rate (%)'), { target: { value: '100' } });
    fireEvent.click(screen.getByLabelText('429 storm (every request rate-limited)'));
    fireEvent.click(screen.getByRole('button', { name: 'Apply to email' }));
    expect(onApply).toHaveBeenCalledWith({ failureRate: 1, rateLimitStorm: true });
  });

  it('shows an error against the field and sends nothing for an invalid value', () => {
    const { onApply } = renderForm();
    const field = screen.getByLabelText('Hangs (%)');
    fireEvent.change(field, { target: { value: '300' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply to email' }));
    expect(onApply).not.toHaveBeenCalled();
    expect(field.getAttribute('aria-invalid')).toBe('true');
    const describedBy = field.getAttribute('aria-describedby') ?? '';
    expect(document.getElementById(describedBy)?.textContent).toBe(
      'Enter a percentage from 0 to 100.',
    );
  });

  it('says when nothing changed instead of sending an empty patch', () => {
    const { onApply } = renderForm();
    fireEvent.click(screen.getByRole('button', { name: 'Apply to email' }));
    expect(onApply).not.toHaveBeenCalled();
    expect(screen.getByText('Nothing changed.')).toBeTruthy();
  });

  it('heals on request', () => {
    const { onHeal } = renderForm();
    fireEvent.click(screen.getByRole('button', { name: 'Heal email' }));
    expect(onHeal).toHaveBeenCalledOnce();
  });
});
