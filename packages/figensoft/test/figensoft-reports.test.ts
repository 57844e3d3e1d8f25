import { readPushedReports } from '../src/figensoft-reports.js';

const token = 'push-TOKEN-0123456789abcdef';
const body = (reports: unknown) => Buffer.from(JSON.stringify({ Reports: reports }));
const entry = { MessageId: 'SBX_1', Receiver: '905559998877', SmsStatus: '-241', SmsStatusDescription: 'opted out', IsFinalStatus: '1', StatusTime: '20301231 10:15', SmsCharge: '1' };

describe('readPushedReports (the sandbox push mode; FigenSoft signs nothing, so the URL carries a secret)', () => {
  it('reads a push that carries the token, normalised like a Status read', () => {
    const received = readPushedReports({ url: `https://rota.example/v1/providers/figensoft/reports?token=${token}`, headers: {}, body: body([entry]) }, token);
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
    expect(readPushedReports({ url, headers: {}, body: body([entry]) }, token)).toMatchObject({ ok: false, status: 401 });
  });

  it('refuses every push when no token is configured, and an unreadable body with 400', () => {
    expect(readPushedReports({ url: '/r?token=x', headers: {}, body: body([entry]) }, undefined)).toMatchObject({ ok: false, status: 401 });
    expect(readPushedReports({ url: `/r?token=${token}`, headers: {}, body: Buffer.from('not json') }, token)).toMatchObject({ ok: false, status: 400 });
    expect(readPushedReports({ url: `/r?token=${token}`, headers: {}, body: body('x') }, token)).toMatchObject({ ok: false, status: 400 });
  });
});
