import { createHash, timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';
import { escapedForms } from '../encoding/escaped-forms.js';

let valueOf: (secret: Secret) => string;

/**
 * A credential (an API key, an auth token, a password, a hash) held so that
 * nothing that serialises or inspects it can show it: `JSON.stringify`,
 * `util.inspect`, `String()`, a logger, a snapshot all see `[redacted]`. Only
 * `revealSecret` reads it, at the moment a request is written.
 */
export class Secret {
  readonly #value: string;

  static {
    valueOf = (secret) => secret.#value;
  }

  constructor(value: string) {
    if (typeof value !== 'string' || value.length === 0) throw new TypeError('a secret must be a non-empty string');
    this.#value = value;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}

/** The secret's value, for the one place that writes it into a request. */
export function revealSecret(secret: Secret): string {
  return valueOf(secret);
}

/**
 * `text` with every occurrence of the secrets replaced: for provider text (an error message) before
 * it enters an error of ours. As written and in every escaped form a service may echo it in
 * (escapedForms: percent-encoded in a URL it quotes — `?token=Zk3%2Bq…` —, JSON with `\/`, XML),
 * so a secret with `+`, `/` or `=` in it is blanked however it comes back.
 */
export function redactSecrets(text: string, secrets: readonly Secret[]): string {
  let out = text;
  for (const secret of secrets) {
    for (const form of escapedForms(valueOf(secret))) if (out.includes(form)) out = out.split(form).join('[redacted]');
  }
  return out;
}

/** Equal-length digests, so the comparison takes the same time whatever was given. */
export function sameSecret(given: string, expected: Secret | string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(typeof expected === 'string' ? expected : valueOf(expected)));
}

/**
 * Why a push to a provider that signs nothing is refused, if it is: no token
 * configured (it takes no pushes), or the URL does not carry it. `provider`
 * names it in the reason (`Infobip`).
 */
export function pushTokenRefusal(url: string, token: Secret | undefined, provider: string): { ok: false; status: 401; reason: string } | undefined {
  if (token === undefined) return { ok: false, status: 401, reason: `this ${provider} provider takes no pushed reports (no pushToken configured)` };
  if (!hasPushToken(url, token)) return { ok: false, status: 401, reason: "the push does not carry this provider's token" };
  return undefined;
}

/**
 * For a provider that signs nothing: its callback URL carries a secret
 * (`?token=…`), compared in constant time. False when the URL has no token,
 * or cannot be read.
 */
export function hasPushToken(url: string, token: Secret): boolean {
  let given: string | null;
  try {
    given = new URL(url, 'http://push.invalid').searchParams.get('token');
  } catch {
    return false;
  }
  return given !== null && sameSecret(given, token);
}
