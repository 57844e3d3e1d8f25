import { EXIT, UsageError, type CliIo } from './cli-io.js';
import { callGateway, describeRefusal, resolveTarget } from './gateway-client.js';

/**
 * `rota status ID`: a message's delivery status from a running gateway
 * (`GET /v1/messages/{id}`). The answer is printed whole, as indented JSON,
 * rather than picked apart: its fields belong to the gateway and may grow.
 * Exit 0 on a 2xx answer, 2 when the gateway says the id is not one of its
 * ids (400), 1 otherwise.
 */
export async function statusCommand(id: string | undefined, flags: { url?: string | undefined; key?: string | undefined }, io: CliIo): Promise<number> {
  if (id === undefined || id === '') throw new UsageError('status needs the message id that send printed: rota status ID');
  const target = resolveTarget(flags, io.env);
  const { status, body } = await callGateway(target, 'GET', `/v1/messages/${encodeURIComponent(id)}`);
  if (status >= 200 && status < 300) {
    io.out(typeof body === 'string' ? body : JSON.stringify(body, null, 2));
    return EXIT.ok;
  }
  for (const line of describeRefusal(status, body, (path) => (path === 'id' ? 'ID' : path))) io.err(line);
  return status === 400 ? EXIT.usage : EXIT.failed;
}
