// The incident timeline as a port: opened by alert rules, resolved when they clear, acknowledged by operators.
import type { Incident } from '@switchboard/shared/alerts';

export type NewIncident = Pick<
  Incident,
  'rule' | 'integration' | 'severity' | 'message' | 'firedAt'
>;

export interface IncidentStore {
  /** Records a fired alert; returns the incident's id. */
  open(incident: NewIncident): Promise<number>;
  resolve(id: number, at: number): Promise<void>;
  /** False when there is no such incident or it was already acknowledged. */
  acknowledge(id: number, at: number, by: string): Promise<boolean>;
  get(id: number): Promise<Incident | undefined>;
  /** Newest first. */
  list(options: { open?: boolean; limit: number }): Promise<Incident[]>;
}
