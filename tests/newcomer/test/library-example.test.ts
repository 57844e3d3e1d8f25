import { DEFAULT_SANDBOX_ACCOUNTS, DEFAULT_SANDBOX_CONSENT, startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { codeBlocks, documentedCommands, readRepoFile } from '../src/markdown.js';
import { freePort } from '@rota/testkit';
import { runLine, userEnv } from '../src/processes.js';

const EXAMPLE = 'examples/send-with-figensoft.mjs';

/** The README's command for the example, as printed. */
function readmeRunLine(): string {
  const lines = documentedCommands(['README.md']).filter(({ line }) => line.includes(EXAMPLE));
  expect(lines.map(({ line }) => line)).toEqual([`node ${EXAMPLE}`]);
  return lines[0]!.line;
}

describe(`the README's library example (${EXAMPLE})`, () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ accounts: DEFAULT_SANDBOX_ACCOUNTS, consent: DEFAULT_SANDBOX_CONSENT, deliveryDelayMs: 50 });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('is shown whole in the README: the snippet is the file, byte for byte', () => {
    const snippets = codeBlocks('README.md').filter((block) => block.text.includes('createFigenSoftProvider'));
    expect(snippets).toHaveLength(1);
    expect(snippets[0]!.lang).toBe('js');
    expect(snippets[0]!.text).toBe(readRepoFile(EXAMPLE));
  });

  it('sends through the sandbox when run as the README shows, and exits 0 by itself', async () => {
    const ran = await runLine(readmeRunLine(), { env: userEnv({ FIGENSOFT_API_URL: sandbox.url }), timeoutMs: 60_000 });
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: '' });
    const result = JSON.parse(ran.stdout);
    expect(result).toMatchObject({ status: 'accepted', providerId: 'figensoft', accountId: 'figensoft-notification', to: '+905321234567' });
    expect(sandbox.records().map((r) => [r.username, r.receiver, r.text])).toEqual([['rota-notify', '905321234567', 'Kodunuz: 4711']]);
  });

  it('pointed at a port where nothing listens, prints the failed result and exits normally (not silently with 13)', async () => {
    // A pending send with nothing referenced to wait on used to let Node end the script mid-await: exit 13, no output.
    const nobody = `http://127.0.0.1:${await freePort()}/api_json`;
    const ran = await runLine(readmeRunLine(), { env: userEnv({ FIGENSOFT_API_URL: nobody }), timeoutMs: 60_000 });
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: '' });
    const result = JSON.parse(ran.stdout);
    expect(result.status).toBe('failed');
    expect(result.attempts).toEqual([expect.objectContaining({ providerId: 'figensoft', errorKind: 'retryable', code: 'ECONNREFUSED' })]);
  });
});
