import type { MessageRecord } from '@rota/ledger';
import { viewOf } from '../http/message-view.js';
import { maskedMessage } from './masked-message.js';

const record: MessageRecord = {
  id: 'msg_1',
  owner: 'acme',
  state: 'rejected',
  reason: 'refused: +905321234567 is not a mobile number',
  priority: 1,
  dueAt: new Date(0),
  to: '+905321234567',
  iysType: 'NOTIFICATION',
  recipientType: 'BIREYSEL',
  otp: false,
  text: 'Merhaba, call me on +905329876543',
  reference: 'customer-905329876543',
  idempotencyKey: 'otp-05329876543',
  textHash: 'h',
  textLength: 7,
  encoding: 'GSM7',
  segments: 1,
  simulated: false,
  attempts: [{ providerId: 'twilio', outcome: 'rejected', reason: "The 'To' number +905321234567 is not a valid phone number.", tries: 1, durationMs: 3 }],
  issues: [{ path: 'to', reason: 'Twilio: 905321234567 unreachable' }],
  createdAt: new Date(0),
  updatedAt: new Date(0),
  callbackUrl: 'https://hooks.acme.example/rota?token=s3cr3t-t0ken#frag',
  // A reason is one of a few words today; a record of an older writer may quote a number.
  delivery: { state: 'undelivered', reason: 'handset +905321234567 unreachable' as never, final: false, at: new Date(0) },
};

describe('maskedMessage', () => {
  it('masks the number wherever the record says it, and keeps the callback URL\'s query from the page', () => {
    const view = viewOf(record, [{ kind: 'state', state: 'rejected', reason: 'the provider said 05321234567 is unknown', source: 'dispatch', at: new Date(0), recordedAt: new Date(0) }]);
    const shown = maskedMessage(view, record);
    const text = JSON.stringify(shown);
    expect(text).not.toMatch(/5321234567/);
    expect(text).not.toMatch(/5329876543/);
    expect(text).not.toContain('s3cr3t-t0ken');
    expect(shown).toMatchObject({
      to: '+90532*****67',
      reason: expect.stringContaining('+90532*****67'),
      attempts: [expect.objectContaining({ providerId: 'twilio', reason: expect.stringContaining('+90532*****67') })],
      callbackUrl: 'https://hooks.acme.example/rota?…',
      text: 'Merhaba, call me on +**********43',
      reference: 'customer-**********43',
      idempotencyKey: 'otp-*********43',
      delivery: { state: 'undelivered', reason: 'handset +90532*****67 unreachable', final: false, at: new Date(0).toISOString() },
    });
  });

  it('masks a number in what the client wrote however it is written: grouped, national, with a dash or parentheses', () => {
    const written = ['0532 987 65 43', '+90 532 987 65 43', '0532-987-6543', '(0532) 987 65 43', '5329876543', '05329876543', '0090 532 987 6543'];
    const texts = { ...record, text: `Bizi arayın: ${written.join(' / ')}`, reference: 'ref 0532 987 65 43', idempotencyKey: 'key-0532.987.65.43' };
    const shown = maskedMessage(viewOf(texts), texts);
    for (const field of ['text', 'reference', 'idempotencyKey'] as const) {
      const digits = shown[field]!.replace(/\D/g, '');
      // Only each number's last two digits are left.
      expect({ field, digits }).toEqual({ field, digits: field === 'text' ? '43'.repeat(written.length) : '43' });
    }
    expect(shown.text).toBe('Bizi arayın: **** *** ** 43 / +** *** *** ** 43 / ****-***-**43 / (****) *** ** 43 / ********43 / *********43 / **** *** *** **43');
    // What is not a number stays: a short code, an amount, a date.
    const plain = { ...record, text: 'Kod 4711, tutar 1.250,00 TL, 07.12.2026' };
    expect(maskedMessage(viewOf(plain), plain).text).toBe('Kod 4711, tutar 1.250,00 TL, 07.12.2026');
  });

  it('leaves a record without those fields as it is, apart from its number', () => {
    const { reason: _reason, issues: _issues, callbackUrl: _callbackUrl, delivery: _delivery, reference: _reference, idempotencyKey: _key, ...plain } = record;
    plain.text = 'Merhaba';
    const bare = { ...plain, attempts: [] };
    const shown = maskedMessage(viewOf(bare), bare);
    expect(shown).toEqual({ ...viewOf(bare), to: '+90532*****67', providerMessageId: undefined });
  });
});
