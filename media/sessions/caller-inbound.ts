// The caller's side of a media session: what Asterisk sends, from the wire to
// the 20 ms frame the agent hears. Datagrams (RTP) or websocket frames are
// validated (pure) and counted, pushed into the jitter buffer with their
// arrival time and, for an agent that takes the caller's audio on arrival,
// passed on at once in sequence order; every tick pops one frame, decoded, or
// concealed when it was lost. Nothing here sends, schedules or records: the
// session (media-session.ts) does that with the frame it gets.
import type { Logger } from 'pino';
import type { CallAgent } from '../agents/agent.js';
import { conceal } from '../audio/concealment.js';
import { SAMPLES_PER_FRAME_8K } from '../audio/frame.js';
import { encodeUlaw } from '../codec/g711.js';
import type { WireCodec } from '../codec/wire-codec.js';
import type { MediaFormat } from '../contract/sessions.js';
import { classifyInboundRtp, isInboundRejection, type InboundRejection } from '../rtp/inbound-rtp.js';
import { JitterBuffer, type JitterBufferPacket, type JitterBufferStats } from '../rtp/jitter-buffer.js';
import type { PayloadFormat } from '../rtp/payload-formats.js';
import { seqDiff } from '../rtp/sequence.js';

/** A longer gap in the arrivals is not filled (a sender pause, not loss). */
const MAX_ARRIVAL_GAP_FRAMES = 10;
/** The rate of the on-arrival audio (mu-law, as the speech-to-text takes it). */
const ARRIVAL_RATE = 8000;
/** mu-law digital silence. */
const ULAW_SILENCE = 0xff;

export interface CallerInboundInit {
  readonly format: MediaFormat;
  readonly codec: WireCodec;
  /** The RTP payload format datagrams must carry; null: this session takes no datagrams (websocket, slin16). */
  readonly payloadFormat: PayloadFormat | null;
  /** The jitter buffer's prime depth adapts between minFrames and targetFrames. */
  readonly jitter: { readonly minFrames?: number; readonly targetFrames: number; readonly maxFrames: number };
  readonly logger: Logger;
  /** The session's current agent (it may be replaced during the call). */
  readonly agent: () => CallAgent;
  /** Caller audio arrived: Asterisk sends only once the channel is up, so the caller was answered. */
  readonly onCallerAudio: () => void;
}

/** The caller side's counters, as SessionStats reports them. */
export interface CallerInboundCounters {
  readonly packetsIn: number;
  readonly bytesIn: number;
  readonly malformed: number;
  readonly concealedFrames: number;
  readonly ssrc: number | null;
  readonly jitter: JitterBufferStats;
}

export class CallerInbound {
  readonly #init: CallerInboundInit;
  readonly #codec: WireCodec;
  readonly #jitter: JitterBuffer;
  readonly #pcm: Int16Array;
  readonly #lastGoodPcm: Int16Array;
  #haveLastGood = false;
  #lostRun = 0;
  /** This tick's caller payload as received, when the session is ulaw and a packet arrived. */
  #ulaw: Uint8Array | null = null;
  /** Sequence number of the last caller packet handed over on arrival; null before the first. */
  #arrivalSeq: number | null = null;
  // On-arrival audio goes to the agent at 8 kHz only: a 16 kHz session's agent hears the ticks.
  readonly #arrivalPcm = new Int16Array(SAMPLES_PER_FRAME_8K);
  readonly #arrivalUlaw = new Uint8Array(SAMPLES_PER_FRAME_8K);
  readonly #arrivalSilence = new Uint8Array(SAMPLES_PER_FRAME_8K).fill(ULAW_SILENCE);
  #packetsIn = 0;
  #bytesIn = 0;
  #malformed = 0;
  #concealedFrames = 0;

