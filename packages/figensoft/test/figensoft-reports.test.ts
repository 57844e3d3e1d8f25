import { Secret } from '@rota/provider';
import { readPushedReports } from '../src/figensoft-reports.js';
import { createFigenSoftProvider } from '../src/figensoft-provider.js';
import { configFor } from './fixtures.js';

const token = 'push-TOKEN-0123456789abcdef';
const secret = new Secret(token);
const body = (reports: unknown) => Buffer.from(JSON.stringify({ Reports: reports }));
const entry = { MessageId: 'SBX_1', Receiver: '905559998877', SmsStatus: '-241', SmsStatusDescription: 'opted out', IsFinalStatus: '1', StatusTime: '20301231 10:15', SmsCharge: '1' };

describe('readPushedReports (the sandbox push mode; FigenSoft signs nothing, so the URL carries a secret)', () => {
  it('reads a push that carries the token, normalised like a Status read', () => {
    const received = readPushedReports({ url: `https://rota.example/v1/providers/figensoft/reports?token=${token}`, headers: {}, body: body([entry]) }, secret);
    expect(received).toEqual({
      ok: true,
      reports: [{ providerMessageId: 'SBX_1', state: 'rejected', reason: 'opted-out', final: true, providerCode: '-241', at: new Date('2030-12-31T07:15:00.000Z'), to: '+905559998877' }],
    });
  });

  it.each([
    ['no token', '/v1/providers/figensoft/reports'],
    ['a wrong token', `/v1/providers/figensoft/reports?token=${token}x`],
    ['the token in another parameter', `/v1/providers/figensoft/reports?secret=${token}`],
  ])('refuses %s with 401', (_what, url) => {
    expect(readPushedReports({ url, headers: {}, body: body([entry]) }, secret)).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses every push when no token is configured, and an unreadable body with 400', () => {
    expect(readPushedReports({ url: '/r?token=x', headers: {}, body: body([entry]) }, undefined)).toMatchObject({ ok: false, status: 401 });
    expect(readPushedReports({ url: `/r?token=${token}`, headers: {}, body: Buffer.from('not json') }, secret)).toMatchObject({ ok: false, status: 400 });
    expect(readPushedReports({ url: `/r?token=${token}`, headers: {}, body: body('x') }, secret)).toMatchObject({ ok: false, status: 400 });
  });
});

describe('checkPushOrigin: the token checked before the body is read', () => {
  it('takes a URL with the token, refuses one without it or with another, and refuses all without a configured token', async () => {
    const provider = createFigenSoftProvider(configFor('http://127.0.0.1:9', { pushToken: token }));
    expect(provider.checkPushOrigin!({ url: `/v1/providers/figensoft/reports?token=${token}`, headers: {} })).toEqual({ ok: true });
    expect(provider.checkPushOrigin!({ url: '/v1/providers/figensoft/reports', headers: {} })).toMatchObject({ ok: false, status: 401 });
    expect(provider.checkPushOrigin!({ url: '/v1/providers/figensoft/reports?token=other', headers: {} })).toMatchObject({ ok: false, status: 401 });
    const withoutToken = createFigenSoftProvider(configFor('http://127.0.0.1:9'));
    expect(withoutToken.checkPushOrigin!({ url: `/r?token=${token}`, headers: {} })).toMatchObject({ ok: false, status: 401, reason: expect.stringContaining('no pushToken configured') });
    await Promise.all([provider.close!(), withoutToken.close!()]);
  });
});
