import type { z } from 'zod';
import { ConsoleBulkListSchema, ConsoleBulkSchema, ConsoleConfigSchema, ConsoleMessageListSchema, ConsoleMessageSchema, ConsoleProvidersSchema, ConsoleTrafficSchema } from '@rota/api';

/**
 * The operations console's part of the OpenAPI document: its page and its
 * admin data routes. `schemaOf` is the document's own zod-to-JSON-Schema
 * conversion, handed in so both parts are written the same way.
 */
export function consoleOpenApi(schemaOf: (schema: z.ZodType, io: 'input' | 'output') => Record<string, unknown>): {
  schemas: Record<string, Record<string, unknown>>;
  paths: Record<string, unknown>;
} {
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const json = (schema: unknown, description: string) => ({ description, content: { 'application/json': { schema } } });
  const error = (description: string) => json(ref('Error'), description);
  const adminToken = [{ adminToken: [] }];
  const AUTH = {
    '401': error('No credential, or an unknown one.'),
    '403': error('Not the admin token (a send key cannot use the console).'),
  };
  const INVALID = { '400': error('A query parameter is invalid (`issues` name it).') };
  const query = (name: string, description: string) => ({ name, in: 'query', required: false, description, schema: { type: 'string' } });
  const param = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });

  return {
    schemas: {
      ConsoleProviders: schemaOf(ConsoleProvidersSchema, 'output'),
      ConsoleTraffic: schemaOf(ConsoleTrafficSchema, 'output'),
      ConsoleMessage: schemaOf(ConsoleMessageSchema, 'output'),
      ConsoleMessageList: schemaOf(ConsoleMessageListSchema, 'output'),
      ConsoleBulk: schemaOf(ConsoleBulkSchema, 'output'),
      ConsoleBulkList: schemaOf(ConsoleBulkListSchema, 'output'),
      ConsoleConfig: schemaOf(ConsoleConfigSchema, 'output'),
    },
    paths: {
      '/console': {
        get: {
          summary: 'The operations console (a web page; sign in with the admin token)',
          description: 'Served from the built @rota/console package. 503 `console-not-built` when it was not built; the gateway runs without it.',
          security: [],
          responses: {
            '200': { description: 'The page.', content: { 'text/html': { schema: { type: 'string' } } } },
            '503': error('`console-not-built`: run the build.'),
          },
        },
      },
      '/console/assets/{file}': {
        get: {
          summary: 'The console\'s scripts and styles (content-hashed names, cached for a year)',
          security: [],
          parameters: [param('file', 'A built file name.')],
          responses: { '200': { description: 'The file.' }, '404': error('No such file.'), '503': error('`console-not-built`.') },
        },
      },
      '/v1/admin/providers': {
        get: {
          summary: 'Providers with their recent traffic (admin, console)',
          description: 'GET /v1/providers plus, per provider and account, the attempts of the last `minutes` by outcome, and the delivery rate (null until delivery reports are kept).',
          security: adminToken,
          parameters: [query('minutes', 'The window of `recent`, 1–60 (default 5).')],
          responses: { '200': json(ref('ConsoleProviders'), 'Providers in rank order.'), ...INVALID, ...AUTH },
        },
      },
      '/v1/admin/traffic': {
        get: {
          summary: 'Attempts per provider in 10-second buckets, and the queue (admin, console)',
          description:
            'Kept in the gateway\'s memory for the last hour (a restart starts it again). A message that failed at one provider and went through at the next counts for both. ' +
            'The queue is the ledger\'s: depth per priority and the oldest due message\'s wait.',
          security: adminToken,
          parameters: [query('minutes', 'How far back, 1–60 (default 60).')],
          responses: { '200': json(ref('ConsoleTraffic'), 'The series and the queue.'), ...INVALID, ...AUTH },
        },
      },
      '/v1/admin/messages': {
        get: {
          summary: 'Every client\'s messages, numbers masked (admin, console)',
          description: 'The filters of GET /v1/messages (`owner` included). Each `to` is masked (`+90532*****67`), as is any number in a reason, the text, the reference or the idempotency key.',
          security: adminToken,
          parameters: ['state', 'bulkId', 'to', 'createdFrom', 'createdUntil', 'limit', 'cursor', 'owner'].map((name) => query(name, `As in GET /v1/messages.`)),
          responses: { '200': json(ref('ConsoleMessageList'), 'A page, newest first.'), ...INVALID, ...AUTH },
        },
      },
      '/v1/admin/messages/{id}': {
        get: {
          summary: 'One message with its attempts, number masked unless revealed (admin, console)',
          description: 'Masked as in the list. `reveal=true` answers the record whole and logs the reveal (the operator named by `X-Rota-Operator`, percent-encoded, and the masked number).',
          security: adminToken,
          parameters: [param('id', 'A message id.'), query('reveal', '`true` to answer the record whole, its numbers unmasked (logged).')],
          responses: { '200': json(ref('ConsoleMessage'), 'The record.'), '404': error('No such message.'), ...INVALID, ...AUTH },
        },
      },
      '/v1/admin/messages/{id}/resend': {
        post: {
          summary: 'Send an unknown message again, answered masked (admin, console)',
          description: 'POST /v1/messages/{id}/resend with the new record\'s number masked.',
          security: adminToken,
          parameters: [param('id', 'The `id` of an unknown message.')],
          responses: { '200': json(ref('ConsoleMessage'), 'Resent already: the copy that resend made.'), '202': json(ref('ConsoleMessage'), 'The new, queued record.'), '404': error('No such message.'), '409': error('`not-resendable`.'), ...AUTH },
        },
      },
      '/v1/admin/bulks': {
        get: {
          summary: 'Bulks newest first, each counted by state (admin, console)',
          security: adminToken,
          parameters: [query('limit', '1–100 (default 20).'), query('cursor', 'The `nextCursor` of the previous page.'), query('owner', 'One client\'s bulks.')],
          responses: { '200': json(ref('ConsoleBulkList'), 'A page of bulks.'), ...INVALID, ...AUTH },
        },
      },
      '/v1/admin/bulks/{id}': {
        get: {
          summary: 'One bulk\'s progress, whoever sent it (admin, console)',
          security: adminToken,
          parameters: [param('id', 'A bulk id.')],
          responses: { '200': json(ref('BulkProgress'), 'Counts by state.'), '404': error('No such bulk.'), ...AUTH },
        },
      },
      '/v1/admin/config': {
        get: {
          summary: 'The configuration file in force, when it was applied, the last refused reload (admin, console)',
          description: 'No setting and no secret: the file\'s path, instants, provider ids, and for a refusal each issue\'s path and reason.',
          security: adminToken,
          responses: { '200': json(ref('ConsoleConfig'), 'The configuration\'s state.'), ...AUTH },
        },
      },
    },
  };
}
