// What the BFF knows about each upstream integration and the views fanned out over them.
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface OperationConfig {
  method: HttpMethod;
  /** Path relative to the integration's base URL, e.g. `/v1/users`. */
  path: string;
}

export interface IntegrationConfig {
  name: string;
  baseUrl: string;
  /** Upper bound for one call, including reading the body. */
  timeoutMs: number;
  operations: Record<string, OperationConfig>;
}

export interface ViewSource {
  integration: string;
  operation: string;
}

export interface ViewConfig {
  name: string;
  /** No source of the view may run past this, whatever its own timeout says. */
  deadlineMs: number;
  sources: ViewSource[];
}

export interface Catalog {
  integrations: IntegrationConfig[];
  views: ViewConfig[];
}
