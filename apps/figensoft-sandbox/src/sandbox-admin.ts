import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ScopedFaultSchema } from './sandbox-faults.js';
import { parseJsonObject, readBody, sendJson } from './sandbox-http.js';
import { issueList, SandboxConsentUpdateSchema, SandboxOutcomesSchema } from './sandbox-options.js';
import type { Sandbox } from './sandbox-server.js';
import { WireNameSchema, type WireName } from './wires/wire-kit.js';

// The admin API under /_admin: the programmatic Sandbox API over HTTP, for
// curl and for tests in other processes. Dev-only, so no authentication; the
// sandbox binds to 127.0.0.1 unless told otherwise.

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
interface AdminRequest {
  sandbox: Sandbox;
  res: ServerResponse;
  query: URLSearchParams;
  /** The path segment after a route prefix (a fault id, a username), if any. */
  param: string;
  /** Parsed JSON body; present for POST and PUT. */
  body: Record<string, unknown>;
}
type AdminHandler = (request: AdminRequest) => void;

const CreditUpdateSchema = z.strictObject({ credit: z.number().int('must be a whole number').min(0, 'must not be negative') });

function invalid(res: ServerResponse, what: string, error: z.ZodError): void {
  sendJson(res, 400, { error: `invalid ${what}`, issues: issueList(error) });
}

/** Push mode on (`{ url }`) or off (`{ url: null }`), for FigenSoft or the wire named. */
const PushSettingSchema = z.strictObject({
  url: z.url('must be an absolute URL').nullable(),
  wire: z.enum(['figensoft', 'message-center', 'infobip']).default('figensoft'),
});
const CreditSchema = z.strictObject({ credit: z.number().min(0, 'must not be negative') });

/** `?wire=`: absent → FigenSoft's own view (the admin API's first shape), `all` → every wire, else that wire. */
function wireParam(res: ServerResponse, query: URLSearchParams): WireName | 'all' | null | undefined {
  const value = query.get('wire');
  if (value === null) return undefined;
  if (value === 'all') return 'all';
  const parsed = WireNameSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  sendJson(res, 400, { error: `unknown wire "${value}" (${WireNameSchema.options.join(', ')}, all)` });
  return null;
}

const EXACT_ROUTES: Record<string, Partial<Record<Method, AdminHandler>>> = {
  '/_admin/health': { GET: ({ res }) => sendJson(res, 200, { status: 'ok' }) },
  '/_admin/faults': {
    GET: ({ sandbox, res }) => sendJson(res, 200, sandbox.faults()),
    POST: ({ sandbox, res, body }) => {
      const parsed = ScopedFaultSchema.safeParse(body);
      if (!parsed.success) return invalid(res, 'fault', parsed.error);
      sendJson(res, 200, { id: sandbox.injectFault(parsed.data) });
    },
    DELETE: ({ sandbox, res }) => {
      sandbox.clearFaults();
      sendJson(res, 200, { cleared: true });
    },
  },
  '/_admin/records': {
    GET: ({ sandbox, res, query }) => {
      const wire = wireParam(res, query);
      if (wire === null) return;
      if (wire === undefined) return sendJson(res, 200, sandbox.records(query.get('username') ?? undefined));
      sendJson(res, 200, sandbox.wireRecords(wire === 'all' ? undefined : wire));
    },
    DELETE: ({ sandbox, res }) => {
      sandbox.clearRecords();
      sendJson(res, 200, { cleared: true });
    },
  },
  '/_admin/consent': {
    GET: ({ sandbox, res }) => sendJson(res, 200, sandbox.consent()),
    PUT: ({ sandbox, res, body }) => {
      const parsed = SandboxConsentUpdateSchema.safeParse(body);
      if (!parsed.success) return invalid(res, 'consent', parsed.error);
      sandbox.setConsent(parsed.data);
      sendJson(res, 200, sandbox.consent());
    },
  },
  '/_admin/accounts': {
    GET: ({ sandbox, res, query }) => {
      const wire = wireParam(res, query);
      if (wire === null) return;
      sendJson(res, 200, wire === undefined ? sandbox.accounts() : sandbox.wireAccounts(wire === 'all' ? undefined : wire));
    },
  },
  '/_admin/outcomes': {
    PUT: ({ sandbox, res, body }) => {
      const parsed = SandboxOutcomesSchema.safeParse(body);
      if (!parsed.success) return invalid(res, 'outcomes', parsed.error);
      sandbox.setOutcomes(parsed.data);
      sendJson(res, 200, parsed.data);
    },
  },
  '/_admin/push': {
    GET: ({ sandbox, res, query }) => {
      const wire = wireParam(res, query);
      if (wire === null) return;
      sendJson(res, 200, sandbox.pushes(wire === undefined || wire === 'all' ? 'figensoft' : wire));
    },
    PUT: ({ sandbox, res, body }) => {
      const parsed = PushSettingSchema.safeParse(body);
      if (!parsed.success) return invalid(res, 'push setting', parsed.error);
      sandbox.setPushUrl(parsed.data.url ?? undefined, parsed.data.wire);
      sendJson(res, 200, { url: parsed.data.url ?? null, wire: parsed.data.wire });
    },
  },
};

