import { jest } from '@jest/globals';
import { analyzeText } from '@rota/provider';
import { startSandbox, type Sandbox } from '../src/index.js';
import { APPROVED, CAMPAIGN, NOT_LISTED, NOTIFY, OPTED_OUT, TEST_ACCOUNTS, mobiles } from './fixtures.js';
import { httpRequest, json } from './http-client.js';

interface Envelope<R = any> {
  StatusCode: number;
  StatusDescription: string;
  Result: R;
}
interface StatusEntry {
  MessageId: string;
  Receiver: string;
  SmsStatus: string;
  SmsStatusDescription: string;
  IsFinalStatus: string;
  StatusTime: string;
  SmsCharge: string;
}
interface SendEntry {
  MessageId: string;
  Receiver: string;
  Charge: number;
}

let sandbox: Sandbox;

async function call<R = any>(endpoint: string, body: unknown): Promise<Envelope<R>> {
  const response = await httpRequest(`${sandbox.url}/v1/Sms/${endpoint}`, { body });
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  return json<Envelope<R>>(response);
}

const send1N = (fields: Record<string, unknown>, account: { username: string; password: string } = NOTIFY) =>
  call<SendEntry[]>('Send_1_N', { Username: account.username, Password: account.password, ...fields });
const sendNN = (fields: Record<string, unknown>, account: { username: string; password: string } = NOTIFY) =>
  call<SendEntry[]>('Send_N_N', { Username: account.username, Password: account.password, ...fields });
const statusOf = (ids: string[], account: { username: string; password: string } = NOTIFY) =>
  call<StatusEntry[]>('Status', { Username: account.username, Password: account.password, MessageIds: ids });
const balanceOf = (account: { username: string; password: string } = NOTIFY) =>
  call<{ Balance: number }>('CreditBalance', { Username: account.username, Password: account.password });

beforeEach(async () => {
  sandbox = await startSandbox({
    accounts: TEST_ACCOUNTS,
    deliveryDelayMs: 50,
    consent: { approved: [APPROVED], optedOut: [OPTED_OUT] },
  });
});

afterEach(async () => {
  jest.restoreAllMocks();
  await sandbox.close();
});

