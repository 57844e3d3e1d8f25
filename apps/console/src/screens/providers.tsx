import { useState } from 'preact/hooks';
import { errorShare, percent } from '../format';
import type { BreakerRequest, ConsoleAccount, ConsoleProvider, ConsoleProviders, Deliveries, ProviderPatch, Readiness } from '@rota/api';
import { ErrorNote, Updated, useConsole, usePoll } from '../ui';

const EVERY_MS = 3_000;
/** RankSchema's bounds (@rota/core): the gateway refuses any other rank. */
const MAX_RANK = 1_000_000;
// A health check may ask the provider for its balance: less often than the status.
const HEALTH_EVERY_MS = 15_000;

/** Delivered of the window's final reports, with how many there were: a rate of 2 reports reads differently from one of 2,000. */
function DeliveryRate({ deliveries }: { deliveries: Deliveries }) {
  if (deliveries.final === 0) return <span title="no final delivery report in the window">—</span>;
  return (
    <span>
      {percent(deliveries.delivered, deliveries.final)} <span class="hint">of {deliveries.final.toLocaleString()}</span>
    </span>
  );
}

/**
 * Why `value` cannot be a rank, in words, or undefined when it can. A number field takes `1e2`
 * or `2.5` as numbers; the gateway does not, and the page says so rather than doing nothing.
 */
function rankProblem(value: string): string | undefined {
  if (/^-\d+$/.test(value)) return `${value} is below 0`;
  if (!/^\d+$/.test(value)) return `"${value}" is not a whole number`;
  if (Number(value) > MAX_RANK) return `${value} is more than ${MAX_RANK.toLocaleString()}`;
  return undefined;
}

function breakerText(account: Pick<ConsoleAccount, 'breaker' | 'override'>): string {
  return account.override === 'auto' ? account.breaker : `${account.breaker} (forced)`;
}

export function ProvidersScreen() {
  const { api } = useConsole();
  const status = usePoll(() => api.get<ConsoleProviders>('/v1/admin/providers'), EVERY_MS);
  // 503 is an answer too: no provider is healthy, with the detail of each.
  const health = usePoll(() => api.get<Readiness>('/v1/readiness', { accept: [503] }), HEALTH_EVERY_MS);
  const providers = status.data?.providers ?? [];

  return (
    <section aria-labelledby="providers-table-caption">
      {/* Nothing until the first answer: the lead differs on a gateway that does not send. */}
      {status.data === undefined ? null : !status.data.sendsHere ? (
        <p class="lead">
          Providers are tried in rank order (lowest first). Changes act on the next message in every gateway and worker, and are stored in the database: a reload of
          the configuration file does not undo them, until their overrides are cleared (<code>{'DELETE /v1/providers/{id}/overrides'}</code>).
        </p>
      ) : (
        <p class="lead">
          Providers are tried in rank order (lowest first). Changes act on the next message; a reload of the configuration file keeps them unless the file changes
          the same field.
        </p>
      )}
      {status.data?.sendsHere === false && (
        <p class="note" role="note">
          The workers send the messages, each with circuit breakers of its own: Breaker, In flight, Sent and Failed below are this gateway&apos;s, which sends nothing.
          A forced breaker applies everywhere; read each worker&apos;s <code>rota_breaker_state</code> and attempt metrics for the traffic.
        </p>
      )}
      <Updated at={status.updatedAt} every={EVERY_MS} />
      <ErrorNote error={status.error} />
      {health.data && !health.data.ready && (
        <p class="note note-warn" role="status">
          No enabled provider reports healthy: the gateway is not ready.
        </p>
      )}
      <div class="table-wrap">
        <table class="providers stack">
          <caption id="providers-table-caption">
            Providers and their accounts; counts over the last {status.data?.windowMinutes ?? 5} minutes, delivery rates over the
            last {status.data?.deliveryWindowMinutes ?? 60} minutes' final reports
          </caption>
          <thead>
            <tr>
              <th scope="col">Provider / account</th>
              <th scope="col">Rank</th>
              <th scope="col">Enabled</th>
              <th scope="col">Breaker</th>
              <th scope="col">In flight</th>
              <th scope="col">Sent</th>
              <th scope="col">Failed</th>
              <th scope="col">Error rate</th>
              <th scope="col">Delivery rate</th>
              <th scope="col">Health and credit</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          {providers.map((provider) => (
            <ProviderRows key={provider.providerId} provider={provider} health={health.data} onChanged={status.refresh} />
          ))}
        </table>
      </div>
      {status.data && providers.length === 0 && <p>No provider is configured.</p>}
    </section>
  );
}

