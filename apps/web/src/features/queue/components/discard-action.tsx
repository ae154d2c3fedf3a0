// Discard with a reason: kept for the record, no longer replayable. The reason is required.
import type { DeadLetterSelection } from '@switchboard/shared/queue';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useToast } from '../../../components/toast';
import { useDiscard } from '../api/dead-letter-actions';
import { settle } from '../../../lib/settle';

export function DiscardAction({
  selection,
  label,
  onDiscarded,
  disabled = false,
}: {
  selection: DeadLetterSelection;
  label: string;
  onDiscarded?: (count: number) => void;
  disabled?: boolean;
}) {
  const discard = useDiscard();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const id = useId();
  useEffect(() => {
    if (open) inputRef.current?.focus();
  }, [open]);

  if (!open)
    return (
      <button
        type="button"
        className="button--danger"
        disabled={disabled}
        onClick={() => setOpen(true)}
      >
        {label}
      </button>
    );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (reason.trim() === '') {
      setError('Say why these are discarded; the reason is kept with them.');
      return;
    }
    settle(discard.mutateAsync({ selection, reason: reason.trim() }), {
      onSuccess: (result) => {
        setOpen(false);
        setReason('');
        toast.show(
          'success',
          `Discarded ${result.count} dead ${result.count === 1 ? 'letter' : 'letters'}.`,
        );
        onDiscarded?.(result.count);
      },
      onError: (err) => toast.show('error', `Could not discard: ${err.message}`),
    });
  };

  return (
    <form className="confirm" aria-label={label} onSubmit={submit} noValidate>
      <label htmlFor={`${id}-reason`}>Reason</label>
      <input
        id={`${id}-reason`}
        ref={inputRef}
        value={reason}
        maxLength={500}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(event) => {
          setReason(event.target.value);
          setError(null);
        }}
        onKeyDown={(event) => {
          if (event.key === 'Escape') setOpen(false);
        }}
      />
      <button type="submit" className="button--danger" disabled={discard.isPending}>
        Discard
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
      {error && (
        <span id={`${id}-error`} className="form-error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
