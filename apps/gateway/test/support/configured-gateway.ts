import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startGateway, type RunningGateway } from '../../src/http/gateway-server.js';
import { captureLogs, GatewayClient } from './harness.js';

/** A gateway started as `rota serve` starts one, from a configuration file, with a client for it. */
export interface ConfiguredGateway {
  gateway: RunningGateway;
  client: GatewayClient;
  /** Every line the gateway logged (at debug). */
  logs: ReturnType<typeof captureLogs>;
  /** The client, the gateway, then the folder. */
  close(): Promise<void>;
}

/** Writes `config` as YAML to a temporary folder and starts a gateway from it (no file watch; logs kept in memory). */
export async function startConfiguredGateway(config: Record<string, unknown>): Promise<ConfiguredGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'rota-gateway-'));
  const file = join(dir, 'rota.yaml');
  await writeFile(file, stringify(config));
  const logs = captureLogs();
  const gateway = await startGateway({ configPath: file, watch: false, logger: logs.logger });
  const client = new GatewayClient(gateway.url);
  return {
    gateway,
    client,
    logs,
    async close() {
      await client.close();
      await gateway.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
