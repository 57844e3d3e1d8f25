import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, createApi, describeError, type Session } from './api';
import { BulksScreen } from './screens/bulks';
import { ConfigScreen } from './screens/config';
import { MessagesScreen } from './screens/messages';
import { ProvidersScreen } from './screens/providers';
import { TrafficScreen } from './screens/traffic';
import { ConfirmDialog, ConsoleContext, type ConfirmRequest, type Console } from './ui';

const SCREENS = [
  { id: 'providers', label: 'Providers', View: ProvidersScreen },
  { id: 'traffic', label: 'Traffic', View: TrafficScreen },
  { id: 'messages', label: 'Messages', View: MessagesScreen },
  { id: 'bulks', label: 'Bulks', View: BulksScreen },
  { id: 'config', label: 'Configuration', View: ConfigScreen },
] as const;
type ScreenId = (typeof SCREENS)[number]['id'];

/** The screen is in the fragment (#/messages?id=…): no token or number ever is. */
function parseHash(hash: string): { screen: ScreenId; params: URLSearchParams } {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const screen = SCREENS.find((s) => s.id === path)?.id ?? 'providers';
  return { screen, params: new URLSearchParams(query) };
}

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

export function App() {
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  if (!session) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(next) => {
          setNotice(undefined);
          setSession(next);
        }}
      />
    );
  }
  return (
    <Shell
      session={session}
      onSignOut={(reason) => {
        setNotice(reason);
        setSession(undefined);
      }}
    />
  );
}

function SignIn({ notice, onSignedIn }: { notice: string | undefined; onSignedIn(session: Session): void }) {
  const [token, setToken] = useState('');
  const [operator, setOperator] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => field.current?.focus(), []);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const session: Session = { token: token.trim(), ...(operator.trim() ? { operator: operator.trim() } : {}) };
    try {
      // Any admin route proves the token; the configuration route is the cheapest.
      await createApi(session).get('/v1/admin/config');
      onSignedIn(session);
    } catch (caught) {
      setError(caught instanceof ApiError && caught.status === 401 ? 'The gateway refused this token: it is not the admin token.' : describeError(caught));
      field.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin" id="main">
      <h1>Rota operations console</h1>
      <form onSubmit={submit} class="card" aria-describedby="signin-help">
        <p id="signin-help">
          Sign in with the gateway's admin token (<code>gateway.adminToken</code>). It stays in this page's memory only: reloading the page signs you out.
        </p>
        {notice && (
          <p class="note" role="status">
            {notice}
          </p>
        )}
        <label for="token">Admin token</label>
        <input id="token" ref={field} type="password" autocomplete="off" spellcheck={false} required value={token} onInput={(e) => setToken(e.currentTarget.value)} aria-invalid={error ? 'true' : undefined} aria-errormessage={error ? 'signin-error' : undefined} />
        <label for="operator">
          Your name <span class="hint">(optional, for the audit log)</span>
        </label>
        <input id="operator" type="text" autocomplete="name" maxLength={64} value={operator} onInput={(e) => setOperator(e.currentTarget.value)} />
        {error && (
          <p class="note note-error" id="signin-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="button button-primary" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

function Shell({ session, onSignOut }: { session: Session; onSignOut(reason?: string): void }) {
  const hash = useHash();
  const { screen, params } = parseHash(hash);
  const [announcement, setAnnouncement] = useState('');
  const [confirming, setConfirming] = useState<ConfirmRequest | undefined>(undefined);
  const heading = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);

  const value = useMemo<Console>(
    () => ({
      api: createApi(session, { onUnauthorized: () => onSignOut('The gateway no longer accepts this token (a reload may have changed it): sign in again.') }),
      announce: (text) => setAnnouncement(text),
      confirm: (request) => setConfirming(request),
    }),
    [session],
  );

  // A new screen: move focus to its heading so keyboard and screen reader users start there.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    heading.current?.focus();
  }, [screen]);

  const current = SCREENS.find((s) => s.id === screen)!;
  const View = current.View;
  return (
    <ConsoleContext.Provider value={value}>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); heading.current?.focus(); }}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Rota console</span>
        <nav aria-label="Screens">
          <ul>
            {SCREENS.map((s) => (
              <li key={s.id}>
                <a href={`#/${s.id}`} aria-current={s.id === screen ? 'page' : undefined}>
                  {s.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          {session.operator && <span class="operator">{session.operator}</span>}
          <button type="button" class="button button-small" onClick={() => onSignOut('Signed out.')}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">
        <h1 ref={heading} tabIndex={-1}>
          {current.label}
        </h1>
        <View params={params} />
      </main>
      <div class="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </div>
      <ConfirmDialog
        request={confirming}
        onClose={(result) => {
          setConfirming(undefined);
          if (result) setAnnouncement(result);
        }}
      />
    </ConsoleContext.Provider>
  );
}
