// A button for an action that is hard to undo: the first press asks, a second, explicit one acts.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';

export function ConfirmButton({
  label,
  question,
  confirmLabel,
  onConfirm,
  disabled,
  danger = true,
}: {
  label: ReactNode;
  question: ReactNode;
  /** The button that acts, e.g. "Disable ana". */
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
  danger?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const openerRef = useRef<HTMLButtonElement>(null);
  const questionId = useId();
  // Cancel is the safe default, so Enter after opening does nothing harmful.
  useEffect(() => {
    if (asking) cancelRef.current?.focus();
  }, [asking]);

  if (!asking)
    return (
      <button
        ref={openerRef}
        type="button"
        className={danger ? 'button--danger' : undefined}
        disabled={disabled}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );

  const close = () => {
    setAsking(false);
    // Put focus back where the user was once the opener is back in the document.
    queueMicrotask(() => openerRef.current?.focus());
  };
  return (
    <span
      className="confirm"
      role="alertdialog"
      aria-labelledby={questionId}
      onKeyDown={(event) => {
        if (event.key === 'Escape') close();
      }}
    >
      <span id={questionId}>{question}</span>
      <button
        type="button"
        className={danger ? 'button--danger' : undefined}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" ref={cancelRef} onClick={close}>
        Cancel
      </button>
    </span>
  );
}
