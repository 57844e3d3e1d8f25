import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SANDBOX_CONSENT, startSandbox, type Sandbox } from '@rota/figensoft-sandbox';
import { createGatewayLogger, startGateway, type RunningGateway } from '@rota/gateway';
import type { BrowserContext, Page } from 'playwright-core';
import { Writable } from 'node:stream';
import { request } from 'undici';
import { stringify } from 'yaml';
import { launchBrowser, screenshot, waitForText } from './support.js';

const SECRETS = {
  notifyPassword: 'console-e2e-notify-PASS-1a2b',
  campaignPassword: 'console-e2e-campaign-PASS-3c4d',
  mcHash: 'console-e2e-mc-HASH-5e6f',
  infobipKey: 'console-e2e-infobip-KEY-7a8b',
  apiKey: 'console-e2e-send-KEY-7a8b9c0d',
  adminToken: 'console-e2e-admin-TOKEN-1e2f3a4b',
};
const NUMBER = '+905321234567';

/**
 * FigenSoft (the sandbox) first, Message Center (the sandbox's wire: its ids carry the number) second,
 * and last an Infobip simulation whose every answer is a timeout after the
 * request was written (outcome unknown); a memory store.
 */
function configYaml(sandboxUrl: string, messageCenterUrl: string): string {
  const account = (username: string, password: string, type: 'NOTIFICATION' | 'CAMPAIGN') => ({
    username,
    password,
    smsIysMessageType: type,
    senderList: ['ROTA'],
    customApiActive: true,
    customApiUrl: sandboxUrl,
  });
  return stringify({
    providers: [
      { type: 'figensoft', rank: 1, settings: { accounts: [account('rota-notify', SECRETS.notifyPassword, 'NOTIFICATION'), account('rota-campaign', SECRETS.campaignPassword, 'CAMPAIGN')] } },
      { type: 'message-center', rank: 2, settings: { accounts: [{ key: 'console-e2e-mc-key', hash: SECRETS.mcHash, sender: 'ROTA' }], baseUrl: messageCenterUrl } },
      {
        type: 'infobip',
        rank: 9,
        settings: { accounts: [{ apiKey: SECRETS.infobipKey, from: 'ROTA', baseUrl: 'https://rota-e2e.api.infobip.example' }], simulate: { latencyMs: 0, failRate: 1, failKind: 'outcome-unknown' } },
      },
    ],
    routing: { retry: { retries: 0 } },
    gateway: { listen: { host: '127.0.0.1', port: 0 }, apiKeys: [{ name: 'shop', key: SECRETS.apiKey }], adminToken: SECRETS.adminToken },
    store: { kind: 'memory' },
    logging: { level: 'warn' },
  });
}

