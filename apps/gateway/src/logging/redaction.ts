import { escapedForms, maskPhoneNumber } from '@rota/provider';
import { parsePerNumberId } from '@rota/provider/http';

/**
 * Last-line defences for text that leaves the gateway (log lines, readiness
 * details, error messages): anything that looks like a phone number is masked,
 * and any secret of the configuration in force is blanked out. Providers
 * promise neither reaches their messages; these make a broken promise harmless.
 */

// 9–15 digits, optionally with a leading +: every MSISDN form Rota accepts, and
// no provider id, segment count or HTTP status.
const NUMBER_LIKE = /\+?\d{9,15}/g;

export function maskNumbersIn(text: string): string {
  return text.replace(NUMBER_LIKE, (match) => (match.startsWith('+') ? maskPhoneNumber(match) : maskDigits(match)));
}

// What a person writes as a number: 9–15 digits, groups parted by a space, dot, dash or parentheses
// (`0532 987 65 43`, `+90 (532) 987-65-43`), the way numbers stand in an SMS text.
const WRITTEN_NUMBER = /\+?\(?\d(?:[ .\-()]{0,2}\d){8,14}/g;

/**
 * Numbers as a person writes them, in what a client wrote (a text, a
 * reference, an idempotency key): every digit but the last two masked,
 * separators kept. Stricter than maskNumbersIn, which reads what Rota and
 * providers write (compact numbers, and dates it must leave alone).
 */
export function maskWrittenNumbers(text: string): string {
  return text.replace(WRITTEN_NUMBER, (match) => {
    let keep = 2;
    let out = '';
    for (let i = match.length - 1; i >= 0; i--) {
      const c = match[i]!;
      out = (c >= '0' && c <= '9' ? (keep-- > 0 ? c : '*') : c) + out;
    }
    return out;
  });
}

/** A number's digits without the +, masked as if it were there, so `90532…` hides as many digits as `+90532…`. */
function maskDigits(digits: string): string {
  return maskPhoneNumber(`+${digits}`).slice(1);
}

/**
 * Message Center's and Mobildev's ids carry the recipient (`<request id>+905321234567`,
 * one id per number of a request): the number is masked, the request id kept to find it.
 */
export function maskedProviderId(id: string | undefined): string | undefined {
  const parsed = id === undefined ? undefined : parsePerNumberId(id);
  return parsed ? `${parsed.requestId}+${maskDigits(parsed.digits)}` : id;
}

// Keys whose string values are credentials, at any depth of the configuration. Every provider's
// credential fields are among them: FigenSoft's and Mobildev's `password`, Message Center's `key`,
// `hash` and `secret`, Infobip's `apiKey`, Twilio's `authToken`, and any provider's `pushToken`.
// `hash` only whole: Message Center's API hash is as good as a password (it is sent as issued).
const SECRET_KEY = /pass|secret|token|apikey|hashkey|^key$|previouskey|^hash$|auth|credential|private/i;
// Shorter values would blank out ordinary words; no real credential is this short.
const MIN_SECRET_LENGTH = 6;

// postgres://user:PASSWORD@host…: the password is group 1.
const DATABASE_URL = /^postgres(?:ql)?:\/\/[^:@/]*:([^@/]*)@/i;

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const secretCache = new WeakMap<object, readonly string[]>();

/** Every credential-looking string value in `config` (longest first, so a secret containing another is blanked whole). */
export function secretsOf(config: object): readonly string[] {
  const cached = secretCache.get(config);
  if (cached) return cached;
  const found = new Set<string>();
  const walk = (value: unknown, secretKey: boolean): void => {
    if (typeof value === 'string') {
      if (secretKey && value.length >= MIN_SECRET_LENGTH) found.add(value);
      // A database URL carries its password wherever it sits (store.url): the URL and the password alone are both blanked.
      const password = DATABASE_URL.exec(value)?.[1];
      if (password !== undefined) {
        found.add(value);
        if (password.length >= MIN_SECRET_LENGTH) found.add(password).add(safeDecode(password));
      }
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, secretKey);
    } else if (value !== null && typeof value === 'object') {
      // The nearest key decides: `apiKeys: [{ name, key }]` holds a secret `key` and a public `name`.
      for (const [key, item] of Object.entries(value)) walk(item, SECRET_KEY.test(key));
    }
  };
  walk(config, false);
  // As a service may echo one back: percent-encoded in a URL it quotes, JSON with escaped slashes, XML.
  for (const secret of [...found]) for (const form of escapedForms(secret)) found.add(form);
  const secrets = [...found].sort((a, b) => b.length - a.length);
  secretCache.set(config, secrets);
  return secrets;
}

export function blankSecretsIn(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (result.includes(secret)) result = result.split(secret).join('[redacted]');
  return result;
}

/** Both defences at once, for free text headed out of the process. */
export function sanitizeText(text: string, secrets: readonly string[] = []): string {
  return maskNumbersIn(blankSecretsIn(text, secrets));
}
