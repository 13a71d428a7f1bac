// The demo's output lines: plain text, one idea per line. Pure, so the format
// is tested without running a call.

export interface TurnLatencies {
  readonly sttFinalMs: number | null;
  readonly llmFirstTokenMs: number | null;
  readonly ttsFirstAudioMs: number | null;
  readonly voiceToVoiceMs: number | null;
}

/** What each of the four figures is called with an engine (they all count from the end of the caller's speech). */
export type LatencyLabels = readonly [sttFinal: string, llmFirstToken: string, ttsFirstAudio: string, voiceToVoice: string];

export const CASCADE_LATENCY_LABELS: LatencyLabels = ['stt', 'llm', 'tts', 'voice-to-voice'];
/** Realtime: the server's commit of the caller's turn, the answer's first transcript words, its first audio. */
export const REALTIME_LATENCY_LABELS: LatencyLabels = ['turn committed', 'first words', 'first audio', 'voice-to-voice'];

const SPEAKER_WIDTH = 6;
/** Where the continuation line of a turn starts (under the text). */
const CONTINUATION = ' '.repeat(2 + SPEAKER_WIDTH + 2);

function ms(value: number | null): string {
  return value === null ? 'n/a' : `${Math.round(value)} ms`;
}

export function speakerLine(speaker: 'agent' | 'caller', text: string): string {
  return `  ${speaker.padEnd(SPEAKER_WIDTH)}: ${text}`;
}

export function continuationLine(text: string): string {
  return `${CONTINUATION}${text}`;
}

/** "stt 312 ms · llm 330 ms · tts 341 ms · voice-to-voice 352 ms" (from the end of the caller's speech). */
export function latencyText(latencies: TurnLatencies, labels: LatencyLabels = CASCADE_LATENCY_LABELS): string {
  const values = [latencies.sttFinalMs, latencies.llmFirstTokenMs, latencies.ttsFirstAudioMs, latencies.voiceToVoiceMs];
  return values.map((value, index) => `${labels[index]} ${ms(value)}`).join(' · ');
}

/** The demo's clip cache starts empty, so the greeting is synthesized for its one call (later calls play it from the cache). */
export function greetingNote(firstAudioMs: number | null): string {
  const when = firstAudioMs === null ? '' : `: first audio ${Math.round(firstAudioMs)} ms after the media channel was created`;
  return `(greeting, synthesized for this first call${when})`;
}

export function secondsText(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function callSummary(call: { status: string; durationMs: number | null; hangupCause: string | null }): string {
  const duration = call.durationMs === null ? '' : ` in ${secondsText(call.durationMs)}`;
  return `Call ${call.status}${duration} (hangup: ${call.hangupCause ?? 'unknown'}).`;
}

export function recordingLine(path: string, wav: { durationMs: number; channels: number; sampleRate: number }): string {
  return `Recording: ${path} (${secondsText(wav.durationMs)}, ${wav.channels} channels, ${wav.sampleRate} Hz WAV)`;
}
