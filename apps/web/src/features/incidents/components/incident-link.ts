// Where an incident's moment is in the charts: the integration's detail page, an hour around it.

/** @example chartsLinkOf({ integration: 'payments', firedAt: 1700000000000 }) */
export function chartsLinkOf(incident: { integration: string; firedAt: number }): string {
  return `/integrations/${encodeURIComponent(incident.integration)}?range=1h&at=${incident.firedAt}`;
}
