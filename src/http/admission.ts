import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendProblem } from './error-handler.js';

/** Probes answer even under overload: an orchestrator must not restart a process for being busy. */
const EXEMPT = new Set(['/api/health', '/metrics']);
const RETRY_AFTER_SECONDS = 1;

interface Slot {
  /** The response is written (onSend ran: the handler, or whatever answered, is done with the request). */
  answered: boolean;
  /** The connection side of the response is over (sent, or the client went away). */
  closed: boolean;
  released: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    admission: Slot | undefined;
  }
}

/**
 * Admission control: at most `maxInFlight` requests are worked on at once by this process (`TANDEM_MAX_IN_FLIGHT`);
 * beyond it a request is answered at once with 503 `overloaded` and `Retry-After`, before authentication, body
 * parsing or any database work — so it changes nothing, and the requests already admitted keep their latency
 * instead of every request waiting in an unbounded queue until its client gives up (goodput collapse).
 *
 * A slot is held until the request's answer is produced *and* its connection is done: a client that disconnects
 * early does not free the slot while its handler is still working on the database.
 */
export function installAdmission(app: FastifyInstance, maxInFlight: number, onReject?: () => void): { inFlight(): number } {
  let inFlight = 0;
  if (maxInFlight <= 0) return { inFlight: () => 0 };
  app.decorateRequest('admission', undefined);
  const release = (slot: Slot): void => {
    if (slot.released || !slot.answered || !slot.closed) return;
    slot.released = true;
    inFlight--;
  };
  app.addHook('onRequest', async (req: FastifyRequest, reply) => {
    if (EXEMPT.has(req.url.split('?')[0]!)) return;
    if (inFlight >= maxInFlight) {
      onReject?.();
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return sendProblem(req, reply, 503, 'overloaded', `The server is at its limit of ${maxInFlight} requests in progress; retry after ${RETRY_AFTER_SECONDS} s`, {
        details: { retry_after_seconds: RETRY_AFTER_SECONDS },
      });
    }
    inFlight++;
    const slot: Slot = { answered: false, closed: false, released: false };
    req.admission = slot;
    reply.raw.once('close', () => {
      slot.closed = true;
      release(slot);
    });
  });
  app.addHook('onSend', async (req, _reply, payload) => {
    const slot = req.admission;
    if (slot) {
      slot.answered = true;
      release(slot);
    }
    return payload;
  });
  return { inFlight: () => inFlight };
}
