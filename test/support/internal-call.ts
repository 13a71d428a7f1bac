// Helpers for tests of the backend's internal API: a call connected end to
// end through the real system, and requests made over HTTP the way the media
// gateway makes them.
import type { CallLog } from '../../src/db/index.js';
import { finalCallRow } from '../kit/calls.js';
import { waitFor } from '../kit/wait.js';
import { GATEWAY_TOKEN, createBusiness, type TestSystem } from './test-system.js';

export const DIALED = '+19863334949';
export const CALLER = '+15551230000';

export interface ConnectedCall {
  /** The caller's channel id. */
  channelId: string;
  /** The CallLog id, which the gateway knows the call by. */
  callId: string;
  mediaChannelId: string;
  bridgeId: string;
  mediaSessionId: string;
  businessId: string;
}

/** Places a call to a business (transfer target PJSIP/100 unless `transferTarget` says otherwise) and waits until it is connected. */
export async function connectedCall(
  s: TestSystem,
  options: { transferTarget?: string | null } = {},
): Promise<ConnectedCall> {
  const businessId = await createBusiness(s.prisma, 'Acme Dental', [DIALED]);
  if (options.transferTarget !== undefined) {
    await s.prisma.business.update({ where: { id: businessId }, data: { transferTarget: options.transferTarget } });
  }
  const call = s.fake.placeCall({ from: CALLER, to: DIALED });
  // The row gets its bridge id once the setup is complete: the call is then active.
  const row = await waitFor(
    async () => {
      const found = await s.prisma.callLog.findUnique({ where: { channelId: call.channelId } });
      return found?.bridgeId ? found : null;
    },
    { what: 'the call to be connected' },
  );
  const [session] = s.gateway.sessions.list();
  if (!session) throw new Error('no media gateway session for the call');
  return {
    channelId: call.channelId,
    callId: row.id,
    mediaChannelId: row.mediaChannelId!,
    bridgeId: row.bridgeId!,
    mediaSessionId: session.sessionId,
    businessId,
  };
}

export interface InternalAnswer {
  status: number;
  body: unknown;
}

/** POSTs `body` as JSON to the backend's `path` with the gateway's bearer token (or `authorization` as given; null: none). */
export async function postInternal(
  s: TestSystem,
  path: string,
  body: unknown,
  authorization: string | null = `Bearer ${GATEWAY_TOKEN}`,
): Promise<InternalAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== null) headers.authorization = authorization;
  const response = await fetch(`${s.backend.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
}

export function callRow(s: TestSystem, channelId: string): Promise<CallLog | null> {
  return s.prisma.callLog.findUnique({ where: { channelId } });
}

/** The row once it is no longer open (CallLog writes trail the call by a few ms). */
export function finalRow(s: TestSystem, channelId: string): Promise<CallLog> {
  return finalCallRow(s.prisma, channelId);
}

/** REST requests the fake received after `seq`: method, path and query. */
export function restRequestsSince(s: TestSystem, seq: number): { method: string; path: string; query: Record<string, string> }[] {
  return s.fake.requests
    .filter((r) => r.seq > seq && r.kind === 'rest')
    .map((r) => ({ method: r.method, path: r.path, query: r.query }));
}

export function lastRequestSeq(s: TestSystem): number {
  return s.fake.requests.at(-1)?.seq ?? 0;
}
