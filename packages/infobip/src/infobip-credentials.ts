import { inspect } from 'node:util';
import { revealSecret, Secret } from '@rota/provider';

let headerOf: (credentials: InfobipCredentials) => string;
let secretOf: (credentials: InfobipCredentials) => Secret;

/** The `Authorization` header value, `App <apiKey>`: for the client only (not exported by the package). */
export function authorizationHeader(credentials: InfobipCredentials): string {
  return headerOf(credentials);
}

/** The key, to scrub from provider text before it enters an error (not exported by the package). */
export function apiKeySecret(credentials: InfobipCredentials): Secret {
  return secretOf(credentials);
}

/** One account's API key, held so that nothing that serialises or inspects it can show it. */
export class InfobipCredentials {
  readonly #header: Secret;
  readonly #key: Secret;

  static {
    headerOf = (credentials) => revealSecret(credentials.#header);
    secretOf = (credentials) => credentials.#key;
  }

  constructor(apiKey: string) {
    if (!apiKey) throw new TypeError('Infobip API key must not be empty');
    this.#key = new Secret(apiKey);
    this.#header = new Secret(`App ${apiKey}`);
  }

  toJSON(): string {
    return 'InfobipCredentials([redacted])';
  }

  toString(): string {
    return 'InfobipCredentials([redacted])';
  }

  [inspect.custom](): string {
    return 'InfobipCredentials { apiKey: [redacted] }';
  }
}
