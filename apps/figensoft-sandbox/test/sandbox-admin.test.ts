import { startSandbox, type Sandbox } from '../src/index.js';
import { APPROVED, CAMPAIGN, NOT_LISTED, NOTIFY, TEST_ACCOUNTS } from './fixtures.js';
import { httpRequest, json } from './http-client.js';

let sandbox: Sandbox;
let admin: string;

const send = (account: { username: string; password: string }, receivers: string[] = [APPROVED]) =>
  httpRequest(`${sandbox.url}/v1/Sms/Send_1_N`, {
    body: { Username: account.username, Password: account.password, Message: 'admin test', Receivers: receivers },
  }).then((response) => json(response));

beforeEach(async () => {
  sandbox = await startSandbox({ accounts: TEST_ACCOUNTS, deliveryDelayMs: 0 });
  admin = `${sandbox.url.replace(/\/api_json$/, '')}/_admin`;
});

afterEach(() => sandbox.close());

it('GET /_admin/health answers 200', async () => {
  const response = await httpRequest(`${admin}/health`);
  expect(response.status).toBe(200);
  expect(json(response)).toEqual({ status: 'ok' });
});

describe('/_admin/faults', () => {
  it('POST adds a fault that takes effect and answers its id; GET lists it; DELETE clears all', async () => {
    const created = await httpRequest(`${admin}/faults`, { body: { kind: 'status-code', statusCode: 1030, account: NOTIFY.username } });
    expect(created.status).toBe(200);
    const { id } = json<{ id: string }>(created);
    expect(typeof id).toBe('string');

    expect((await send(NOTIFY)).StatusCode).toBe(1030);
    expect((await send(CAMPAIGN)).StatusCode).toBe(200);
    expect(json(await httpRequest(`${admin}/faults`))).toEqual([
      { id, kind: 'status-code', statusCode: 1030, account: NOTIFY.username, fraction: 1 },
    ]);

    const cleared = await httpRequest(`${admin}/faults`, { method: 'DELETE' });
    expect(cleared.status).toBe(200);
    expect(sandbox.faults()).toEqual([]);
    expect((await send(NOTIFY)).StatusCode).toBe(200);
  });

  it('DELETE /_admin/faults/<id> removes one fault, and answers 404 for an unknown id', async () => {
    const keep = sandbox.injectFault({ kind: 'latency', ms: 1 });
    const drop = sandbox.injectFault({ kind: 'http-error' });
    expect((await httpRequest(`${admin}/faults/${drop}`, { method: 'DELETE' })).status).toBe(200);
    expect(sandbox.faults().map((fault) => fault.id)).toEqual([keep]);
    expect((await httpRequest(`${admin}/faults/${drop}`, { method: 'DELETE' })).status).toBe(404);
  });

  it.each([
    [{ kind: 'latency' }, 'ms'],
    [{ kind: 'latency', ms: 'slow' }, 'ms'],
    [{ kind: 'http-error', httpStatus: 200 }, 'httpStatus'],
    [{ kind: 'reset', fraction: 1.5 }, 'fraction'],
    [{ kind: 'hang', endpoint: 'Send_Anything' }, 'endpoint'],
    [{ kind: 'garbled', surprise: true }, '(root)'],
    [{ kind: 'explode' }, 'kind'],
    [{}, 'kind'],
  ])('POST answers 400 naming the field for %j', async (fault, field) => {
    const response = await httpRequest(`${admin}/faults`, { body: fault });
    expect(response.status).toBe(400);
    const body = json<{ error: string; issues: { path: string; message: string }[] }>(response);
    expect(body.issues.map((issue) => issue.path)).toContain(field);
    expect(sandbox.faults()).toEqual([]);
  });

  it('POST answers 400 to a body that is not JSON', async () => {
    expect((await httpRequest(`${admin}/faults`, { body: '{kind:' })).status).toBe(400);
  });
});

