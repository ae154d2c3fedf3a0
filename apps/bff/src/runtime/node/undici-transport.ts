// Node implementation of the HTTP transport: undici with keep-alive pools per origin.
import { Agent, request } from 'undici';
import type { HttpTransport } from '../../upstreams/http-transport';

export interface UndiciTransport {
  transport: HttpTransport;
  close(): Promise<void>;
}

/** @example const { transport, close } = createUndiciTransport(); */
export function createUndiciTransport(
  options: { connectionsPerOrigin?: number } = {},
): UndiciTransport {
  const agent = new Agent({
    connections: options.connectionsPerOrigin ?? 128,
    keepAliveTimeout: 10_000,
    connect: { timeout: 5_000 },
  });
  const transport: HttpTransport = async ({ url, method, headers, body, signal }) => {
    const response = await request(url, {
      method: method as 'GET',
      headers,
      body,
      signal,
      dispatcher: agent,
    });
    const text = await response.body.text();
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (Array.isArray(value)) for (const v of value) responseHeaders.append(name, v);
      else if (value !== undefined) responseHeaders.set(name, value);
    }
    return { status: response.statusCode, headers: responseHeaders, body: text };
  };
  return { transport, close: () => agent.close() };
}