function ProviderRows({ provider, health, onChanged }: { provider: ConsoleProvider; health: Readiness | undefined; onChanged(): void }) {
  const { api, announce, confirm } = useConsole();
  const [rank, setRank] = useState<string>('');
  const [rankRefused, setRankRefused] = useState<string | undefined>(undefined);
  const id = provider.providerId;
  const providerHealth = health?.providers.find((p) => p.providerId === id);
  const { errors, total } = errorShare(provider.recent);
  const patch = (body: ProviderPatch) => api.send('PATCH', `/v1/providers/${encodeURIComponent(id)}`, body).then(onChanged);
  const breaker = (state: BreakerRequest['state'], accountId?: string) =>
    api.send('POST', `/v1/providers/${encodeURIComponent(id)}/breaker`, { state, ...(accountId ? { accountId } : {}) } satisfies BreakerRequest).then(onChanged);

  const toggle = () =>
    confirm({
      title: provider.enabled ? `Disable ${id}?` : `Enable ${id}?`,
      body: provider.enabled ? (
        <p>New messages skip {id} and go to the next provider by rank. Messages on their way finish where they are.</p>
      ) : (
        <p>{id} takes traffic again at rank {provider.rank}.</p>
      ),
      confirmLabel: provider.enabled ? 'Disable' : 'Enable',
      danger: provider.enabled,
      action: async () => {
        await patch({ enabled: !provider.enabled });
        return `${id} ${provider.enabled ? 'disabled' : 'enabled'}.`;
      },
    });

  const rerank = (event: Event) => {
    event.preventDefault();
    const problem = rankProblem(rank);
    if (problem !== undefined) {
      const said = `Rank of ${id} not changed: ${problem} (a rank is a whole number from 0 to ${MAX_RANK.toLocaleString()}).`;
      setRankRefused(said);
      announce(said);
      return;
    }
    const next = Number(rank);
    if (next === provider.rank) return;
    confirm({
      title: `Give ${id} rank ${next}?`,
      body: <p>Rank {provider.rank} becomes {next}; lower ranks are tried first.</p>,
      confirmLabel: 'Change rank',
      action: async () => {
        await patch({ rank: next });
        setRank('');
        return `${id} now has rank ${next}.`;
      },
    });
  };

  const force = (state: BreakerRequest['state'], account?: ConsoleAccount) => {
    const target = account ? `${id} / ${account.accountId}` : `every account of ${id}`;
    const words = {
      open: `Force the breaker open for ${target}? No message is sent through it until you set it back to automatic.`,
      closed: `Force the breaker closed for ${target}? Messages go through it whatever its failures.`,
      auto: `Hand the breaker of ${target} back to the failure counts?`,
    }[state];
    confirm({
      title: state === 'auto' ? 'Automatic breaker' : `Force breaker ${state}`,
      body: <p>{words}</p>,
      confirmLabel: state === 'auto' ? 'Set automatic' : `Force ${state}`,
      danger: state !== 'auto',
      action: async () => {
        await breaker(state, account?.accountId);
        return `Breaker of ${target}: ${state === 'auto' ? 'automatic' : `forced ${state}`}.`;
      },
    });
  };

  return (
    <tbody class={provider.enabled ? 'provider' : 'provider provider-disabled'}>
      <tr class="provider-row">
        <th scope="row" data-label="Provider">
          {id}
        </th>
        <td data-label="Rank">{provider.rank}</td>
        <td data-label="Enabled">
          <span class={provider.enabled ? 'pill pill-ok' : 'pill pill-off'}>{provider.enabled ? 'enabled' : 'disabled'}</span>
        </td>
        <td data-label="Breaker">{provider.accounts.map((a) => breakerText(a)).join(', ')}</td>
        <td data-label="In flight">{provider.inFlight}</td>
        <td data-label="Sent">{provider.recent.accepted}</td>
        <td data-label="Failed">{provider.recent.failed + provider.recent.unknown}</td>
        <td data-label="Error rate">{percent(errors, total)}</td>
        <td data-label="Delivery rate">
          <DeliveryRate deliveries={provider.deliveries} />
        </td>
        <td data-label="Health">{providerHealth ? (providerHealth.healthy === null ? providerHealth.detail ?? 'no health check' : providerHealth.healthy ? 'healthy' : 'unhealthy') : '…'}</td>
        <td data-label="Actions" class="actions-cell">
          <button type="button" class={provider.enabled ? 'button button-small button-danger' : 'button button-small'} onClick={toggle}>
            {provider.enabled ? 'Disable' : 'Enable'}
            <span class="visually-hidden"> {id}</span>
          </button>
          <form class="inline" onSubmit={rerank}>
            <label class="visually-hidden" for={`rank-${id}`}>
              New rank for {id}
            </label>
            <input
              id={`rank-${id}`}
              class="rank-input"
              type="number"
              min={0}
              max={MAX_RANK}
              step={1}
              inputMode="numeric"
              placeholder={String(provider.rank)}
              value={rank}
              aria-invalid={rankRefused ? 'true' : undefined}
              aria-errormessage={rankRefused ? `rank-${id}-refused` : undefined}
              onInput={(e) => {
                setRank(e.currentTarget.value);
                setRankRefused(undefined);
              }}
            />
            <button type="submit" class="button button-small" disabled={rank === '' || Number(rank) === provider.rank}>
              Set rank<span class="visually-hidden"> of {id}</span>
            </button>
            {rankRefused && (
              <span id={`rank-${id}-refused`} class="field-error">
                {rankRefused}
              </span>
            )}
          </form>
        </td>
      </tr>
      {provider.accounts.map((account) => {
        const accountHealth = providerHealth?.accounts.find((a) => a.accountId === account.accountId);
        const share = errorShare(account.recent);
        return (
          <tr class="account-row" key={account.accountId}>
            <th scope="row" data-label="Account">
              <span class="indent" aria-hidden="true">
                ↳{' '}
              </span>
              {account.accountId}
            </th>
            <td data-label="Rank" class="muted">
              <span class="visually-hidden">same as provider</span>
            </td>
            <td data-label="Enabled" class="muted" />
            <td data-label="Breaker">
              <span class={`pill pill-${account.breaker}`}>{breakerText(account)}</span>
            </td>
            <td data-label="In flight" class="muted" />
            <td data-label="Sent">{account.recent.accepted}</td>
            <td data-label="Failed">{account.recent.failed + account.recent.unknown}</td>
            <td data-label="Error rate">{percent(share.errors, share.total)}</td>
            <td data-label="Delivery rate">
              <DeliveryRate deliveries={account.deliveries} />
            </td>
            <td data-label="Health and credit">
              {accountHealth ? (
                <>
                  <span class={accountHealth.healthy ? 'pill pill-ok' : 'pill pill-bad'}>{accountHealth.healthy ? 'healthy' : 'unhealthy'}</span>{' '}
                  {accountHealth.balance !== undefined ? <span>credit {accountHealth.balance.toLocaleString()}</span> : null}
                  {!accountHealth.healthy && <span class="health-detail">{accountHealth.detail}</span>}
                </>
              ) : (
                '—'
              )}
            </td>
            <td data-label="Actions" class="actions-cell">
              {account.override !== 'open' && (
                <button type="button" class="button button-small button-danger" onClick={() => force('open', account)}>
                  Force open<span class="visually-hidden"> {account.accountId}</span>
                </button>
              )}
              {account.override !== 'closed' && (
                <button type="button" class="button button-small" onClick={() => force('closed', account)}>
                  Force closed<span class="visually-hidden"> {account.accountId}</span>
                </button>
              )}
              {account.override !== 'auto' && (
                <button type="button" class="button button-small" onClick={() => force('auto', account)}>
                  Automatic<span class="visually-hidden"> {account.accountId}</span>
                </button>
              )}
            </td>
          </tr>
        );
      })}
    </tbody>
  );
}
