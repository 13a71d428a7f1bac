// False barge-ins per minute of agent speech: while the agent gives long
// answers, the caller's side carries no speech, only (in turn) steady noise,
// short loud bursts, coughs and clicks, and the agent's own voice returned at
// -18 dB after 40 ms (a phone's echo). Every answer cut short meanwhile is a
// false barge-in. An answer the agent paused for a sound and then resumed is
// not one (the caller heard the cut sentence again), but is counted apart
// (`resumed`, from the gateway's agent_bargein_resumed_total). An answer is
// over when its turn is recorded (a pause is silence, not its end). The
// corpus's speech clip is then played over a few answers: those must be cut
// (a detector that never fires would otherwise score perfectly).
import { finalCallRow, placeBridgedCall } from '../../test/kit/calls.js';
import { waitUntil } from '../../test/kit/wait.js';
import { makeBargeInCorpus } from './bargein-corpus.js';
import { DIALED, type AiLatencySystem } from './ai-latency-system.js';
import type { BenchContext } from './bench-section.js';
import { bearer } from '../../media/contract/sessions.js';

const POLL_MS = 5;
const FRAME_MS = 20;
const ECHO = { gainDb: -18, delayMs: 40 };
const SPEECH_TRIALS = 3;
const LONG_ANSWER =
  'Our dental practice is open Monday to Friday from eight in the morning until six in the evening, ' +
  'and on Saturdays from nine until one. We are closed on Sundays and on public holidays. ' +
  'New patients are welcome, and you can book a cleaning, a check-up or a consultation by phone or online.';

export interface FalseBargeIns {
  /** Answers cut (and not resumed). */
  count: number;
  agentTalkMs: number;
  perMin: number;
  byCondition: Record<string, number>;
  /** Answers paused for a sound and resumed. */
  resumed: number;
  resumedPerMin: number;
  resumedByCondition: Record<string, number>;
  speechCut: number;
  speechTrials: number;
}

type Condition = 'noise' | 'bursts' | 'coughs' | 'echo';
const CONDITIONS: readonly Condition[] = ['noise', 'bursts', 'coughs', 'echo'];

/** The gateway's count of resumed pauses (GET /metrics). */
async function resumedPauses(system: AiLatencySystem): Promise<number> {
  const response = await fetch(`${system.gatewayUrl}/metrics`, { headers: { authorization: bearer(system.gatewayToken) } });
  if (!response.ok) throw new Error(`gateway /metrics answered ${response.status}`);
  const line = (await response.text()).split('\n').find((l) => l.startsWith('agent_bargein_resumed_total '));
  if (line === undefined) throw new Error('gateway /metrics has no agent_bargein_resumed_total');
  return Number(line.split(' ')[1]);
}

