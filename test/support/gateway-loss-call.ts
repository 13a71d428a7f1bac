// What the system tests of a media gateway lost mid-call share: a cluster of one
// Asterisk node, two AI gateways and one backend on the provider fakes; the
// scripted conversation (a question whose long answer is cut by the loss, then a
// question answered on the other gateway); and the waits on the call's rows.
import { afterAll, beforeAll, expect } from 'vitest';
import { resumeLine } from '../../media/conversation/clip-texts.js';
import type { CallLog, CallTurn } from '../../src/db/index.js';
import { createBusiness } from '../kit/calls.js';
import { startCluster, type Cluster, type ClusterGateway } from '../kit/cluster.js';
import { connectedRow, placeCalls } from '../kit/failover.js';
import type { FakeProviders } from '../kit/fake-providers.js';
import { callerUtterancesUlaw } from '../kit/reference-media.js';
import { waitFor, waitUntil } from '../kit/wait.js';
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

export interface GatewayLossSuite extends GatewayLossSystem, CallTurns {}

/** One system for the test file, started before its tests and stopped after them. */
export function useGatewayLossSystem(dialed: string, backendEnv: Record<string, string> = {}): GatewayLossSuite {
  let system: (GatewayLossSystem & CallTurns) | null = null;
  const started = (): GatewayLossSystem & CallTurns => {
    if (!system) throw new Error('the gateway-loss system is not started');
    return system;
  };
  beforeAll(async () => {
    const { cluster, providers } = await startGatewayLossSystem(dialed, backendEnv);
    system = { cluster, providers, ...callTurns(cluster) };
  }, 120_000);
  afterAll(async () => {
    await system?.cluster.stop();
  }, 60_000);
  return {
    get cluster() {
      return started().cluster;
    },
    get providers() {
      return started().providers;
    },
    turnsOf: (channelId) => started().turnsOf(channelId),
    turnWhere: (channelId, match, what) => started().turnWhere(channelId, match, what),
  };
}

export interface CallOnFirstGateway {
  channelId: string;
  mediaId: string;
  /** The row once connected to the first gateway. */
  before: CallLog;
  /** The gateway the call started on (the one the test kills). */
  lost: ClusterGateway;
}

/** A call placed on node `a`: greeted by its first gateway. */
export async function callOnFirstGateway(suite: GatewayLossSuite, dialed: string): Promise<CallOnFirstGateway> {
  const [call] = await placeCalls(suite.cluster, 'a', dialed, 1, 1);
  const { channelId, mediaId } = call!;
  const before = await connectedRow(suite.cluster, channelId);
  await suite.turnWhere(channelId, (t) => t.seq === 0 && t.role === 'agent', 'the greeting on gateway A');
  return { channelId, mediaId, before, lost: suite.cluster.gateway(before.mediaGatewayUrl) };
}

/** The caller asks the first question; resolves once its long answer is heard from the first gateway. */
export async function askUntilAnswerHeard(suite: GatewayLossSuite, call: CallOnFirstGateway): Promise<void> {
  const fake = suite.cluster.asterisk('a');
  suite.providers.deepgram.queueTranscripts([FIRST_QUESTION]);
  fake.startCallerAudio(call.mediaId, { payload: callerUtterancesUlaw().first });
  await suite.turnWhere(call.channelId, (t) => t.role === 'caller' && t.text === FIRST_QUESTION, 'the question stored');
  await waitUntil(() => suite.providers.deepgram.flushes().some((flush) => FIRST_ANSWER.startsWith(flush.text)), {
    timeoutMs: LONG_MS,
    what: 'the answer sent to speech synthesis on gateway A',
  });
  const answerHeardFrom = fake.rtpHeard(call.mediaId).length;
  await fake.waitFor(() => fake.rtpHeard(call.mediaId).slice(answerHeardFrom).filter((p) => p.rms > VOICED_RMS).length >= VOICED_FRAMES, {
    timeoutMs: LONG_MS,
    what: 'the answer being heard from gateway A',
  });
}

export interface MovedCall {
  row: CallLog;
  survivor: ClusterGateway;
  newMedia: string;
}

/**
 * After the first gateway was killed at `killedAtMs`: the row names the other gateway and a new
 * externalMedia channel that shares the caller's bridge, and its agent's resume line (stored as
 * turn 2) is heard from there.
 */
export async function expectMovedAndResumed(suite: GatewayLossSuite, call: CallOnFirstGateway, killedAtMs: number): Promise<MovedCall> {
  const fake = suite.cluster.asterisk('a');
  const row = await movedRow(suite.cluster, call.channelId, call.before);
  expect(row).toMatchObject({ status: 'answered', hangupCause: null });
  const survivor = suite.cluster.gateway(row.mediaGatewayUrl);
  expect(survivor).not.toBe(call.lost);
  const newMedia = row.mediaChannelId!;
  expect(fake.channel(call.channelId)?.state).toBe('Up');
  const bridge = fake.bridges().find((b) => b.id === call.before.bridgeId);
  expect(new Set(bridge?.channels)).toEqual(new Set([call.channelId, newMedia]));
  const resumed = await suite.turnWhere(call.channelId, (t) => t.role === 'agent' && t.text === EXPECTED_RESUME, 'the resume line played on gateway B');
  expect(resumed.seq).toBe(2);
  await fake.waitFor(() => fake.rtpHeard(newMedia).filter((p) => p.atMs > killedAtMs && p.rms > VOICED_RMS).length >= VOICED_FRAMES, {
    timeoutMs: LONG_MS,
    what: 'the caller to hear the agent from gateway B',
  });
  return { row, survivor, newMedia };
}

/** The caller asks again on the new channel; resolves with the answer's turn (not interrupted). */
export async function askAgainOn(suite: GatewayLossSuite, call: CallOnFirstGateway, newMedia: string): Promise<CallTurn> {
  suite.providers.deepgram.queueTranscripts([SECOND_QUESTION]);
  suite.cluster.asterisk('a').startCallerAudio(newMedia, { payload: callerUtterancesUlaw().second });
  const answer = await suite.turnWhere(call.channelId, (t) => t.role === 'agent' && t.text === SECOND_ANSWER, 'the next answer from gateway B');
  expect(answer.interrupted).toBe(false);
  return answer;
}
