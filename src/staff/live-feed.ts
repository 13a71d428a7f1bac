// The calls in progress, per business, and the stream of their changes for the
// staff console's live view. Fed by observing what the backend stores (call
// log records, turn reports; see observed-stores.ts), so an event is only
// published for something that is in the database: a client that receives
// `call.started` can already read the call.
import type { CallRecord } from '../calls/call-record.js';
import type { TurnReport } from '../../media/contract/backend.js';

export interface LastTurn {
  seq: number;
  role: 'caller' | 'agent';
  text: string;
  interrupted: boolean;
}

export interface LiveCallView {
  id: string;
  businessId: string;
  status: 'ringing' | 'answered';
  from: string | null;
  to: string;
  startedAt: string;
  answeredAt: string | null;
  /** From the answer (or the start while ringing) until now. */
  durationMs: number;
  lastTurn: LastTurn | null;
}

export type LiveEvent =
  | { type: 'call.started'; call: LiveCallView }
  | { type: 'call.answered'; call: LiveCallView }
  | { type: 'call.turn'; callId: string; turn: LastTurn }
  | { type: 'call.ended'; callId: string; status: string; endedAt: string | null; durationMs: number | null };

interface LiveCall {
  record: CallRecord;
  businessId: string;
  lastTurn: LastTurn | null;
}

export type LiveListener = (event: LiveEvent) => void;

export interface LiveCallFeedOptions {
  now: () => Date;
}

export class LiveCallFeed {
  private readonly calls = new Map<string, LiveCall>();
  /** businessId (or null for every business) -> listeners. */
  private readonly listeners = new Map<string | null, Set<LiveListener>>();
  /** Whether the call manager still has the call; set once the calls exist. */
  private isLive: (callId: string) => boolean = () => true;

  constructor(private readonly options: LiveCallFeedOptions) {}

  /** The call manager is the truth about which calls are in progress. */
  useLiveness(isLive: (callId: string) => boolean): void {
    this.isLive = isLive;
  }

  /** A call log record was stored. */
  callStored(record: CallRecord): void {
    const businessId = record.businessId;
    if (businessId === null) return;
    const known = this.calls.get(record.id);
    if (record.status !== 'ringing' && record.status !== 'answered') {
      this.calls.delete(record.id);
      this.publish(businessId, {
        type: 'call.ended',
        callId: record.id,
        status: record.status,
        endedAt: record.endedAt?.toISOString() ?? null,
        durationMs: record.durationMs,
      });
      return;
    }
    const call: LiveCall = { record, businessId, lastTurn: known?.lastTurn ?? null };
    this.calls.set(record.id, call);
    if (!known) this.publish(businessId, { type: 'call.started', call: this.view(call) });
    else if (known.record.status !== record.status) this.publish(businessId, { type: 'call.answered', call: this.view(call) });
  }

  /** A turn report was stored (turns of calls that already ended are not news). */
  turnStored(callId: string, turn: TurnReport): void {
    const call = this.calls.get(callId);
    if (!call) return;
    if (call.lastTurn && call.lastTurn.seq > turn.seq) return;
    call.lastTurn = { seq: turn.seq, role: turn.role, text: turn.text, interrupted: turn.interrupted };
    this.publish(call.businessId, { type: 'call.turn', callId, turn: call.lastTurn });
  }

  /** Calls in progress, oldest first; of one business, or of all when `businessId` is null. */
  list(businessId: string | null): LiveCallView[] {
    const views: LiveCallView[] = [];
    for (const [callId, call] of this.calls) {
      if (!this.isLive(callId)) {
        // Ended without a final record stored (database refusal, shutdown).
        this.calls.delete(callId);
        continue;
      }
      if (businessId === null || call.businessId === businessId) views.push(this.view(call));
    }
    return views.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  /** Events of one business (or all: null) until the returned function is called. */
  subscribe(businessId: string | null, listener: LiveListener): () => void {
    let set = this.listeners.get(businessId);
    if (!set) {
      set = new Set();
      this.listeners.set(businessId, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(businessId);
      current?.delete(listener);
      if (current?.size === 0) this.listeners.delete(businessId);
    };
  }

  get subscriberCount(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }

  private publish(businessId: string, event: LiveEvent): void {
    for (const key of [businessId, null]) {
      for (const listener of [...(this.listeners.get(key) ?? [])]) listener(event);
    }
  }

  private view(call: LiveCall): LiveCallView {
    const { record } = call;
    const since = record.answeredAt ?? record.createdAt;
    return {
      id: record.id,
      businessId: call.businessId,
      status: record.status === 'answered' ? 'answered' : 'ringing',
      from: record.fromNumber,
      to: record.toNumber,
      startedAt: record.createdAt.toISOString(),
      answeredAt: record.answeredAt?.toISOString() ?? null,
      durationMs: Math.max(0, this.options.now().getTime() - since.getTime()),
      lastTurn: call.lastTurn,
    };
  }
}
