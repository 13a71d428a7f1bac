// Parses request input with the contract's zod schemas; failures become one
// 400 bad_request whose message names every bad field.
import type { z } from 'zod';
import { MediaApiError } from './errors.js';

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length === 0 ? '(body)' : issue.path.map(String).join('.');
  return `${field}: ${issue.message}`;
}

export function parseOrBadRequest<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  what: string,
): z.output<Schema> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new MediaApiError('bad_request', `invalid ${what}: ${parsed.error.issues.map(describeIssue).join('; ')}`);
}
