// The gateway reaches the backend as a service: its request for a call can land on
// any replica. Reports only need the database, so any replica stores them for a call
// whose row exists (open, or ended a moment ago). An action (hang up, transfer) needs
// the ARI connection of the call's node: the replica that does not hold it forwards
// the request to the one that took the node last (node_owners), once; while the node
// is being taken over nobody answers for it and the gateway is told to retry later.
import type { PrismaClient } from '../db/index.js';
import { bearer } from '../../media/contract/sessions.js';
import { ActionResult, backendPaths, type CallAction } from '../../media/contract/backend.js';
import { OPEN_STATUSES } from '../calls/call-record.js';
import type { InternalOutcome } from '../calls/internal-api.js';
import { nodeOwner } from './cluster-store.js';

/** Header of a forwarded action: a replica never forwards it again. */
export const FORWARDED_HEADER = 'x-prosaas-forwarded-by';

export type RowState = 'open' | 'recently_ended' | 'unknown';

export interface CallsElsewhere {
  /** Where the call's row stands, for a call this replica does not hold. */
  rowState(callId: string): Promise<RowState>;
  /** Forwards an action to the replica holding the call's node. */
  forwardAction(callId: string, action: CallAction): Promise<InternalOutcome<ActionResult>>;
}

export interface CallForwardingOptions {
  prisma: PrismaClient;
  replicaId: string;
  token: string;
  timeoutMs: number;
  /** How long after its end a call still accepts reports. */
  endedGraceMs: number;
  now?: () => number;
}

const RETRY = (message: string) => ({ kind: 'retry_later', message }) as const;
const UNKNOWN = { kind: 'unknown_call', message: 'no such call, or the call already ended' } as const;

export function callForwarding(options: CallForwardingOptions): CallsElsewhere {
  const now = options.now ?? Date.now;
  const row = (callId: string) =>
    options.prisma.callLog.findUnique({ where: { id: callId }, select: { status: true, endedAt: true, node: true } });
  return {
    async rowState(callId) {
      const found = await row(callId);
      if (!found) return 'unknown';
      if ((OPEN_STATUSES as readonly string[]).includes(found.status)) return 'open';
      return found.endedAt && found.endedAt.getTime() > now() - options.endedGraceMs ? 'recently_ended' : 'unknown';
    },

    async forwardAction(callId, action) {
      const found = await row(callId);
      if (!found || !(OPEN_STATUSES as readonly string[]).includes(found.status)) return UNKNOWN;
      if (!found.node) return RETRY('the call has no node recorded');
      const owner = await nodeOwner(options.prisma, found.node);
      if (!owner || owner.replicaId === options.replicaId || !owner.replicaUrl) {
        return RETRY(`node ${found.node} is being taken over; retry the action`);
      }
      let response: Response;
      try {
        response = await fetch(`${owner.replicaUrl}${backendPaths.actions(callId)}`, {
          method: 'POST',
          headers: { authorization: bearer(options.token), 'content-type': 'application/json', [FORWARDED_HEADER]: options.replicaId },
          body: JSON.stringify(action),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch {
        return RETRY(`the replica holding node ${found.node} did not answer; retry the action`);
      }
      const text = await response.text();
      if (response.status === 404) return UNKNOWN;
      if (!response.ok) return RETRY(`the replica holding node ${found.node} answered ${response.status}; retry the action`);
      const parsed = ActionResult.safeParse(JSON.parse(text || 'null'));
      return parsed.success ? { kind: 'ok', value: parsed.data } : RETRY('the replica holding the node gave no action result');
    },
  };
}
