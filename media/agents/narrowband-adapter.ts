// Runs an agent that speaks 8 kHz (160-sample frames: today's AI agent, whose
// speech-to-text and text-to-speech providers are opened at 8 kHz) on a session
// of another rate (16 kHz slin16 over the websocket transport). Caller frames
// are resampled down before the agent hears them, the agent's frames up before
// they are queued, with the gateway's polyphase resampler (audio/resampler.ts);
// the session, its jitter buffer, pacing and recording stay at the session's
// rate. An agent that speaks the session's rate needs no adapter.
import { samplesPerFrame } from '../audio/frame.js';
import { Resampler } from '../audio/resampler.js';
import { decodeUlaw } from '../codec/g711.js';
import type { AgentContext, CallAgent } from './agent.js';

const NARROWBAND = 8000;

/** `create`'s agent on `context`, adapted to 8 kHz when the session runs at another rate. */
export function narrowbandAgent(context: AgentContext, create: (context: AgentContext) => CallAgent): CallAgent {
  if (context.sampleRate === NARROWBAND) return create(context);
  const wideRate = context.sampleRate;
  const narrowSamples = samplesPerFrame(NARROWBAND);
  const callerNarrow = new Int16Array(narrowSamples);
  const sentNarrow = new Int16Array(narrowSamples);
  const agentWide = new Int16Array(samplesPerFrame(wideRate));
  const ulawPcm = new Int16Array(narrowSamples);
  const callerDown = new Resampler(wideRate, NARROWBAND);
  const sentDown = new Resampler(wideRate, NARROWBAND);
  let agentUp = new Resampler(NARROWBAND, wideRate);

  const play = (frame: Int16Array): boolean => {
    // Convert only what the queue takes: a refused frame is offered again and must not enter the
    // resampler twice.
    if (context.freeFrames <= 0) return context.play(agentWide);
    agentUp.processInto(frame, agentWide);
    return context.play(agentWide);
  };
  const narrow: AgentContext = {
    request: context.request,
    logger: context.logger,
    sampleRate: NARROWBAND,
    play,
    playUlaw: (payload) => {
      decodeUlaw(payload, ulawPcm);
      return play(ulawPcm);
    },
    get freeFrames() {
      return context.freeFrames;
    },
    endOfSpeech: () => context.endOfSpeech(),
    clear: () => {
      context.clear();
      // Barge-in: the next words must not start with the tail of the interrupted ones.
      agentUp = new Resampler(NARROWBAND, wideRate);
    },
    space: (signal) => context.space(signal),
  };
  const agent = create(narrow);
  return {
    onCallerFrame(frame, tick) {
      callerDown.processInto(frame, callerNarrow);
      agent.onCallerFrame(callerNarrow, tick, null);
    },
    onAgentFrameSent(frame, atMs, cleared) {
      if (!agent.onAgentFrameSent) return;
      sentDown.processInto(frame, sentNarrow);
      agent.onAgentFrameSent(sentNarrow, atMs, cleared);
    },
    onAgentFramesUnseen(count, atMs, cleared) {
      agent.onAgentFramesUnseen?.(count, atMs, cleared);
    },
    onAnswered(atMs) {
      agent.onAnswered?.(atMs);
    },
    onDtmf(digit, durationMs) {
      agent.onDtmf?.(digit, durationMs);
    },
    close: () => agent.close(),
  };
}
