import { EXIT, UsageError, type CliIo } from './cli-io.js';
import { callGateway, describeRefusal, resolveTarget } from './gateway-client.js';

/**
 * `rota status ID`: a message as a running gateway answers `GET /v1/messages/{id}`,
 * printed whole as indented JSON rather than picked apart: its fields belong to the
 * gateway and may grow. Exit 0 on a 2xx answer, 1 otherwise (an unknown id is 404).
 */
export async function statusCommand(id: string | undefined, flags: { url?: string | undefined; key?: string | undefined }, io: CliIo): Promise<number> {
  if (id === undefined || id === '') throw new UsageError('status needs the message id that send printed: rota status ID');
  const target = resolveTarget(flags, io.env);
  const { status, body } = await callGateway(target, 'GET', `/v1/messages/${encodeURIComponent(id)}`);
  if (status >= 200 && status < 300) {
    io.out(typeof body === 'string' ? body : JSON.stringify(body, null, 2));
    return EXIT.ok;
  }
  for (const line of describeRefusal(status, body)) io.err(line);
  return EXIT.failed;
}
