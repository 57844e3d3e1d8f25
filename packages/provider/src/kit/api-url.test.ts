import { apiUrlProblem, apiUrlSchema, isLoopbackHost } from './api-url.js';

describe('the API base URL rule', () => {
  it.each([
    ['https://api.example.com/api_json', undefined],
    ['http://127.0.0.1:8090/api_json', undefined],
    ['http://127.200.3.4/x', undefined],
    ['http://localhost:1', undefined],
    ['http://[::1]:9/x', undefined],
    ['not a url', 'must be a valid absolute URL'],
    ['http://api.example.com', 'must use https (plain http is allowed only on loopback)'],
    ['ftp://api.example.com', 'must be an https URL'],
    ['https://user:secret@api.example.com', 'must not contain credentials (user:password@); credentials have their own fields'],
    ['https://api.example.com/x?tenant=1', 'must not have a query or fragment (API paths are appended to it)'],
    ['https://api.example.com/x#part', 'must not have a query or fragment (API paths are appended to it)'],
  ])('%s → %s', (url, problem) => {
    expect(apiUrlProblem(url)).toBe(problem);
  });

  it('never repeats the URL in a refusal (it may hold a password)', () => {
    const result = apiUrlSchema().safeParse('https://user:hunter2-secret@api.example.com/?k=hunter2-secret');
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error)).not.toContain('hunter2');
  });

  it('drops trailing slashes, so paths are appended with exactly one', () => {
    expect(apiUrlSchema().parse('https://abc.api.infobip.com//')).toBe('https://abc.api.infobip.com');
  });

  it('knows loopback when it sees it, and nothing else', () => {
    expect(['localhost', 'LOCALHOST', '127.0.0.1', '[::1]', '::1'].every(isLoopbackHost)).toBe(true);
    expect(['127.0.0.1.example.com', '10.0.0.1', '::2', 'example.com'].some(isLoopbackHost)).toBe(false);
  });
});
