import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as it reached the server: the bytes a provider's wire contract is about. */
export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface RecordedAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface RecordingServer {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** Every request so far, oldest first. */
  requests: RecordedRequest[];
  /** What the next requests are answered (default: 200, empty JSON object). */
  answer: (request: RecordedRequest) => RecordedAnswer;
  close(): Promise<void>;
}

/**
 * A loopback HTTP server that records each request byte for byte and answers
 * as told: for the tests that hold a wire client's requests to the provider's
 * contract, field by field, and for answers a sandbox never gives.
 */
export async function startRecordingServer(answer: RecordingServer['answer'] = () => ({ body: '{}' })): Promise<RecordingServer> {
  const recording: RecordingServer = {
    origin: '',
    requests: [],
    answer,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      recording.requests.push(request);
      const reply = recording.answer(request);
      const body = reply.body ?? '{}';
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers, 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  recording.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return recording;
}
