// GET /load: the figures the backend's gateway pool places calls by.
import type { FastifyInstance } from 'fastify';
import { sessionPaths, type GatewayLoad } from '../contract/sessions.js';

export function registerLoadRoute(app: FastifyInstance, load: () => GatewayLoad): void {
  app.get(sessionPaths.load, (_request, reply) => reply.send(load()));
}
