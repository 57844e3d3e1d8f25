import { DEFAULT_SANDBOX_WIRES, startSandbox, type Sandbox } from '../src/index.js';
import { CAMPAIGN, TEST_ACCOUNTS } from './fixtures.js';
import { httpRequest, json } from './http-client.js';

// All five wires in one sandbox, as the main job runs them: one set of consent
// lists that every wire reads, and records kept per wire and readable together.

const NUMBER = '905321234567';
const TEXT = 'Kış indirimi başladı';
const MC = DEFAULT_SANDBOX_WIRES.messageCenter.accounts[0]!;
const IB = DEFAULT_SANDBOX_WIRES.infobip.accounts[0]!;
const TW = DEFAULT_SANDBOX_WIRES.twilio.accounts[0]!;
const MD = DEFAULT_SANDBOX_WIRES.mobildev.accounts[1]!;

let sandbox: Sandbox;

beforeEach(async () => {
  sandbox = await startSandbox({ accounts: TEST_ACCOUNTS, ...DEFAULT_SANDBOX_WIRES, deliveryDelayMs: 0, consent: { approved: [NUMBER], optedOut: [] } });
});
afterEach(() => sandbox.close());

const post = async (url: string, body: unknown, headers: Record<string, string> = {}, contentType?: string) =>
  httpRequest(url, { body, headers, ...(contentType ? { contentType } : {}) });
const mobildev = (root: string, fields: string) => post(sandbox.urls.mobildev, `<${root}><UserName>${MD.username}</UserName><PassWord>${MD.password}</PassWord>${fields}</${root}>`, {}, 'application/xml');
const infobipAuth = { authorization: `App ${IB.apiKey}` };
const twilioAuth = { authorization: `Basic ${Buffer.from(`${TW.accountSid}:${TW.authToken}`).toString('base64')}` };
const twilioSend = () =>
  post(`${sandbox.urls.twilio}/2010-04-01/Accounts/${TW.accountSid}/Messages.json`, new URLSearchParams({ To: `+${NUMBER}`, From: 'ROTA', Body: TEXT }).toString(), twilioAuth, 'application/x-www-form-urlencoded');

/** One commercial send to NUMBER on each wire that checks consent, one plain send on Twilio's; the ids each wire answered. */
async function sendEverywhere() {
  const figensoft = json(await post(`${sandbox.url}/v1/Sms/Send_1_N`, { Username: CAMPAIGN.username, Password: CAMPAIGN.password, Message: TEXT, Receivers: [NUMBER] }));
  const mc = json(await post(`${sandbox.urls.messageCenter}/v1/send-sms/json`, {
    request: { authentication: { key: MC.key, hash: MC.hash }, order: { sender: 'ROTA', sendDateTime: '', iys: '1', iysList: 'BIREYSEL', message: { text: TEXT, receipents: { number: [NUMBER] } } } },
  }));
  await post(`${sandbox.urls.infobip}/sms/3/messages`, {
    messages: [{ sender: 'ROTA', destinations: [{ to: NUMBER, messageId: 'shared-1' }], content: { text: TEXT }, options: { regional: { turkeyIys: { recipientType: 'BIREYSEL' } } } }],
  }, infobipAuth);
  const packet = /^ID:(\d+)$/.exec((await mobildev('MainmsgBody', `<Action>0</Action><Mesgbody><![CDATA[${TEXT}]]></Mesgbody><Numbers>${NUMBER}</Numbers><Originator>ROTA</Originator><MessageType>C</MessageType><RecipientType>B</RecipientType>`)).text)![1]!;
  const twilio = await twilioSend();
  return { figensoftId: figensoft.Result[0].MessageId as string, orderId: mc.response.order.id as string, packet, twilioStatus: twilio.status };
}

/** How each wire reports the message now, in its own words. */
async function reportsEverywhere(ids: { figensoftId: string; orderId: string; packet: string }) {
  const figensoft = json(await post(`${sandbox.url}/v1/Sms/Status`, { Username: CAMPAIGN.username, Password: CAMPAIGN.password, MessageIds: [ids.figensoftId] }));
  const mc = json(await post(`${sandbox.urls.messageCenter}/v1/get-report/json`, { request: { authentication: { key: MC.key, hash: MC.hash }, order: { id: ids.orderId, page: 1, rowCount: 1000 } } }));
  const infobip = json(await httpRequest(`${sandbox.urls.infobip}/sms/3/reports?messageId=shared-1`, { headers: infobipAuth }));
  const mobildevLine = (await mobildev('MainReportRoot', `<Action>3</Action><MsgID>${ids.packet}</MsgID>`)).text.split('\t');
  return {
    figensoft: figensoft.Result[0].SmsStatus,
    'message-center': mc.response.order.message[0].status,
    infobip: infobip.results[0]?.status.id,
    mobildev: `${mobildevLine[2]} ${mobildevLine[4]}`,
  };
}

describe('five wires, one sandbox', () => {
  it('every wire records what it took, under its own name; all of them read together', async () => {
    await sendEverywhere();
    expect(sandbox.wireRecords().map((r) => [r.wire, r.receiver, r.text, r.commercial]).sort()).toEqual(
      [
        ['figensoft', NUMBER, TEXT, true],
        ['infobip', NUMBER, TEXT, true],
        ['message-center', NUMBER, TEXT, true],
        ['mobildev', NUMBER, TEXT, true],
        ['twilio', NUMBER, TEXT, false],
      ].sort(),
    );
    expect(sandbox.wireRecords('mobildev').map((r) => r.wire)).toEqual(['mobildev']);
  });

  it('one consent change reaches every wire: approved, the commercial message is delivered everywhere; opted out, each wire refuses it in its own words', async () => {
    const approved = await reportsEverywhere(await sendEverywhere());
    expect(approved).toEqual({ figensoft: '400', 'message-center': 111, infobip: 5, mobildev: '2 0' });

    sandbox.clearRecords();
    sandbox.setConsent({ approved: [], optedOut: [NUMBER] });
    const ids = await sendEverywhere();
    expect(await reportsEverywhere(ids)).toEqual({ figensoft: '-241', 'message-center': 112, infobip: 10, mobildev: '3 IYS-RET' });
    // Twilio checks no consent, but its unsubscribed list is the same opted-out list.
    expect(ids.twilioStatus).toBe(400);
  });
});
