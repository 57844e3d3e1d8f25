import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IysType } from '@rota/provider';
import { handleAdmin } from './sandbox-admin.js';
import { API_HANDLERS, pushBody } from './sandbox-api.js';
import { FaultStore, retryAfterHeader, ScopedFaultSchema, type ActiveFault, type FaultDecision, type FaultInput, type SandboxEndpoint } from './sandbox-faults.js';
import { parseJsonObject, readBody, sendAnswer, sendJson, sendJsonText } from './sandbox-http.js';
import { createInfobipWire } from './wires/infobip-wire.js';
import { createMessageCenterWire } from './wires/message-center-wire.js';
import { createMobildevWire } from './wires/mobildev-wire.js';
import { createTwilioWire } from './wires/twilio-wire.js';
import type { PreparedRequest, Wire, WireAccountView, WireAnswer, WireContext, WireName, WireRecord } from './wires/wire-kit.js';
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

/** Where each wire is served: the base URL to configure for its provider. */
export interface SandboxUrls {
  /** FigenSoft's `customApiUrl` (the same as `url`). */
  figensoft: string;
  /** Message Center's `baseUrl` (its paths are `/v1/send-sms/json`, …). */
  messageCenter: string;
  /** Infobip's `baseUrl` (`/sms/3/messages`, …). */
  infobip: string;
  /** Twilio's `baseUrl` (`/2010-04-01/Accounts/…`). */
  twilio: string;
  /** Mobildev's `baseUrl` (the XML API answers at the URL itself). */
  mobildev: string;
}

export interface Sandbox {
  /** Base URL to configure as `customApiUrl`, e.g. `http://127.0.0.1:41234/api_json`. */
  url: string;
  /** Every wire's base URL. */
  urls: SandboxUrls;
  port: number;
  /** Every message FigenSoft's wire accepted (up to `maxRecords`, oldest first), or one account's. */
  records(username?: string): SandboxRecord[];
  /** Every message one wire accepted, or every wire (FigenSoft's included), in one shape: what failover tests count. */
  wireRecords(wire?: WireName): WireRecord[];
  /** Forgets the accepted messages of every wire. */
  clearRecords(): void;
  credit(username: string): number;
  setCredit(username: string, credit: number): void;
  /** FigenSoft's accounts as the admin API shows them: never the password. */
  accounts(): SandboxAccountView[];
  /** Every wire's accounts (or one wire's), by the name faults use: never a secret. */
  wireAccounts(wire?: WireName): WireAccountView[];
  /** A wire's balance for an account (credits, or money for Infobip and Twilio). */
  setWireCredit(wire: Exclude<WireName, 'figensoft'>, account: string, credit: number): void;
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
  /**
   * Push mode on (a URL) or off (undefined) for a wire (default FigenSoft): final statuses are posted
   * there. Message Center: the accounts' notification URL; Infobip: where reports go for requests that
   * name no URL. Twilio pushes to each request's StatusCallback; Mobildev does not push.
   */
  setPushUrl(url: string | undefined, wire?: 'figensoft' | 'message-center' | 'infobip'): void;
  /** A wire's push POSTs (default FigenSoft) answered 2xx, and the others. */
  pushes(wire?: WireName): { sent: number; failed: number };
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

  const pushCounts = new Map<WireName, { sent: number; failed: number }>();
  const countsOf = (wire: WireName) => {
    let counts = pushCounts.get(wire);
    if (!counts) pushCounts.set(wire, (counts = { sent: 0, failed: 0 }));
    return counts;
  };
  const pushUrls = new Map<WireName, string | undefined>([
    ['message-center', options.messageCenter?.pushUrl],
    ['infobip', options.infobip?.pushUrl],
  ]);
  /** A pushed report, posted as the provider would; counted per wire. */
  function post(wire: WireName, url: string, body: string, headers: Record<string, string>, onDelivered?: () => void): void {
    const counts = countsOf(wire);
    fetch(url, { method: 'POST', headers, body }).then(
      (response) => {
        if (response.ok) {
          counts.sent += 1;
          onDelivered?.();
        } else counts.failed += 1;
        return response.body?.cancel();
      },
      () => (counts.failed += 1),
    );
  }
  const context: WireContext = {
    deliveryDelayMs: options.deliveryDelayMs,
    approved: () => state.approved,
    optedOut: () => state.optedOut,
    outcomes: () => state.outcomes,
    later: (ms, action) => later(ms, action),
    post,
    pushUrl: (wire) => pushUrls.get(wire),
  };
  const wires: Wire[] = [];
  if (options.messageCenter) wires.push(createMessageCenterWire(options.messageCenter, context, options.maxRecords));
  if (options.infobip) wires.push(createInfobipWire(options.infobip, context, options.maxRecords));
  if (options.twilio) wires.push(createTwilioWire(options.twilio, context, options.maxRecords));
  if (options.mobildev) wires.push(createMobildevWire(options.mobildev, context, options.maxRecords));
  const wireOf = (name: WireName): Wire | undefined => wires.find((wire) => wire.name === name);

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
      const decision = faultStore.decide('figensoft', endpoint, typeof body.Username === 'string' ? body.Username : undefined);
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
        later(latencyMs, () => sendJsonText(res, 200, `{"StatusCode":${outcome.statusCode},"StatusDescription":"Injected fault","Result":null}`, retryAfterHeader(outcome)));
        return;
      case 'http-error':
        later(latencyMs, () => sendJson(res, outcome.httpStatus, { error: 'injected HTTP error' }, retryAfterHeader(outcome)));
        return;
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

