import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { FaultSchema } from './sandbox-faults.js';
import { parseJsonObject, readBody, sendJson } from './sandbox-http.js';
import { issueList, SandboxConsentUpdateSchema, SandboxOutcomesSchema } from './sandbox-options.js';
import type { Sandbox } from './sandbox-server.js';

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

/** Push mode on (`{ url }`) or off (`{ url: null }`). */
const PushSettingSchema = z.strictObject({ url: z.url('must be an absolute URL').nullable() });

const EXACT_ROUTES: Record<string, Partial<Record<Method, AdminHandler>>> = {
  '/_admin/health': { GET: ({ res }) => sendJson(res, 200, { status: 'ok' }) },
  '/_admin/faults': {
    GET: ({ sandbox, res }) => sendJson(res, 200, sandbox.faults()),
    POST: ({ sandbox, res, body }) => {
      const parsed = FaultSchema.safeParse(body);
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
      sendJson(res, 200, sandbox.records(query.get('username') ?? undefined));
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
  '/_admin/accounts': { GET: ({ sandbox, res }) => sendJson(res, 200, sandbox.accounts()) },
  '/_admin/outcomes': {
    PUT: ({ sandbox, res, body }) => {
      const parsed = SandboxOutcomesSchema.safeParse(body);
      if (!parsed.success) return invalid(res, 'outcomes', parsed.error);
      sandbox.setOutcomes(parsed.data);
      sendJson(res, 200, parsed.data);
    },
  },
  '/_admin/push': {
    GET: ({ sandbox, res }) => sendJson(res, 200, sandbox.pushes()),
    PUT: ({ sandbox, res, body }) => {
      const parsed = PushSettingSchema.safeParse(body);
      if (!parsed.success) return invalid(res, 'push setting', parsed.error);
      sandbox.setPushUrl(parsed.data.url ?? undefined);
      sendJson(res, 200, { url: parsed.data.url ?? null });
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
