// Operator controls for one integration: force the breaker open or closed, release or reset it, the
// kill switch and the provider switch. Each asks first, reports with a toast, and shows the result at
// once (the server answers with the changed integration). Viewers see none of it; the server refuses
// them too.
import type { IntegrationState } from '@switchboard/shared/integrations';
import { ConfirmButton } from '../../../components/confirm-button';
import { useToast } from '../../../components/toast';
import { useHasRole } from '../../../lib/auth/require-role';
import { useOperatorAction, type OperatorAction } from '../api/integrations-api';
import { memo } from 'react';
import { settle } from '../../../lib/settle';

// Memoised: the detail page re-renders every second for its charts; this part has not changed.
export const OperatorControls = memo(function OperatorControls({
  integration,
}: {
  integration: IntegrationState;
}) {
  const canOperate = useHasRole('operator');
  const action = useOperatorAction(integration.name);
  const toast = useToast();
  if (!canOperate)
    return (
      <p className="muted" data-testid="read-only">
        You can watch this integration; changing it needs the operator role.
      </p>
    );

  const { name, breaker, controls } = integration;
  const backup = integration.operations.find((op) => op.fallback && 'integration' in op.fallback);
  const backupName =
    backup?.fallback && 'integration' in backup.fallback ? backup.fallback.integration : null;
  const pinned =
    controls.provider === 'backup' || integration.operations.some((op) => op.provider === 'backup');
  const run = (what: OperatorAction, done: string) =>
    settle(action.mutateAsync(what), {
      onSuccess: () => toast.show('success', done),
      onError: (err) => toast.show('error', `Could not change ${name}: ${err.message}`),
    });
  const busy = action.isPending;

  return (
    <section aria-labelledby="controls-title">
      <h2 id="controls-title">Controls</h2>
      <div className="controls" data-testid="controls">
        {breaker.forced !== 'open' && (
          <ConfirmButton
            label="Force breaker open"
            question={`Isolate ${name}? Every call is refused until released.`}
            confirmLabel={`Force ${name} open`}
            disabled={busy}
            onConfirm={() =>
              run(
                { control: 'breaker', body: { action: 'force-open' } },
                `${name}: breaker forced open`,
              )
            }
          />
        )}
        {breaker.forced !== 'closed' && (
          <ConfirmButton
            label="Force breaker closed"
            question={`Hold the breaker of ${name} closed? Failures will no longer trip it.`}
            confirmLabel={`Force ${name} closed`}
            disabled={busy}
            onConfirm={() =>
              run(
                { control: 'breaker', body: { action: 'force-closed' } },
                `${name}: breaker forced closed`,
              )
            }
          />
        )}
        {breaker.forced !== null && (
          <ConfirmButton
            label="Release breaker"
            danger={false}
            question={`Give the breaker of ${name} back to automatic?`}
            confirmLabel={`Release ${name}`}
            disabled={busy}
            onConfirm={() =>
              run({ control: 'breaker', body: { action: 'release' } }, `${name}: breaker released`)
            }
          />
        )}
        <ConfirmButton
          label="Reset breaker counts"
          danger={false}
          question={`Clear the failure counts of ${name}?`}
          confirmLabel={`Reset ${name}`}
          disabled={busy}
          onConfirm={() =>
            run({ control: 'breaker', body: { action: 'reset' } }, `${name}: breaker counts reset`)
          }
        />
        {controls.enabled ? (
          <ConfirmButton
            label="Disable integration"
            question={`Turn on the kill switch for ${name}? Calls fail at once and nothing is sent.`}
            confirmLabel={`Disable ${name}`}
            disabled={busy}
            onConfirm={() =>
              run({ control: 'kill-switch', body: { action: 'disable' } }, `${name} disabled`)
            }
          />
        ) : (
          <ConfirmButton
            label="Enable integration"
            danger={false}
            question={`Turn off the kill switch for ${name}?`}
            confirmLabel={`Enable ${name}`}
            disabled={busy}
            onConfirm={() =>
              run({ control: 'kill-switch', body: { action: 'enable' } }, `${name} enabled`)
            }
          />
        )}
        {backupName &&
          (pinned ? (
            <ConfirmButton
              label="Back to automatic provider"
              danger={false}
              question={`Let ${name} answer again (the backup only while it fails)?`}
              confirmLabel={`Use ${name} again`}
              disabled={busy}
              onConfirm={() =>
                run(
                  { control: 'provider', body: { mode: 'automatic' } },
                  `${name}: provider back to automatic`,
                )
              }
            />
          ) : (
            <ConfirmButton
              label={`Switch to backup (${backupName})`}
              question={`Send every call of ${name} that has a backup to ${backupName}?`}
              confirmLabel={`Switch to ${backupName}`}
              disabled={busy}
              onConfirm={() =>
                run(
                  { control: 'provider', body: { mode: 'backup' } },
                  `${name}: switched to ${backupName}`,
                )
              }
            />
          ))}
      </div>
    </section>
  );
});
