// Dead letters: issues (same integration, operation and error kind) with counts and first/last
// seen; the letters of one issue, selectable; one letter's payload and attempts. Replay (dry run
// first), edit and discard are for operators. Issue and letter live in the URL.
import type { DeadLetterIssue, Job } from '@switchboard/shared/queue';
import { useState } from 'react';
import { Empty, LoadError } from '../../../components/query-states';
import { Skeleton } from '../../../components/skeleton';
import { Time } from '../../../components/time';
import { useHasRole } from '../../../lib/auth/require-role';
import { Link, useNavigate, useSearchParams } from '../../../lib/router/router';
import { useDeadLetter, useDeadLetters, useIssues } from '../api/dead-letters';
import { DiscardAction } from './discard-action';
import { PayloadEditor } from './payload-editor';
import { ReplayAction } from './replay-action';

const hrefOf = (issue: string | null, letter?: string) => {
  const query = new URLSearchParams();
  if (issue !== null) query.set('issue', issue);
  if (letter !== undefined) query.set('letter', letter);
  const text = query.toString();
  return text ? `/dead-letters?${text}` : '/dead-letters';
};

export function DeadLettersPage() {
  const params = useSearchParams();
  const issue = params.get('issue');
  const letter = params.get('letter');
  return (
    <section aria-labelledby="dead-letters-title">
      <h1 id="dead-letters-title">Dead letters</h1>
      <p className="muted">
        Jobs that failed every attempt, grouped into issues by integration, operation and error
        kind.
      </p>
      <IssuesSection selected={issue} />
      {issue !== null && <LettersSection issue={issue} />}
      {letter !== null && <LetterDetail id={letter} issue={issue} />}
    </section>
  );
}

function IssuesSection({ selected }: { selected: string | null }) {
  const issues = useIssues();
  const canAct = useHasRole('operator');
  if (issues.isPending) return <Skeleton label="Loading dead-letter issues…" />;
  if (issues.isError)
    return (
      <LoadError
        what="dead-letter issues"
        error={issues.error}
        onRetry={() => void issues.refetch()}
      />
    );
  if (issues.data.issues.length === 0)
    return <Empty>No dead letters: every job has succeeded or is still being tried.</Empty>;
  return (
    <table className="data-table" data-testid="issues-table">
      <caption className="visually-hidden">
        Dead-letter issues, {issues.data.total} dead letters in all
      </caption>
      <thead>
        <tr>
          <th scope="col">Issue</th>
          <th scope="col">Error kind</th>
          <th scope="col">Count</th>
          <th scope="col">First seen</th>
          <th scope="col">Last seen</th>
          <th scope="col">Last error</th>
          {canAct && <th scope="col">Actions</th>}
        </tr>
      </thead>
      <tbody>
        {issues.data.issues.map((issue) => (
          <IssueRow key={issue.id} issue={issue} current={issue.id === selected} canAct={canAct} />
        ))}
      </tbody>
    </table>
  );
}

function IssueRow({
  issue,
  current,
  canAct,
}: {
  issue: DeadLetterIssue;
  current: boolean;
  canAct: boolean;
}) {
  const navigate = useNavigate();
  return (
    <tr
      className={current ? 'is-current' : undefined}
      aria-current={current ? 'true' : undefined}
      data-testid={`issue-row-${issue.id}`}
    >
      <th scope="row">
        <Link to={hrefOf(issue.id)}>
          {issue.integration}.{issue.operation}
        </Link>
      </th>
      <td>{issue.errorKind}</td>
      <td data-testid="issue-count">{issue.count}</td>
      <td>
        <Time at={issue.firstSeen} />
      </td>
      <td>
        <Time at={issue.lastSeen} />
      </td>
      <td className="detail">{issue.sampleMessage ?? '—'}</td>
      {canAct && (
        <td>
          <div className="toolbar">
            <ReplayAction selection={{ issue: issue.id }} label="Replay issue…" />
            <DiscardAction
              selection={{ issue: issue.id }}
              label="Discard issue…"
              onDiscarded={() => current && navigate(hrefOf(null), { replace: true })}
            />
          </div>
        </td>
      )}
    </tr>
  );
}

