// The port through which every upstream request leaves the BFF; runtime/ implements it (undici on Node).
export interface TransportRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /**
   * The catalog integration this request is for: the Node transport picks that integration's
   * connection pool (mTLS, pins, DNS rules) and checks the URL with the egress guard.
   */
  integration?: string;
}

/** What readers of a response's headers need: a case-insensitive `get`, like `Headers`. */
export type ResponseHeaders = Pick<Headers, 'get'>;

export interface TransportResponse {
  status: number;
  headers: ResponseHeaders;
  /** The whole body as text; transports must honour `signal` while reading it. */
  body: string;
}

export type HttpTransport = (request: TransportRequest) => Promise<TransportResponse>;

/** A transport on the web-standard `fetch`, for runtimes without undici (edge, tests of the edge build). */
export function createFetchTransport(fetchImpl: typeof fetch = fetch): HttpTransport {
  return async function fetchTransport({ url, method, headers, body, signal }) {
    const response = await fetchImpl(url, { method, headers, body, signal });
    return { status: response.status, headers: response.headers, body: await response.text() };
  };
}
