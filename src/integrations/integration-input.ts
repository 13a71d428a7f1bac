// What every integration a manager saves shares: who is changing it (for the
// audit log), the check of a destination URL (the SSRF rules of
// media/contract/outbound-guard.ts, DNS included, applied again at every
// connection), and the bounds of the fields. A refused input is an ApiError
// bad_request whose message names the field, for the form to show.
import { destinationProblem, type OutboundPolicy, type Resolver } from '../../media/contract/outbound-guard.js';
import { ApiError } from '../http/errors.js';
import type { AuditActor } from '../staff/audit-log.js';

export interface ChangeContext {
  readonly businessId: string;
  readonly actor: AuditActor;
  readonly ip: string | null;
}

export interface IntegrationPolicy {
  readonly outbound: OutboundPolicy;
  /** Tests resolve names without DNS; production uses the system resolver. */
  readonly resolver?: Resolver;
}

export const MAX_URL_LENGTH = 2_048;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** The URL, trimmed, when it is an acceptable destination now; otherwise bad_request naming `field`. */
export async function checkedDestination(field: string, text: string, policy: IntegrationPolicy): Promise<string> {
  const url = text.trim();
  if (url === '') throw new ApiError('bad_request', `${field} is required`);
  if (url.length > MAX_URL_LENGTH) throw new ApiError('bad_request', `${field} is longer than ${MAX_URL_LENGTH} characters`);
  const problem = await destinationProblem(url, policy.outbound, policy.resolver);
  if (problem !== null) throw new ApiError('bad_request', `${field} ${problem}`);
  return url;
}

/** Text of at most `max` characters, required unless `optional`. */
export function checkedText(field: string, text: string, max: number, options: { optional?: boolean } = {}): string {
  const value = text.trim();
  if (value === '' && !options.optional) throw new ApiError('bad_request', `${field} is required`);
  if ([...value].length > max) throw new ApiError('bad_request', `${field} is longer than ${max} characters`);
  if (/[^\P{Cc}\t\n\r]/u.test(value)) throw new ApiError('bad_request', `${field} contains control characters`);
  return value;
}

/** A whole number of milliseconds within bounds. */
export function checkedMs(field: string, value: number, bounds: { min: number; max: number }): number {
  if (!Number.isInteger(value) || value < bounds.min || value > bounds.max) {
    throw new ApiError('bad_request', `${field} must be a whole number of milliseconds from ${bounds.min} to ${bounds.max}`);
  }
  return value;
}

/** Prisma's unique-constraint failure (P2002). */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}

/**
 * A destination as the audit log shows it: scheme, host and port only. Paths
 * and query strings of webhook URLs often carry tokens.
 */
export function shownDestination(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid URL';
  }
}
