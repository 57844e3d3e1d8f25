import { startSandbox, type Sandbox } from '../src/index.js';
import { httpRequest } from './http-client.js';

const NOTIFY = { username: 'rota-notify-10001', password: 'mdev-secret', senders: ['ROTA', 'MDEV DEMO'] };
const APPROVED = '905321234567';
const OPTED_OUT = '905559998877';
const NOT_LISTED = '905440001122';

let sandbox: Sandbox;

const xml = (root: string, fields: Record<string, string>, extra = '') =>
  `<${root}>${Object.entries(fields).map(([k, v]) => (k === 'Mesgbody' ? `<${k}><![CDATA[${v}]]></${k}>` : `<${k}>${v}</${k}>`)).join('')}${extra}</${root}>`;
const auth = { UserName: NOTIFY.username, PassWord: NOTIFY.password };
async function post(body: string, contentType = 'application/xml') {
  const response = await httpRequest(sandbox.urls.mobildev, { body, contentType });
  return { status: response.status, text: response.text, type: String(response.headers['content-type']) };
}
const send = (fields: Record<string, string> = {}) => post(xml('MainmsgBody', { ...auth, Action: '0', Mesgbody: 'Merhaba', Numbers: '5321112233', Originator: 'ROTA', MessageType: 'N', ...fields }));
const packetOf = (text: string) => /^ID:(\d+)$/.exec(text)![1]!;

beforeEach(async () => {
  sandbox = await startSandbox({ mobildev: { accounts: [NOTIFY] }, deliveryDelayMs: 0, consent: { approved: [APPROVED], optedOut: [OPTED_OUT] } });
});
afterEach(() => sandbox.close());

describe('Action 0 and 1', () => {
  it('answers ID:<packet id> in plain text with HTTP 200, one record per number in any written form', async () => {
    const answer = await send({ Numbers: '5321112233,05421112244,905051112255,00905061112266' });
    expect(answer).toMatchObject({ status: 200, text: expect.stringMatching(/^ID:\d+$/), type: 'text/plain; charset=utf-8' });
    const packet = packetOf(answer.text);
    expect(sandbox.wireRecords('mobildev').map((r) => [r.receiver, r.messageId, r.commercial])).toEqual(
      ['905321112233', '905421112244', '905051112255', '905061112266'].map((n) => [n, `${packet}+${n}`, false]),
    );
  });

  it('takes MessageType C with RecipientType as commercial, and a text per number (Action 1)', async () => {
    await send({ MessageType: 'C', RecipientType: 'T' });
    const messages = '<Messages><Message><Mesgbody><![CDATA[A]]></Mesgbody><Number>5321112233</Number></Message><Message><Mesgbody><![CDATA[B]]></Mesgbody><Number>5421112244</Number></Message></Messages>';
    expect((await post(xml('MainmsgBody', { ...auth, Action: '1', Originator: 'ROTA' }, messages))).text).toMatch(/^ID:\d+$/);
    expect(sandbox.wireRecords('mobildev').map((r) => [r.text, r.commercial, r.recipientType ?? null])).toEqual([
      ['Merhaba', true, 'TACIR'],
      ['A', false, null],
      ['B', false, null],
    ]);
  });

  it.each<[string, Record<string, string>, string]>([
    ['a wrong password', { PassWord: 'wrong' }, '01'],
    ['an empty text', { Mesgbody: '' }, '23'],
    ['no numbers', { Numbers: '' }, '24'],
    ['an unknown originator', { Originator: 'NOPE' }, '06'],
    ['a bad MessageType', { MessageType: 'X' }, '21'],
    ['a commercial message without RecipientType', { MessageType: 'C' }, '22'],
    ['an unknown action', { Action: '9' }, '03'],
    ['an unreadable SDate', { SDate: '2030-01-01' }, '05'],
  ])('answers %s with %s', async (_name, fields, code) => {
    expect((await send(fields)).text).toBe(code);
    expect(sandbox.wireRecords('mobildev')).toEqual([]);
  });

  it('answers 02 when the credit does not cover the packet, and 20 to anything but POST', async () => {
    sandbox.setWireCredit('mobildev', NOTIFY.username, 0);
    expect((await send()).text).toBe('02');
    expect((await httpRequest(sandbox.urls.mobildev)).text).toBe('20');
  });

  it('reads a body as an XML parser does: a raw CR as LF, &#13; as CR; one holding U+FFFF is not well-formed', async () => {
    const raw = await send({ Mesgbody: 'a\r\nb\rc' });
    expect(raw.text).toMatch(/^ID:\d+$/);
    const referenced = await post(xml('MainmsgBody', { ...auth, Action: '0', Numbers: '5321112233', Originator: 'ROTA', MessageType: 'N' }, '<Mesgbody><![CDATA[a]]>&#13;<![CDATA[\nb]]>&#x0D;<![CDATA[c]]></Mesgbody>'));
    expect(referenced.text).toMatch(/^ID:\d+$/);
    expect(sandbox.wireRecords('mobildev').map((r) => r.text)).toEqual(['a\nb\nc', 'a\r\nb\rc']);
    const broken = await send({ Mesgbody: 'Merhaba \uffff' });
    expect(broken.text).not.toMatch(/^ID:/);
    expect(sandbox.wireRecords('mobildev')).toHaveLength(2);
  });

  it('takes the same field names as JSON', async () => {
    const answer = await post(JSON.stringify({ ...auth, Action: 0, Mesgbody: 'JSON', Numbers: '5321112233', Originator: 'ROTA' }), 'application/json');
    expect(answer.text).toMatch(/^ID:\d+$/);
  });
});

