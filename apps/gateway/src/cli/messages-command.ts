import type { z } from 'zod';
import type { MessageListSchema } from '@rota/api';
import { EXIT, UsageError, type CliIo, type FlagsOf } from './cli-io.js';
import { CONNECTION_OPTIONS, callGateway, describeRefusal, resolveTarget } from './gateway-client.js';
import { textTable } from './text-table.js';

/** Each filter flag and the query parameter of `GET /v1/messages` it sets. */
const QUERY_OF_FLAG = {
  state: 'state',
  to: 'to',
  bulk: 'bulkId',
  since: 'createdFrom',
  until: 'createdUntil',
  limit: 'limit',
  cursor: 'cursor',
  owner: 'owner',
} as const;
type FilterFlag = keyof typeof QUERY_OF_FLAG;

/** The gateway names query parameters; the user typed flags. */
const FLAG_OF_QUERY: Record<string, string> = Object.fromEntries(Object.entries(QUERY_OF_FLAG).map(([flag, query]) => [query, `--${flag}`]));

export const MESSAGES_OPTIONS = {
  ...CONNECTION_OPTIONS,
  ...(Object.fromEntries(Object.keys(QUERY_OF_FLAG).map((flag) => [flag, { type: 'string' }])) as Record<FilterFlag, { readonly type: 'string' }>),
} as const;
export type MessagesFlags = FlagsOf<typeof MESSAGES_OPTIONS>;

type MessageList = z.infer<typeof MessageListSchema>;

const DURATION_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * `rota messages`: a page of the caller's messages (the admin token's: everyone's,
 * or one client's with --owner), newest first, as a table or as the gateway's JSON.
 * Exit 0 on a 2xx answer; 2 when the gateway refuses a filter (the flag is named);
 * 1 otherwise.
 */
export async function messagesCommand(flags: MessagesFlags, io: CliIo, now: () => number = Date.now): Promise<number> {
  const query = new URLSearchParams();
  for (const flag of Object.keys(QUERY_OF_FLAG) as FilterFlag[]) {
    const value = flags[flag];
    if (value === undefined) continue;
    if (value.trim() === '') throw new UsageError(`--${flag} must not be empty`);
    query.set(QUERY_OF_FLAG[flag], flag === 'since' || flag === 'until' ? instantOf(value, now) : value);
  }
  const target = resolveTarget(flags, io.env);
  const { status, body } = await callGateway(target, 'GET', `/v1/messages${query.toString() === '' ? '' : `?${query}`}`);
  if (status === 400) {
    for (const line of describeRefusal(status, body, flagOfQuery, inFlags)) io.err(line);
    return EXIT.usage;
  }
  if (status < 200 || status >= 300) {
    // A refused --owner (403: only the admin token reads another client's messages) is named as the flag too.
    for (const line of describeRefusal(status, body, flagOfQuery, inFlags)) io.err(line);
    return EXIT.failed;
  }
  if (flags.json) {
    io.out(JSON.stringify(body, null, 2));
    return EXIT.ok;
  }
  const page = body as MessageList;
  if (page.items.length === 0) io.out('no messages');
  else for (const line of messagesTable(page.items)) io.out(line);
  // With "=": a cursor may begin with "-" (base64url), which the argument parser took for an option (exit 2).
  if (page.nextCursor) io.out(`more: add --cursor=${page.nextCursor}`);
  return EXIT.ok;
}

const flagOfQuery = (path: string): string => FLAG_OF_QUERY[path] ?? path;
/** The query parameters named otherwise than their flags (`to` is `--to`, and a common word besides). */
const QUERY_NAMES = /\b(createdFrom|createdUntil|bulkId)\b/g;

/**
 * The gateway's words in the user's: the query parameters it names are the
 * flags typed (`must be after createdFrom` → `--since`), and a date flag's
 * refusal names the short form the CLI takes besides ISO 8601.
 */
function inFlags(reason: string, path: string): string {
  const worded = reason.replace(QUERY_NAMES, (name) => FLAG_OF_QUERY[name]!);
  return path === 'createdFrom' || path === 'createdUntil' ? `${worded} (or a time ago: 30m, 2h, 7d)` : worded;
}

/**
 * `30m`, `2h` or `7d` ago, as an ISO instant; anything else goes to the
 * gateway as written, which takes ISO 8601 and names the flag if it cannot.
 */
function instantOf(value: string, now: () => number): string {
  const ago = /^(\d{1,6})([mhd])$/.exec(value.trim());
  if (!ago) return value;
  return new Date(now() - Number(ago[1]) * DURATION_MS[ago[2] as keyof typeof DURATION_MS]).toISOString();
}

/** One line a message. Numbers are printed as the gateway gives them: they are the API client's own. */
export function messagesTable(items: MessageList['items']): string[] {
  return textTable(
    ['ID', 'STATUS', 'DELIVERY', 'TO', 'PROVIDER', 'OWNER', 'CREATED'],
    items.map((m) => [m.id, m.status, m.delivery?.state ?? '-', m.to, m.providerId ?? '-', m.owner, m.createdAt]),
  );
}
