// Views: the declared views, and a run of one drawn as a waterfall of its sources. The chosen view
// lives in the URL (?view=name), so a link opens the same one.
import type { ViewInfo } from '@switchboard/shared/views';
import { useEffect, useRef } from 'react';
import { Empty, LoadError } from '../../../components/query-states';
import { Skeleton } from '../../../components/skeleton';
import { useToast } from '../../../components/toast';
import { Link, useSearchParams } from '../../../lib/router/router';
import { useRunView } from '../api/run-view';
import { useViews } from '../api/get-views';
import { Waterfall } from './waterfall';
import { settle } from '../../../lib/settle';

export function ViewsPage() {
  const views = useViews();
  const selected = useSearchParams().get('view');
  return (
    <section aria-labelledby="views-title">
      <h1 id="views-title">Views</h1>
      <p className="muted">
        A view fans out to its sources in parallel under one deadline. Run one to see each source’s
        timing, outcome, cache use and failover.
      </p>
      {views.isPending ? (
        <Skeleton label="Loading views…" rows={2} />
      ) : views.isError ? (
        <LoadError what="the views" error={views.error} onRetry={() => void views.refetch()} />
      ) : views.data.length === 0 ? (
        <Empty>No views are declared in the catalog.</Empty>
      ) : (
        <>
          <nav aria-label="Declared views">
            <ul className="view-list">
              {views.data.map((view) => (
                <li key={view.name}>
                  <Link
                    to={`/views?view=${encodeURIComponent(view.name)}`}
                    aria-current={view.name === selected ? 'page' : undefined}
                  >
                    {view.name}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <SelectedView views={views.data} name={selected} />
        </>
      )}
    </section>
  );
}

function SelectedView({ views, name }: { views: ViewInfo[]; name: string | null }) {
  if (name === null) return <Empty>Choose a view to run.</Empty>;
  const view = views.find((v) => v.name === name);
  if (!view) return <Empty>There is no view named “{name}”. Choose one of the list.</Empty>;
  // Keyed by name: another view starts with no result of its own.
  return <ViewRunner key={view.name} view={view} />;
}

function ViewRunner({ view }: { view: ViewInfo }) {
  const run = useRunView();
  const toast = useToast();
  const { mutate } = run;
  // Run once on opening: the page is for seeing the fan-out, not for pressing a button first.
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    mutate(view.name);
  }, [mutate, view.name]);

  const runAgain = () =>
    settle(run.mutateAsync(view.name), {
      onError: (error) => toast.show('error', `Could not run ${view.name}: ${error.message}`),
    });

  return (
    <section className="card" aria-labelledby="view-name">
      <div className="page-header">
        <h2 id="view-name">{view.name}</h2>
        <span className="muted">
          {view.sources.length} sources, deadline {view.deadlineMs} ms
        </span>
      </div>
      <div className="toolbar">
        <button
          type="button"
          className="button--primary"
          onClick={runAgain}
          disabled={run.isPending}
          data-testid="run-view"
        >
          {run.isPending ? 'Running…' : 'Run again'}
        </button>
        {view.sources.some((s) => s.dependsOn.length > 0) && (
          <span className="muted">
            Waits:{' '}
            {view.sources
              .filter((s) => s.dependsOn.length > 0)
              .map((s) => `${s.id} after ${s.dependsOn.join(', ')}`)
              .join('; ')}
          </span>
        )}
      </div>
      {run.isError ? (
        <LoadError what={`view ${view.name}`} error={run.error} onRetry={runAgain} />
      ) : run.data ? (
        <Waterfall result={run.data} />
      ) : (
        <Skeleton label={`Running ${view.name}…`} rows={view.sources.length} />
      )}
    </section>
  );
}