describe('Action 3, 4, 6', () => {
  it('reports one tab-separated line per number: 2 delivered, 3 for consent refusals; 02 for an unknown packet', async () => {
    const packet = packetOf((await send({ Numbers: `${APPROVED},${OPTED_OUT},${NOT_LISTED}`, MessageType: 'C', RecipientType: 'B' })).text);
    const report = await post(xml('MainReportRoot', { ...auth, Action: '3', MsgID: packet }));
    const lines = report.text.split('\r\n').map((line) => line.split('\t'));
    expect(lines.map((fields) => fields.slice(0, 3))).toEqual([
      [packet, APPROVED, '2'],
      [packet, OPTED_OUT, '3'],
      [packet, NOT_LISTED, '3'],
    ]);
    expect(lines[1]![4]).toBe('IYS-RET');
    expect((await post(xml('MainReportRoot', { ...auth, Action: '3', MsgID: '123' }))).text).toBe('02');
    expect((await post(xml('MainReportRoot', { ...auth, Action: '3', MsgID: Array.from({ length: 26 }, (_, i) => String(i)).join(',') }))).text).toBe('27');
  });

  it('answers the credit (comma decimal) and the originators, one a line', async () => {
    sandbox.setWireCredit('mobildev', NOTIFY.username, 1234);
    expect((await post(xml('MainReportRoot', { ...auth, Action: '4' }))).text).toBe('1234,00\nROTA\nMDEV DEMO');
  });

  it('cancels a scheduled packet once (00), refuses the rest (29)', async () => {
    const packet = packetOf((await send({ SDate: '010120991000' })).text);
    expect((await post(xml('MainReportRoot', { ...auth, Action: '6', MsgID: packet }))).text).toBe('00');
    expect((await post(xml('MainReportRoot', { ...auth, Action: '6', MsgID: packet }))).text).toBe('29');
    const report = await post(xml('MainReportRoot', { ...auth, Action: '3', MsgID: packet }));
    expect(report.text.split('\t').slice(2, 5)).toEqual(['3', '-', 'CANCELLED']);
  });

  it('a status-code fault answers the two-digit code as Mobildev does; a fault can be scoped to the UserName', async () => {
    sandbox.injectFault({ kind: 'status-code', statusCode: 1, wire: 'mobildev', account: NOTIFY.username, endpoint: 'Action 0' });
    expect((await send()).text).toBe('01');
    expect((await post(xml('MainReportRoot', { ...auth, Action: '4' }))).text).toMatch(/^1000000,00/);
  });
});
