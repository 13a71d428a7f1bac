// One call from the simulated caller: dial, listen to the greeting, say each
// scripted line once the agent has finished speaking, and let the agent end
// the call (or hang up when it does not). Prints the conversation as it
// happens, with the latencies the backend stored for each agent turn.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CallLog, CallTurn, PrismaClient } from '../../src/db/index.js';
import { parseWavHeader } from '../../media/recording/wav.js';
import type { FakeAsterisk } from '../../test/fakes/ari/index.js';
import { placeBridgedCall } from '../../test/kit/calls.js';
import { sleep } from '../../test/kit/sleep.js';
import { waitFor, WaitTimeoutError } from '../../test/kit/wait.js';
import { CallWatch, type CallSnapshot } from './call-watch.js';
import type { CallerVoice } from './caller-voice.js';
import { CALLER_NUMBER, type Exchange } from './conversation-script.js';
import type { DemoBusiness } from './demo-business.js';
import { continuationLine, greetingNote, latencyText, speakerLine, type LatencyLabels } from './report-format.js';

/** How long a person takes to start answering once the agent stops. */
const CALLER_REACTION_MS = 300;
const SETUP_TIMEOUT_MS = 10_000;
const ANSWER_TIMEOUT_MS = 30_000;
/** After the last line, how long the agent has to end the call itself before the caller hangs up. */
const AGENT_HANGUP_GRACE_MS = 8_000;
const CALL_END_TIMEOUT_MS = 10_000;
const RECORDING_TIMEOUT_MS = 5_000;
/** How often the database and the recording are looked at while waiting (a person watching, not a test). */
const POLL_INTERVAL_MS = 50;

export interface SimulatedCallDeps {
  readonly asterisk: FakeAsterisk;
  readonly prisma: PrismaClient;
  readonly recordingsDir: string;
  readonly business: DemoBusiness;
  readonly script: readonly Exchange[];
  readonly voice: CallerVoice;
  /** With the fake STT: make it transcribe the next utterance as the script says. */
  readonly expectCallerLine: ((text: string) => void) | null;
  /** Print what the STT heard when it differs from the script (real services). */
  readonly showHeard: boolean;
  /** The names of the turn latencies with the call's engine. */
  readonly latencyLabels: LatencyLabels;
  readonly print: (line: string) => void;
  readonly signal: AbortSignal;
}

export interface CallResult {
  readonly call: CallLog;
  readonly turns: readonly CallTurn[];
  readonly recording: { path: string; durationMs: number; channels: number; sampleRate: number };
}

export async function runSimulatedCall(deps: SimulatedCallDeps): Promise<CallResult> {
  const { asterisk, print, signal } = deps;
  print(`Caller ${CALLER_NUMBER} calls ${deps.business.name} (${deps.business.phoneNumber})`);
  const { channelId, mediaId: mediaChannelId } = await placeBridgedCall(
    asterisk,
    { from: CALLER_NUMBER, to: deps.business.phoneNumber },
    { timeoutMs: SETUP_TIMEOUT_MS, intervalMs: POLL_INTERVAL_MS, signal },
  );

  let spokenLine: string | null = null;
  const watch = new CallWatch(deps.prisma, channelId, (turn) => {
    if (turn.role === 'caller') {
      if (deps.showHeard && spokenLine !== null && turn.text !== spokenLine) print(continuationLine(`(the STT heard: "${turn.text}")`));
      return;
    }
    print(speakerLine('agent', turn.interrupted ? `${turn.text} [interrupted]` : turn.text));
    print(continuationLine(turn.seq === 0 ? greetingNote(greetingFirstAudioMs(asterisk, mediaChannelId)) : latencyText(turn, deps.latencyLabels)));
  });
  const snapshotWhere = (ready: (s: CallSnapshot) => boolean, what: string, timeoutMs: number) =>
    waitFor(async () => {
      const snapshot = await watch.snapshot();
      return snapshot && ready(snapshot) ? snapshot : null;
    }, { what, timeoutMs, intervalMs: POLL_INTERVAL_MS, signal });

  let snapshot = await snapshotWhere((s) => s.ended || s.turns.some((t) => t.role === 'agent'), 'the greeting', ANSWER_TIMEOUT_MS);
  for (const [index, exchange] of deps.script.entries()) {
    if (snapshot.ended) break;
    await sleep(CALLER_REACTION_MS, signal);
    const lastSeq = snapshot.turns.at(-1)?.seq ?? -1;
    deps.expectCallerLine?.(exchange.caller);
    asterisk.startCallerAudio(mediaChannelId, { payload: deps.voice.lines[index]! });
    spokenLine = exchange.caller;
    print(speakerLine('caller', exchange.caller));
    snapshot = await snapshotWhere(
      (s) => s.ended || s.turns.some((t) => t.role === 'agent' && t.seq > lastSeq),
      `the agent's answer to "${exchange.caller}"`,
      ANSWER_TIMEOUT_MS,
    );
  }

  if (!snapshot.ended) {
    try {
      await snapshotWhere((s) => s.ended, 'the agent to end the call', AGENT_HANGUP_GRACE_MS);
    } catch (error) {
      if (!(error instanceof WaitTimeoutError)) throw error;
      print('  (the agent did not end the call: the caller hangs up)');
      asterisk.hangupCaller(channelId);
      await snapshotWhere((s) => s.ended, 'the call to end', CALL_END_TIMEOUT_MS);
    }
  }
  // The row is final; reading it once more also prints turns stored meanwhile.
  snapshot = await snapshotWhere(() => true, 'the final call row', CALL_END_TIMEOUT_MS);
  return { call: snapshot.call, turns: snapshot.turns, recording: await readRecording(snapshot.call, deps) };
}

/** From the creation of the externalMedia channel to the first non-silent packet the caller heard. */
function greetingFirstAudioMs(asterisk: FakeAsterisk, mediaChannelId: string): number | null {
  const created = asterisk.restRequests({ method: 'POST', pathPrefix: '/ari/channels/externalMedia' }).at(-1);
  const firstAudio = asterisk.rtpHeard(mediaChannelId).find((packet) => packet.rms > 0);
  return created && firstAudio ? firstAudio.atMs - created.atMs : null;
}

async function readRecording(call: CallLog, deps: SimulatedCallDeps): Promise<CallResult['recording']> {
  if (!call.recordingPath) throw new Error(`the call ended without a recording (status ${call.status}${call.error ? `: ${call.error}` : ''})`);
  const path = resolve(deps.recordingsDir, call.recordingPath);
  // The gateway finishes the file when its session closes, which the backend asks for at hang-up.
  return waitFor(
    async () => {
      const wav = await readFile(path).catch(() => null);
      if (!wav) return null;
      const header = parseWavHeader(wav);
      if (header.dataBytes === 0 || header.dataOffset + header.dataBytes > wav.length) return null;
      return {
        path,
        durationMs: (header.dataBytes / header.byteRate) * 1000,
        channels: header.channels,
        sampleRate: header.sampleRate,
      };
    },
    { what: `the recording ${path}`, timeoutMs: RECORDING_TIMEOUT_MS, intervalMs: POLL_INTERVAL_MS, signal: deps.signal },
  );
}