describe('Send_1_N', () => {
  it('accepts one text for many receivers, one result entry each, and records every message', async () => {
    const receivers = mobiles(3);
    const answer = await send1N({ Message: 'Siparişiniz kargoya verildi', Receivers: receivers, Originator: 'ROTAOTP' });

    expect(answer.StatusCode).toBe(200);
    expect(answer.Result.map((entry) => entry.Receiver)).toEqual(receivers);
    const ids = answer.Result.map((entry) => entry.MessageId);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^SBX_[0-9a-z]+_[0-9a-z]+-0$/);

    const records = sandbox.records();
    expect(records).toHaveLength(3);
    expect(records[0]).toMatchObject({
      username: NOTIFY.username,
      iysType: 'NOTIFICATION',
      receiver: receivers[0],
      text: 'Siparişiniz kargoya verildi',
      originator: 'ROTAOTP',
      messageId: ids[0],
    });
    expect(typeof records[0]?.acceptedAt).toBe('number');
  });

  it('charges each receiver the text’s real segment count and lowers the credit by it', async () => {
    const texts = ['short', 'Şğüçöı Türkçe karakterler', 'x'.repeat(400), 'Ğ'.repeat(300)];
    let expectedCredit = sandbox.credit(NOTIFY.username);
    for (const text of texts) {
      const segments = analyzeText(text).segments;
      const answer = await send1N({ Message: text, Receivers: mobiles(2) });
      expect(answer.Result.map((entry) => entry.Charge)).toEqual([segments, segments]);
      expectedCredit -= 2 * segments;
      expect(sandbox.credit(NOTIFY.username)).toBe(expectedCredit);
      expect((await balanceOf()).Result.Balance).toBe(expectedCredit);
    }
  });

  it('records the account’s first sender when the request names no originator', async () => {
    await send1N({ Message: 'hi', Receivers: [APPROVED] });
    expect(sandbox.records()[0]?.originator).toBe('ROTA');
  });

  it('keeps SendDate, ExpireDate and Channel on the record', async () => {
    await send1N({ Message: 'hi', Receivers: [APPROVED], SendDate: '20300101 12:00', ExpireDate: '20300102 12:00', Channel: 'OTP' });
    expect(sandbox.records()[0]).toMatchObject({
      sendAt: Date.UTC(2030, 0, 1, 9, 0),
      expireAt: Date.UTC(2030, 0, 2, 9, 0),
      channel: 'OTP',
    });
  });

  it('treats empty-string and null optional fields as absent', async () => {
    const answer = await send1N({ Message: 'hi', Receivers: [APPROVED], SendDate: '', ExpireDate: null, Originator: '', Channel: '' });
    expect(answer.StatusCode).toBe(200);
    const [record] = sandbox.records();
    expect(record?.originator).toBe('ROTA');
    expect(record).not.toHaveProperty('sendAt');
    expect(record).not.toHaveProperty('channel');
  });

  it('accepts 800 receivers and refuses 801 with 1070, sending nothing', async () => {
    const ok = await send1N({ Message: 'bulk', Receivers: mobiles(800) });
    expect(ok.StatusCode).toBe(200);
    expect(ok.Result).toHaveLength(800);

    sandbox.clearRecords();
    const credit = sandbox.credit(NOTIFY.username);
    const refused = await send1N({ Message: 'bulk', Receivers: mobiles(801) });
    expect(refused).toMatchObject({ StatusCode: 1070, Result: null });
    expect(sandbox.records()).toHaveLength(0);
    expect(sandbox.credit(NOTIFY.username)).toBe(credit);
  });

  it.each([
    ['Receivers empty', 1060, { Message: 'hi', Receivers: [] }],
    ['Receivers missing', 1060, { Message: 'hi' }],
    ['Message empty (sandbox choice)', 1050, { Message: '', Receivers: [APPROVED] }],
    ['Message missing (sandbox choice)', 1050, { Receivers: [APPROVED] }],
    ['SendDate in another format', 1063, { Message: 'hi', Receivers: [APPROVED], SendDate: '2030-01-01 12:00' }],
    ['SendDate not a real date', 1063, { Message: 'hi', Receivers: [APPROVED], SendDate: '20300231 12:00' }],
    ['ExpireDate in another format', 1064, { Message: 'hi', Receivers: [APPROVED], ExpireDate: '01.01.2030 12:00' }],
    ['ExpireDate with an hour past 23', 1064, { Message: 'hi', Receivers: [APPROVED], ExpireDate: '20300101 24:00' }],
    ['Originator not assigned to the account (sandbox guess)', 1040, { Message: 'hi', Receivers: [APPROVED], Originator: 'OTHER' }],
  ])('%s → StatusCode %d, Result null, nothing sent or charged', async (_name, code, fields) => {
    const credit = sandbox.credit(NOTIFY.username);
    const answer = await send1N(fields);
    expect(answer.StatusCode).toBe(code);
    expect(answer.Result).toBeNull();
    expect(answer.StatusDescription.length).toBeGreaterThan(0);
    expect(sandbox.records()).toHaveLength(0);
    expect(sandbox.credit(NOTIFY.username)).toBe(credit);
  });

  it('refuses the whole request with 1030 when the credit does not cover it (sandbox guess)', async () => {
    const segments = analyzeText('hello').segments;
    sandbox.setCredit(NOTIFY.username, 3 * segments - 1);
    const refused = await send1N({ Message: 'hello', Receivers: mobiles(3) });
    expect(refused).toMatchObject({ StatusCode: 1030, Result: null });
    expect(sandbox.records()).toHaveLength(0);
    expect(sandbox.credit(NOTIFY.username)).toBe(3 * segments - 1);

    sandbox.setCredit(NOTIFY.username, 3 * segments);
    expect((await send1N({ Message: 'hello', Receivers: mobiles(3) })).StatusCode).toBe(200);
    expect(sandbox.credit(NOTIFY.username)).toBe(0);
  });

  it('accepts a number that is not a Turkish mobile in 90 form, charges nothing for it, and ends it as -201', async () => {
    const odd = ['05321234567', '+905321234567', '123', '904121234567', '9053212345678', 'abc"\\'];
    const answer = await send1N({ Message: 'hi', Receivers: [APPROVED, ...odd] });
    expect(answer.StatusCode).toBe(200);
    expect(answer.Result.map((entry) => entry.Receiver)).toEqual([APPROVED, ...odd]);
    expect(answer.Result.map((entry) => entry.Charge)).toEqual([analyzeText('hi').segments, ...odd.map(() => 0)]);

    const statuses = (await statusOf(answer.Result.map((entry) => entry.MessageId))).Result;
    expect(statuses.slice(1).map((entry) => [entry.Receiver, entry.SmsStatus, entry.IsFinalStatus, entry.SmsCharge])).toEqual(
      odd.map((receiver) => [receiver, '-201', '1', '0']),
    );
  });
});

