import { when } from '../format';
import type { ConsoleConfig as ConfigState } from '@rota/api';
import { ErrorNote, Updated, useConsole, usePoll } from '../ui';

const EVERY_MS = 5_000;

export function ConfigScreen() {
  const { api } = useConsole();
  const config = usePoll(() => api.get<ConfigState>('/v1/admin/config'), EVERY_MS);
  const data = config.data;
  const refusedSinceApplied = data?.lastRefused && data.appliedAt && data.lastRefused.at >= data.appliedAt;

  return (
    <section>
      <p class="lead">
        The gateway reloads its configuration file when it changes and on SIGHUP. A file that does not validate is refused as a whole and the running configuration
        stays. Settings themselves (and their secrets) are never shown here.
      </p>
      <Updated at={config.updatedAt} every={EVERY_MS} />
      <ErrorNote error={config.error} />
      {data && (
        <>
          <dl class="fields-list card">
            <dt>File</dt>
            <dd class="mono">{data.file ?? 'none (built in code)'}</dd>
            <dt>Applied</dt>
            <dd>{when(data.appliedAt)}</dd>
            <dt>Changed then</dt>
            <dd>{data.changed.length > 0 ? data.changed.join(', ') : 'no provider'}</dd>
            <dt>Providers in force</dt>
            <dd>{data.providers.join(', ') || 'none'}</dd>
          </dl>
          {data.waitingForRestart.length > 0 && (
            <div class="card refused refused-current" role="alert">
              <p>
                <strong>Waiting for a restart:</strong> the file changes settings read at start, so what runs still has their values from the start:{' '}
                {data.waitingForRestart.map((path, index) => (
                  <span key={path}>
                    {index > 0 && ', '}
                    <code>{path}</code>
                  </span>
                ))}
                .
              </p>
            </div>
          )}
          <h2>Last refused reload</h2>
          {data.lastRefused ? (
            <div class={refusedSinceApplied ? 'card refused refused-current' : 'card refused'} role={refusedSinceApplied ? 'alert' : undefined}>
              <p>
                <strong>Refused {when(data.lastRefused.at)}</strong> ({data.lastRefused.source}).{' '}
                {refusedSinceApplied ? 'The file on disk is not what runs: the running configuration was kept.' : 'A later reload was applied.'}
              </p>
              <ul class="issues">
                {data.lastRefused.issues.map((issue, index) => (
                  <li key={index}>
                    <code>{issue.path}</code>: {issue.reason}
                  </li>
                ))}
              </ul>
            </div>
          ) : (
            <p>No reload has been refused since the gateway started.</p>
          )}
        </>
      )}
    </section>
  );
}
