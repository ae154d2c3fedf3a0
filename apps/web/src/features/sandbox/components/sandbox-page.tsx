// Sandbox chaos panel: per provider, inject latency, errors, 429 storms, hangs, resets and malformed
// bodies; set the demo traffic rate; put everything back. Only where the BFF runs the sandbox;
// viewers see the state without the controls.
import type { ProviderFaultsPatch, SandboxProvider } from '@switchboard/shared/sandbox';
import { ConfirmButton } from '../../../components/confirm-button';
import { LoadError } from '../../../components/query-states';
import { Skeleton } from '../../../components/skeleton';
import { useToast } from '../../../components/toast';
import { useHasRole } from '../../../lib/auth/require-role';
import { isSandboxAbsent, useProviders } from '../api/get-providers';
import { useResetSandbox } from '../api/reset-sandbox';
import { useSendWebhook } from '../api/send-webhook';
import { useSetTraffic, useTraffic } from '../api/traffic';
import { useUpdateProvider } from '../api/update-provider';
import { ChaosForm } from './chaos-form';
import { faultSummary, healPatch } from './chaos-model';
import { TrafficSlider } from './traffic-slider';
import { WebhookSender } from './webhook-sender';
import { settle } from '../../../lib/settle';

export function SandboxPage() {
  const providers = useProviders();
  const canEdit = useHasRole('operator');
  return (
    <section aria-labelledby="sandbox-title">
      <div className="page-header">
        <h1 id="sandbox-title">Sandbox chaos panel</h1>
        {canEdit && providers.isSuccess && <ResetAll />}
      </div>
      {providers.isPending ? (
        <Skeleton label="Loading the sandbox providers…" rows={4} />
      ) : providers.isError ? (
        isSandboxAbsent(providers.error) ? (
          <p className="placeholder" data-testid="sandbox-absent">
            The BFF is not running the sandbox, so there is nothing to break here. Start it with the
            sandbox turned on to use the chaos panel.
          </p>
        ) : (
          <LoadError
            what="the sandbox providers"
            error={providers.error}
            onRetry={() => void providers.refetch()}
          />
        )
      ) : (
        <>
          <Traffic canEdit={canEdit} />
          {canEdit && <Webhooks />}
          <h2>Providers</h2>
          <div className="card-grid">
            {providers.data.providers.map((provider) => (
              <ProviderCard key={provider.name} provider={provider} canEdit={canEdit} />
            ))}
          </div>
          {providers.data.authServers.length > 0 && (
            <>
              <h2>Credential servers</h2>
              <div className="card-grid">
                {providers.data.authServers.map((provider) => (
                  <ProviderCard key={provider.name} provider={provider} canEdit={canEdit} />
                ))}
              </div>
            </>
          )}
        </>
      )}
    </section>
  );
}

function ResetAll() {
  const reset = useResetSandbox();
  const toast = useToast();
  return (
    <ConfirmButton
      label="Reset everything"
      question="Heal every provider and zero their counters?"
      confirmLabel="Reset the sandbox"
      disabled={reset.isPending}
      onConfirm={() =>
        settle(reset.mutateAsync(), {
          onSuccess: () => toast.show('success', 'Every provider is healthy again.'),
          onError: (error) => toast.show('error', `Could not reset the sandbox: ${error.message}`),
        })
      }
    />
  );
}

function Traffic({ canEdit }: { canEdit: boolean }) {
  const traffic = useTraffic();
  const set = useSetTraffic();
  const toast = useToast();
  if (traffic.isPending) return <Skeleton label="Loading the traffic rate…" rows={1} />;
  // No generator runs (the catalog has no overview view): nothing to show or change.
  if (traffic.isError) return null;
  const perSecond = traffic.data.perSecond;
  return (
    <section className="card" aria-labelledby="traffic-title">
      <h2 id="traffic-title">Demo traffic</h2>
      {canEdit ? (
        <TrafficSlider
          perSecond={perSecond}
          onCommit={(next) =>
            settle(set.mutateAsync(next), {
              onSuccess: (rate) =>
                toast.show(
                  'success',
                  rate.perSecond === 0
                    ? 'Demo traffic paused.'
                    : `Demo traffic at ${rate.perSecond} overview runs per second.`,
                ),
              onError: (error) =>
                toast.show('error', `Could not change the traffic rate: ${error.message}`),
            })
          }
        />
      ) : (
        <p data-testid="traffic-value">
          {perSecond === 0 ? 'Paused' : `${perSecond} overview runs per second`}
        </p>
      )}
    </section>
  );
}

function Webhooks() {
  const send = useSendWebhook();
  const toast = useToast();
  return (
    <section className="card" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">CRM webhooks</h2>
      <p className="muted">
        The sandbox CRM signs a <code>contact.created</code> delivery (Standard Webhooks) and posts
        it to this BFF's <code>/webhooks/crm</code>. An accepted one starts the contact-sync flow.
      </p>
      <WebhookSender
        pending={send.isPending}
        result={send.data}
        onSend={(variant) =>
          settle(send.mutateAsync({ variant }), {
            onError: (error) =>
              toast.show('error', `The sandbox could not send the webhook: ${error.message}`),
          })
        }
      />
    </section>
  );
}

function ProviderCard({ provider, canEdit }: { provider: SandboxProvider; canEdit: boolean }) {
  const update = useUpdateProvider();
  const toast = useToast();
  const faults = faultSummary(provider.faults);
  const titleId = `provider-${provider.name}-title`;
  const apply = (patch: ProviderFaultsPatch, done: string) =>
    settle(update.mutateAsync({ name: provider.name, patch }), {
      onSuccess: () => toast.show('success', done),
      onError: (error) =>
        toast.show('error', `Could not change ${provider.name}: ${error.message}`),
    });
  return (
    <section
      className="card"
      aria-labelledby={titleId}
      data-testid={`provider-${provider.name}`}
      data-healthy={faults.length === 0}
    >
      <h3 id={titleId}>{provider.name}</h3>
      <p
        className={`fault-summary fault-summary--${faults.length === 0 ? 'healthy' : 'faulty'}`}
        data-testid="fault-summary"
      >
        <span aria-hidden="true">{faults.length === 0 ? '● ' : '▲ '}</span>
        {faults.length === 0 ? 'Healthy' : faults.join(', ')}
      </p>
      <p className="muted">{provider.requests} requests received</p>
      {canEdit && (
        // Keyed by the faults: after a change (here, a reset, another tab) the form starts afresh.
        <ChaosForm
          key={JSON.stringify(provider.faults)}
          provider={provider}
          pending={update.isPending}
          onApply={(patch) => apply(patch, `Faults applied to ${provider.name}.`)}
          onHeal={() => apply(healPatch(), `${provider.name} is healthy again.`)}
        />
      )}
    </section>
  );
}
