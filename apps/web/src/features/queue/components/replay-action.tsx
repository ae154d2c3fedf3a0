// Replay in two steps: a dry run says how many dead letters would go back to the queue, then the
// operator confirms that number (or cancels, having sent nothing).
import type { DeadLetterSelection } from '@switchboard/shared/queue';
import { useEffect, useId, useRef, useState } from 'react';
import { useToast } from '../../../components/toast';
import { useReplay } from '../api/dead-letter-actions';
import { settle } from '../../../lib/settle';

const letters = (n: number) => `${n} dead ${n === 1 ? 'letter' : 'letters'}`;

export function ReplayAction({
  selection,
  label,
  onReplayed,
  disabled = false,
}: {
  selection: DeadLetterSelection;
  /** The opening button, e.g. "Replay issue". */
  label: string;
  onReplayed?: (count: number) => void;
  disabled?: boolean;
}) {
  const replay = useReplay();
  const toast = useToast();
  const [willSend, setWillSend] = useState<number | null>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const questionId = useId();
  useEffect(() => {
    if (willSend !== null) cancelRef.current?.focus();
  }, [willSend]);

  const dryRun = () =>
    settle(replay.mutateAsync({ selection, dryRun: true }), {
      onSuccess: (result) => {
        if (result.count === 0) toast.show('success', 'Nothing to replay: no dead letters match.');
        else setWillSend(result.count);
      },
      onError: (error) => toast.show('error', `Could not check the replay: ${error.message}`),
    });

  const send = () =>
    settle(replay.mutateAsync({ selection, dryRun: false }), {
      onSuccess: (result) => {
        setWillSend(null);
        toast.show('success', `Replayed ${letters(result.count)}: back in the queue.`);
        onReplayed?.(result.count);
      },
      onError: (error) => {
        setWillSend(null);
        toast.show('error', `Could not replay: ${error.message}`);
      },
    });

  if (willSend === null)
    return (
      <button type="button" disabled={disabled || replay.isPending} onClick={dryRun}>
        {replay.isPending ? 'Checking…' : label}
      </button>
    );
  return (
    <span
      className="confirm"
      role="alertdialog"
      aria-labelledby={questionId}
      data-testid="replay-confirm"
      onKeyDown={(event) => {
        if (event.key === 'Escape') setWillSend(null);
      }}
    >
      <span id={questionId}>Dry run: {letters(willSend)} will be sent back to the queue.</span>
      <button type="button" className="button--primary" disabled={replay.isPending} onClick={send}>
        Replay {willSend}
      </button>
      <button type="button" ref={cancelRef} onClick={() => setWillSend(null)}>
        Cancel
      </button>
    </span>
  );
}
