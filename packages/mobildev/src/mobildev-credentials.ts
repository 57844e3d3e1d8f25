import { inspect } from 'node:util';
import { revealSecret, Secret } from '@rota/provider';
import { xmlText } from './mobildev-wire.js';

let elementsOf: (credentials: MobildevCredentials) => string;
let secretsOf: (credentials: MobildevCredentials) => readonly Secret[];

/** `<UserName>…</UserName><PassWord>…</PassWord>`, escaped: for the client only (not exported by the package). */
export function credentialElements(credentials: MobildevCredentials): string {
  return elementsOf(credentials);
}

/** The values to scrub from Mobildev's text before it enters an error (not exported by the package). */
export function credentialSecrets(credentials: MobildevCredentials): readonly Secret[] {
  return secretsOf(credentials);
}

/**
 * One account's UserName and PassWord, held as the XML elements every body
 * starts with (Mobildev authenticates in the body), so that nothing that
 * serialises the credentials can show the password. `userName` is what goes
 * on the wire: the username, with `-companyCode` on legacy accounts.
 */
export class MobildevCredentials {
  readonly userName: string;
  readonly #elements: Secret;
  readonly #secrets: readonly Secret[];

  static {
    elementsOf = (credentials) => revealSecret(credentials.#elements);
    secretsOf = (credentials) => credentials.#secrets;
  }

  constructor(userName: string, password: string) {
    if (!userName) throw new TypeError('Mobildev UserName must not be empty');
    if (!password) throw new TypeError(`Mobildev password for "${userName}" must not be empty`);
    this.userName = userName;
    this.#elements = new Secret(`<UserName>${xmlText(userName)}</UserName><PassWord>${xmlText(password)}</PassWord>`);
    this.#secrets = [new Secret(password)];
  }

  /**
   * ASSUMPTION (mobildev-api.md [guess for xmlapi]): a legacy account's UserName
   * is `username-companyCode`; an API-key account sends its key as it is.
   */
  static forAccount(username: string, companyCode: string | undefined, password: string): MobildevCredentials {
    return new MobildevCredentials(companyCode === undefined ? username : `${username}-${companyCode}`, password);
  }

  toJSON(): { userName: string; password: '[redacted]' } {
    return { userName: this.userName, password: '[redacted]' };
  }

  toString(): string {
    return `MobildevCredentials(${this.userName})`;
  }

  [inspect.custom](): string {
    return `MobildevCredentials { userName: ${JSON.stringify(this.userName)}, password: [redacted] }`;
  }
}
