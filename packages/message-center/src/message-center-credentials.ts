import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { revealSecret, Secret } from '@rota/provider';

let fragmentOf: (credentials: MessageCenterCredentials) => string;
let secretsOf: (credentials: MessageCenterCredentials) => readonly Secret[];

/** `"authentication":{"key":…,"hash":…}`, JSON-encoded: for the client only (not exported by the package). */
export function authenticationFragment(credentials: MessageCenterCredentials): string {
  return fragmentOf(credentials);
}

/** The values to scrub from provider text before it enters an error (not exported by the package). */
export function credentialSecrets(credentials: MessageCenterCredentials): readonly Secret[] {
  return secretsOf(credentials);
}

/**
 * One account's API key and hash, held as the `"authentication":{…}` fragment
 * every request body carries (Message Center authenticates in the body), so
 * that nothing which serialises the credentials can show either: the key is a
 * credential too. Only the client reads the fragment, when it writes a body.
 */
export class MessageCenterCredentials {
  readonly #fragment: Secret;
  readonly #secrets: readonly Secret[];

  static {
    fragmentOf = (credentials) => revealSecret(credentials.#fragment);
    secretsOf = (credentials) => credentials.#secrets;
  }

  constructor(key: string, hash: string) {
    if (!key) throw new TypeError('Message Center API key must not be empty');
    if (!hash) throw new TypeError('Message Center API hash must not be empty');
    this.#fragment = new Secret(`"authentication":${JSON.stringify({ key, hash })}`);
    this.#secrets = [new Secret(key), new Secret(hash)];
  }

  /**
   * From a key and the secret the panel's hash is derived from. ASSUMPTION
   * (message-center-api.md [one source each]): the hash is the lowercase hex
   * HMAC-SHA256 of the key, keyed with the secret (PHP `hash_hmac('sha256', $key, $secret)`).
   */
  static fromSecret(key: string, secret: string): MessageCenterCredentials {
    return new MessageCenterCredentials(key, deriveHash(key, secret));
  }

  toJSON(): string {
    return 'MessageCenterCredentials([redacted])';
  }

  toString(): string {
    return 'MessageCenterCredentials([redacted])';
  }

  [inspect.custom](): string {
    return 'MessageCenterCredentials { key: [redacted], hash: [redacted] }';
  }
}

export function deriveHash(key: string, secret: string): string {
  return createHmac('sha256', secret).update(key, 'utf8').digest('hex');
}