describe('the operations console in a browser', () => {
  let dir: string;
  let file: string;
  let sandbox: Sandbox;
  let gateway: RunningGateway;
  let browser: BrowserContext;
  let page: Page;
  const seenByPage: string[] = [];

  const api = async (method: 'GET' | 'POST' | 'PATCH', path: string, key: string, body?: unknown) => {
    const response = await request(`${gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: (await response.body.json()) as any };
  };
  const send = (text: string, more: Record<string, unknown> = {}) => api('POST', '/v1/messages', SECRETS.apiKey, { to: NUMBER, text, iysType: 'NOTIFICATION', ...more });
  const go = async (screen: string) => {
    const changing = (await page.getByRole('heading', { level: 1 }).textContent()) !== screen;
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: screen }).click();
    await page.getByRole('heading', { level: 1, name: screen }).waitFor();
    // A new screen moves focus to its heading after it paints, which on a slow machine can come after the
    // heading shows: wait for it, or it lands in the middle of what the test does next (a keyboard walk).
    if (changing) await page.waitForFunction((name) => document.activeElement?.tagName === 'H1' && document.activeElement.textContent === name, screen);
  };
  const confirmDialog = async (button: string) => {
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: button }).click();
    await dialog.waitFor({ state: 'hidden' });
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rota-console-e2e-'));
    file = join(dir, 'rota.yaml');
    // The sandbox's accounts with this test's own passwords, distinctive enough to search every answer for.
    const accounts = [
      { username: 'rota-notify', password: SECRETS.notifyPassword, iysType: 'NOTIFICATION' as const, senders: ['ROTA'] },
      { username: 'rota-campaign', password: SECRETS.campaignPassword, iysType: 'CAMPAIGN' as const, senders: ['ROTA'] },
    ];
    sandbox = await startSandbox({
      accounts,
      consent: DEFAULT_SANDBOX_CONSENT,
      deliveryDelayMs: 0,
      messageCenter: { accounts: [{ key: 'console-e2e-mc-key', hash: SECRETS.mcHash, senders: ['ROTA'] }], duplicateWindowMs: 0 },
    });
    await writeFile(file, configYaml(sandbox.url, sandbox.urls.messageCenter));
    const quiet = createGatewayLogger({ level: 'warn', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) });
    gateway = await startGateway({ configPath: file, development: true, watch: false, logger: quiet, env: {} });
    const page503 = await request(`${gateway.url}/console`);
    await page503.body.dump();
    if (page503.statusCode !== 200) throw new Error('the console is not built: run `pnpm build` first (turbo builds it before this test)');

    browser = await launchBrowser();
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('response', (response) => {
      if (response.url().includes('/v1/')) void response.text().then((text) => seenByPage.push(text), () => undefined);
    });
    await page.goto(`${gateway.url}/console`);
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await sandbox?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a wrong token and a send key, and signs in with the admin token', async () => {
    const token = page.getByLabel('Admin token');
    await token.waitFor();
    await screenshot(page, 'sign-in');

    await token.fill('not-the-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitForText(page.getByRole('alert'), 'refused this token');

    await token.fill(SECRETS.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitForText(page.getByRole('alert'), 'not the admin token');
    await screenshot(page, 'sign-in-refused');

    await token.fill(SECRETS.adminToken);
    await page.getByLabel(/Your name/).fill('Ayşe Operatör');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Providers' }).waitFor();
    expect(await page.evaluate(() => ({ storage: localStorage.length + sessionStorage.length, cookie: document.cookie, url: location.href }))).toEqual({
      storage: 0,
      cookie: '',
      url: `${gateway.url}/console`,
    });
  });

  it('shows every provider and account; disabling the first-ranked one sends the next message through the second', async () => {
    const table = page.getByRole('table', { name: /Providers and their accounts/ });
    await waitForText(table, 'figensoft-notification');
    await waitForText(table, 'message-center');
    // The sandbox reports a credit balance per account, through /v1/readiness.
    await waitForText(table, /credit [\d,.]+/, 20_000);

    const first = await send('önce');
    expect(first.body).toMatchObject({ status: 'accepted', providerId: 'figensoft' });
    // The sandbox delivers at once; a refresh reads its report now, and the account's delivery rate counts it.
    expect((await api('GET', `/v1/messages/${first.body.id}?refresh=true`, SECRETS.apiKey)).body.delivery).toMatchObject({ state: 'delivered', final: true });
    await waitForText(page.getByRole('row', { name: /figensoft-notification/ }).locator('td[data-label="Delivery rate"]'), /^100\.0 %\s*of 1$/);

    // Escape cancels a confirmation and changes nothing.
    await page.getByRole('button', { name: 'Disable figensoft' }).click();
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    expect((await api('GET', '/v1/providers', SECRETS.adminToken)).body.providers.find((p: any) => p.providerId === 'figensoft').enabled).toBe(true);

    await page.getByRole('button', { name: 'Disable figensoft' }).click();
    await confirmDialog('Disable');
    await page.getByRole('button', { name: 'Enable figensoft' }).waitFor();

    const moved = await send('sonra', { reference: 'siparis-42' });
    expect(moved.body).toMatchObject({ status: 'accepted', providerId: 'message-center' });
    expect(moved.body).not.toHaveProperty('simulated');
    (globalThis as any).movedId = moved.body.id;
    // Its account's "sent in the last minutes" counts the message.
    await waitForText(page.getByRole('row', { name: /message-center-/ }).locator('td[data-label="Sent"]'), /^1$/);
    await screenshot(page, 'providers');
  });

  it('shows a change made elsewhere (another operator, through the API) within a few seconds', async () => {
    expect((await api('PATCH', '/v1/providers/message-center', SECRETS.adminToken, { rank: 7 })).status).toBe(200);
    await waitForText(page.getByRole('row', { name: /^message-center\b/ }), /^message-center\s*7/);
  });

  it('on a gateway that does not send (PostgreSQL: the workers do), says whose breakers and counts the screen shows, and that changes are stored', async () => {
    // The answer of a gateway on PostgreSQL, but for sendsHere the same: this one is embedded.
    await page.route('**/v1/admin/providers*', async (route) => {
      const answer = await route.fetch();
      await route.fulfill({ response: answer, json: { ...(await answer.json()), sendsHere: false } });
    });
    try {
      await waitForText(page.getByRole('note'), /The workers send the messages, each with circuit breakers of its own/);
      await waitForText(page.locator('p.lead'), /stored in the database: a reload of the configuration file does not undo them/);
    } finally {
      await page.unroute('**/v1/admin/providers*');
    }
    await waitForText(page.locator('p.lead'), /a reload of the configuration file keeps them unless the file changes the same field/);
    expect(await page.getByRole('note').count()).toBe(0);
  });

  it('says why a rank that is no whole number is not set, and changes nothing', async () => {
    const field = page.getByLabel('New rank for message-center');
    await field.fill('1e2');
    await page.getByRole('button', { name: 'Set rank of message-center' }).click();
    const said = /Rank of message-center not changed: "1e2" is not a whole number/;
    await waitForText(page.locator('[aria-live="polite"]'), said);
    await waitForText(page.locator('#rank-message-center-refused'), said);
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('dialog').isVisible()).toBe(false);
    expect((await api('GET', '/v1/providers', SECRETS.adminToken)).body.providers.find((p: any) => p.providerId === 'message-center').rank).toBe(7);
    // Typing again clears the refusal.
    await field.fill('');
    expect(await field.getAttribute('aria-invalid')).toBeNull();
  });

  it('forces a breaker open and closed again, and the state changes', async () => {
    await page.getByRole('button', { name: 'Force open figensoft-campaign' }).click();
    await confirmDialog('Force open');
    await waitForText(page.getByRole('row', { name: /figensoft-campaign/ }), 'open (forced)');
    const status = (await api('GET', '/v1/providers', SECRETS.adminToken)).body.providers.find((p: any) => p.providerId === 'figensoft');
    expect(status.accounts.find((a: any) => a.accountId === 'figensoft-campaign')).toEqual({ accountId: 'figensoft-campaign', breaker: 'open', override: 'open' });
    await screenshot(page, 'providers-breaker-forced');

    await page.getByRole('button', { name: 'Automatic figensoft-campaign' }).click();
    await confirmDialog('Set automatic');
    await waitForText(page.getByRole('row', { name: /figensoft-campaign/ }), /closed/);
    // Back to how it was: figensoft enabled, first again.
    await page.getByRole('button', { name: 'Enable figensoft' }).click();
    await confirmDialog('Enable');
    await page.getByRole('button', { name: 'Disable figensoft' }).waitFor();
  });

  it('finds a message by id and shows its attempt trail, the number masked until revealed', async () => {
    const id = (globalThis as any).movedId as string;
    await go('Messages');
    await page.getByLabel('Message id').fill(id);
    await page.getByRole('button', { name: 'Search' }).click();
    const detail = page.getByRole('article');
    await waitForText(detail, id);
    await waitForText(detail, '+90532*****67');
    const trail = await waitForText(detail.getByRole('table'), 'message-center');
    expect(trail).toMatch(/message-center \/ message-center-\S+\s*accepted/);
    // What the client sent: its text and reference (masked as the number is, where they hold one).
    expect(await detail.locator('dt:text-is("Text") + dd').textContent()).toBe('sonra');
    expect(await detail.locator('dt:text-is("Reference") + dd').textContent()).toBe('siparis-42');
    expect(await detail.locator('dt:text-is("Held since")').count()).toBe(0);
    // Its delivery timeline, oldest step first: accepted by the dispatch.
    await waitForText(detail.getByRole('region', { name: 'Delivery timeline' }), /accepted\s*·\s*dispatch/);
    await screenshot(page, 'message');

    // The provider's id as the page shows it: the masked answer's until the reveal, the revealed answer's after (a per-number id carries the number).
    const providerId = detail.locator('dt:text-is("Provider\'s id") + dd');
    const masked = await api('GET', `/v1/admin/messages/${id}`, SECRETS.adminToken);
    const whole = await api('GET', `/v1/admin/messages/${id}?reveal=true`, SECRETS.adminToken);
    // Message Center's id is <order>+<number>: masked, it differs from the whole one, so the page's change below shows.
    expect(masked.body.providerMessageId).not.toBe(whole.body.providerMessageId);
    expect(whole.body.providerMessageId).toContain('905321234567');
    expect(await providerId.textContent()).toBe(masked.body.providerMessageId);
    await detail.getByRole('button', { name: 'Reveal number' }).click();
    await confirmDialog('Reveal');
    await waitForText(detail, NUMBER);
    // The whole record, not the number alone: every field the page shows is from the revealed answer.
    await waitForText(providerId, whole.body.providerMessageId);
    expect(await providerId.textContent()).toBe(whole.body.providerMessageId);

    // A search by number lists it masked.
    await page.getByLabel('Message id').fill('');
    await page.getByLabel('Number').fill('0532 123 45 67');
    await page.getByRole('button', { name: 'Search' }).click();
    const list = await waitForText(page.getByRole('table', { name: /messages?/ }), '+90532*****67');
    expect(list).not.toContain(NUMBER);
    await screenshot(page, 'messages');
  });

  it('sends an unknown message again, after a confirmation that warns of a duplicate', async () => {
    // Only the Infobip simulation left: its answer is a timeout, so the outcome is unknown.
    for (const id of ['figensoft', 'message-center']) await api('PATCH', `/v1/providers/${id}`, SECRETS.adminToken, { enabled: false });
    const unknown = await send('belki');
    for (const id of ['figensoft', 'message-center']) await api('PATCH', `/v1/providers/${id}`, SECRETS.adminToken, { enabled: true });
    expect(unknown.body).toMatchObject({ status: 'unknown', providerId: 'infobip' });

    await page.getByLabel('Number').fill('');
    await page.getByLabel('State').selectOption('unknown');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('button', { name: unknown.body.id }).click();
    const detail = page.getByRole('article');
    await waitForText(detail.getByRole('table'), /infobip \/ \S+\s*unknown/);
    await detail.getByRole('button', { name: 'Send again…' }).click();
    await waitForText(page.getByRole('dialog'), 'may get both');
    // The viewport only: a modal's backdrop covers what the screen shows, not the whole page.
    await screenshot(page, 'message-resend', { fullPage: false });
    await confirmDialog('Send again');
    const resent = await waitForText(detail.getByRole('status'), /Sent again as msg_/);
    const copyId = /msg_[A-Za-z0-9_-]+/.exec(resent)![0];
    expect((await api('GET', `/v1/messages/${copyId}`, SECRETS.adminToken)).body).toMatchObject({ resendOf: unknown.body.id });

    // A second click (or a second operator) sends nothing more, and the console says so, naming the same copy.
    await detail.getByRole('button', { name: 'Send again…' }).click();
    await confirmDialog('Send again');
    const again = await waitForText(detail.getByRole('status'), /Already sent again as msg_/);
    expect(again).toContain(copyId);
    expect(again).toContain('nothing more was sent');
  });

  it('follows a bulk\'s progress', async () => {
    const bulk = await api('POST', '/v1/bulk', SECRETS.apiKey, { text: 'Kampanya', iysType: 'NOTIFICATION', recipients: ['+905321234567', '+905551112233', '+905559998877'] });
    expect(bulk.status).toBe(202);
    await go('Bulks');
    const item = page.getByRole('listitem').filter({ hasText: bulk.body.bulkId });
    await waitForText(item, '3 of 3 done');
    const bar = item.getByRole('progressbar');
    expect(await bar.getAttribute('aria-valuenow')).toBe('3');
    expect(await bar.getAttribute('aria-valuetext')).toContain('3 accepted');

    // A second, CAMPAIGN bulk through the other account: the newest is listed first.
    const campaign = await api('POST', '/v1/bulk', SECRETS.apiKey, { text: 'İndirim', iysType: 'CAMPAIGN', recipients: ['+905321234567', '+905551112233', '+905559998877'] });
    expect(campaign.status).toBe(202);
    const second = page.getByRole('listitem').filter({ hasText: campaign.body.bulkId });
    await waitForText(second, '3 of 3 done');
    expect(await page.getByRole('list', { name: 'Recent bulks' }).getByRole('heading').first().textContent()).toBe(campaign.body.bulkId);
    await screenshot(page, 'bulks');
  });

  it('charts traffic by provider and shows the queue', async () => {
    await go('Traffic');
    await page.locator('.chart canvas').first().waitFor();
    const table = page.getByRole('table', { name: /last minute and the last hour/ });
    await waitForText(table, 'figensoft');
    await waitForText(table, 'message-center');
    await waitForText(page.locator('.stats'), 'OTP queued');
    await screenshot(page, 'traffic');
  });

  it('shows a refused configuration reload, and why', async () => {
    await go('Configuration');
    await waitForText(page.locator('main'), 'No reload has been refused');
    await writeFile(file, configYaml(sandbox.url, sandbox.urls.messageCenter).replace('rank: 2', 'rank: -2'));
    const reload = await gateway.runtime.reload();
    expect(reload.ok).toBe(false);
    const refused = await waitForText(page.getByRole('alert'), 'providers.1.rank');
    expect(refused).toContain('running configuration was kept');
    await screenshot(page, 'configuration');
    await writeFile(file, configYaml(sandbox.url, sandbox.urls.messageCenter));
  });

  it('shows the settings read at start that a reload changed: they wait for a restart', async () => {
    await go('Configuration');
    await writeFile(file, `${configYaml(sandbox.url, sandbox.urls.messageCenter)}reports:\n  scheduleSeconds: [60]\n`);
    expect((await gateway.runtime.reload()).ok).toBe(true);
    const waiting = await waitForText(page.getByRole('alert').filter({ hasText: 'Waiting for a restart' }), 'reports');
    expect(waiting).toContain('still has their values from the start');
    // Put back as it was at start: nothing waits.
    await writeFile(file, configYaml(sandbox.url, sandbox.urls.messageCenter));
    expect((await gateway.runtime.reload()).ok).toBe(true);
    await page.getByText('Waiting for a restart').waitFor({ state: 'detached' });
  });

  it('works on a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await go('Providers');
    await waitForText(page.getByRole('table', { name: /Providers and their accounts/ }), 'figensoft-notification');
    // No sideways scrolling of the page itself.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await screenshot(page, 'providers-phone');
    await go('Bulks');
    await screenshot(page, 'bulks-phone');
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  it('can be driven from the keyboard: the skip link, the screens, the dialogs', async () => {
    // Start from the top of the page, as after loading it.
    await page.evaluate(() => {
      document.body.tabIndex = -1;
      document.body.focus();
      document.body.removeAttribute('tabindex');
    });
    await page.keyboard.press('Tab');
    const skip = await page.evaluate(() => document.activeElement?.textContent);
    expect(skip).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Providers');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Providers' }).waitFor();
    // Focus moves to the new screen's heading.
    await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
  });

  it('no answer the page received holds a provider username, a password, a key or the provider URL', async () => {
    await page.waitForTimeout(200);
    const text = seenByPage.join('\n');
    expect(text).toContain('figensoft-notification');
    for (const secret of [...Object.values(SECRETS), 'rota-notify', 'rota-campaign', 'console-e2e-mc-key', sandbox.url, sandbox.urls.messageCenter, 'rota-e2e.api.infobip.example']) {
      expect({ secret, found: text.includes(secret) }).toEqual({ secret, found: false });
    }
  });
});
