import { z } from 'zod';

/**
 * Rota message ids carry the provider, the account and the provider's own id,
 * so a status read needs no server-side store and survives restarts. They are
 * opaque to callers (base64url of a versioned JSON tuple): the inside may
 * change with the version tag, callers only pass the id back.
 */

export interface MessageLocator {
  providerId: string;
  accountId: string;
  providerMessageId: string;
}

const VERSION = 'r1';
/** Longer ids are refused before decoding: nothing legitimate comes close. */
export const MAX_MESSAGE_ID_LENGTH = 1_024;

const LocatorTupleSchema = z.tuple([z.literal(VERSION), z.string().min(1), z.string().min(1), z.string().min(1)]);

export function encodeMessageId(locator: MessageLocator): string {
  const tuple = [VERSION, locator.providerId, locator.accountId, locator.providerMessageId];
  return Buffer.from(JSON.stringify(tuple), 'utf8').toString('base64url');
}

/** The locator inside an id, or undefined when the id is not one Rota issued. */
export function decodeMessageId(id: string): MessageLocator | undefined {
  if (id.length === 0 || id.length > MAX_MESSAGE_ID_LENGTH || !/^[A-Za-z0-9_-]+$/.test(id)) return undefined;
  let tuple: unknown;
  try {
    tuple = JSON.parse(Buffer.from(id, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = LocatorTupleSchema.safeParse(tuple);
  if (!parsed.success) return undefined;
  const [, providerId, accountId, providerMessageId] = parsed.data;
  return { providerId, accountId, providerMessageId };
}
