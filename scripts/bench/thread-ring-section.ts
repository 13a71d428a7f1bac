// Section "thread-ring": what it costs to move one 20 ms frame between the
// gateway's main thread and its media thread through the SharedArrayBuffer
// rings (media/media-thread/), both ways, against a structured clone of the
// same frame (what a postMessage per frame would copy, before its own
// messaging cost). Both ends run in this thread: the copies and the Atomics
// are what is measured, not the hand-over between cores.
import { pino } from 'pino';
import type { AgentContext, CallAgent } from '../../media/agents/agent.js';
import { RingAgent } from '../../media/media-thread/ring-agent.js';
import { RingAgentContext } from '../../media/media-thread/ring-agent-context.js';
import type { BenchContext, BenchSection, SectionFields } from './bench-section.js';

/** A playout queue that takes everything (the ring's cost alone). */
function bottomlessPlayout(): AgentContext & { taken: number } {
  const playout = {
    request: undefined as never,
    logger: pino({ level: 'silent' }),
    taken: 0,
    play: (frame: Int16Array) => ((playout.taken += frame[0]! & 1), true),
    playUlaw: (payload: Uint8Array) => ((playout.taken += payload[0]! & 1), true),
    sampleRate: 8000 as const,
    freeFrames: 1_000,
    endOfSpeech: () => undefined,
    clear: () => undefined,
    space: () => Promise.resolve(true),
  };
  return playout;
}

/** Median ns per operation over `rounds` rounds of `iterations`, after a warm-up round. */
function nsPer(operation: (i: number) => void, iterations: number, rounds: number): number {
  for (let i = 0; i < iterations; i += 1) operation(i);
  const samples: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i += 1) operation(i);
    samples.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

export const threadRingSection: BenchSection = {
  name: 'thread-ring',
  title: 'Audio between the main and the media thread: cost per 20 ms frame',
  run: (context: BenchContext): Promise<SectionFields> => {
    const iterations = context.options.quick ? 50_000 : 200_000;
    const rounds = context.options.quick ? 3 : 7;
    let received = 0;
    const agent: CallAgent = {
      onCallerFrame: (frame) => (received += frame[0]! & 1),
      onCallerPacket: (ulaw) => (received += ulaw[0]! & 1),
      close: () => Promise.resolve(),
    };
    const main = new RingAgentContext({ request: undefined as never, logger: pino({ level: 'silent' }), audio: () => undefined, clear: () => undefined });
    main.attach(agent);
    const playout = bottomlessPlayout();
    const media = new RingAgent({ context: playout, events: main.events, agent: main.agentRing, ring: () => undefined, space: () => undefined, dropped: () => undefined });
    const pcm = new Int16Array(160).fill(1_000);
    const ulaw = new Uint8Array(160).fill(0x55);

    // Media -> main: one tick's caller frame (PCM16 + mu-law as received), written then read.
    const toMainNs = nsPer((i) => {
      media.onCallerFrame(pcm, i, ulaw);
      main.drainEvents();
    }, iterations, rounds);
    // Main -> media: one frame of agent audio, played then pumped into the playout queue.
    const toMediaNs = nsPer(() => {
      main.play(pcm);
      media.pump();
    }, iterations, rounds);
    const cloneNs = nsPer(() => {
      const copy = structuredClone({ pcm, ulaw });
      received += copy.pcm[0]! & 1;
    }, iterations, rounds);

    const perCallPerSecondUs = ((toMainNs + toMediaNs) * 50) / 1000;
    context.print(
      [
        `  caller frame media -> main   ${toMainNs.toFixed(0).padStart(5)} ns (480 bytes: PCM16 + mu-law)`,
        `  agent frame main -> media    ${toMediaNs.toFixed(0).padStart(5)} ns (320 bytes PCM16)`,
        `  structuredClone of a frame   ${cloneNs.toFixed(0).padStart(5)} ns (what a message per frame copies, before sending it)`,
        `  one AI call both ways, 50 frames/s: ${perCallPerSecondUs.toFixed(1)} µs of CPU per second (${(perCallPerSecondUs / 1e4).toFixed(4)} % of a core)`,
      ].join('\n'),
    );
    if (received === Number.MIN_VALUE) process.stdout.write('');
    const round1 = (value: number): number => Number(value.toFixed(1));
    return Promise.resolve({
      ring_frame_to_main_ns: round1(toMainNs),
      ring_frame_to_media_ns: round1(toMediaNs),
      frame_structured_clone_ns: round1(cloneNs),
    });
  },
};
