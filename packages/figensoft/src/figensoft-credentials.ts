import { inspect } from 'node:util';

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
  /** The password as text from the service may quote it: as it is and in the escapings of a wire, longest first. */
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

/**
 * A secret as a service echoing its request may write it: as it is, as a JSON string (non-ASCII
 * as it is or `\u`-escaped, `/` as `\/`), percent-encoded (either case of hex, `+` for a space)
 * and XML-escaped. A probe's echo of `Sup3r"Secr\et/pw` carried `Sup3r\"Secr\\et/pw` and
 * `Sup3r%22Secr%5Cet%2Fpw`, which the plain comparison missed.
 */
function escapedForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const jsonAscii = json.replace(/[\u0080-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const component = encodeURIComponent(secret);
  // PHP's rawurlencode also escapes ! ' ( ) *; a form body (URLSearchParams) writes + for a space and escapes ~ too.
  const raw = component.replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  const form = new URLSearchParams([['', secret]]).toString().slice(1);
  // In XML text quotes may stay bare; in an attribute one or both are escaped.
  const xml = secret.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  const xmlQuoted = xml.replaceAll('"', '&quot;');
  const forms = new Set([secret, json, jsonAscii, jsonAscii.replaceAll('/', '\\/'), component.replaceAll('%20', '+'), xml, xmlQuoted, xmlQuoted.replaceAll("'", '&apos;')]);
  for (const encoded of [component, raw, form]) forms.add(encoded).add(encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()));
  return [...forms].sort((a, b) => b.length - a.length);
}
