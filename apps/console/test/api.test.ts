import { jest } from '@jest/globals';
import { ApiError, createApi, describeError, queryOf } from '../src/api';

type Call = { url: string; init: RequestInit };

function fakeFetch(status: number, body: unknown) {
  const calls: Call[] = [];
  const fetch = async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  };
  return { calls, fetch };
}

describe('the console\'s API client', () => {
  it('calls the admin routes with the token in the Authorization header (never the URL), no cookies, the operator named', async () => {
    const { calls, fetch } = fakeFetch(200, { ok: 1 });
    const api = createApi({ token: 'admin-token-123', operator: 'Ayşe' }, { fetch });
    await api.send('PATCH', '/v1/providers/figensoft', { enabled: false });
    const [call] = calls;
    expect(call!.url).toBe('/v1/providers/figensoft');
    expect(call!.url).not.toContain('admin-token-123');
    expect(call!.init.credentials).toBe('omit');
    expect(call!.init.headers).toMatchObject({ authorization: 'Bearer admin-token-123', 'x-rota-operator': 'Ay%C5%9Fe', 'content-type': 'application/json' });
    expect(call!.init.body).toBe('{"enabled":false}');
  });

  it('answers the status with the body where a 200 and a 202 differ (a resend made now, or one made already)', async () => {
    const made = createApi({ token: 'x' }, { fetch: fakeFetch(202, { id: 'msg_copy' }).fetch });
    expect(await made.sendWithStatus('POST', '/v1/admin/messages/msg_a/resend', {})).toEqual({ status: 202, body: { id: 'msg_copy' } });
    const already = createApi({ token: 'x' }, { fetch: fakeFetch(200, { id: 'msg_copy' }).fetch });
    expect(await already.sendWithStatus('POST', '/v1/admin/messages/msg_a/resend', {})).toEqual({ status: 200, body: { id: 'msg_copy' } });
    expect(await already.send('POST', '/v1/admin/messages/msg_a/resend', {})).toEqual({ id: 'msg_copy' });
  });

  it('turns a refusal into an ApiError with the gateway\'s words, and signs out on 401', async () => {
    const onUnauthorized = jest.fn();
    const refused = createApi({ token: 'x' }, { fetch: fakeFetch(401, { error: 'unauthorized', message: 'unknown credential' }).fetch, onUnauthorized });
    const error = await refused.get('/v1/admin/config').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(describeError(error)).toBe('The gateway does not accept this token.');
    expect(onUnauthorized).toHaveBeenCalledTimes(1);

    const forbidden = await createApi({ token: 'send-key' }, { fetch: fakeFetch(403, { error: 'forbidden' }).fetch }).get('/v1/admin/config').catch((e: unknown) => e);
    expect(describeError(forbidden)).toContain('not the admin token');

    const invalid = await createApi({ token: 't' }, { fetch: fakeFetch(400, { error: 'invalid-request', message: 'the query is invalid', issues: [{ path: 'to', reason: 'is not a valid phone number' }] }).fetch })
      .get('/v1/admin/messages?to=1')
      .catch((e: unknown) => e);
    expect(describeError(invalid)).toBe('the query is invalid (to: is not a valid phone number)');
  });

  it('takes a status it was told to accept as an answer (readiness answers 503 with its detail)', async () => {
    const api = createApi({ token: 't' }, { fetch: fakeFetch(503, { ready: false, providers: [] }).fetch });
    await expect(api.get('/v1/readiness', { accept: [503] })).resolves.toEqual({ ready: false, providers: [] });
  });

  it('builds a query string of the filled-in fields only', () => {
    expect(queryOf({ to: '+905321234567', state: '', bulkId: undefined, limit: 25 })).toBe('?to=%2B905321234567&limit=25');
    expect(queryOf({ state: '' })).toBe('');
  });
});
