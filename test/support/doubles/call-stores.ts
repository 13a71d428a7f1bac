// What a CallSession needs from the database and the rest of the backend, in
// memory: the CallLog table (rows by id, every save kept, a refusal or an
// outage on demand), the business directory and the call registry.
import type { AgentSettings } from '../../../media/contract/sessions.js';
import type { BusinessDirectory, BusinessRoute } from '../../../src/calls/business-directory.js';
import type { CallRecord } from '../../../src/calls/call-record.js';
import type { CallLogStore } from '../../../src/calls/call-log-writer.js';
import type { CallRegistry } from '../../../src/calls/call-session-deps.js';
import type { CallSession } from '../../../src/calls/call-session.js';
import { StepControl } from './step-control.js';

/** A failure the writer retries (the database is unreachable). */
export class StoreOutageError extends Error {
  constructor() {
    super('connection terminated unexpectedly');
    this.name = 'StoreOutageError';
  }
}

export class InMemoryCallLogStore implements CallLogStore {
  readonly rows = new Map<string, CallRecord>();
  /** Every record saved, in order. */
  readonly saves: CallRecord[] = [];
  /** Saves of a record this returns an error for are refused (a permanent failure). */
  refuse: (record: CallRecord) => Error | null = () => null;
  /** While true, every save fails as an outage (the writer retries). */
  outage = false;

  save(record: CallRecord): Promise<void> {
    if (this.outage) return Promise.reject(new StoreOutageError());
    const refusal = this.refuse(record);
    if (refusal) return Promise.reject(refusal);
    this.saves.push(record);
    this.rows.set(record.id, record);
    return Promise.resolve();
  }

  /** The statuses one call's row went through. */
  statusesOf(id: string): string[] {
    return this.saves.filter((record) => record.id === id).map((record) => record.status);
  }
}

export const TEST_AGENT: AgentSettings = Object.freeze({
  businessName: 'Bright Smile Dental',
  greeting: 'Thanks for calling Bright Smile Dental.',
  systemPrompt: 'You book dental appointments.',
  voice: 'aura-2-thalia-en',
  language: 'en-US',
  timezone: 'America/New_York',
  transferTarget: null,
});

export class InMemoryDirectory implements BusinessDirectory {
  readonly control = new StepControl<'route_lookup'>();
  readonly routes = new Map<string, BusinessRoute>();

  add(e164: string, businessId: string, agent: Partial<AgentSettings> = {}, route: Partial<Omit<BusinessRoute, 'businessId' | 'agent'>> = {}): void {
    this.routes.set(e164, {
      businessId,
      agent: { ...TEST_AGENT, ...agent },
      aiShare: 100,
      transferMode: 'cold',
      voicemailMessage: null,
      outboundCallerId: e164,
      ...route,
    });
  }

  findByNumber(e164: string): Promise<BusinessRoute | null> {
    return this.control.run('route_lookup', () => this.routes.get(e164) ?? null);
  }

  findById(businessId: string): Promise<BusinessRoute | null> {
    return Promise.resolve([...this.routes.values()].find((route) => route.businessId === businessId) ?? null);
  }
}

export class InMemoryRegistry implements CallRegistry {
  readonly owners = new Map<string, CallSession>();
  readonly callIds = new Map<string, CallSession>();

  claim(id: string, session: CallSession): void {
    this.owners.set(id, session);
  }

  claimCallId(callId: string, session: CallSession): void {
    this.callIds.set(callId, session);
  }

  release(session: CallSession): void {
    for (const [id, owner] of this.owners) if (owner === session) this.owners.delete(id);
    for (const [id, owner] of this.callIds) if (owner === session) this.callIds.delete(id);
  }
}
