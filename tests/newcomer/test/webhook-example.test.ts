import { join } from 'node:path';
import { codeBlocks, documentedCommands } from '../src/markdown.js';
import { REPO_ROOT, runLine, userEnv } from '../src/processes.js';

const EXAMPLE = 'examples/verify-webhook.mjs';
const DOCS = ['docs/webhooks.md', 'examples/README.md'];

/** The docs' command for the example: one line, the same wherever it is shown. */
function runLineOfDocs(): string {
  const lines = documentedCommands(DOCS).filter(({ line }) => line.includes(EXAMPLE));
  expect(lines.map(({ file, line }) => [file, line])).toEqual(DOCS.map((file) => [file, `node ${EXAMPLE}`]));
  return lines[0]!.line;
}

describe(`the webhook receiver example (${EXAMPLE})`, () => {
  it('run as the docs show it, prints what docs/webhooks.md shows and exits 0 by itself', async () => {
    const env = userEnv();
    delete env.ROTA_WEBHOOK_SECRET;
    const ran = await runLine(runLineOfDocs(), { env, timeoutMs: 30_000 });
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: '' });
    const shown = codeBlocks('docs/webhooks.md').filter((block) => block.lang === 'text' && block.text.includes('signed by Rota'));
    expect(shown).toHaveLength(1);
    expect(ran.stdout).toBe(shown[0]!.text);
  });

  it('with ROTA_WEBHOOK_SECRET set, signs and checks with that secret, and never prints it', async () => {
    const secret = 'whsec-from-the-environment-0123456789';
    const ran = await runLine(runLineOfDocs(), { env: userEnv({ ROTA_WEBHOOK_SECRET: secret }), timeoutMs: 30_000 });
    expect(ran.code).toBe(0);
    expect(`${ran.stdout}${ran.stderr}`).not.toContain(secret);
  });

  it('imported, runs nothing and offers receiveWebhook, which takes what Rota signs and refuses anything else', async () => {
    // A receiver's own use of it: signWebhook is what the gateway signs every delivery with.
    const script = `
      import { signWebhook } from '@rota/webhook';
      const example = await import('./verify-webhook.mjs');
      const secret = 'whsec-receiver-test-0123456789abcdef';
      const body = JSON.stringify({ id: 'evt_1', type: 'message.accepted', data: {} });
      const seen = new Set();
      const headers = (signature) => ({ 'rota-signature': signature, 'rota-event-id': 'evt_1' });
      const outcomes = [
        example.receiveWebhook(body, headers(signWebhook(body, secret)), secret, seen),
        example.receiveWebhook(body, headers(signWebhook(body, secret)), secret, seen),
        example.receiveWebhook(body.replace('accepted', 'rejected'), headers(signWebhook(body, secret)), secret, seen),
        example.receiveWebhook(body, headers(signWebhook(body, secret, 1_000_000_000)), secret, seen),
        example.receiveWebhook(body, {}, secret, seen),
      ];
      console.log(JSON.stringify({ exports: Object.keys(example), outcomes }));
    `;
    // Run from examples/, whose package.json depends on @rota/webhook (the root's does not).
    const ran = await runLine('node --input-type=module -e "$SCRIPT"', { env: userEnv({ SCRIPT: script }), cwd: join(REPO_ROOT, 'examples'), timeoutMs: 30_000 });
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(ran.stdout)).toEqual({
      exports: ['receiveWebhook'],
      outcomes: [
        { status: 200, event: { id: 'evt_1', type: 'message.accepted', data: {} } },
        { status: 200, duplicate: 'evt_1' },
        { status: 400, refused: 'bad-signature' },
        { status: 400, refused: 'too-old' },
        { status: 400, refused: 'malformed-header' },
      ],
    });
  });
});
