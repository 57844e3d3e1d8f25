import { inspect } from 'node:util';
import { escapedForms } from '@rota/provider';

let authFieldsOf: (credentials: FigenSoftCredentials) => string;
let passwordFormsOf: (credentials: FigenSoftCredentials) => readonly string[];

/** The `"Username":…,"Password":…` fragment every request body starts with; for the client only (not exported by the package). */
export function authFields(credentials: FigenSoftCredentials): string {
  return authFieldsOf(credentials);
}

/**
 * A username and password for one FigenSoft account. The password lives in a
 * private field (already JSON-encoded into the body fragment every request
 * starts with), so `JSON.stringify`, `util.inspect`, a logger or a snapshot of
 * this object can never show it. Only this module reads it: the client gets
 * the body fragment through `authFields`, never the password.
 */
export class FigenSoftCredentials {
  readonly username: string;
  /** The password as text from the service may quote it, echoing a request: as it is and escaped (escapedForms), longest first. */
  readonly #passwordForms: readonly string[];
  readonly #authFields: string;

  static {
    authFieldsOf = (credentials) => credentials.#authFields;
    passwordFormsOf = (credentials) => credentials.#passwordForms;
  }

  constructor(username: string, password: string) {
    if (!username) throw new TypeError('FigenSoft username must not be empty');
    if (!password) throw new TypeError(`FigenSoft password for "${username}" must not be empty`);
    this.username = username;
    this.#passwordForms = escapedForms(password);
    this.#authFields = `"Username":${JSON.stringify(username)},"Password":${JSON.stringify(password)}`;
  }

  toJSON(): { username: string; password: '[redacted]' } {
    return { username: this.username, password: '[redacted]' };
  }

  toString(): string {
    return `FigenSoftCredentials(${this.username})`;
  }

  [inspect.custom](): string {
    return `FigenSoftCredentials { username: ${JSON.stringify(this.username)}, password: [redacted] }`;
  }
}

/**
 * `text` with every occurrence of the account's password replaced: for text
 * that comes from the service (a StatusDescription) before it goes into an
 * error message, in case the service ever echoes what it was sent.
 */
export function redactPassword(credentials: FigenSoftCredentials, text: string): string {
  let redacted = text;
  for (const form of passwordFormsOf(credentials)) if (redacted.includes(form)) redacted = redacted.split(form).join('[redacted]');
  return redacted;
}
