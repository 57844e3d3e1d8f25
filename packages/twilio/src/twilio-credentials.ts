import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { revealSecret, Secret } from '@rota/provider';

let headerOf: (credentials: TwilioCredentials) => string;
let tokenOf: (credentials: TwilioCredentials) => Secret;

/** `Basic base64(AccountSid:AuthToken)`: for the client only (not exported by the package). */
export function authorizationHeader(credentials: TwilioCredentials): string {
  return headerOf(credentials);
}

/** The auth token, to scrub from Twilio's text before it enters an error (not exported by the package). */
export function authTokenSecret(credentials: TwilioCredentials): Secret {
  return tokenOf(credentials);
}

/** base64 HMAC-SHA1 of `data`, keyed with the auth token: Twilio's request signature (not exported by the package). */
export function signWithAuthToken(credentials: TwilioCredentials, data: string): Buffer {
  return createHmac('sha1', revealSecret(tokenOf(credentials))).update(data, 'utf8').digest();
}

/** An Account SID and its auth token, held so that nothing that serialises or inspects them can show the token. */
export class TwilioCredentials {
  readonly accountSid: string;
  readonly #token: Secret;
  readonly #header: Secret;

  static {
    headerOf = (credentials) => revealSecret(credentials.#header);
    tokenOf = (credentials) => credentials.#token;
  }

  constructor(accountSid: string, authToken: string) {
    if (!accountSid) throw new TypeError('Twilio Account SID must not be empty');
    if (!authToken) throw new TypeError('Twilio auth token must not be empty');
    this.accountSid = accountSid;
    this.#token = new Secret(authToken);
    this.#header = new Secret(`Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`);
  }

  toJSON(): { accountSid: string; authToken: '[redacted]' } {
    return { accountSid: this.accountSid, authToken: '[redacted]' };
  }

  toString(): string {
    return `TwilioCredentials(${this.accountSid})`;
  }

  [inspect.custom](): string {
    return `TwilioCredentials { accountSid: ${JSON.stringify(this.accountSid)}, authToken: [redacted] }`;
  }
}