function LettersSection({ issue }: { issue: string }) {
  const letters = useDeadLetters(issue);
  const canAct = useHasRole('operator');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string, on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  // Only what is still listed can be acted on.
  const chosen = letters.data?.filter((job) => selected.has(job.id)).map((job) => job.id) ?? [];
  const clear = () => setSelected(new Set());

  return (
    <section className="card" aria-labelledby="letters-title">
      <h2 id="letters-title">Dead letters of {issue}</h2>
      {letters.isPending ? (
        <Skeleton label="Loading dead letters…" />
      ) : letters.isError ? (
        <LoadError
          what="the dead letters"
          error={letters.error}
          onRetry={() => void letters.refetch()}
        />
      ) : letters.data.length === 0 ? (
        <Empty>No dead letters left in this issue.</Empty>
      ) : (
        <>
          {canAct && (
            <div className="toolbar" aria-label="Selected dead letters" role="group">
              <span className="muted">{chosen.length} selected</span>
              {chosen.length > 0 && (
                <>
                  <ReplayAction
                    selection={{ ids: chosen }}
                    label="Replay selected…"
                    onReplayed={clear}
                  />
                  <DiscardAction
                    selection={{ ids: chosen }}
                    label="Discard selected…"
                    onDiscarded={clear}
                  />
                </>
              )}
            </div>
          )}
          <table className="data-table" data-testid="letters-table">
            <thead>
              <tr>
                {canAct && (
                  <th scope="col">
                    <span className="visually-hidden">Select</span>
                  </th>
                )}
                <th scope="col">Dead letter</th>
                <th scope="col">Type</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
                <th scope="col">Dead since</th>
              </tr>
            </thead>
            <tbody>
              {letters.data.map((job) => (
                <LetterRow
                  key={job.id}
                  job={job}
                  issue={issue}
                  canAct={canAct}
                  checked={selected.has(job.id)}
                  onToggle={(on) => toggle(job.id, on)}
                />
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function LetterRow({
  job,
  issue,
  canAct,
  checked,
  onToggle,
}: {
  job: Job;
  issue: string;
  canAct: boolean;
  checked: boolean;
  onToggle: (on: boolean) => void;
}) {
  const last = job.history.at(-1);
  return (
    <tr data-testid={`letter-row-${job.id}`}>
      {canAct && (
        <td>
          <input
            type="checkbox"
            aria-label={`Select ${job.id}`}
            checked={checked}
            onChange={(event) => onToggle(event.target.checked)}
          />
        </td>
      )}
      <th scope="row">
        <Link to={hrefOf(issue, job.id)} className="mono">
          {job.id}
        </Link>
      </th>
      <td>{job.type}</td>
      <td>
        {job.attempts} of {job.maxAttempts}
        {job.round > 1 && <span className="muted"> (round {job.round})</span>}
      </td>
      <td className="detail">
        {job.lastErrorKind ?? '—'}
        {last?.message && `: ${last.message}`}
      </td>
      <td>
        <Time at={job.deadAt} />
      </td>
    </tr>
  );
}

function LetterDetail({ id, issue }: { id: string; issue: string | null }) {
  const letter = useDeadLetter(id);
  const canAct = useHasRole('operator');
  const navigate = useNavigate();
  const [editing, setEditing] = useState(false);
  const back = () => navigate(hrefOf(issue), { replace: true });

  return (
    <section className="card" aria-labelledby="letter-title" data-testid="letter-detail">
      <h2 id="letter-title">
        Dead letter <span className="mono">{id}</span>
      </h2>
      {letter.isPending ? (
        <Skeleton label="Loading the dead letter…" />
      ) : letter.isError ? (
        <LoadError
          what="the dead letter"
          error={letter.error}
          onRetry={() => void letter.refetch()}
        />
      ) : (
        <>
          <dl className="stat-grid">
            <div className="stat">
              <dt>Status</dt>
              <dd className={`outcome outcome--${letter.data.status}`}>{letter.data.status}</dd>
            </div>
            <div className="stat">
              <dt>Calls</dt>
              <dd className="mono">
                {letter.data.integration ?? letter.data.type}
                {letter.data.operation && `.${letter.data.operation}`}
              </dd>
            </div>
            <div className="stat">
              <dt>Payload revision</dt>
              <dd>{letter.data.revision}</dd>
            </div>
            <div className="stat">
              <dt>Idempotency key</dt>
              <dd className="mono">{letter.data.idempotencyKey ?? '—'}</dd>
            </div>
          </dl>
          {letter.data.discardReason && <p>Discarded: {letter.data.discardReason}</p>}
          {canAct && letter.data.status === 'dead' && (
            <div className="toolbar">
              <ReplayAction selection={{ ids: [id] }} label="Replay…" onReplayed={back} />
              {!editing && (
                <button type="button" onClick={() => setEditing(true)}>
                  Edit payload
                </button>
              )}
              <DiscardAction selection={{ ids: [id] }} label="Discard…" onDiscarded={back} />
            </div>
          )}
          {editing ? (
            <PayloadEditor
              id={id}
              payload={letter.data.payload}
              onClose={() => setEditing(false)}
            />
          ) : (
            <>
              <h3>Payload</h3>
              <pre className="payload" data-testid="payload" tabIndex={0}>
                {JSON.stringify(letter.data.payload, null, 2)}
              </pre>
            </>
          )}
          <h3>Attempts</h3>
          <AttemptTable job={letter.data} />
        </>
      )}
    </section>
  );
}

function AttemptTable({ job }: { job: Job }) {
  if (job.history.length === 0) return <Empty>No attempts recorded.</Empty>;
  return (
    <table className="data-table" data-testid="attempts-table">
      <thead>
        <tr>
          <th scope="col">Round</th>
          <th scope="col">Attempt</th>
          <th scope="col">Started</th>
          <th scope="col">Took</th>
          <th scope="col">Outcome</th>
          <th scope="col">Error</th>
          <th scope="col">Provider</th>
        </tr>
      </thead>
      <tbody>
        {job.history.map((a) => (
          <tr key={`${a.round}-${a.attempt}`}>
            <td>{a.round}</td>
            <td>{a.attempt}</td>
            <td>
              <Time at={a.startedAt} />
            </td>
            <td>{Math.round(a.durationMs)} ms</td>
            <td className={`outcome outcome--${a.outcome === 'ok' ? 'succeeded' : 'dead'}`}>
              {a.outcome === 'ok' ? 'OK' : 'Failed'}
            </td>
            <td className="detail">
              {a.errorKind ?? '—'}
              {a.message && `: ${a.message}`}
            </td>
            <td>{a.provider ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
