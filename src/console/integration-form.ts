// The integration pages' forms: a manager's POST that passed the session,
// CSRF and role checks, with who is changing what (for the audit log), and
// how a refused change is shown: the page again with the problem, under the
// error's status; anything else is the console's 500 page.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../http/errors.js';
import type { ChangeContext } from '../integrations/integration-input.js';
import type { StaffSessionContext } from '../staff/session-store.js';
import type { ConsolePageDeps, ConsoleServices } from './console-services.js';
import { formField } from './form-body.js';
import { requireManager, staffActor, staffForm } from './page-form.js';
import { staffPage } from './page-session.js';

export interface IntegrationRequest {
  context: StaffSessionContext;
  services: ConsoleServices;
  change: ChangeContext;
}

/** Tool forms carry a JSON Schema of up to 16,000 characters, percent-encoded. */
export const TOOL_FORM_BODY_LIMIT_BYTES = 64 * 1024;

function changeOf(context: StaffSessionContext, request: FastifyRequest): ChangeContext {
  return { businessId: context.business.id, actor: staffActor(context), ip: request.ip };
}

/** A manager's signed-in GET, or null after answering. */
export async function integrationPage(request: FastifyRequest, reply: FastifyReply, deps: ConsolePageDeps): Promise<IntegrationRequest | null> {
  const signedIn = await staffPage(request, reply, deps);
  if (!signedIn || !requireManager(reply, signedIn.context, 'integrations')) return null;
  return { ...signedIn, change: changeOf(signedIn.context, request) };
}

/** A manager's checked POST, or null after answering. */
export async function integrationForm(request: FastifyRequest, reply: FastifyReply, deps: ConsolePageDeps): Promise<IntegrationRequest | null> {
  const signedIn = await staffForm(request, reply, deps, { section: 'integrations', managerOnly: true });
  return signedIn ? { ...signedIn, change: changeOf(signedIn.context, request) } : null;
}

/** The problem to show for a refused change; rethrows what is not the user's to fix. */
export function refusal(error: unknown): { status: number; problem: string } {
  if (error instanceof ApiError && error.status < 500) return { status: error.status, problem: `Not saved: ${error.message}.` };
  throw error;
}

/** A form's field as typed (not trimmed: a schema or a token keeps its shape), at most `max` characters. */
export function rawField(body: unknown, name: string, max: number): string {
  return (formField(body, name) ?? '').slice(0, max);
}

export function checked(body: unknown, name: string): boolean {
  return formField(body, name) === 'on';
}

/** A timeout typed in milliseconds; NaN when it is not a whole number (the service says why). */
export function msField(body: unknown, name: string): number {
  const text = (formField(body, name) ?? '').trim();
  return /^\d{1,7}$/.test(text) ? Number(text) : Number.NaN;
}
