import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IysType } from '@rota/provider';
import { handleAdmin } from './sandbox-admin.js';
import { API_HANDLERS, pushBody } from './sandbox-api.js';
import { FaultSchema, FaultStore, type ActiveFault, type FaultDecision, type FaultInput, type SandboxEndpoint } from './sandbox-faults.js';
import { parseJsonObject, readBody, sendJson, sendJsonText } from './sandbox-http.js';
import type { SandboxRecord } from './sandbox-message-store.js';
import {
  parseOrThrow,
  SandboxConsentUpdateSchema,
  SandboxOptionsSchema,
  type SandboxConsent,
  type SandboxConsentUpdate,
  SandboxOutcomesSchema,
  type SandboxOptionsInput,
  type SandboxOutcomesInput,
} from './sandbox-options.js';
import { SandboxState } from './sandbox-state.js';

/** The path prefix FigenSoft serves its JSON API under; `Sandbox.url` ends with it. */
export const API_BASE_PATH = '/api_json';

// The real service's older .asp/.asmx APIs point to IIS, which matches paths without regard to case.
const API_ROUTES = new Map<string, SandboxEndpoint>(
  (Object.keys(API_HANDLERS) as SandboxEndpoint[]).map((endpoint) => [`${API_BASE_PATH}/v1/sms/${endpoint.toLowerCase()}`, endpoint]),
);

// Looks like the start of a real answer, then stops: the ambiguous outcome a
// client must not read as "not sent".
const GARBLED_BODY = '{"StatusCode":200,"StatusDescription":"Success","Result":[{"MessageId":"SBX_';

/** Idle keep-alive sockets stay open this long; longer than typical client pools keep theirs. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface SandboxAccountView {
  username: string;
  iysType: IysType;
  senders: string[];
  credit: number;
}

export interface Sandbox {
  /** Base URL to configure as `customApiUrl`, e.g. `http://127.0.0.1:41234/api_json`. */
  url: string;
  port: number;
  /** Every accepted message (up to `maxRecords`, oldest first), or one account's. */
  records(username?: string): SandboxRecord[];
  clearRecords(): void;
  credit(username: string): number;
  setCredit(username: string, credit: number): void;
  /** Accounts as the admin API shows them: never the password. */
  accounts(): SandboxAccountView[];
  /** Validates the fault (throws naming the field) and returns its id. */
  injectFault(fault: FaultInput): string;
  removeFault(id: string): boolean;
  faults(): ActiveFault[];
  clearFaults(): void;
  /** Replaces the lists given; a list left out stays as it is. */
  setConsent(consent: SandboxConsentUpdate): void;
  consent(): SandboxConsent;
  /** How deliveries that pass consent end (shares undelivered, expired, unknown; the rest delivered). */
  setOutcomes(outcomes: SandboxOutcomesInput): void;
  /** Push mode on (a URL) or off (undefined): final statuses are posted there, one POST per request. */
  setPushUrl(url: string | undefined): void;
  /** Push POSTs answered 2xx, and the others. */
  pushes(): { sent: number; failed: number };
  /** HTTP requests served, all endpoints included. */
  requestCount(): number;
  /** Closes the server and every connection (keep-alive, hanging, delayed); leaves no handle behind. */
  close(): Promise<void>;
}

