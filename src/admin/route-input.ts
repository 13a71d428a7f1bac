// Reading a request's body and path parameters for the operator's API routes.
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ApiError } from '../http/errors.js';
import { describeIssues } from './admin-schemas.js';

export function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw new ApiError('bad_request', `invalid request: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export function param(request: FastifyRequest, name: string): string {
  return (request.params as Record<string, string>)[name] ?? '';
}
