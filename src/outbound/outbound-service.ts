// Outbound AI calls: a business (its managers, the operator, the admin CLI) asks
// for a call to a number with a purpose; the service checks what a serious
// dialer must check before the phone rings anywhere, stores the call's row and
// hands the call to the call manager (the originate through the trunk, AMD, the
// agent: call-setup.ts).
//
// Refused, with a clear error and nothing stored:
// - the backend is not connected to Asterisk (503);
// - a number on the business's do-not-call list (403 do_not_call);
// - outside the business's calling window, in its own time zone (409, Retry-After
//   until the window opens);
// - the business's concurrency limit (outbound calls still ringing or talking) or
//   its rate limit (calls started in the last minute) reached (429, Retry-After).
// The limits are counted from the call rows, in a transaction holding the business's
// PostgreSQL advisory lock, so two requests at once cannot both take the last slot,
// whichever backend replicas they reach.
import type { Logger } from 'pino';
import type { Business, Prisma, PrismaClient } from '../db/index.js';
import { ApiError } from '../http/errors.js';
import type { AgentSettings } from '../../media/contract/sessions.js';
import { businessRoute } from '../calls/business-directory.js';
import type { OutboundPlan } from '../calls/call-setup.js';
import { parseDays, windowState } from './calling-window.js';
import { fillVariables, type OutboundCallRequest } from './outbound-request.js';

const RATE_WINDOW_MS = 60_000;
const OPEN = ['ringing', 'answered'] as const;

export interface OutboundServiceDeps {
  prisma: PrismaClient;
  calls: { startOutbound(plan: OutboundPlan): unknown };
  /** Whether calls can be placed now (ARI connected, not shutting down). */
  isReady: () => boolean;
  logger: Logger;
  now: () => Date;
  newId: () => string;
}

export interface OutboundCallView {
  callId: string;
  status: 'dialing';
  from: string;
  to: string;
}

export class OutboundService {
  readonly #deps: OutboundServiceDeps;
  readonly #log: Logger;

  constructor(deps: OutboundServiceDeps) {
    this.#deps = deps;
    this.#log = deps.logger.child({ component: 'outbound' });
  }

