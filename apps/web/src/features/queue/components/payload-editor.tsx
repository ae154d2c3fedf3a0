// Editing a dead letter's payload before replay (operators): the JSON in a text box, the diff
// against the stored payload shown as it is typed, and saved only when it parses and differs.
import { useId, useMemo, useState } from 'react';
import { useToast } from '../../../components/toast';
import { useEditPayload } from '../api/dead-letter-actions';
import { DiffView } from './diff-view';
import { diffJson } from './json-diff';
import { settle } from '../../../lib/settle';

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

function parse(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : 'not valid JSON' };
  }
}

export function PayloadEditor({
  id,
  payload,
  onClose,
}: {
  id: string;
  payload: unknown;
  onClose: () => void;
}) {
  const [text, setText] = useState(() => JSON.stringify(payload, null, 2));
  const edit = useEditPayload();
  const toast = useToast();
  const fieldId = useId();
  const parsed = useMemo(() => parse(text), [text]);
  const changes = useMemo(
    () => (parsed.ok ? diffJson(payload, parsed.value) : []),
    [parsed, payload],
  );

  const save = () => {
    if (!parsed.ok || changes.length === 0) return;
    settle(edit.mutateAsync({ id, payload: parsed.value }), {
      onSuccess: (result) => {
        toast.show(
          'success',
          `Saved the payload (revision ${result.deadLetter.revision}, ${result.diff.length} ${
            result.diff.length === 1 ? 'change' : 'changes'
          }). Replay it to send it.`,
        );
        onClose();
      },
      onError: (error) => toast.show('error', `Could not save the payload: ${error.message}`),
    });
  };

  return (
    <section className="card" aria-labelledby={`${fieldId}-title`} data-testid="payload-editor">
      <h3 id={`${fieldId}-title`}>Edit the payload</h3>
      <div className="field">
        <label htmlFor={fieldId}>Payload (JSON)</label>
        <textarea
          id={fieldId}
          rows={10}
          value={text}
          spellCheck={false}
          aria-invalid={parsed.ok ? undefined : true}
          aria-describedby={parsed.ok ? undefined : `${fieldId}-error`}
          onChange={(event) => setText(event.target.value)}
        />
        {!parsed.ok && (
          <small id={`${fieldId}-error`} className="form-error">
            Not valid JSON: {parsed.message}
          </small>
        )}
      </div>
      {parsed.ok && <DiffView changes={changes} title="Compared with the stored payload" />}
      <div className="toolbar">
        <button
          type="button"
          className="button--primary"
          disabled={!parsed.ok || changes.length === 0 || edit.isPending}
          onClick={save}
        >
          Save payload
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </section>
  );
}
