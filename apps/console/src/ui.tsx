import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { describeError, type Api } from './api';

/** What every screen gets: the API, a way to say something to screen readers, and a confirmation. */
export interface Console {
  api: Api;
  announce(text: string): void;
  confirm(request: ConfirmRequest): void;
}

export interface ConfirmRequest {
  title: string;
  body: ComponentChildren;
  confirmLabel: string;
  /** Rejects to keep the dialog open with the error shown. */
  action: () => Promise<string | void>;
  danger?: boolean;
}

export const ConsoleContext = createContext<Console | undefined>(undefined);

export function useConsole(): Console {
  const value = useContext(ConsoleContext);
  if (!value) throw new Error('useConsole outside the console');
  return value;
}

export interface Poll<T> {
  data: T | undefined;
  error: unknown;
  updatedAt: Date | undefined;
  refresh(): void;
}

/**
 * Loads now and again every `intervalMs` after each answer (never two at
 * once), so changes made elsewhere — a reload, another operator — show
 * within a few seconds. Stops when the screen goes away.
 */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number, deps: unknown[] = []): Poll<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; updatedAt: Date | undefined }>({ data: undefined, error: undefined, updatedAt: undefined });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const data = await loadRef.current();
        if (!stopped) setState({ data, error: undefined, updatedAt: new Date() });
      } catch (error) {
        if (!stopped) setState((previous) => ({ ...previous, error }));
      }
      if (!stopped) timer = setTimeout(run, intervalMs);
    };
    void run();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [intervalMs, tick, ...deps]);

  const refresh = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, refresh };
}

/** A load error, in words, as an alert. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="note note-error" role="alert">
      {describeError(error)}
    </p>
  );
}

export function Updated({ at, every }: { at: Date | undefined; every: number }) {
  return <p class="updated">{at ? `Updated ${at.toLocaleTimeString()} · refreshes every ${Math.round(every / 1000)} s` : 'Loading…'}</p>;
}

/**
 * The confirmation every change goes through: a modal <dialog> (focus stays
 * in it, Escape cancels), the change described in words, Confirm and Cancel.
 */
export function ConfirmDialog({ request, onClose }: { request: ConfirmRequest | undefined; onClose(result?: string): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (request && !element.open) {
      setError(undefined);
      setBusy(false);
      element.showModal();
    } else if (!request && element.open) element.close();
  }, [request]);

  const confirm = async () => {
    if (!request) return;
    setBusy(true);
    setError(undefined);
    try {
      const result = await request.action();
      onClose(result ?? undefined);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} class="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-body" onCancel={(event) => { event.preventDefault(); if (!busy) onClose(); }}>
      {request && (
        <form method="dialog" onSubmit={(event) => { event.preventDefault(); void confirm(); }}>
          <h2 id="confirm-title">{request.title}</h2>
          <div id="confirm-body">{request.body}</div>
          <ErrorNote error={error} />
          <div class="actions">
            <button type="button" class="button" onClick={() => onClose()} disabled={busy}>
              Cancel
            </button>
            <button type="submit" class={request.danger ? 'button button-danger' : 'button button-primary'} disabled={busy}>
              {busy ? 'Working…' : request.confirmLabel}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
