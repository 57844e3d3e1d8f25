import type { FastifyReply } from 'fastify';

/*
 * The answers to a send whose idempotency key is taken. A client's key
 * stands for one send, whichever route made it — a message, a batch's entry
 * or a bulk — so the send it already stands for may be of either kind.
 */

/** Why a key cannot be used again: its message was erased, which must never bring a second send. */
export const ERASED_REASON = "was a message erased at its recipient's request (KVKK): it is not sent again";

/** 409: the key stands for another send, `existingId` (a message's or a bulk's id). */
export function keyConflict(reply: FastifyReply, existingId: string, what: 'message' | 'bulk'): FastifyReply {
  return reply.code(409).send({
    error: 'idempotency-conflict',
    message: `this idempotencyKey already stands for a different message or bulk; nothing was ${what === 'bulk' ? 'recorded or sent' : 'sent'} (use a new key for a new ${what})`,
    existingId,
  });
}

/** 410: the key was a message's that was erased. */
export function keyErased(reply: FastifyReply): FastifyReply {
  return reply.code(410).send({
    error: 'message-erased',
    // This request's doing only: the erased message itself may well have been sent before its erasure.
    message: `this idempotencyKey ${ERASED_REASON}; this request recorded and sent nothing (the erased message may have been sent before it was erased)`,
  });
}
