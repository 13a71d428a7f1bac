// What the system tests of a media gateway lost mid-call share: a cluster of one
// Asterisk node, two AI gateways and one backend on the provider fakes; the
// scripted conversation (a question whose long answer is cut by the loss, then a
// question answered on the other gateway); and the waits on the call's rows.
import { resumeLine } from '../../media/conversation/clip-texts.js';
import type { CallLog, CallTurn } from '../../src/db/index.js';
import { createBusiness } from '../kit/calls.js';
import { startCluster, type Cluster } from '../kit/cluster.js';
import type { FakeProviders } from '../kit/fake-providers.js';
import { waitFor } from '../kit/wait.js';
import { createTestDatabase } from './db.js';

export const GREETING = 'Thanks for calling Acme Dental. How can I help?';
export const FIRST_QUESTION = 'I would like to book a cleaning.';
// Long enough that the loss lands while it plays (about 6 s of speech at 25 ms a character).
export const FIRST_ANSWER =
  'Of course. We have openings for a cleaning on Tuesday morning at nine, on Wednesday afternoon at three, ' +
  'and on Friday at eleven. Each visit takes about an hour. Which of those would suit you best?';
export const SECOND_QUESTION = 'Friday at eleven, please.';
export const SECOND_ANSWER = 'Done: you are booked for a cleaning on Friday at eleven. Anything else?';
/** Agent speech, well above the silence and comfort noise a gateway sends between turns. */
export const VOICED_RMS = 300;
/** A few hundred ms of voiced audio (packets or frames): speech heard, not a click. */
export const VOICED_FRAMES = 15;
export const LONG_MS = 60_000;
/** What the gateway on the other side says first: it picks up the question the caller asked. */
export const EXPECTED_RESUME = resumeLine({ turns: [{ role: 'caller', text: FIRST_QUESTION }], nextSeq: 2 });
/** Every turn stored once, in order, numbered on from the ones stored before the move. */
export const EXPECTED_TURNS = [
  [0, 'agent', GREETING],
  [1, 'caller', FIRST_QUESTION],
  [2, 'agent', EXPECTED_RESUME],
  [3, 'caller', SECOND_QUESTION],
  [4, 'agent', SECOND_ANSWER],
];

export interface GatewayLossSystem {
  readonly cluster: Cluster;
  readonly providers: FakeProviders;
}

/** The cluster with the business on `dialed`, its node owned; the model answers by the script. */
export async function startGatewayLossSystem(dialed: string, backendEnv: Record<string, string> = {}): Promise<GatewayLossSystem> {
  const database = await createTestDatabase();
  const cluster = await startCluster({
    database: { url: database.url, description: `test database ${database.name}`, close: () => database.drop() },
    nodes: ['a'],
    gateways: 2,
    backends: 1,
    agent: 'ai',
    backendEnv,
    // Short synthetic speech keeps the call brief; the agent's audio is still real time.
    providerOptions: { deepgram: { listen: { resultLatencyMs: 0 }, speak: { firstAudioLatencyMs: 0, msPerCharacter: 25 } } },
  });
  const providers = cluster.providers!;
  await createBusiness(cluster.db.prisma, 'Acme Dental', [dialed], { greeting: GREETING });
  await cluster.waitOwned(undefined, { timeoutMs: LONG_MS });
  providers.openai.respond((request) => ({ text: request.lastUserText?.includes('Friday') ? SECOND_ANSWER : FIRST_ANSWER }));
  return { cluster, providers };
}

export interface CallTurns {
  readonly turnsOf: (channelId: string) => Promise<CallTurn[]>;
  readonly turnWhere: (channelId: string, match: (turn: CallTurn) => boolean, what: string) => Promise<CallTurn>;
}

/** The call's stored turns, and a wait for the first one that matches. */
export function callTurns(cluster: Cluster): CallTurns {
  const turnsOf = (channelId: string) => cluster.db.prisma.callTurn.findMany({ where: { call: { channelId } }, orderBy: { seq: 'asc' } });
  const turnWhere = (channelId: string, match: (turn: CallTurn) => boolean, what: string) =>
    waitFor(async () => (await turnsOf(channelId)).find(match) ?? null, { timeoutMs: LONG_MS, what });
  return { turnsOf, turnWhere };
}

/** Waits until the call's row names another gateway and another media channel than `before`. */
export function movedRow(cluster: Cluster, channelId: string, before: Pick<CallLog, 'mediaGatewayUrl' | 'mediaChannelId'>) {
  return waitFor(
    async () => {
      const row = await cluster.db.prisma.callLog.findUnique({ where: { channelId } });
      return row && row.mediaGatewayUrl !== before.mediaGatewayUrl && row.mediaChannelId !== before.mediaChannelId ? row : null;
    },
    { timeoutMs: LONG_MS, what: 'the row to name the other gateway' },
  );
}
