import { z } from 'zod';

/**
 * The one rule for a provider API base URL an operator configures (FigenSoft's
 * `customApiUrl` and `otpBaseUrl`, Infobip's `baseUrl`, …). API paths are
 * appended to it, so it carries no query or fragment; it is https, except on
 * loopback where nothing leaves the machine (sandboxes, local proxies); and it
 * never holds credentials, which belong in their own secret fields. Messages
 * never echo the URL: it could carry a password.
 */

const LOOPBACK_IPV4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** 127.0.0.0/8, ::1 (as `URL.hostname` writes it, `[::1]`, or bare) and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || host === '::1' || LOOPBACK_IPV4.test(host);
}

/** Why `value` is not an acceptable API base URL, or undefined when it is. */
export function apiUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a valid absolute URL';
  }
  if (url.username || url.password) return 'must not contain credentials (user:password@); credentials have their own fields';
  if (url.search || url.hash) return 'must not have a query or fragment (API paths are appended to it)';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') return isLoopbackHost(url.hostname) ? undefined : 'must use https (plain http is allowed only on loopback)';
  return 'must be an https URL';
}

/** The URL without the trailing slashes, so that `${base}/path` never doubles one. */
export function trimTrailingSlashes(value: string): string {
  return value.replace(/\/+$/, '');
}

/**
 * A configured API base URL: checked by `apiUrlProblem`, trailing slashes
 * dropped. `required` is the message for a missing or non-string value.
 */
export function apiUrlSchema(required = 'is required (an https URL)') {
  return z
    .string({ error: required })
    .superRefine((value, ctx) => {
      const problem = apiUrlProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .transform(trimTrailingSlashes);
}