/** Routes with one variable segment: `/_admin/faults/<id>`, `/_admin/accounts/<username>/credit`. */
const PARAM_ROUTES: { pattern: RegExp; methods: Partial<Record<Method, AdminHandler>> }[] = [
  {
    pattern: /^\/_admin\/faults\/([^/]+)$/,
    methods: {
      DELETE: ({ sandbox, res, param }) =>
        sandbox.removeFault(param) ? sendJson(res, 200, { removed: param }) : sendJson(res, 404, { error: `no fault with id ${param}` }),
    },
  },
  {
    pattern: /^\/_admin\/accounts\/([^/]+)\/credit$/,
    methods: {
      PUT: ({ sandbox, res, param, body }) => {
        if (!sandbox.accounts().some((account) => account.username === param)) return sendJson(res, 404, { error: `no account ${param}` });
        const parsed = CreditUpdateSchema.safeParse(body);
        if (!parsed.success) return invalid(res, 'credit', parsed.error);
        sandbox.setCredit(param, parsed.data.credit);
        sendJson(res, 200, { username: param, credit: sandbox.credit(param) });
      },
    },
  },
  {
    pattern: /^\/_admin\/wires\/([^/]+\/accounts\/[^/]+)\/credit$/,
    methods: {
      PUT: ({ sandbox, res, param, body }) => {
        const [wireName, , account] = param.split('/') as [string, string, string];
        const wire = WireNameSchema.exclude(['figensoft']).safeParse(wireName);
        if (!wire.success) return sendJson(res, 404, { error: `no wire ${wireName} (FigenSoft credit is at /_admin/accounts/<username>/credit)` });
        if (!sandbox.wireAccounts(wire.data).some((view) => view.account === account)) return sendJson(res, 404, { error: `no ${wire.data} account ${account}` });
        const parsed = CreditSchema.safeParse(body);
        if (!parsed.success) return invalid(res, 'credit', parsed.error);
        sandbox.setWireCredit(wire.data, account, parsed.data.credit);
        sendJson(res, 200, { wire: wire.data, account, credit: parsed.data.credit });
      },
    },
  },
];

export function handleAdmin(sandbox: Sandbox, req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): void {
  let methods = EXACT_ROUTES[path];
  let param = '';
  if (methods === undefined) {
    for (const route of PARAM_ROUTES) {
      const match = route.pattern.exec(path);
      if (match) {
        methods = route.methods;
        param = decodeSegment(match[1] as string);
        break;
      }
    }
  }
  if (methods === undefined) return sendJson(res, 404, { error: `no such admin endpoint: ${path}` });
  const handler = methods[req.method as Method];
  if (handler === undefined) {
    return sendJson(res, 405, { error: `${path} accepts ${Object.keys(methods).join(', ')}` }, ['allow', Object.keys(methods).join(', ')]);
  }
  if (req.method !== 'POST' && req.method !== 'PUT') {
    req.resume();
    return run(handler, { sandbox, res, query, param, body: {} });
  }
  readBody(req, (read) => {
    if (!read.ok) {
      if (read.reason === 'too-large') sendJson(res, 413, { error: 'request body is too large' }, ['connection', 'close']);
      return;
    }
    const body = parseJsonObject(read.body);
    if (body === undefined) return sendJson(res, 400, { error: 'request body must be a JSON object' });
    run(handler, { sandbox, res, query, param, body });
  });
}

/** A bug in an admin handler fails that request, not the sandbox. */
function run(handler: AdminHandler, request: AdminRequest): void {
  try {
    handler(request);
  } catch (error) {
    sendJson(request.res, 500, { error: (error as Error).message });
  }
}

/** A path segment with %-escapes resolved; a malformed escape stays as written (and matches nothing). */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