export async function startSandbox(input: SandboxOptionsInput): Promise<Sandbox> {
  const options = parseOrThrow(SandboxOptionsSchema, input, 'sandbox options');
  const state = new SandboxState(options);
  const faultStore = new FaultStore();
  const delayed = new Set<NodeJS.Timeout>();
  let requests = 0;
  let closing: Promise<void> | undefined;

  function later(ms: number, action: () => void): void {
    if (ms <= 0) {
      action();
      return;
    }
    const timer = setTimeout(() => {
      delayed.delete(timer);
      action();
    }, ms);
    delayed.add(timer);
  }

  function handleApi(req: IncomingMessage, res: ServerResponse, endpoint: SandboxEndpoint): void {
    readBody(req, (read) => {
      if (!read.ok) {
        if (read.reason === 'too-large') sendJson(res, 413, { error: 'request body is too large' }, ['connection', 'close']);
        return;
      }
      const body = parseJsonObject(read.body);
      if (body === undefined) {
        sendJson(res, 400, { error: 'request body must be a JSON object' });
        return;
      }
      const decision = faultStore.decide(endpoint, typeof body.Username === 'string' ? body.Username : undefined);
      try {
        answer(res, decision, () => API_HANDLERS[endpoint](state, body, Date.now()));
      } catch {
        // A bug in the sandbox must fail the request, not the process (the body may hold secrets: not echoed).
        sendJson(res, 500, { error: 'sandbox internal error' });
      }
    });
  }

  /** Answers normally or as the fault decided; `handle` runs the request (records, charges) and returns the body. */
  function answer(res: ServerResponse, decision: FaultDecision, handle: () => string): void {
    const { outcome, latencyMs } = decision;
    switch (outcome?.kind) {
      case undefined: {
        // The request is handled on arrival and only the answer waits: a client
        // that gives up during the delay has still sent its messages.
        const responseBody = handle();
        later(latencyMs, () => sendJsonText(res, 200, responseBody));
        return;
      }
      case 'status-code':
        later(latencyMs, () => sendJsonText(res, 200, `{"StatusCode":${outcome.statusCode},"StatusDescription":"Injected fault","Result":null}`));
        return;
      case 'http-error': {
        const headers = outcome.retryAfterSeconds === undefined ? [] : ['retry-after', String(outcome.retryAfterSeconds)];
        later(latencyMs, () => sendJson(res, outcome.httpStatus, { error: 'injected HTTP error' }, headers));
        return;
      }
      case 'hang':
        // Nothing is sent; close() destroys the socket if the client has not.
        return;
      case 'reset':
        if (outcome.afterAccept) handle();
        later(latencyMs, () => res.socket?.resetAndDestroy());
        return;
      case 'garbled':
        if (outcome.afterAccept) handle();
        later(latencyMs, () => sendJsonText(res, 200, GARBLED_BODY));
        return;
    }
  }

  const server = createServer((req, res) => {
    requests++;
    const url = req.url ?? '/';
    const queryStart = url.indexOf('?');
    const path = queryStart === -1 ? url : url.slice(0, queryStart);
    if (path.startsWith('/_admin')) {
      handleAdmin(sandbox, req, res, path, new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1)));
      return;
    }
    const endpoint = API_ROUTES.get(path.toLowerCase());
    if (endpoint === undefined) {
      sendJson(res, 404, { error: `no such endpoint: ${path}` });
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: `${endpoint} accepts POST only` }, ['allow', 'POST']);
      return;
    }
    handleApi(req, res, endpoint);
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  // Push mode: when a request's messages are final, their statuses go to the push URL in one POST.
  const pushes = { sent: 0, failed: 0 };
  state.onAccepted = (first, count, finalAt) =>
    later(Math.max(0, finalAt - Date.now()), () => {
      const url = state.pushUrl;
      if (url === undefined) return;
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: pushBody(state, first, count, Date.now()) }).then(
        (response) => {
          if (response.ok) pushes.sent += 1;
          else pushes.failed += 1;
          return response.body?.cancel();
        },
        () => (pushes.failed += 1),
      );
    });
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;

  const sandbox: Sandbox = {
    url: `http://${host}:${port}${API_BASE_PATH}`,
    port,
    records: (username) => state.records(username),
    clearRecords: () => state.store.clear(),
    credit: (username) => state.credits[state.accountIndex(username)] as number,
    setCredit(username, credit) {
      const index = state.accountIndex(username);
      if (!Number.isSafeInteger(credit) || credit < 0) throw new Error(`Invalid credit for "${username}": must be a whole number ≥ 0`);
      state.credits[index] = credit;
    },
    accounts: () =>
      state.accounts.map((account, index) => ({
        username: account.username,
        iysType: account.iysType,
        senders: [...account.senders],
        credit: state.credits[index] as number,
      })),
    injectFault: (fault) => faultStore.add(parseOrThrow(FaultSchema, fault, 'fault')),
    removeFault: (id) => faultStore.remove(id),
    faults: () => faultStore.list(),
    clearFaults: () => faultStore.clear(),
    setConsent(consent) {
      const update = parseOrThrow(SandboxConsentUpdateSchema, consent, 'consent');
      if (update.approved) state.approved = new Set(update.approved);
      if (update.optedOut) state.optedOut = new Set(update.optedOut);
    },
    consent: () => state.consent(),
    setOutcomes(outcomes) {
      state.outcomes = parseOrThrow(SandboxOutcomesSchema, outcomes, 'outcomes');
    },
    setPushUrl(url) {
      state.pushUrl = url;
    },
    pushes: () => ({ ...pushes }),
    requestCount: () => requests,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of delayed) clearTimeout(timer);
        delayed.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
  return sandbox;
}
