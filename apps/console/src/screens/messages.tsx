import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, describeError, queryOf } from '../api';
import { ALL_STATES, when } from '../format';
import type { ConsoleMessage as Message } from '@rota/api';
import { useConsole } from '../ui';

interface Filters {
  id: string;
  to: string;
  state: string;
  bulkId: string;
}

const EMPTY: Filters = { id: '', to: '', state: '', bulkId: '' };

export function MessagesScreen({ params }: { params: URLSearchParams }) {
  const { api } = useConsole();
  // A link from another screen (a bulk's messages, a resent message) fills the form; a number never travels in the address.
  const fromLink: Filters = { ...EMPTY, id: params.get('id') ?? '', bulkId: params.get('bulkId') ?? '', state: params.get('state') ?? '' };
  const [filters, setFilters] = useState<Filters>(fromLink);
  const [items, setItems] = useState<Message[] | undefined>(undefined);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [selected, setSelected] = useState<Message | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  // Only the latest search's answer is shown: a slow answer must not replace a later search's.
  const latest = useRef(0);
  const opened = useRef(false);

  const search = async (next: Filters, more?: string) => {
    const ticket = ++latest.current;
    const superseded = () => ticket !== latest.current;
    setBusy(true);
    setError(undefined);
    try {
      if (next.id.trim()) {
        const message = await api.get<Message>(`/v1/admin/messages/${encodeURIComponent(next.id.trim())}`);
        if (superseded()) return;
        setItems([message]);
        setCursor(undefined);
        setSelected(message);
        return;
      }
      const page = await api.get<{ items: Message[]; nextCursor?: string }>(
        `/v1/admin/messages${queryOf({ to: next.to.trim(), state: next.state, bulkId: next.bulkId.trim(), limit: 25, cursor: more })}`,
      );
      if (superseded()) return;
      setItems((previous) => (more ? [...(previous ?? []), ...page.items] : page.items));
      setCursor(page.nextCursor);
      if (!more) setSelected(undefined);
    } catch (caught) {
      if (superseded()) return;
      setError(caught instanceof ApiError && caught.status === 404 ? 'No message has this id.' : describeError(caught));
      if (!more) setItems(undefined);
    } finally {
      if (!superseded()) setBusy(false);
    }
  };

  const linked = params.toString();
  useEffect(() => {
    // The list the link asks for, on opening the screen and on each new link; but not over a search the operator made
    // before this effect first ran (Preact runs it after paint: on a loaded CI machine a search by id was clicked
    // first, and the list that followed replaced the message found).
    const searchedFirst = !opened.current && latest.current > 0;
    opened.current = true;
    if (searchedFirst) return;
    setFilters(fromLink);
    void search(fromLink);
  }, [linked]);

  const set = (field: keyof Filters) => (event: Event) => setFilters({ ...filters, [field]: (event.currentTarget as HTMLInputElement).value });

  return (
    <section>
      <form class="card search" onSubmit={(event) => { event.preventDefault(); void search(filters); }} aria-describedby="search-help">
        <p id="search-help" class="hint">
          Find one message by its id, or list messages by number, state or bulk (newest first). Numbers are shown masked.
        </p>
        <div class="fields">
          <div class="field">
            <label for="f-id">Message id</label>
            <input id="f-id" type="search" spellcheck={false} autocomplete="off" value={filters.id} onInput={set('id')} placeholder="msg_…" />
          </div>
          <div class="field">
            <label for="f-to">Number</label>
            <input id="f-to" type="search" inputMode="tel" autocomplete="off" value={filters.to} onInput={set('to')} placeholder="0532 123 45 67" />
          </div>
          <div class="field">
            <label for="f-state">State</label>
            <select id="f-state" value={filters.state} onChange={set('state')}>
              <option value="">any</option>
              {ALL_STATES.map((state) => (
                <option key={state} value={state}>
                  {state}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="f-bulk">Bulk id</label>
            <input id="f-bulk" type="search" spellcheck={false} autocomplete="off" value={filters.bulkId} onInput={set('bulkId')} placeholder="blk_…" />
          </div>
        </div>
        <div class="actions">
          <button type="button" class="button" onClick={() => { setFilters(EMPTY); void search(EMPTY); }}>
            Clear
          </button>
          <button type="submit" class="button button-primary" disabled={busy}>
            {busy ? 'Searching…' : 'Search'}
          </button>
        </div>
      </form>
      {error && (
        <p class="note note-error" role="alert">
          {error}
        </p>
      )}
      {items && (
        <div class="table-wrap">
          <table class="stack messages">
            <caption aria-live="polite">{items.length === 0 ? 'No message matches.' : `${items.length} message${items.length === 1 ? '' : 's'}${cursor ? ' (more below)' : ''}`}</caption>
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Number</th>
                <th scope="col">State</th>
                <th scope="col">Provider / account</th>
                <th scope="col">Client</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {items.map((message) => (
                <tr key={message.id} class={selected?.id === message.id ? 'selected' : undefined}>
                  <th scope="row" data-label="Id">
                    <button type="button" class="link mono" onClick={() => setSelected(message)} aria-pressed={selected?.id === message.id}>
                      {message.id}
                    </button>
                  </th>
                  <td data-label="Number" class="mono">
                    {message.to}
                  </td>
                  <td data-label="State">
                    <span class={`pill pill-${message.status}`}>{message.status}</span>
                  </td>
                  <td data-label="Provider">{message.providerId ? `${message.providerId} / ${message.accountId ?? '—'}` : '—'}</td>
                  <td data-label="Client">{message.owner}</td>
                  <td data-label="Created">{when(message.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {cursor && (
            <button type="button" class="button" onClick={() => void search(filters, cursor)} disabled={busy}>
              Load more
            </button>
          )}
        </div>
      )}
      {selected && <MessageDetail key={selected.id} message={selected} onChanged={(m) => { setSelected(m); setItems((list) => list?.map((x) => (x.id === m.id ? m : x))); }} />}
    </section>
  );
}

function MessageDetail({ message, onChanged }: { message: Message; onChanged(message: Message): void }) {
  const { api, confirm } = useConsole();
  // The record as `?reveal=true` answered it: shown in place of the masked one, every field from it.
  const [revealed, setRevealed] = useState<Message | undefined>(undefined);
  const shown = revealed ?? message;
  // The copy, and whether an earlier resend had made it (the gateway answered 200): this one sent nothing.
  const [resent, setResent] = useState<{ copy: Message; already: boolean } | undefined>(undefined);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [message.id]);

  const reveal = () =>
    confirm({
      title: 'Reveal this number?',
      body: (
        <p>
          The record is shown in full, here: its number, and any number its provider's id or a reason holds. The gateway logs that you revealed it (with your
          name, if you gave one).
        </p>
      ),
      confirmLabel: 'Reveal',
      action: async () => {
        setRevealed(await api.get<Message>(`/v1/admin/messages/${encodeURIComponent(message.id)}?reveal=true`));
        return 'Number revealed: the record is shown in full.';
      },
    });

  const resend = () =>
    confirm({
      title: 'Send this message again?',
      body: (
        <>
          <p>
            Its outcome is unknown: the provider may have it. Sending again makes a new message, linked to this one, and the recipient may get both. Do this only
            when you know the first was not delivered.
          </p>
          {message.providerMessageId && (
            <p>
              Its provider knows it by an id Rota gave it, and Rota may still be reading its status: a delivery report would show the provider has it, and make it
              accepted. Waiting for that is the safer choice.
            </p>
          )}
        </>
      ),
      confirmLabel: 'Send again',
      danger: true,
      action: async () => {
        // This confirmation is the operator's say-so: sent even while the provider's reports are still read.
        const answer = await api.sendWithStatus<Message>('POST', `/v1/admin/messages/${encodeURIComponent(message.id)}/resend`, { force: true });
        const copy = answer.body;
        const already = answer.status === 200;
        setResent({ copy, already });
        // The record changed (a resend is noted on it): the masked answer replaces what was revealed.
        setRevealed(undefined);
        const fresh = await api.get<Message>(`/v1/admin/messages/${encodeURIComponent(message.id)}`);
        onChanged(fresh);
        return already ? `Already sent again as ${copy.id}: nothing more was sent.` : `Sent again as ${copy.id}.`;
      },
    });

  return (
    <article class="card detail" aria-labelledby="detail-heading">
      <h2 id="detail-heading" ref={heading} tabIndex={-1}>
        Message <span class="mono">{message.id}</span>
      </h2>
      <dl class="fields-list">
        <dt>State</dt>
        <dd>
          <span class={`pill pill-${shown.status}`}>{shown.status}</span>
          {shown.reason ? ` — ${shown.reason}` : ''}
        </dd>
        <dt>Number</dt>
        <dd>
          <span class="mono">{shown.to}</span>{' '}
          {!revealed && (
            <button type="button" class="button button-small" onClick={reveal}>
              Reveal number
            </button>
          )}
        </dd>
        <dt>Client</dt>
        <dd>{shown.owner}</dd>
        <dt>Type</dt>
        <dd>
          {shown.iysType}
          {shown.otp ? ' · OTP' : ''} · {shown.segments} segment{shown.segments === 1 ? '' : 's'} ({shown.encoding})
        </dd>
        <dt>Text</dt>
        {/* An OTP's text is never stored; the masked answer masks any number written in the text. */}
        <dd class="message-text">{shown.text ?? (shown.otp ? 'not stored (an OTP’s text never is)' : '—')}</dd>
        {optional('Sender', shown.sender)}
        {optional('Reference', shown.reference, 'mono')}
        {optional('Idempotency key', shown.idempotencyKey, 'mono')}
        {optional('Send at', shown.sendAt && when(shown.sendAt))}
        {optional('Valid until', shown.validUntil && when(shown.validUntil))}
        {optional('Held since', shown.heldSince && `${when(shown.heldSince)} (queued while no route is open; tried again when one opens)`)}
        <dt>Provider</dt>
        <dd>{shown.providerId ? `${shown.providerId} / ${shown.accountId ?? '—'}${shown.simulated ? ' (simulated: nothing was delivered)' : ''}` : '—'}</dd>
        {shown.providerMessageId && (
          <>
            <dt>Provider's id</dt>
            <dd class="mono">{shown.providerMessageId}</dd>
          </>
        )}
        {shown.bulkId && (
          <>
            <dt>Bulk</dt>
            <dd>
              <a class="mono" href={`#/bulks?id=${encodeURIComponent(shown.bulkId)}`}>
                {shown.bulkId}
              </a>
            </dd>
          </>
        )}
        {shown.resendOf && (
          <>
            <dt>Sent again for</dt>
            <dd>
              <a class="mono" href={`#/messages?id=${encodeURIComponent(shown.resendOf)}`}>
                {shown.resendOf}
              </a>
            </dd>
          </>
        )}
        {optional('Delivery', shown.delivery && `${shown.delivery.state}${shown.delivery.reason ? ` — ${shown.delivery.reason}` : ''}${shown.delivery.at ? ` (${when(shown.delivery.at)})` : ''}`)}
        {optional('Webhooks to', shown.callbackUrl, 'mono')}
        <dt>Created</dt>
        <dd>{when(shown.createdAt)}</dd>
        {optional('Accepted', shown.acceptedAt && when(shown.acceptedAt))}
        <dt>Finished</dt>
        <dd>{when(shown.finishedAt)}</dd>
      </dl>

      <h3>Attempts</h3>
      {shown.attempts.length === 0 ? (
        <p>No provider has been tried yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="stack attempts">
            <caption class="visually-hidden">The walk down the ranks, in order</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Provider / account</th>
                <th scope="col">Outcome</th>
                <th scope="col">Error</th>
                <th scope="col">Reason</th>
                <th scope="col">Tries</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {shown.attempts.map((attempt, index) => (
                <tr key={index}>
                  <th scope="row" data-label="#">
                    {index + 1}
                  </th>
                  <td data-label="Provider">
                    {attempt.providerId}
                    {attempt.accountId ? ` / ${attempt.accountId}` : ''}
                  </td>
                  <td data-label="Outcome">
                    <span class={`pill pill-${attempt.outcome}`}>{attempt.outcome}</span>
                  </td>
                  <td data-label="Error">{[attempt.errorKind, attempt.code].filter(Boolean).join(' · ') || '—'}</td>
                  <td data-label="Reason">{attempt.reason ?? '—'}</td>
                  <td data-label="Tries">{attempt.tries}</td>
                  <td data-label="Duration">{Math.round(attempt.durationMs)} ms</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <section aria-labelledby="timeline-heading">
        <h3 id="timeline-heading">Delivery timeline</h3>
        {shown.timeline && shown.timeline.length > 0 ? (
          <ol class="timeline">
            {shown.timeline.map((entry, index) => (
              <li key={index}>
                <span class="when">{when(entry.at)}</span> {entry.kind === 'delivery' ? 'delivery report: ' : ''}
                <strong>{entry.state}</strong>
                {entry.reason ? ` — ${entry.reason}` : ''}
                {entry.providerCode ? ` (code ${entry.providerCode})` : ''}
                <span class="muted"> · {entry.source}</span>
              </li>
            ))}
          </ol>
        ) : (
          <p class="hint">No delivery timeline recorded for this message.</p>
        )}
      </section>

      {shown.status === 'unknown' && (
        <div class="actions">
          <button type="button" class="button button-danger" onClick={resend}>
            Send again…
          </button>
        </div>
      )}
      {resent && (
        <p class="note" role="status">
          {resent.already ? 'Already sent again as' : 'Sent again as'}{' '}
          <a class="mono" href={`#/messages?id=${encodeURIComponent(resent.copy.id)}`}>
            {resent.copy.id}
          </a>{' '}
          ({resent.copy.status}){resent.already ? ': nothing more was sent.' : '.'}
        </p>
      )}
    </article>
  );
}

/** A term of the detail's list, left out when the message has no value for it. */
function optional(term: string, value: string | undefined, className?: string) {
  if (!value) return null;
  return (
    <>
      <dt>{term}</dt>
      <dd class={className}>{value}</dd>
    </>
  );
}