describe('Send_N_N', () => {
  it('accepts a different text per receiver and charges each by its own text', async () => {
    const messages = [
      { Receiver: mobiles(1)[0]!, Message: 'short' },
      { Receiver: APPROVED, Message: 'y'.repeat(500) },
      { Receiver: '123', Message: 'to an invalid number' },
    ];
    const credit = sandbox.credit(NOTIFY.username);
    const answer = await sendNN({ Messages: messages, Originator: 'ROTA' });
    expect(answer.StatusCode).toBe(200);
    const charges = [analyzeText('short').segments, analyzeText('y'.repeat(500)).segments, 0];
    expect(answer.Result.map((entry) => entry.Charge)).toEqual(charges);
    expect(sandbox.credit(NOTIFY.username)).toBe(credit - charges[0]! - charges[1]!);
    expect(sandbox.records().map((record) => [record.receiver, record.text])).toEqual(messages.map((m) => [m.Receiver, m.Message]));
  });

  it('accepts 800 messages and refuses 801 with 1070', async () => {
    const messages = (count: number) => mobiles(count).map((receiver, i) => ({ Receiver: receiver, Message: `Kodunuz ${i}` }));
    expect((await sendNN({ Messages: messages(800) })).Result).toHaveLength(800);
    sandbox.clearRecords();
    expect(await sendNN({ Messages: messages(801) })).toMatchObject({ StatusCode: 1070, Result: null });
    expect(sandbox.records()).toHaveLength(0);
  });

  it.each([
    ['Messages empty', 1090, { Messages: [] }],
    ['Messages missing', 1090, {}],
    ['an entry without a Message', 1090, { Messages: [{ Receiver: APPROVED, Message: 'ok' }, { Receiver: APPROVED }] }],
    ['an entry with an empty Message', 1090, { Messages: [{ Receiver: APPROVED, Message: '' }] }],
    ['bad SendDate', 1063, { Messages: [{ Receiver: APPROVED, Message: 'ok' }], SendDate: '203001011200' }],
    ['bad ExpireDate', 1064, { Messages: [{ Receiver: APPROVED, Message: 'ok' }], ExpireDate: 20300101 }],
    ['unassigned Originator', 1040, { Messages: [{ Receiver: APPROVED, Message: 'ok' }], Originator: 'ROTAOTP' }],
  ])('%s → StatusCode %d, nothing sent', async (_name, code, fields) => {
    // The campaign account owns only ROTA, so ROTAOTP is not its originator.
    const answer = await sendNN(fields, CAMPAIGN);
    expect(answer).toMatchObject({ StatusCode: code, Result: null });
    expect(sandbox.records()).toHaveLength(0);
  });

  it('refuses with 1030 when the credit does not cover every message', async () => {
    sandbox.setCredit(NOTIFY.username, 1);
    const answer = await sendNN({ Messages: [{ Receiver: APPROVED, Message: 'a' }, { Receiver: NOT_LISTED, Message: 'b' }] });
    expect(answer.StatusCode).toBe(1030);
    expect(sandbox.credit(NOTIFY.username)).toBe(1);
  });
});

describe('bad login', () => {
  it.each([
    ['Send_1_N', { Message: 'hi', Receivers: [APPROVED] }],
    ['Send_N_N', { Messages: [{ Receiver: APPROVED, Message: 'hi' }] }],
    ['Status', { MessageIds: [] }],
    ['CreditBalance', {}],
  ])('%s answers 500 with Result null for a wrong password, an unknown user or no password', async (endpoint, fields) => {
    for (const credentials of [
      { Username: NOTIFY.username, Password: 'wrong' },
      { Username: 'nobody', Password: NOTIFY.password },
      { Username: NOTIFY.username },
      { Username: NOTIFY.username, Password: CAMPAIGN.password },
    ]) {
      const answer = await call(endpoint, { ...credentials, ...fields });
      expect(answer).toMatchObject({ StatusCode: 500, Result: null });
    }
    expect(sandbox.records()).toHaveLength(0);
  });
});

