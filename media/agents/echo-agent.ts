// Plays the caller's own audio back: the classic telephony echo test. It
// proves two-way audio end to end (Asterisk -> gateway -> Asterisk) and gives
// the capacity benchmark a full pipeline per call (decode, encode, playout,
// recording) without any provider.
import type { AgentFactory } from './agent.js';

export const createEchoAgent: AgentFactory = (context) => ({
  onCallerFrame(frame) {
    // Under backpressure the newest frame is the one not played: an echo
    // that falls behind should not build up latency.
    context.play(frame);
  },
  async close() {},
});
