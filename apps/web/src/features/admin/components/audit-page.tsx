// The audit log (admin): who did what, filtered by action and actor. The filters live in the URL,
// so a filtered view can be shared and Back returns to the previous filter.
import { AuditActionSchema, auditActions, type AuditEntry } from '@switchboard/shared/auth';
import { useId, useMemo, type FormEvent } from 'react';
import { Empty, LoadError, Loading } from '../../../components/query-states';
import { Time } from '../../../components/time';
import { formText } from '../../../lib/form-data';
import { useLocation, useNavigate } from '../../../lib/router/router';
import { useAudit, type AuditFilters } from '../api/audit';

function filtersFrom(search: string): AuditFilters {
  const params = new URLSearchParams(search);
  const action = AuditActionSchema.safeParse(params.get('action'));
  const actor = params.get('actor')?.trim();
  return {
    ...(action.success ? { action: action.data } : {}),
    ...(actor ? { actor } : {}),
  };
}

export function AuditPage() {
  const { pathname, search } = useLocation();
  const navigate = useNavigate();
  const filters = useMemo(() => filtersFrom(search), [search]);
  const audit = useAudit(filters);
  const id = useId();

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const query = new URLSearchParams();
    const action = formText(data, 'action');
    const actor = formText(data, 'actor');
    if (action) query.set('action', action);
    if (actor) query.set('actor', actor);
    const qs = query.toString();
    navigate(qs ? `${pathname}?${qs}` : pathname);
  };

  const entries = audit.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      {/* Keyed by the URL, so Back and Forward show the filters that are in effect. */}
      <form key={search} className="filters" role="search" onSubmit={onSubmit}>
        <div className="field">
          <label htmlFor={`${id}-action`}>Action</label>
          <select id={`${id}-action`} name="action" defaultValue={filters.action ?? ''}>
            <option value="">Any action</option>
            {auditActions.map((action) => (
              <option key={action} value={action}>
                {action}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-actor`}>Actor</label>
          <input
            id={`${id}-actor`}
            name="actor"
            defaultValue={filters.actor ?? ''}
            autoComplete="off"
          />
        </div>
        <button type="submit">Apply filters</button>
      </form>
      {audit.isPending ? (
        <Loading>Loading the audit log…</Loading>
      ) : audit.isError && !audit.isFetchNextPageError ? (
        <LoadError what="the audit log" error={audit.error} onRetry={() => void audit.refetch()} />
      ) : entries.length === 0 ? (
        <Empty>No entries match these filters.</Empty>
      ) : (
        <>
          <AuditTable entries={entries} />
          {audit.hasNextPage && (
            <button
              type="button"
              onClick={() => void audit.fetchNextPage()}
              disabled={audit.isFetchingNextPage}
            >
              {audit.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          )}
          {audit.isFetchNextPageError && (
            <p className="form-error" role="alert">
              Could not load more: {audit.error.message}
            </p>
          )}
        </>
      )}
    </section>
  );
}

const detailText = (details: Record<string, unknown>) =>
  Object.keys(details).length === 0 ? '' : JSON.stringify(details);

function AuditTable({ entries }: { entries: AuditEntry[] }) {
  return (
    <table className="data-table" data-testid="audit-table">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Action</th>
          <th scope="col">Outcome</th>
          <th scope="col">Actor</th>
          <th scope="col">Target</th>
          <th scope="col">From</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.id}>
            <td>
              <Time at={entry.at} />
            </td>
            <th scope="row">{entry.action}</th>
            <td className={entry.outcome === 'failure' ? 'status--error' : undefined}>
              {entry.outcome}
            </td>
            <td>{entry.actor ?? '—'}</td>
            <td>{entry.target ?? '—'}</td>
            <td>{entry.ip}</td>
            <td className="detail">{detailText(entry.details)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