  constructor(init: CallerInboundInit) {
    this.#init = init;
    this.#codec = init.codec;
    const samples = init.codec.samplesPerFrame;
    this.#pcm = new Int16Array(samples);
    this.#lastGoodPcm = new Int16Array(samples);
    this.#jitter = new JitterBuffer({
      samplesPerFrame: samples,
      targetDelayFrames: init.jitter.targetFrames,
      minDelayFrames: init.jitter.minFrames,
      maxDelayFrames: init.jitter.maxFrames,
    });
  }

  /** This tick's caller payload as received (ulaw sessions, when a packet arrived for it); null otherwise. */
  get ulaw(): Uint8Array | null {
    return this.#ulaw;
  }

  /** RTP: one datagram from the session's remote (malformed ones are counted and dropped). */
  receiveDatagram(datagram: Buffer, arrivalMs: number): void {
    const payloadFormat = this.#init.payloadFormat;
    if (payloadFormat === null) return;
    const packet = classifyInboundRtp(datagram, payloadFormat);
    if (isInboundRejection(packet)) {
      this.#countMalformed(packet);
      return;
    }
    if (packet.payload.length !== payloadFormat.frameBytes) {
      this.#countMalformed('partial_sample');
      return;
    }
    this.#accept(packet, arrivalMs);
  }

  /** Websocket transport: one 20 ms frame of the caller's audio (media-websocket.ts numbers them). */
  receiveFrame(frame: JitterBufferPacket, arrivalMs: number): void {
    if (frame.payload.length !== this.#codec.payloadBytes) {
      this.#countMalformed('partial_sample');
      return;
    }
    this.#accept(frame, arrivalMs);
  }

  /**
   * The caller's frame of this tick: decoded, concealed when it was lost, or
   * null when the jitter buffer has nothing to play (not primed, or silence).
   * The array is reused by the next tick.
   */
  nextFrame(): Int16Array | null {
    const result = this.#jitter.pop();
    this.#ulaw = null;
    if (result.kind === 'audio') {
      if (this.#init.format === 'ulaw') this.#ulaw = result.payload;
      this.#codec.decode(result.payload, this.#pcm);
      this.#lastGoodPcm.set(this.#pcm);
      this.#haveLastGood = true;
      this.#lostRun = 0;
      return this.#pcm;
    }
    if (result.kind === 'lost') {
      this.#lostRun += 1;
      this.#concealedFrames += 1;
      conceal(this.#haveLastGood ? this.#lastGoodPcm : null, this.#lostRun, this.#pcm);
      return this.#pcm;
    }
    return null;
  }

  /** A frame of silence at the session's rate, for a tick without caller audio (reused likewise). */
  silentFrame(): Int16Array {
    return this.#pcm.fill(0);
  }

  counters(): CallerInboundCounters {
    return {
      packetsIn: this.#packetsIn,
      bytesIn: this.#bytesIn,
      malformed: this.#malformed,
      concealedFrames: this.#concealedFrames,
      ssrc: this.#jitter.ssrc,
      jitter: this.#jitter.stats(),
    };
  }

  /** Into the jitter buffer, and to an agent that takes the caller's audio on arrival (8 kHz sessions). */
  #accept(packet: JitterBufferPacket, arrivalMs: number): void {
    this.#packetsIn += 1;
    this.#bytesIn += packet.payload.length;
    this.#init.onCallerAudio();
    const pushed = this.#jitter.push(packet, arrivalMs);
    if (pushed === 'restarted' && this.#jitter.stats().ssrcChanges > 0) {
      this.#init.logger.info({ ssrc: packet.ssrc }, 'inbound stream restarted (new SSRC or sequence jump)');
    }
    const agent = this.#init.agent();
    if (
      agent.onCallerPacket &&
      this.#codec.sampleRate === ARRIVAL_RATE &&
      (pushed === 'accepted' || pushed === 'reordered' || pushed === 'restarted')
    ) {
      this.#passOnArrival(agent, packet.sequenceNumber, packet.payload, pushed === 'restarted' || this.#arrivalSeq === null);
    }
  }

  /**
   * Hands the caller's packet to the agent at once, in sequence order: a gap
   * of up to MAX_ARRIVAL_GAP_FRAMES is filled with silence (the consumer's
   * audio clock stays the caller's), a packet older than one passed on is left
   * out (it is still played from the jitter buffer).
   */
  #passOnArrival(agent: CallAgent, sequenceNumber: number, payload: Uint8Array, restart: boolean): void {
    if (!restart) {
      const ahead = seqDiff(sequenceNumber, this.#arrivalSeq!);
      if (ahead <= 0) return;
      for (let gap = Math.min(ahead - 1, MAX_ARRIVAL_GAP_FRAMES); gap > 0; gap -= 1) agent.onCallerPacket!(this.#arrivalSilence);
    }
    this.#arrivalSeq = sequenceNumber;
    if (this.#init.format === 'ulaw') {
      agent.onCallerPacket!(payload);
      return;
    }
    this.#codec.decode(payload, this.#arrivalPcm);
    encodeUlaw(this.#arrivalPcm, this.#arrivalUlaw);
    agent.onCallerPacket!(this.#arrivalUlaw);
  }

  #countMalformed(reason: InboundRejection): void {
    this.#malformed += 1;
    // Once per session: enough to diagnose a format mismatch without flooding the log at 50 packets/s.
    if (this.#malformed === 1) this.#init.logger.warn({ reason }, 'malformed rtp from session remote dropped');
  }
}
