// The port for flow runs: one record per run with its step states, changed atomically as steps
// progress. SQLite implements it (runtime/node/sqlite-flow-store.ts); a networked store would use
// optimistic concurrency on `updatedAt` for `update`.
import type { FlowRun, FlowRunStatus } from '@switchboard/shared/flows';

export interface FlowRunFilter {
  status?: FlowRunStatus;
  flow?: string;
  limit: number;
  /** Only runs older than this one (the cursor of the previous page), newest first. */
  before?: { createdAt: number; id: string };
}

export interface FlowStore {
  /** Stores the run unless one with its id exists; either way returns what is stored. */
  create(run: FlowRun): Promise<{ run: FlowRun; created: boolean }>;
  get(id: string): Promise<FlowRun | undefined>;
  /**
   * Reads the run, applies `change` and writes the result, with no other change in between.
   * `change` returns undefined to leave the run as it is. Returns the run as stored afterwards.
   */
  update(id: string, change: (run: FlowRun) => FlowRun | undefined): Promise<FlowRun | undefined>;
  /** Newest first. */
  list(filter: FlowRunFilter): Promise<FlowRun[]>;
  /**
   * Runs still under way (running or compensating) created before `before`, oldest first, after
   * the run `after` (the last of the previous page).
   */
  /**
   * Deletes up to `limit` finished runs (succeeded, failed or compensated) created and last
   * changed before `before` (retention); returns how many. Runs under way are never pruned.
   */
  pruneFinished(before: number, limit: number): Promise<number>;
  unfinished(
    before: number,
    after: { createdAt: number; id: string } | undefined,
    limit: number,
  ): Promise<FlowRun[]>;
}
