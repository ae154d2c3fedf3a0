// The published API description, and the rule that nothing outside a route ever answers with HTML.
import { ErrorBodySchema } from '@switchboard/shared/errors';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from './config/config';
import { signIn, testEnv, type TestClient } from './auth/test-session';
import { silentLogger } from './http/logger';
import { startServer, type RunningServer } from './runtime/node/server';

const OpenApiDocumentSchema = z.object({
  openapi: z.string(),
  info: z.object({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z.object({ schemas: z.record(z.string(), z.unknown()) }),
});

const consolePage = '<!doctype html><title>Switchboard console</title>';

let server: RunningServer | undefined;
let api: TestClient;
let webDir: string | undefined;

function running(): RunningServer {
  if (!server) throw new Error('the BFF is not running: beforeAll did not complete');
  return server;
}

const url = (path: string) => `http://127.0.0.1:${running().port}${path}`;

beforeAll(async () => {
  // A built console is present, so the tests show API paths stay JSON even where HTML could be served.
  webDir = await mkdtemp(join(tmpdir(), 'switchboard-web-'));
  await writeFile(join(webDir, 'index.html'), consolePage);
  server = await startServer(loadConfig(testEnv({ SWITCHBOARD_WEB_DIR: webDir })), silentLogger);
  api = await signIn(url(''));
});

afterAll(async () => {
  await server?.close();
  if (webDir) await rm(webDir, { recursive: true, force: true });
});

describe('GET /api/openapi.json', () => {
  it('is an OpenAPI 3.1 document listing every route with its method', async () => {
    const response = await api.fetch(url('/api/openapi.json'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = OpenApiDocumentSchema.parse(await response.json());

    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info.title).not.toBe('');
    const methodsByPath = Object.fromEntries(
      Object.entries(doc.paths).map(([path, item]) => [path, Object.keys(item).toSorted()]),
    );
    expect(methodsByPath).toMatchObject({
      '/healthz': ['get'],
      '/readyz': ['get'],
      '/api/views': ['get'],
      '/api/views/{name}': ['get'],
      '/api/stream': ['get'],
      '/api/ws': ['get'],
      '/api/sandbox/providers': ['get'],
      '/api/sandbox/providers/{name}': ['patch'],
      '/api/sandbox/reset': ['post'],
    });
  });

  it('names the shared schemas, so clients can generate types from them', async () => {
    const doc = OpenApiDocumentSchema.parse(
      await (await api.fetch(url('/api/openapi.json'))).json(),
    );
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['ErrorBody', 'ViewResult', 'SandboxProvider', 'ProviderFaultsPatch']),
    );
  });
});

describe('unknown routes', () => {
  it('serves the console for a page navigation outside /api (the control for the cases below)', async () => {
    const response = await api.fetch(url('/some/page'), { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toBe(consolePage);
  });

  const cases: { method: string; path: string; accept: string; body?: string }[] = [
    { method: 'GET', path: '/api/nope', accept: 'text/html' },
    {
      method: 'GET',
      path: '/api/views/overview/sources',
      accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
    },
    { method: 'GET', path: '/nope', accept: 'application/json' },
    { method: 'POST', path: '/api/nope', accept: 'text/html', body: '{}' },
    { method: 'POST', path: '/nope', accept: 'text/html', body: '{}' },
    { method: 'POST', path: '/api/views/overview', accept: '*/*' },
    { method: 'DELETE', path: '/api/sandbox/providers/users', accept: '*/*' },
    { method: 'PUT', path: '/healthz', accept: 'text/html', body: '{}' },
  ];

  it.each(cases)(
    '$method $path (Accept: $accept) answers a JSON 404',
    async ({ method, path, accept, body }) => {
      const response = await api.fetch(url(path), {
        method,
        headers: { accept, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body }),
      });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const text = await response.text();
      expect(text).not.toMatch(/<html|<!doctype/i);
      const error = ErrorBodySchema.parse(JSON.parse(text));
      expect(error.error.code).toBe('not_found');
      expect(error.error.message).toContain(`${method} ${path}`);
    },
  );
});
