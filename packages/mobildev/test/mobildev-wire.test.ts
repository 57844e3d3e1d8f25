import { startRecordingServer, type RecordingServer } from '@rota/testkit';
import { createMobildevClient, MobildevCredentials, type MobildevClient, type SendPacket } from '../src/index.js';
import { cdata, formatMobildevDate, readAnswer, readReportLines, readUserInfo } from '../src/mobildev-wire.js';
import { NOTIFY_PASSWORD } from './fixtures.js';

// The request bytes against mobildev-api.md, element by element, as they reached a recording server.

let server: RecordingServer;
let client: MobildevClient;
const credentials = MobildevCredentials.forAccount('rota-notify', '01234', NOTIFY_PASSWORD);

beforeAll(async () => {
  server = await startRecordingServer(() => ({ body: 'ID:123456789', headers: { 'content-type': 'text/plain' } }));
  client = createMobildevClient({ baseUrl: server.origin });
});
afterAll(async () => {
  await client.close();
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
  server.answer = () => ({ body: 'ID:123456789' });
});

const xml = () => server.requests.at(-1)!.body.toString('utf8');
/** The value of one element of the last body. */
const element = (name: string) => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml())?.[1];
const packet: SendPacket = { text: 'Merhaba', numbers: ['+905321112233', '+905421112244'], originator: 'ROTA', encoding: 'GSM7', messageType: 'N' };

describe('Action 0 (MainmsgBody)', () => {
  it('POSTs XML to the URL itself (root path), application/xml in UTF-8', async () => {
    await client.send(credentials, packet);
    const request = server.requests[0]!;
    expect([request.method, request.url, request.headers['content-type']]).toEqual(['POST', '/', 'application/xml; charset=utf-8']);
    expect(xml().startsWith('<MainmsgBody><UserName>')).toBe(true);
    expect(xml().endsWith('</MainmsgBody>')).toBe(true);
  });

  it('UserName is username-companyCode, PassWord the password (escaped), in the body only', async () => {
    await client.send(MobildevCredentials.forAccount('acme', '007', 'p<&>w'), packet);
    expect([element('UserName'), element('PassWord')]).toEqual(['acme-007', 'p&lt;&amp;&gt;w']);
    await client.send(MobildevCredentials.forAccount('48213', undefined, 'secret'), packet);
    expect(element('UserName')).toBe('48213');
  });

  it('Action is 0; Mesgbody is CDATA (a "]]>" inside split across sections)', async () => {
    await client.send(credentials, { ...packet, text: 'Şifre <1234> ]]> & tamam' });
    expect(element('Action')).toBe('0');
    expect(element('Mesgbody')).toBe('<![CDATA[Şifre <1234> ]]]]><![CDATA[> & tamam]]>');
    expect(cdata('a]]>b')).toBe('<![CDATA[a]]]]><![CDATA[>b]]>');
    // A parser would read a raw CR as LF: each goes as a character reference between sections.
    expect(cdata('line1\r\nline2\rline3')).toBe('<![CDATA[line1]]>&#13;<![CDATA[\nline2]]>&#13;<![CDATA[line3]]>');
  });

  it('Numbers are digits, comma-separated, no +', async () => {
    await client.send(credentials, packet);
    expect(element('Numbers')).toBe('905321112233,905421112244');
  });

  it('Originator is the sender; AccountId empty', async () => {
    await client.send(credentials, { ...packet, originator: 'ROTAOTP' });
    expect([element('Originator'), element('AccountId')]).toEqual(['ROTAOTP', '']);
  });

  it('SDate / EDate: empty, or ddMMyyyyHHmm in Turkey time', async () => {
    await client.send(credentials, packet);
    expect([element('SDate'), element('EDate')]).toEqual(['', '']);
    await client.send(credentials, { ...packet, sendAt: new Date('2030-06-01T09:15:00Z'), validUntil: new Date('2030-06-01T21:30:00Z') });
    expect([element('SDate'), element('EDate')]).toEqual(['010620301215', '020620300030']);
    expect(formatMobildevDate(new Date('2030-12-31T21:00:00Z'))).toBe('010120310000');
  });

  it('Encoding: 0 for GSM-7, 1 for Turkish-shift and UCS-2 texts', async () => {
    for (const [encoding, flag] of [['GSM7', '0'], ['GSM7_TURKISH_SHIFT', '1'], ['UCS2', '1']] as const) {
      await client.send(credentials, { ...packet, encoding });
      expect(element('Encoding')).toBe(flag);
    }
  });

  it('MessageType N without RecipientType; C with RecipientType B or T', async () => {
    await client.send(credentials, packet);
    expect([element('MessageType'), element('RecipientType')]).toEqual(['N', undefined]);
    await client.send(credentials, { ...packet, messageType: 'C', recipientType: 'T' });
    expect([element('MessageType'), element('RecipientType')]).toEqual(['C', 'T']);
  });

  it('reads ID:<packet>, "ID: <packet>", bare digits, and a two-digit code', async () => {
    expect(await client.send(credentials, packet)).toEqual({ ok: true, packetId: '123456789' });
    server.answer = () => ({ body: 'ID: 987654\r\n' });
    expect(await client.send(credentials, packet)).toEqual({ ok: true, packetId: '987654' });
    server.answer = () => ({ body: '01' });
    expect(await client.send(credentials, packet)).toEqual({ ok: false, code: '01' });
    expect(readAnswer('55501')).toEqual({ kind: 'id', packetId: '55501' });
    expect(readAnswer('<html>')).toEqual({ kind: 'other' });
  });
});

describe('Action 3 and 4 (MainReportRoot)', () => {
  it('Action 3 asks for packet ids comma-separated in MsgID', async () => {
    server.answer = () => ({ body: '111\t905321112233\t2\r\n222\t905421112244\t1' });
    const answer = await client.report(credentials, ['111', '222']);
    expect(xml()).toBe(`<MainReportRoot><UserName>rota-notify-01234</UserName><PassWord>${NOTIFY_PASSWORD}</PassWord><Action>3</Action><MsgID>111,222</MsgID></MainReportRoot>`);
    expect(answer).toEqual({ ok: true, lines: [{ packetId: '111', number: '905321112233', status: '2', rest: [] }, { packetId: '222', number: '905421112244', status: '1', rest: [] }] });
  });

  it('reads report lines with or without a date column, tabs or spaces', () => {
    expect(readReportLines('1 905321112233 3 2030-01-01 10:00:00 IYS 1 C B 123 1\r\n2 5321112233 2')).toEqual([
      { packetId: '1', number: '905321112233', status: '3', rest: ['2030-01-01', '10:00:00', 'IYS', '1', 'C', 'B', '123', '1'] },
      { packetId: '2', number: '5321112233', status: '2', rest: [] },
    ]);
    expect(readReportLines('not a report')).toBeUndefined();
  });

  it('Action 4 reads the credit (comma decimal) and the originators', async () => {
    server.answer = () => ({ body: '1.234,50\nROTA\nMDEV DEMO\n' });
    expect(await client.userInfo(credentials)).toEqual({ ok: true, credit: 1234.5, originators: ['ROTA', 'MDEV DEMO'] });
    expect(xml()).toContain('<Action>4</Action></MainReportRoot>');
    expect(readUserInfo('250.75\nA')).toEqual({ credit: 250.75, originators: ['A'] });
  });
});
