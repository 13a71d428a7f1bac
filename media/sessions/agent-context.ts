// The AgentContext a session hands its agent: what the agent may do with the
// session's playout queue, at the session's own sample rate.
import type { Logger } from 'pino';
import type { AgentContext } from '../agents/agent.js';
import { SAMPLES_PER_FRAME_8K } from '../audio/frame.js';
import { decodeUlaw } from '../codec/g711.js';
import type { WireCodec } from '../codec/wire-codec.js';
import type { CreateSessionRequest, MediaFormat } from '../contract/sessions.js';
import type { PlayoutQueue } from '../rtp/playout-queue.js';

export interface AgentContextHost {
  readonly request: CreateSessionRequest;
  readonly logger: Logger;
  readonly format: MediaFormat;
  readonly codec: WireCodec;
  readonly playout: PlayoutQueue;
  readonly closed: () => boolean;
  /** Queues one encoded frame (starting a talk spurt at once when it is the first). */
  readonly enqueue: (payload: Uint8Array) => boolean;
  /** Resolves true once the playout queue can take a frame, false when `signal` aborts or the session closes. */
  readonly space: (signal: AbortSignal) => Promise<boolean>;
}

export function agentContext(host: AgentContextHost): AgentContext {
  const { codec, playout } = host;
  const encoded = new Uint8Array(codec.payloadBytes);
  const narrowband = new Int16Array(SAMPLES_PER_FRAME_8K);
  let playUlawRefused = false;
  return {
    request: host.request,
    logger: host.logger,
    sampleRate: codec.sampleRate,
    play: (frame) => {
      if (host.closed()) return false;
      codec.encode(frame, encoded);
      return host.enqueue(encoded);
    },
    playUlaw: (payload) => {
      if (host.closed()) return false;
      if (host.format === 'ulaw') return host.enqueue(payload);
      if (codec.sampleRate !== 8000) {
        // A narrowband agent on a wideband session is adapted before it gets here (agents/narrowband-adapter.ts).
        if (!playUlawRefused) host.logger.error({ sampleRate: codec.sampleRate }, 'an agent sent 8 kHz mu-law to a wideband session; dropped');
        playUlawRefused = true;
        return false;
      }
      decodeUlaw(payload, narrowband);
      codec.encode(narrowband, encoded);
      return host.enqueue(encoded);
    },
    get freeFrames() {
      return playout.freeFrames;
    },
    endOfSpeech: () => playout.endOfSpurt(),
    clear: () => {
      playout.clear();
    },
    space: host.space,
  };
}
