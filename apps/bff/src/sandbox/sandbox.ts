// The sandbox as a whole: provider states, their apps, and the controls the API and tests use.
import type { ProviderFaultsPatch, SandboxProvider } from '@switchboard/shared/sandbox';
import type { Hono } from 'hono';
import { AppError } from '../http/app-error';
import {
  applyFaultsPatch,
  createProviderApp,
  healthyFaults,
  sandboxProviders,
  type ProviderRuntime,
  type ProviderState,
} from './providers';

export interface Sandbox {
  /** One app per provider, for the runtime to serve on loopback. */
  readonly apps: ReadonlyMap<string, Hono>;
  list(): SandboxProvider[];
  update(name: string, patch: ProviderFaultsPatch): SandboxProvider;
  reset(): void;
}

/** @example const sandbox = createSandbox(runtime, () => baseUrls); */
export function createSandbox(
  runtime: ProviderRuntime,
  baseUrls: () => ReadonlyMap<string, string>,
): Sandbox {
  const states = new Map<string, ProviderState>(
    sandboxProviders.map((definition) => [
      definition.name,
      { definition, faults: healthyFaults(), requests: 0 },
    ]),
  );
  const apps = new Map(
    [...states].map(([name, state]) => [name, createProviderApp(state, runtime)]),
  );
  const view = (state: ProviderState): SandboxProvider => ({
    name: state.definition.name,
    baseUrl: baseUrls().get(state.definition.name) ?? 'http://127.0.0.1:0/',
    faults: { ...state.faults },
    requests: state.requests,
  });

  return {
    apps,
    list: () => [...states.values()].map(view),
    update(name, patch) {
      const state = states.get(name);
      if (!state) {
        throw new AppError(
          404,
          'not_found',
          `No sandbox provider named "${name}". Known: ${[...states.keys()].join(', ')}.`,
        );
      }
      applyFaultsPatch(state, patch);
      return view(state);
    },
    reset() {
      for (const state of states.values()) state.faults = healthyFaults();
    },
  };
}
