// Caller audio and RTP recorded from a real Asterisk 22.10.1 call, read from
// the shared reference folder (../shared, see test/support/shared-reference.ts)
// when first asked for, never copied into the project. Slices and filters are
// derived here, at load time, so every user takes the same ones.
import { readFileSync } from 'node:fs';
import { sharedPath } from '../support/shared-reference.js';

const ULAW_BYTES_PER_SECOND = 8000;
/** 16 kHz, two bytes per sample. */
const SLIN16_BYTES_PER_SECOND = 32_000;
/**
 * The ulaw recording holds two utterances; the pause between them runs from
 * 3.06 s to 3.48 s (a 300 ms endpointing sees two turns).
 */
const FIRST_UTTERANCE_END_S = 3.06;
const SECOND_UTTERANCE_START_S = 3.48;

/**
 * 6 s of a caller's speech (espeak-ng through a SIP call) as raw G.711 mu-law at
 * 8 kHz: the concatenated RTP payloads an externalMedia channel (`format=ulaw`)
 * sent to the app; 48,000 bytes = 300 payloads of 160 bytes.
 */
export function callerSpeechUlawPath(): string {
  return sharedPath('ari', 'media', 'ulaw-caller-audio-as-received-by-app.pcmu');
}

let ulaw: Buffer | null = null;

export function callerSpeechUlaw(): Buffer {
  ulaw ??= readFileSync(callerSpeechUlawPath());
  return ulaw;
}

/** The two utterances of the ulaw recording (views of it). */
export function callerUtterancesUlaw(): { readonly first: Buffer; readonly second: Buffer } {
  const speech = callerSpeechUlaw();
  return {
    first: speech.subarray(0, Math.round(FIRST_UTTERANCE_END_S * ULAW_BYTES_PER_SECOND)),
    second: speech.subarray(Math.round(SECOND_UTTERANCE_START_S * ULAW_BYTES_PER_SECOND)),
  };
}

/**
 * One second (seconds 1 to 2) of a caller's speech as 16 kHz L16, signed 16-bit
 * big-endian with no header: the RTP payloads (PT 118) an externalMedia channel
 * (`format=slin16`) sent; 32,000 bytes = 50 payloads of 640 bytes. Read
 * big-endian it is smooth speech, read little-endian it is noise.
 */
export function callerSpeechSlin16OneSecond(): Buffer {
  const whole = readFileSync(sharedPath('ari', 'media', 'slin16-caller-audio-as-received-by-app.s16be-16k.raw'));
  return whole.subarray(SLIN16_BYTES_PER_SECOND, 2 * SLIN16_BYTES_PER_SECOND);
}

/** One RTP packet the app received, as the recording client logged it. */
export interface RecordedInboundPacket {
  readonly dir: 'in';
  /** Whole ms since the recording client started. */
  readonly t_ms: number;
  /** Sub-ms time since the previous inbound packet; null on the first. */
  readonly interval_ms: number | null;
  readonly seq: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly marker: number;
  readonly pt: number;
  readonly packetLen: number;
  readonly payloadLen: number;
}

/**
 * The 300 inbound packets of a 6 s SIP call bridged to an externalMedia channel
 * (`format=ulaw`, RTP to 127.0.0.1): one SSRC, sequence 37386-37685 with no
 * gap, timestamp +160 each, PT 0; arrival intervals 13.6 to 25.1 ms.
 */
export function recordedInboundUlawRtp(): RecordedInboundPacket[] {
  return readFileSync(sharedPath('ari', 'traces', 'inbound-externalmedia-ulaw.media.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { dir: string })
    .filter((packet): packet is RecordedInboundPacket => packet.dir === 'in');
}