  /** A request to one of the other wires: the wire understands it, faults decide, the wire answers. */
  function handleWire(req: IncomingMessage, res: ServerResponse, wire: Wire, path: string, query: URLSearchParams): void {
    readBody(req, (read) => {
      if (!read.ok) {
        if (read.reason === 'too-large') sendJson(res, 413, { error: 'request body is too large' }, ['connection', 'close']);
        return;
      }
      let prepared: PreparedRequest | WireAnswer;
      try {
        prepared = wire.prepare({ method: req.method ?? 'GET', path: path.slice(wire.prefix.length), query, headers: req.headers, body: read.body });
      } catch {
        sendJson(res, 500, { error: 'sandbox internal error' });
        return;
      }
      if (!('run' in prepared)) {
        sendAnswer(res, prepared);
        return;
      }
      const request = prepared;
      const { outcome, latencyMs } = faultStore.decide(wire.name, request.endpoint, request.account);
      const run = (): WireAnswer | undefined => {
        try {
          return request.run(Date.now());
        } catch {
          // A bug in the sandbox must fail the request, not the process (the body may hold secrets: not echoed).
          sendJson(res, 500, { error: 'sandbox internal error' });
          return undefined;
        }
      };
      switch (outcome?.kind) {
        case undefined: {
          // Handled on arrival; only the answer waits (a client that gives up has still sent).
          const answered = run();
          if (answered) later(latencyMs, () => sendAnswer(res, answered));
          return;
        }
        case 'status-code': {
          const coded = wire.codeAnswer(outcome.statusCode, request.endpoint);
          const headers = [...(coded.headers ?? []), ...retryAfterHeader(outcome)];
          later(latencyMs, () => sendAnswer(res, headers.length === 0 ? coded : { ...coded, headers }));
          return;
        }
        case 'http-error':
          later(latencyMs, () => sendJson(res, outcome.httpStatus, { error: 'injected HTTP error' }, retryAfterHeader(outcome)));
          return;
        case 'hang':
          return;
        case 'reset':
          if (outcome.afterAccept) run();
          later(latencyMs, () => res.socket?.resetAndDestroy());
          return;
        case 'garbled':
          if (outcome.afterAccept) run();
          later(latencyMs, () => sendAnswer(res, wire.garbledAnswer(request.endpoint)));
          return;
      }
    });
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
    for (const wire of wires) {
      if (path === wire.prefix || path.startsWith(`${wire.prefix}/`)) {
        handleWire(req, res, wire, path, new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1)));
        return;
      }
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
  state.onAccepted = (first, count, finalAt) =>
    later(Math.max(0, finalAt - Date.now()), () => {
      const url = state.pushUrl;
      if (url === undefined) return;
      // A timer may fire a millisecond before the wall clock reaches finalAt: read the statuses at their final time.
      post('figensoft', url, pushBody(state, first, count, Math.max(Date.now(), finalAt)), { 'content-type': 'application/json' });
    });
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const origin = `http://${host}:${port}`;

  const sandbox: Sandbox = {
    url: `${origin}${API_BASE_PATH}`,
    urls: {
      figensoft: `${origin}${API_BASE_PATH}`,
      messageCenter: `${origin}/message-center`,
      infobip: `${origin}/infobip`,
      twilio: `${origin}/twilio`,
      mobildev: `${origin}/mobildev`,
    },
    port,
    records: (username) => state.records(username),
    wireRecords(wire) {
      const figensoft = (): WireRecord[] =>
        state.records().map((record) => ({
          wire: 'figensoft',
          account: record.username,
          receiver: record.receiver,
          text: record.text,
          sender: record.originator,
          messageId: record.messageId,
          commercial: record.iysType === 'CAMPAIGN',
          acceptedAt: record.acceptedAt,
          ...(record.sendAt !== undefined ? { sendAt: record.sendAt } : {}),
        }));
      if (wire === 'figensoft') return figensoft();
      if (wire !== undefined) return wireOf(wire)?.records() ?? [];
      return [...figensoft(), ...wires.flatMap((w) => w.records())];
    },
    clearRecords: () => {
      state.store.clear();
      for (const wire of wires) wire.clear();
    },
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
    wireAccounts(wire) {
      const figensoft = (): WireAccountView[] =>
        state.accounts.map((account, index) => ({ wire: 'figensoft', account: account.username, iysType: account.iysType, senders: [...account.senders], credit: state.credits[index] as number }));
      if (wire === 'figensoft') return figensoft();
      if (wire !== undefined) return wireOf(wire)?.accounts() ?? [];
      return [...figensoft(), ...wires.flatMap((w) => w.accounts())];
    },
    setWireCredit(wire, account, credit) {
      const target = wireOf(wire);
      if (!target) throw new Error(`The ${wire} wire has no accounts in this sandbox`);
      if (!Number.isFinite(credit) || credit < 0) throw new Error(`Invalid credit for "${account}": must be a number ≥ 0`);
      target.setCredit(account, credit);
    },
    injectFault: (fault) => faultStore.add(parseOrThrow(ScopedFaultSchema, fault, 'fault')),
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
    setPushUrl(url, wire = 'figensoft') {
      if (wire === 'figensoft') state.pushUrl = url;
      else pushUrls.set(wire, url);
    },
    pushes: (wire = 'figensoft') => ({ ...countsOf(wire) }),
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
