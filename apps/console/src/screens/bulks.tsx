import { useState } from 'preact/hooks';
import { ApiError } from '../api';
import { bulkProgress, percent, when, type State } from '../format';
import type { ConsoleBulk as Bulk } from '@rota/api';
import { ErrorNote, Updated, useConsole, usePoll } from '../ui';

const EVERY_MS = 3_000;

export function BulksScreen({ params }: { params: URLSearchParams }) {
  const { api } = useConsole();
  const [find, setFind] = useState(params.get('id') ?? '');
  const [pinned, setPinned] = useState(params.get('id') ?? '');
  const list = usePoll(() => api.get<{ items: Bulk[]; nextCursor?: string }>('/v1/admin/bulks?limit=20'), EVERY_MS);
  const one = usePoll(
    async () => {
      if (!pinned) return undefined;
      try {
        return await api.get<Bulk>(`/v1/admin/bulks/${encodeURIComponent(pinned)}`);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
    EVERY_MS,
    [pinned],
  );
  const bulks = list.data?.items ?? [];

  return (
    <section>
      <p class="lead">Campaigns handed over whole (POST /v1/bulk), newest first, with their recipients counted by state. Refreshes every few seconds.</p>
      <form class="card search inline-search" onSubmit={(event) => { event.preventDefault(); setPinned(find.trim()); }}>
        <label for="bulk-id">Bulk id</label>
        <input id="bulk-id" type="search" spellcheck={false} autocomplete="off" placeholder="blk_…" value={find} onInput={(e) => setFind(e.currentTarget.value)} />
        <button type="submit" class="button button-primary">
          Find
        </button>
      </form>
      {pinned && one.data === null && (
        <p class="note note-error" role="alert">
          No bulk has the id {pinned}.
        </p>
      )}
      {pinned && one.data && (
        <ul class="bulks pinned" aria-label="The bulk you looked for">
          <BulkItem bulk={one.data} />
        </ul>
      )}
      <Updated at={list.updatedAt} every={EVERY_MS} />
      <ErrorNote error={list.error ?? one.error} />
      {list.data && bulks.length === 0 && <p>No bulk yet.</p>}
      <ul class="bulks" aria-label="Recent bulks">
        {bulks.map((bulk) => (
          <BulkItem key={bulk.bulkId} bulk={bulk} />
        ))}
      </ul>
    </section>
  );
}

const LABEL: Record<State, string> = { queued: 'queued', dispatching: 'sending', accepted: 'accepted', rejected: 'rejected', failed: 'failed', unknown: 'unknown', canceled: 'canceled' };

function BulkItem({ bulk }: { bulk: Bulk }) {
  const { done, segments } = bulkProgress(bulk.count, bulk.byState as Partial<Record<State, number>>, bulk.erased);
  const parts = segments.map((s) => `${s.n} ${LABEL[s.state]}`);
  if (bulk.erased > 0) parts.push(`${bulk.erased} erased`);
  const summary = parts.join(', ') || 'no record left';
  const headingId = `bulk-${bulk.bulkId}`;
  return (
    <li class="card bulk" aria-labelledby={headingId}>
      <div class="bulk-head">
        <h2 id={headingId} class="mono">
          {bulk.bulkId}
        </h2>
        <span class="muted">
          {bulk.iysType ? `${bulk.iysType} · ` : ''}
          {bulk.owner} · {when(bulk.createdAt)}
        </span>
      </div>
      <p class="bulk-numbers">
        <strong>
          {done} of {bulk.count}
        </strong>{' '}
        done ({percent(done, bulk.count, 0)}) — {summary}
      </p>
      <div class="bar" role="progressbar" aria-valuemin={0} aria-valuemax={bulk.count} aria-valuenow={done} aria-valuetext={`${done} of ${bulk.count} done: ${summary}`} aria-labelledby={headingId}>
        {segments.map((s) => (
          <span key={s.state} class={`bar-part bar-${s.state}`} style={{ width: `${(s.share * 100).toFixed(2)}%` }} title={`${s.n} ${LABEL[s.state]}`} />
        ))}
      </div>
      <a href={`#/messages?bulkId=${encodeURIComponent(bulk.bulkId)}`}>
        Messages of this bulk<span class="visually-hidden"> {bulk.bulkId}</span>
      </a>
    </li>
  );
}
