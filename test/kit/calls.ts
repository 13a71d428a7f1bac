// What drives a call through a started system: a business owning the dialed
// numbers, a call placed by the simulated Asterisk and bridged to the
// gateway, and the CallLog row once it is final.
import type { CallLog, PrismaClient } from '../../src/db/index.js';
import type { FakeAsterisk } from '../fakes/ari/index.js';
import { waitFor, type WaitOptions } from './wait.js';

const OPEN_STATUSES: ReadonlySet<string> = new Set(['ringing', 'answered']);

export interface BusinessDetails {
  readonly greeting?: string;
  readonly systemPrompt?: string;
  /** Default PJSIP/100; null: the agent cannot transfer. */
  readonly transferTarget?: string | null;
}

/** Creates a business owning `numbers` (E.164); returns its id. */
export async function createBusiness(prisma: PrismaClient, name: string, numbers: readonly string[], details: BusinessDetails = {}): Promise<string> {
  const business = await prisma.business.create({
    data: {
      name,
      greeting: details.greeting ?? `Thanks for calling ${name}.`,
      systemPrompt: details.systemPrompt ?? `You answer the phone for ${name}.`,
      voice: 'aura-2-thalia-en',
      timezone: 'America/New_York',
      transferTarget: details.transferTarget === undefined ? 'PJSIP/100' : details.transferTarget,
      phoneNumbers: { create: numbers.map((e164) => ({ e164 })) },
    },
  });
  return business.id;
}

export interface BridgedCall {
  /** The caller's channel. */
  readonly channelId: string;
  /** The externalMedia channel bridged with it (the gateway's side). */
  readonly mediaId: string;
}

/** Places a call from `from` to `to` and waits until the caller is bridged with an externalMedia channel. */
export async function placeBridgedCall(asterisk: FakeAsterisk, call: { from: string; to: string }, options: WaitOptions = {}): Promise<BridgedCall> {
  const placed = asterisk.placeCall(call);
  if (placed.outcome !== 'in-stasis') throw new Error('the simulated Asterisk declined the call: no Stasis application is registered');
  const mediaId = await waitFor(
    () => {
      // The media path is bridged while the caller rings: the call is connected once answered too.
      if (asterisk.channel(placed.channelId)?.state !== 'Up') return undefined;
      const bridge = asterisk.bridges().find((b) => b.channels.includes(placed.channelId) && b.channels.length === 2);
      return bridge?.channels.find((id) => id !== placed.channelId);
    },
    { what: 'the call to be answered and bridged to the media gateway', ...options },
  );
  return { channelId: placed.channelId, mediaId };
}

/** The call's CallLog row once it is no longer open (rows trail the call by a few ms). */
export function finalCallRow(prisma: PrismaClient, channelId: string, options: WaitOptions = {}): Promise<CallLog> {
  return waitFor(
    async () => {
      const row = await prisma.callLog.findUnique({ where: { channelId } });
      return row && !OPEN_STATUSES.has(row.status) ? row : null;
    },
    { what: `the final CallLog row of ${channelId}`, ...options },
  );
}

export function isOpenStatus(status: string): boolean {
  return OPEN_STATUSES.has(status);
}