describe('/_admin/records', () => {
  it('GET lists every accepted message, or one account’s with ?username=; DELETE empties the list', async () => {
    await send(NOTIFY, [APPROVED, NOT_LISTED]);
    await send(CAMPAIGN);
    const all = json<{ username: string; receiver: string; messageId: string }[]>(await httpRequest(`${admin}/records`));
    expect(all.map((record) => [record.username, record.receiver])).toEqual([
      [NOTIFY.username, APPROVED],
      [NOTIFY.username, NOT_LISTED],
      [CAMPAIGN.username, APPROVED],
    ]);
    expect(all).toEqual(sandbox.records());

    const campaign = json<{ username: string }[]>(await httpRequest(`${admin}/records?username=${CAMPAIGN.username}`));
    expect(campaign.map((record) => record.username)).toEqual([CAMPAIGN.username]);
    expect(json(await httpRequest(`${admin}/records?username=nobody`))).toEqual([]);

    expect((await httpRequest(`${admin}/records`, { method: 'DELETE' })).status).toBe(200);
    expect(json(await httpRequest(`${admin}/records`))).toEqual([]);
  });
});

describe('/_admin/consent', () => {
  it('PUT replaces the lists given and leaves the others; the change shows in CAMPAIGN statuses', async () => {
    const response = await httpRequest(`${admin}/consent`, { method: 'PUT', body: { approved: [NOT_LISTED] } });
    expect(response.status).toBe(200);
    expect(json(response)).toEqual({ approved: [NOT_LISTED], optedOut: [] });
    await httpRequest(`${admin}/consent`, { method: 'PUT', body: { optedOut: [APPROVED] } });
    expect(sandbox.consent()).toEqual({ approved: [NOT_LISTED], optedOut: [APPROVED] });

    const ids = (await send(CAMPAIGN, [NOT_LISTED, APPROVED])).Result.map((entry: { MessageId: string }) => entry.MessageId);
    const status = await httpRequest(`${sandbox.url}/v1/Sms/Status`, { body: { Username: CAMPAIGN.username, Password: CAMPAIGN.password, MessageIds: ids } });
    expect(json(status).Result.map((entry: { SmsStatus: string }) => entry.SmsStatus)).toEqual(['400', '-241']);
  });

  it('PUT answers 400 naming the field for a number not in 90XXXXXXXXXX form', async () => {
    const response = await httpRequest(`${admin}/consent`, { method: 'PUT', body: { approved: ['+905321234567'] } });
    expect(response.status).toBe(400);
    expect(json(response).issues[0].path).toBe('approved.0');
  });
});

describe('/_admin/accounts', () => {
  it('GET lists usernames, IYS types, senders and credit, and never a password', async () => {
    sandbox.setCredit(CAMPAIGN.username, 77);
    const response = await httpRequest(`${admin}/accounts`);
    expect(json(response)).toEqual([
      { username: NOTIFY.username, iysType: 'NOTIFICATION', senders: ['ROTA', 'ROTAOTP'], credit: 1_000_000 },
      { username: CAMPAIGN.username, iysType: 'CAMPAIGN', senders: ['ROTA'], credit: 77 },
    ]);
    expect(response.text).not.toContain(NOTIFY.password);
    expect(response.text).not.toContain(CAMPAIGN.password);
    expect(response.text.toLowerCase()).not.toContain('password');
  });

  it('PUT /_admin/accounts/<username>/credit sets the balance; 400 for a bad value, 404 for an unknown account', async () => {
    const ok = await httpRequest(`${admin}/accounts/${NOTIFY.username}/credit`, { method: 'PUT', body: { credit: 5 } });
    expect(json(ok)).toEqual({ username: NOTIFY.username, credit: 5 });
    expect(sandbox.credit(NOTIFY.username)).toBe(5);
    const bad = await httpRequest(`${admin}/accounts/${NOTIFY.username}/credit`, { method: 'PUT', body: { credit: -1 } });
    expect(bad.status).toBe(400);
    expect(json(bad).issues[0].path).toBe('credit');
    expect((await httpRequest(`${admin}/accounts/nobody/credit`, { method: 'PUT', body: { credit: 1 } })).status).toBe(404);
  });
});

it('answers 404 to an unknown admin path and 405 (with Allow) to a wrong method', async () => {
  expect((await httpRequest(`${admin}/nothing-here`)).status).toBe(404);
  expect((await httpRequest(`${admin}/faults/%E0%A4%A`, { method: 'DELETE' })).status).toBe(404);
  const wrong = await httpRequest(`${admin}/accounts`, { method: 'DELETE' });
  expect(wrong.status).toBe(405);
  expect(wrong.headers.allow).toBe('GET');
});
