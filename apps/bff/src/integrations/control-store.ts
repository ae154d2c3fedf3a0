// Operator controls outlive a restart: a kill switch, a provider switch or a forced breaker is an
// operator's decision, and a deploy must not quietly undo it (decision 025). The store is a port;
// the embedded SQLite one is in runtime/node, and without one the controls live in memory only.
import { ProviderModeSchema, type ProviderMode } from '@switchboard/shared/integrations';
import { z } from 'zod';
import type { Logger } from '../http/logger';
import type { IntegrationRuntime, UpstreamEngine } from '../upstreams/upstream-engine';

export const SavedControlsSchema = z.object({
  enabled: z.boolean(),
  provider: ProviderModeSchema,
  /** Per-operation provider choices, which win over `provider`. */
  operations: z.record(z.string(), ProviderModeSchema),
  /** A breaker an operator forced open or closed; null when it runs on its own. */
  breaker: z.enum(['open', 'closed']).nullable(),
});
export type SavedControls = z.infer<typeof SavedControlsSchema>;

export interface ControlStore {
  /** Every integration's saved controls, by name. */
  load(): Promise<Map<string, SavedControls>>;
  save(integration: string, controls: SavedControls): Promise<void>;
}

/** What an integration's controls are now, as saved. */
export function controlsOf(integration: IntegrationRuntime): SavedControls {
  return {
    enabled: integration.controls.enabled,
    provider: integration.controls.provider,
    operations: Object.fromEntries(integration.controls.operations),
    breaker: integration.breaker.snapshot().forced,
  };
}

/**
 * Puts saved controls back on the engine at start-up. A control the catalog no longer allows (the
 * integration, the operation or its backup gone) is skipped with a warning, never a failed start.
 */
export function restoreControls(
  engine: UpstreamEngine,
  saved: ReadonlyMap<string, SavedControls>,
  logger: Logger,
): void {
  for (const [name, controls] of saved) {
    const integration = engine.integrations.get(name);
    if (!integration) {
      logger.warn({ integration: name }, 'saved controls name an integration no longer declared');
      continue;
    }
    engine.setEnabled(name, controls.enabled);
    const trySwitch = (mode: ProviderMode, operation?: string) => {
      try {
        engine.setProvider(name, mode, operation);
      } catch (err) {
        logger.warn(
          { integration: name, operation, err: String(err) },
          'a saved provider switch no longer applies',
        );
      }
    };
    // Integration-wide first: it clears the per-operation choices, which then go back on.
    if (controls.provider !== 'automatic') trySwitch(controls.provider);
    for (const [operation, mode] of Object.entries(controls.operations)) trySwitch(mode, operation);
    if (controls.breaker === 'open') integration.breaker.forceOpen();
    else if (controls.breaker === 'closed') integration.breaker.forceClosed();
    if (!controls.enabled || controls.breaker !== null || controls.provider !== 'automatic') {
      logger.info({ integration: name, controls }, 'operator controls restored');
    }
  }
}

/** For runtimes without storage (edge, tests): controls last as long as the process. */
export function createMemoryControlStore(): ControlStore {
  const saved = new Map<string, SavedControls>();
  return {
    load: () => Promise.resolve(new Map(saved)),
    save(integration, controls) {
      saved.set(integration, structuredClone(controls));
      return Promise.resolve();
    },
  };
}