export async function measureFalseBargeIns(system: AiLatencySystem, context: BenchContext, totalTalkMs: number): Promise<FalseBargeIns> {
  const corpus = await makeBargeInCorpus(context.tempRoot, Math.ceil(totalTalkMs / 3_000) + 30);
  system.openai.respond(() => ({ text: LONG_ANSWER }));
  const { channelId, mediaId } = await placeBridgedCall(system.asterisk, { from: '+15551230000', to: DIALED }, { intervalMs: POLL_MS });
  const interrupted = async () => (await system.db.prisma.callTurn.findMany({ where: { call: { channelId }, role: 'agent', interrupted: true } })).length;
  const agentTurns = () => system.db.prisma.callTurn.count({ where: { call: { channelId }, role: 'agent' } });
  const silent = () => system.asterisk.rtpHeard(mediaId).slice(-10).every((p) => p.rms === 0) && system.asterisk.rtpHeard(mediaId).length >= 10;
  const stopCondition = () => {
    system.asterisk.stopCallerAudio(mediaId);
    system.asterisk.setCallerEcho(mediaId, null);
  };
  const start: Record<Condition, () => void> = {
    noise: () => system.asterisk.startCallerAudio(mediaId, { payload: corpus.noise, loop: true }),
    bursts: () => system.asterisk.startCallerAudio(mediaId, { payload: corpus.bursts, loop: true }),
    coughs: () => system.asterisk.startCallerAudio(mediaId, { payload: corpus.coughs, loop: true }),
    echo: () => system.asterisk.setCallerEcho(mediaId, ECHO),
  };

  /** Asks a question and waits until its answer is heard; returns when it started and the agent turns recorded before it. */
  const ask = async (): Promise<{ startedAt: number; turnsBefore: number }> => {
    stopCondition();
    await waitUntil(silent, { timeoutMs: 60_000, what: 'the agent to be silent', intervalMs: POLL_MS });
    // One transcript for the question, never more: a word left in the fake's script (an earlier
    // section's question that was answered without a final of its own) would be revealed as the
    // caller's words over the next noise, which a real service never hears as words.
    if (system.deepgram.pendingTranscripts().length === 0) system.deepgram.queueTranscripts(['When are you open?']);
    const turnsBefore = await agentTurns();
    const askedAt = performance.now();
    system.asterisk.startCallerAudio(mediaId, { payload: corpus.speech });
    const speechEnd = askedAt + corpus.speech.length / 8;
    let heardAt: number | null = null;
    await waitUntil(() => (heardAt = system.asterisk.rtpHeard(mediaId).find((p) => p.atMs > speechEnd && p.rms > 0)?.atMs ?? null) !== null, {
      timeoutMs: 30_000,
      what: 'the long answer',
      intervalMs: POLL_MS,
    });
    return { startedAt: heardAt!, turnsBefore };
  };
  /** The answer's turn is recorded: heard to its end, or cut. */
  const answerOver = (turnsBefore: number, what: string) =>
    waitUntil(async () => (await agentTurns()) > turnsBefore, { timeoutMs: 60_000, what, intervalMs: POLL_MS });

  await waitUntil(async () => (await system.db.prisma.callTurn.count({ where: { call: { channelId }, role: 'agent' } })) >= 1, { timeoutMs: 10_000, what: 'the greeting turn', intervalMs: POLL_MS });
  const byCondition: Record<string, number> = {};
  const resumedByCondition: Record<string, number> = {};
  let count = 0;
  let resumed = 0;
  let agentTalkMs = 0;
  for (const condition of CONDITIONS) {
    let talked = 0;
    byCondition[condition] = 0;
    resumedByCondition[condition] = 0;
    while (talked < totalTalkMs / CONDITIONS.length) {
      const answer = await ask();
      const before = await interrupted();
      const resumedBefore = await resumedPauses(system);
      start[condition]();
      await answerOver(answer.turnsBefore, `the answer over ${condition} to end`);
      stopCondition();
      // Agent speech heard in this window (the gateway's silence is digital silence).
      const spoken = system.asterisk.rtpHeard(mediaId).filter((p) => p.atMs >= answer.startedAt && p.rms > 0).length * FRAME_MS;
      const cut = (await interrupted()) - before;
      const resumes = (await resumedPauses(system)) - resumedBefore;
      talked += spoken;
      byCondition[condition] += cut;
      resumedByCondition[condition] += resumes;
      count += cut;
      resumed += resumes;
    }
    agentTalkMs += talked;
  }

  let speechCut = 0;
  for (let i = 0; i < SPEECH_TRIALS; i += 1) {
    const answer = await ask();
    const before = await interrupted();
    system.deepgram.queueTranscripts(['Sorry, I need to change my appointment.']);
    system.asterisk.startCallerAudio(mediaId, { payload: corpus.speech });
    await answerOver(answer.turnsBefore, 'the answer to end or be cut');
    if ((await interrupted()) > before) speechCut += 1;
  }

  stopCondition();
  system.asterisk.hangupCaller(channelId);
  await finalCallRow(system.db.prisma, channelId, { intervalMs: POLL_MS });
  const perMin = (n: number): number => (agentTalkMs === 0 ? Number.NaN : n / (agentTalkMs / 60_000));
  return { count, agentTalkMs, perMin: perMin(count), byCondition, resumed, resumedPerMin: perMin(resumed), resumedByCondition, speechCut, speechTrials: SPEECH_TRIALS };
}

