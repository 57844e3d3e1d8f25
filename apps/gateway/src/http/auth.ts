import { createHash, timingSafeEqual } from 'node:crypto';
import { ADMIN_CLIENT, METRICS_CLIENT } from '../config/rota-config.js';
import type { GatewayRuntime } from '../config/runtime-types.js';

type GatewaySettings = ReturnType<GatewayRuntime['config']>['gateway'];

/**
 * Who may call what. Send keys send and read; the admin token changes and
 * reads providers but cannot send, so a leaked admin token cannot send SMS and
 * a leaked send key cannot switch providers off.
 */
export type Access = 'send' | 'read' | 'admin' | 'metrics';
export type Role = 'send' | 'admin' | 'metrics';

/** The metrics token (gateway.metricsToken) reads /metrics and nothing else: a scraper's credential cannot read messages. */
const ALLOWED: Record<Access, readonly Role[]> = {
  send: ['send'],
  read: ['send', 'admin'],
  admin: ['admin'],
  metrics: ['metrics', 'admin'],
};

/** What a 403 says each kind of endpoint needs (to any credential but the metrics token, whose refusal says what it is for). */
const NEEDED: Record<Access, string> = {
  send: 'this endpoint needs an API key (the admin token cannot send)',
  read: 'this endpoint needs an API key or the admin token',
  admin: 'this endpoint needs the admin token',
  metrics: 'this endpoint needs the metrics token or the admin token',
};

export type AuthDecision =
  | { ok: true; role: Role; client: string }
  | { ok: false; status: 401 | 403; error: 'unauthorized' | 'forbidden'; message: string };

interface KeyDigests {
  admin: Buffer;
  metrics: Buffer | undefined;
  send: { name: string; digest: Buffer }[];
}

// Hashing every configured key on every request is wasted work; a reload hands
// out a new gateway object, so the cache follows the configuration in force.
const digestCache = new WeakMap<GatewaySettings, KeyDigests>();

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function digestsOf(gateway: GatewaySettings): KeyDigests {
  let digests = digestCache.get(gateway);
  if (!digests) {
    digests = {
      admin: sha256(gateway.adminToken),
      metrics: gateway.metricsToken === undefined ? undefined : sha256(gateway.metricsToken),
      // A client rotating its key is taken under either: one name, so its records stay its own.
      send: gateway.apiKeys.flatMap((k) => [k.key, ...(k.previousKey === undefined ? [] : [k.previousKey])].map((key) => ({ name: k.name, digest: sha256(key) }))),
    };
    digestCache.set(gateway, digests);
  }
  return digests;
}

/** The bearer token of an Authorization header, or undefined when there is none or it is not a bearer token. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}

/**
 * Which role a presented token has. Comparing SHA-256 digests with
 * timingSafeEqual keeps the time independent of where (and whether) the token
 * differs, and of its length; every key is compared, with no early exit.
 */
export function roleOf(token: string, gateway: GatewaySettings): { role: Role; client: string } | undefined {
  const presented = sha256(token);
  const digests = digestsOf(gateway);
  let found: { role: Role; client: string } | undefined;
  for (const key of digests.send) {
    if (timingSafeEqual(presented, key.digest) && found === undefined) found = { role: 'send', client: key.name };
  }
  if (timingSafeEqual(presented, digests.admin) && found === undefined) found = { role: 'admin', client: ADMIN_CLIENT };
  if (digests.metrics && timingSafeEqual(presented, digests.metrics) && found === undefined) found = { role: 'metrics', client: METRICS_CLIENT };
  return found;
}

export function authorize(header: string | undefined, access: Access, gateway: GatewaySettings): AuthDecision {
  const token = bearerToken(header);
  if (token === undefined) {
    const message = header === undefined ? 'missing Authorization header (Bearer token)' : 'Authorization header must be "Bearer <token>"';
    return { ok: false, status: 401, error: 'unauthorized', message };
  }
  const identity = roleOf(token, gateway);
  if (!identity) return { ok: false, status: 401, error: 'unauthorized', message: 'unknown credential' };
  if (!ALLOWED[access].includes(identity.role)) {
    const message = identity.role === 'metrics' ? 'the metrics token reads /metrics only' : NEEDED[access];
    return { ok: false, status: 403, error: 'forbidden', message };
  }
  return { ok: true, role: identity.role, client: identity.client };
}
