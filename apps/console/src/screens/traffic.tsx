import { useMemo } from 'preact/hooks';
import { duration, errorRateSeries, errorShare, percent, perSecond } from '../format';
import type { ConsoleTraffic as Traffic } from '@rota/api';
import { ErrorNote, Updated, useConsole, usePoll } from '../ui';
import { LineChart } from './chart';

const EVERY_MS = 10_000;

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

export function TrafficScreen() {
  const { api } = useConsole();
  const traffic = usePoll(() => api.get<Traffic>('/v1/admin/traffic?minutes=60'), EVERY_MS);
  const data = traffic.data;

  const charts = useMemo(() => {
    if (!data) return undefined;
    const x = Array.from({ length: data.buckets }, (_, i) => (data.startMs + i * data.bucketMs) / 1000);
    const rate = data.providers.map((p) => ({
      label: p.providerId,
      values: perSecond(p.accepted.map((n, i) => n + p.failed[i]! + p.rejected[i]! + p.unknown[i]!), data.bucketMs),
    }));
    const errors = data.providers.map((p) => ({ label: p.providerId, values: errorRateSeries(p) }));
    return { x, rate, errors };
  }, [data]);

  const lastMinuteBuckets = data ? Math.max(1, Math.round(60_000 / data.bucketMs)) : 6;
  return (
    <section>
      <p class="lead">
        Provider attempts in 10-second buckets over the last hour, kept in the gateway's memory (a restart starts them again). A message that failed at one provider
        and went through at the next counts for both.
      </p>
      <Updated at={traffic.updatedAt} every={EVERY_MS} />
      <ErrorNote error={traffic.error} />
      {data && (
        <>
          <h2>Queue</h2>
          <dl class="stats">
            <div>
              <dt>OTP queued</dt>
              <dd>{data.queue.depth.otp}</dd>
            </div>
            <div>
              <dt>NOTIFICATION queued</dt>
              <dd>{data.queue.depth.notification}</dd>
            </div>
            <div>
              <dt>CAMPAIGN queued</dt>
              <dd>{data.queue.depth.campaign}</dd>
            </div>
            <div>
              <dt>Oldest due message waiting</dt>
              <dd>{data.queue.oldestQueuedAgeMs > 0 ? duration(data.queue.oldestQueuedAgeMs) : 'none waiting'}</dd>
            </div>
          </dl>

          <h2 id="rate-heading">Messages per second by provider</h2>
          {data.providers.length === 0 ? (
            <p>No provider attempt in the last hour.</p>
          ) : (
            charts && (
              <>
                <LineChart label="Line chart of messages per second by provider over the last hour; the table below gives the same figures." x={charts.x} series={charts.rate} unit="msg/s" />
                <h2 id="errors-heading">Error rate by provider</h2>
                <p class="hint">Failed and unknown attempts as a share of all attempts; a gap is a bucket without attempts.</p>
                <LineChart label="Line chart of each provider's error rate in percent over the last hour; the table below gives the same figures." x={charts.x} series={charts.errors} unit="%" />
              </>
            )
          )}

          <div class="table-wrap">
            <table class="stack">
              <caption>Per provider: the last minute and the last hour</caption>
              <thead>
                <tr>
                  <th scope="col">Provider</th>
                  <th scope="col">msg/s, last minute</th>
                  <th scope="col">Accepted, last hour</th>
                  <th scope="col">Rejected</th>
                  <th scope="col">Failed</th>
                  <th scope="col">Unknown</th>
                  <th scope="col">Error rate, last hour</th>
                </tr>
              </thead>
              <tbody>
                {data.providers.map((p) => {
                  const hour = { accepted: sum(p.accepted), failed: sum(p.failed), rejected: sum(p.rejected), unknown: sum(p.unknown) };
                  const minute = ['accepted', 'failed', 'rejected', 'unknown'].reduce((total, key) => total + sum((p as unknown as Record<string, number[]>)[key]!.slice(-lastMinuteBuckets)), 0);
                  const { errors, total } = errorShare(hour);
                  return (
                    <tr key={p.providerId}>
                      <th scope="row" data-label="Provider">
                        {p.providerId}
                      </th>
                      <td data-label="msg/s, last minute">{(minute / ((lastMinuteBuckets * data.bucketMs) / 1000)).toFixed(2)}</td>
                      <td data-label="Accepted">{hour.accepted}</td>
                      <td data-label="Rejected">{hour.rejected}</td>
                      <td data-label="Failed">{hour.failed}</td>
                      <td data-label="Unknown">{hour.unknown}</td>
                      <td data-label="Error rate">{percent(errors, total)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
