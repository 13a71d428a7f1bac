// The POST forms of the signed-in pages (account, team, messages, settings,
// deleting a call's content): the session must be live, the hidden `csrf`
// field must hold the session's CSRF token, and some forms are for managers
// only. A form that fails a check changes nothing.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { csrfTokenValid } from '../staff/csrf.js';
import type { AuditActor } from '../staff/audit-log.js';
import type { StaffSessionContext } from '../staff/session-store.js';
import type { ConsolePageDeps } from './console-services.js';
import { formField } from './form-body.js';
import type { StaffSection } from './layout.js';
import { sendErrorPage } from './page-reply.js';
import { staffChrome, staffPage, type StaffPage } from './page-session.js';

export interface FormOptions {
  section: StaffSection;
  managerOnly?: boolean;
}

/** The signed-in page context of a form POST that passed every check, or null after answering. */
export async function staffForm(request: FastifyRequest, reply: FastifyReply, deps: ConsolePageDeps, options: FormOptions): Promise<StaffPage | null> {
  const signedIn = await staffPage(request, reply, deps);
  if (!signedIn) return null;
  const { context } = signedIn;
  if (!csrfTokenValid(formField(request.body, 'csrf') ?? undefined, context.csrfToken)) {
    request.log.warn({ userId: context.user.id, path: request.routeOptions.url }, 'console form refused: missing or invalid CSRF token');
    sendErrorPage(reply, 403, 'Form refused', 'The form was out of date. Go back, reload the page and try again.', staffChrome(context, options.section));
    return null;
  }
  if (options.managerOnly && !requireManager(reply, context, options.section)) return null;
  return signedIn;
}

/** True for a manager; otherwise answers the 403 page. */
export function requireManager(reply: FastifyReply, context: StaffSessionContext, section: StaffSection): boolean {
  if (context.user.role === 'manager') return true;
  sendErrorPage(reply, 403, 'For managers', 'Only the managers of your business can do this.', staffChrome(context, section));
  return false;
}

export function staffActor(context: StaffSessionContext): AuditActor {
  return { kind: 'staff', id: context.user.id, label: context.user.email };
}

/** A text field of the form, trimmed, at most `max` characters ('' when absent). */
export function textField(body: unknown, name: string, max = 400): string {
  return (formField(body, name) ?? '').trim().slice(0, max);
}