describe('Status', () => {
  it('answers every field as a string, with the receiver, the charge and a Turkey-time StatusTime', async () => {
    const acceptedAt = Date.UTC(2025, 0, 1, 21, 30, 15); // 00:30 on 2 January in Turkey
    jest.spyOn(Date, 'now').mockReturnValue(acceptedAt);
    const sent = await send1N({ Message: 'hi', Receivers: [APPROVED] });
    const [entry] = (await statusOf([sent.Result[0]!.MessageId])).Result;
    expect(entry).toEqual({
      MessageId: sent.Result[0]!.MessageId,
      Receiver: APPROVED,
      SmsStatus: '200',
      SmsStatusDescription: expect.any(String),
      IsFinalStatus: '0',
      StatusTime: '20250102 00:30',
      SmsCharge: String(analyzeText('hi').segments),
    });
    for (const value of Object.values(entry!)) expect(typeof value).toBe('string');
  });

  it('moves from 200 (being sent) to 300 (at the operator) to 400 (delivered, final) over the delivery delay', async () => {
    const now = jest.spyOn(Date, 'now');
    const t0 = Date.UTC(2025, 5, 1, 9, 0);
    now.mockReturnValue(t0);
    const id = (await send1N({ Message: 'hi', Receivers: [APPROVED] })).Result[0]!.MessageId;

    const seen: [string, string][] = [];
    for (const elapsed of [0, 24, 25, 49, 50, 10_000]) {
      now.mockReturnValue(t0 + elapsed);
      const [entry] = (await statusOf([id])).Result;
      seen.push([entry!.SmsStatus, entry!.IsFinalStatus]);
    }
    expect(seen).toEqual([
      ['200', '0'],
      ['200', '0'],
      ['300', '0'],
      ['300', '0'],
      ['400', '1'],
      ['400', '1'],
    ]);
  });

  it('reaches a final 400 once the real delivery delay has passed', async () => {
    const id = (await send1N({ Message: 'hi', Receivers: [APPROVED] })).Result[0]!.MessageId;
    await new Promise((resolve) => setTimeout(resolve, 120));
    const [entry] = (await statusOf([id])).Result;
    expect([entry!.SmsStatus, entry!.IsFinalStatus]).toEqual(['400', '1']);
  });

  it('holds a message with a future SendDate at 120 until that time, then delivers it', async () => {
    const now = jest.spyOn(Date, 'now');
    const t0 = Date.UTC(2025, 5, 1, 9, 0); // 12:00 in Turkey
    now.mockReturnValue(t0);
    const id = (await send1N({ Message: 'hi', Receivers: [APPROVED], SendDate: '20250601 13:00' })).Result[0]!.MessageId;

    now.mockReturnValue(t0 + 30 * 60_000);
    expect((await statusOf([id])).Result[0]).toMatchObject({ SmsStatus: '120', IsFinalStatus: '0' });
    now.mockReturnValue(t0 + 60 * 60_000);
    expect((await statusOf([id])).Result[0]).toMatchObject({ SmsStatus: '200', IsFinalStatus: '0' });
    now.mockReturnValue(t0 + 60 * 60_000 + 50);
    expect((await statusOf([id])).Result[0]).toMatchObject({ SmsStatus: '400', IsFinalStatus: '1', StatusTime: '20250601 13:00' });
  });

  it('ends CAMPAIGN traffic as 400 for an approved number, 424 for an unlisted one and -241 for one that opted out', async () => {
    const now = jest.spyOn(Date, 'now');
    const t0 = Date.now();
    now.mockReturnValue(t0);
    const sent = await send1N({ Message: 'Kampanya!', Receivers: [APPROVED, NOT_LISTED, OPTED_OUT] }, CAMPAIGN);
    now.mockReturnValue(t0 + 1000);
    const statuses = (await statusOf(sent.Result.map((entry) => entry.MessageId), CAMPAIGN)).Result;
    expect(statuses.map((entry) => [entry.Receiver, entry.SmsStatus, entry.IsFinalStatus])).toEqual([
      [APPROVED, '400', '1'],
      [NOT_LISTED, '424', '1'],
      [OPTED_OUT, '-241', '1'],
    ]);
  });

  it('does not check NOTIFICATION traffic against consent', async () => {
    const now = jest.spyOn(Date, 'now');
    const t0 = Date.now();
    now.mockReturnValue(t0);
    const sent = await send1N({ Message: 'OTP 1234', Receivers: [NOT_LISTED, OPTED_OUT] });
    now.mockReturnValue(t0 + 1000);
    const statuses = (await statusOf(sent.Result.map((entry) => entry.MessageId))).Result;
    expect(statuses.map((entry) => entry.SmsStatus)).toEqual(['400', '400']);
  });

  it('reads consent when asked, so setConsent changes the outcome of a message not yet final', async () => {
    const now = jest.spyOn(Date, 'now');
    const t0 = Date.now();
    now.mockReturnValue(t0);
    const id = (await send1N({ Message: 'Kampanya!', Receivers: [NOT_LISTED] }, CAMPAIGN)).Result[0]!.MessageId;
    sandbox.setConsent({ approved: [NOT_LISTED] });
    now.mockReturnValue(t0 + 1000);
    expect((await statusOf([id], CAMPAIGN)).Result[0]?.SmsStatus).toBe('400');
    sandbox.setConsent({ optedOut: [NOT_LISTED] });
    expect((await statusOf([id], CAMPAIGN)).Result[0]?.SmsStatus).toBe('-241');
  });

  it('answers SmsStatus "" for an unknown id and for an id of another account', async () => {
    const campaignId = (await send1N({ Message: 'hi', Receivers: [APPROVED] }, CAMPAIGN)).Result[0]!.MessageId;
    const answer = await statusOf(['EZ_NOT-A-REAL-ID', campaignId, 'SBX_zzzz_1-0']);
    expect(answer.StatusCode).toBe(200);
    expect(answer.Result.map((entry) => [entry.MessageId, entry.SmsStatus])).toEqual([
      ['EZ_NOT-A-REAL-ID', ''],
      [campaignId, ''],
      ['SBX_zzzz_1-0', ''],
    ]);
    expect((await statusOf([campaignId], CAMPAIGN)).Result[0]?.SmsStatus).not.toBe('');
  });

  it('answers an empty list for no ids, and refuses a request without MessageIds (sandbox guess: 400)', async () => {
    expect(await statusOf([])).toMatchObject({ StatusCode: 200, Result: [] });
    expect(await call('Status', { Username: NOTIFY.username, Password: NOTIFY.password })).toMatchObject({ StatusCode: 400, Result: null });
  });
});

