// The sandbox as a whole: provider states, their apps, and the controls the API and tests use.
import {
  healthyProviderFaults,
  type ProviderFaultsPatch,
  type SandboxProvider,
  type SandboxProviderList,
  type SideEffects,
} from '@switchboard/shared/sandbox';
import type { Hono } from 'hono';
import { AppError } from '../http/app-error';
import { createTokenIssuer, generateSandboxSecrets, type SandboxSecrets } from './provider-auth';
import {
  applyFaultsPatch,
  createProviderApp,
  createProviderState,
  sandboxProviders,
  type ProviderApp,
  type ProviderRuntime,
  type ProviderState,
} from './providers';
import { createWebhookSender, type WebhookSender } from './webhook-sender';

export interface Sandbox {
  /** One app per provider, for the runtime to serve on loopback. */
  readonly apps: ReadonlyMap<string, Hono>;
  /** Per provider, its reads a runtime may answer without the app (`ProviderApp.plainRead`). */
  readonly plainReads: ReadonlyMap<string, ProviderApp['plainRead']>;
  /** Every provider, the identity provider last. */
  list(): SandboxProvider[];
  /** The providers as the control API lists them: upstreams apart from auth servers. */
  listing(): SandboxProviderList;
  update(name: string, patch: ProviderFaultsPatch): SandboxProvider;
  /** Side effects the provider performed since start or the last reset. */
  effects(name: string): SideEffects;
  /** Healthy faults, zero effect counters, fresh rate-limit windows, created records forgotten. */
  reset(): void;
  /** The sandbox CRM's signed webhook deliveries to the BFF's `POST /webhooks/crm`. */
  readonly webhooks: WebhookSender;
  /** Where the BFF listens (loopback), once it does: the CRM's webhooks go there. */
  setBffOrigin(origin: string): void;
}

export interface SandboxOptions {
  /**
   * Make payments, email, email-backup and analytics demand credentials, as the real providers
   * would. The BFF runs with it on; off lets a test call a provider without signing.
   */
  enforceAuth?: boolean;
  /** The credentials the providers accept; generated when not given. */
  secrets?: SandboxSecrets;
}

/**
 * @example const sandbox = createSandbox(runtime, () => baseUrls, { enforceAuth: true, secrets });
 */
export function createSandbox(
  runtime: ProviderRuntime,
  baseUrls: () => ReadonlyMap<string, string>,
  options: SandboxOptions = {},
): Sandbox {
  const services = {
    tokens: createTokenIssuer(),
    secrets: options.secrets ?? generateSandboxSecrets(),
    enforceAuth: options.enforceAuth ?? false,
  };
  const providers = new Map<string, { state: ProviderState; provider: ProviderApp }>(
    sandboxProviders.map((definition) => {
      const state = createProviderState(definition);
      return [definition.name, { state, provider: createProviderApp(state, runtime, services) }];
    }),
  );
  const view = (state: ProviderState): SandboxProvider => ({
    name: state.definition.name,
    baseUrl: baseUrls().get(state.definition.name) ?? 'http://127.0.0.1:0/',
    faults: structuredClone(state.faults),
    requests: state.requests,
  });
  const find = (name: string): ProviderState => {
    const found = providers.get(name);
    if (!found) {
      throw new AppError(
        404,
        'not_found',
        `No sandbox provider named "${name}". Known: ${[...providers.keys()].join(', ')}.`,
      );
    }
    return found.state;
  };
  const states = () => [...providers.values()].map(({ state }) => state);
  let bffOrigin: string | undefined;
  const webhooks = createWebhookSender({
    secret: services.secrets.SANDBOX_WEBHOOK_SECRET,
    target: () => bffOrigin,
    now: runtime.now,
    random: runtime.random,
  });

  return {
    apps: new Map([...providers].map(([name, { provider }]) => [name, provider.app])),
    plainReads: new Map([...providers].map(([name, { provider }]) => [name, provider.plainRead])),
    list: () => states().map(view),
    listing: () => ({
      providers: states()
        .filter((s) => s.definition.role === 'upstream')
        .map(view),
      authServers: states()
        .filter((s) => s.definition.role === 'auth-server')
        .map(view),
    }),
    update(name, patch) {
      const state = find(name);
      applyFaultsPatch(state, patch);
      return view(state);
    },
    effects: (name) => find(name).effects.snapshot(),
    reset() {
      for (const { state, provider } of providers.values()) {
        state.faults = healthyProviderFaults();
        state.window = { second: 0, count: 0 };
        state.effects.reset();
        provider.reset();
      }
    },
    webhooks,
    setBffOrigin(origin) {
      bffOrigin = origin;
    },
  };
}
