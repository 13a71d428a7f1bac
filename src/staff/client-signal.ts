// An AbortSignal that fires when the client of a request goes away before its
// answer is sent, for work that waits on the client's behalf (a throttled
// sign-in held for its slot).
import type { FastifyReply } from 'fastify';

export function clientGoneSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
