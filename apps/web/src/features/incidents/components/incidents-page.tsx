// Incidents: the alert timeline (fired, acknowledged, resolved), newest first, each linking to the
// moment in its integration's charts; operators acknowledge. The filter lives in the URL.
import type { Incident } from '@switchboard/shared/alerts';
import { Empty, LoadError } from '../../../components/query-states';
import { Skeleton } from '../../../components/skeleton';
import { Time } from '../../../components/time';
import { useToast } from '../../../components/toast';
import { useHasRole } from '../../../lib/auth/require-role';
import { Link, useNavigate, useSearchParams } from '../../../lib/router/router';
import { useAckIncident } from '../api/ack-incident';
import { useIncidents, type IncidentFilter } from '../api/get-incidents';
import { chartsLinkOf } from './incident-link';
import { settle } from '../../../lib/settle';

type IncidentState = 'firing' | 'acknowledged' | 'resolved';

const stateOf = (incident: Incident): IncidentState =>
  incident.resolvedAt !== null
    ? 'resolved'
    : incident.acknowledgedAt !== null
      ? 'acknowledged'
      : 'firing';

const stateLook: Record<IncidentState, { icon: string; label: string }> = {
  firing: { icon: '▲', label: 'Firing' },
  acknowledged: { icon: '◐', label: 'Acknowledged' },
  resolved: { icon: '●', label: 'Resolved' },
};

export function IncidentsPage() {
  const filter: IncidentFilter = useSearchParams().get('status') === 'open' ? 'open' : 'all';
  const navigate = useNavigate();
  const incidents = useIncidents(filter);
  return (
    <section aria-labelledby="incidents-title">
      <div className="page-header">
        <h1 id="incidents-title">Incidents</h1>
        <div className="field">
          <label htmlFor="incident-filter">Show</label>
          <select
            id="incident-filter"
            value={filter}
            onChange={(event) =>
              navigate(event.target.value === 'open' ? '/incidents?status=open' : '/incidents', {
                replace: true,
              })
            }
          >
            <option value="all">All incidents</option>
            <option value="open">Open only</option>
          </select>
        </div>
      </div>
      {incidents.isPending ? (
        <Skeleton label="Loading incidents…" />
      ) : incidents.isError ? (
        <LoadError
          what="incidents"
          error={incidents.error}
          onRetry={() => void incidents.refetch()}
        />
      ) : incidents.data.length === 0 ? (
        <Empty>
          {filter === 'open'
            ? 'No open incidents: every alert rule is quiet.'
            : 'No incidents yet: no alert rule has fired.'}
        </Empty>
      ) : (
        <ol className="timeline" aria-label="Incident timeline" data-testid="incident-timeline">
          {incidents.data.map((incident) => (
            <IncidentItem key={incident.id} incident={incident} />
          ))}
        </ol>
      )}
    </section>
  );
}

function IncidentItem({ incident }: { incident: Incident }) {
  const state = stateOf(incident);
  const look = stateLook[state];
  const canAck = useHasRole('operator');
  const ack = useAckIncident();
  const toast = useToast();
  const titleId = `incident-${incident.id}-title`;
  return (
    <li className={`is-${state}`} data-testid={`incident-${incident.id}`} data-state={state}>
      <h2 id={titleId}>
        <span className={`incident-state incident-state--${state}`} data-testid="incident-state">
          <span aria-hidden="true">{look.icon}</span> {look.label}
        </span>{' '}
        {incident.rule} on {incident.integration} <span className="tag">({incident.severity})</span>
      </h2>
      <p>{incident.message}</p>
      <ul className="timeline__events">
        <li>
          Fired <Time at={incident.firedAt} />
        </li>
        {incident.acknowledgedAt !== null && (
          <li>
            Acknowledged <Time at={incident.acknowledgedAt} />
            {incident.acknowledgedBy && ` by ${incident.acknowledgedBy}`}
          </li>
        )}
        {incident.resolvedAt !== null && (
          <li>
            Resolved <Time at={incident.resolvedAt} />
          </li>
        )}
      </ul>
      <div className="toolbar">
        <Link to={chartsLinkOf(incident)} data-testid="incident-charts-link">
          See {incident.integration} at that moment
        </Link>
        {canAck && incident.acknowledgedAt === null && (
          <button
            type="button"
            disabled={ack.isPending}
            onClick={() =>
              settle(ack.mutateAsync(incident), {
                onSuccess: (updated) =>
                  toast.show(
                    'success',
                    `Acknowledged incident ${updated.id} (${updated.rule} on ${updated.integration}).`,
                  ),
                onError: (error) =>
                  toast.show('error', `Could not acknowledge the incident: ${error.message}`),
              })
            }
          >
            Acknowledge
          </button>
        )}
      </div>
    </li>
  );
}