  /** Checks, stores and starts the call; throws ApiError when it is refused. `requestedBy`: 'operator' or 'staff:<id>'. */
  async placeCall(businessId: string, request: OutboundCallRequest, requestedBy: string): Promise<OutboundCallView> {
    if (!this.#deps.isReady()) throw new ApiError('unavailable', 'calls cannot be placed now: Asterisk is not connected or the backend is stopping');
    const { prisma } = this.#deps;
    const business = await prisma.business.findUnique({ where: { id: businessId }, include: { phoneNumbers: { select: { e164: true }, orderBy: { e164: 'asc' } } } });
    if (!business) throw new ApiError('not_found', 'no such business');
    const route = businessRoute(business);
    const from = route.outboundCallerId;
    if (!from) throw new ApiError('bad_request', 'the business has no number to call from: add a phone number or set outboundCallerId');
    const agent = outboundAgent(route.agent, business, request);
    const voicemailMessage = route.voicemailMessage === null ? null : filled(route.voicemailMessage, request.purpose.variables, 'voicemailMessage');

    const listed = await prisma.doNotCall.findUnique({ where: { businessId_e164: { businessId, e164: request.to } } });
    if (listed) throw new ApiError('do_not_call', `${request.to} is on the business's do-not-call list`);
    this.#checkWindow(business);

    const callId = this.#deps.newId();
    const channelId = this.#deps.newId();
    const createdAt = await prisma.$transaction(async (tx) => {
      // Released at commit or rollback; serializes this business's checks across replicas.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`outbound-limits:${businessId}`}, 0))`;
      await this.#checkLimits(tx, business);
      const now = this.#deps.now();
      await tx.callLog.create({
        data: {
          id: callId,
          channelId,
          businessId,
          direction: 'outbound',
          fromNumber: from,
          toNumber: request.to,
          status: 'ringing',
          createdAt: now,
          outboundPurpose: request.purpose.instructions,
          outboundVariables: request.purpose.variables,
          requestedBy,
        },
      });
      return now;
    });
    this.#log.info({ callId, businessId, to: request.to, requestedBy }, 'outbound call requested');
    try {
      this.#deps.calls.startOutbound({ callId, channelId, businessId, to: request.to, from, agent, voicemailMessage, createdAt });
    } catch (error) {
      // No node to place it on (the lease moved meanwhile): the row must not stay open.
      const endedAt = this.#deps.now();
      await prisma.callLog
        .update({ where: { id: callId }, data: { status: 'failed', endedAt, durationMs: 0, hangupCause: 'dial_failed', error: 'no Asterisk node to place the call on' } })
        .catch((err: unknown) => this.#log.error({ err, callId }, 'closing the row of a call that could not be placed failed'));
      this.#log.warn({ err: error, callId }, 'outbound call could not be placed');
      throw new ApiError('unavailable', 'calls cannot be placed now: this backend holds no connected Asterisk node; retry');
    }
    return { callId, status: 'dialing', from, to: request.to };
  }

  #checkWindow(business: Business): void {
    const days = parseDays(business.outboundDays) ?? [];
    const state = windowState(this.#deps.now(), {
      start: business.outboundWindowStart,
      end: business.outboundWindowEnd,
      days,
      timeZone: business.timezone,
    });
    if (state.open) return;
    const when = state.opensAt
      ? ` It opens ${new Intl.DateTimeFormat('en-US', { timeZone: business.timezone, weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(state.opensAt)} (${business.timezone}).`
      : ' It never opens: check the business\'s outbound days and hours.';
    const retryAfter: Record<string, string> = state.opensAt ? { 'retry-after': String(Math.max(1, Math.ceil((state.opensAt.getTime() - this.#deps.now().getTime()) / 1000))) } : {};
    throw new ApiError(
      'outside_calling_window',
      `outside the business's calling window (${business.outboundWindowStart}-${business.outboundWindowEnd}, ${business.outboundDays}).${when}`,
      retryAfter,
    );
  }

  async #checkLimits(prisma: Prisma.TransactionClient, business: Business): Promise<void> {
    const open = await prisma.callLog.count({ where: { businessId: business.id, direction: 'outbound', status: { in: [...OPEN] } } });
    if (open >= business.outboundMaxConcurrent) {
      throw new ApiError('call_limit', `${open} outbound calls of the business are in progress (limit ${business.outboundMaxConcurrent}); retry when one ends`, { 'retry-after': '10' });
    }
    const since = new Date(this.#deps.now().getTime() - RATE_WINDOW_MS);
    const recent = await prisma.callLog.findMany({
      where: { businessId: business.id, direction: 'outbound', createdAt: { gte: since } },
      select: { createdAt: true },
      orderBy: { createdAt: 'asc' },
    });
    if (recent.length >= business.outboundMaxPerMinute) {
      const oldest = recent[recent.length - business.outboundMaxPerMinute]!.createdAt.getTime();
      const retryS = Math.max(1, Math.ceil((oldest + RATE_WINDOW_MS - this.#deps.now().getTime()) / 1000));
      throw new ApiError('call_limit', `the business started ${recent.length} outbound calls in the last minute (limit ${business.outboundMaxPerMinute})`, { 'retry-after': String(retryS) });
    }
  }
}

/** `template` with the request's variables; a variable it names but the request lacks is a bad request. */
function filled(template: string, variables: Readonly<Record<string, string>>, field: string): string {
  const { text, missing } = fillVariables(template, variables);
  if (missing.length > 0) throw new ApiError('bad_request', `${field} refers to variables the request does not give: ${missing.join(', ')}`);
  return text;
}

/** The agent of an outbound call: the business's persona, told that it called and why. */
export function outboundAgent(agent: AgentSettings, business: { name: string }, request: OutboundCallRequest): AgentSettings {
  const variables = request.purpose.variables;
  const instructions = filled(request.purpose.instructions, variables, 'purpose.instructions');
  const greeting = request.purpose.greeting === undefined ? `Hello, this is the virtual assistant of ${business.name}.` : filled(request.purpose.greeting, variables, 'purpose.greeting');
  const context = [
    `This is an outbound call: you called ${request.to} on behalf of ${business.name}, and the person has just answered.`,
    `You opened with: "${greeting}"`,
    `What this call is for:\n${instructions}`,
  ].join('\n');
  return { ...agent, greeting, systemPrompt: `${agent.systemPrompt}\n\n${context}` };
}