describe('CreditBalance', () => {
  it('answers the account’s balance', async () => {
    sandbox.setCredit(CAMPAIGN.username, 4321);
    expect(await balanceOf(CAMPAIGN)).toEqual({ StatusCode: 200, StatusDescription: expect.any(String), Result: { Balance: 4321 } });
    expect((await balanceOf(NOTIFY)).Result.Balance).toBe(1_000_000);
  });
});

describe('transport', () => {
  it('answers HTTP 400 to a body that is not JSON, or not a JSON object', async () => {
    for (const body of ['{"Username": ', 'not json', '[1,2]', '"text"']) {
      const response = await httpRequest(`${sandbox.url}/v1/Sms/Send_1_N`, { body });
      expect(response.status).toBe(400);
    }
    expect(sandbox.records()).toHaveLength(0);
  });

  it('answers HTTP 404 to an unknown path and 405 to a method other than POST', async () => {
    expect((await httpRequest(`${sandbox.url}/v1/Sms/Send_X`, { body: {} })).status).toBe(404);
    expect((await httpRequest(`${sandbox.url.replace('/api_json', '')}/elsewhere`, { body: {} })).status).toBe(404);
    const get = await httpRequest(`${sandbox.url}/v1/Sms/CreditBalance`);
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });

  it('matches endpoint paths without regard to case, as the real (IIS-hosted, judging by its .asp/.asmx APIs) service presumably does', async () => {
    const response = await httpRequest(`${sandbox.url}/V1/SMS/creditbalance`, { body: { Username: NOTIFY.username, Password: NOTIFY.password } });
    expect(json(response).StatusCode).toBe(200);
  });

  it('takes receivers written as JSON numbers at their digits', async () => {
    const answer = await send1N({ Message: 'hi', Receivers: [905321234567] });
    expect(answer.Result[0]).toMatchObject({ Receiver: '905321234567', Charge: analyzeText('hi').segments });
  });
});
