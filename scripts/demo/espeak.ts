// The caller's voice: espeak-ng, run as a child process (no shell), its WAV
// read from stdout and turned into what a phone line carries (8 kHz mu-law).
import { resampleRecording } from '../../media/audio/resampler.js';
import { encodeUlaw } from '../../media/codec/g711.js';
import { runChild, type ChildRun } from '../../test/kit/child-run.js';
import { parsePcmWav } from './wav-pcm.js';

const ESPEAK = 'espeak-ng';
const VOICE = 'en-us';
const WORDS_PER_MINUTE = 160;
const PHONE_RATE_HZ = 8000;
const ESPEAK_TIMEOUT_MS = 10_000;

export const ESPEAK_DESCRIPTION = `espeak-ng (${VOICE}, ${WORDS_PER_MINUTE} words per minute)`;

function run(args: string[]): Promise<ChildRun> {
  return runChild(ESPEAK, args, { env: process.env, timeoutMs: ESPEAK_TIMEOUT_MS });
}

/** True when `espeak-ng` can be run (found on PATH and answers --version). */
export async function espeakAvailable(): Promise<boolean> {
  try {
    return (await run(['--version'])).code === 0;
  } catch {
    return false;
  }
}

/**
 * Speaks `text` and returns it as 8 kHz mu-law bytes. Commas are left out of
 * what is spoken: espeak-ng pauses at them long enough for an STT endpointing
 * of 300 ms to take the pause as the end of the caller's turn.
 */
export async function speakAsUlaw(text: string): Promise<Buffer> {
  const spoken = text.replace(/[,;:]/g, '');
  const result = await run(['-v', VOICE, '-s', String(WORDS_PER_MINUTE), '--stdout', spoken]);
  if (result.code !== 0 || result.stdoutBytes.length === 0) {
    const stderr = result.stderr.trim();
    throw new Error(`espeak-ng failed (exit ${result.code ?? result.signal})${stderr ? `: ${stderr}` : ''}`);
  }
  const wav = parsePcmWav(result.stdoutBytes);
  const pcm = resampleRecording(wav.samples, wav.sampleRate, PHONE_RATE_HZ);
  const ulaw = new Uint8Array(pcm.length);
  encodeUlaw(pcm, ulaw);
  return Buffer.from(ulaw.buffer, ulaw.byteOffset, ulaw.byteLength);
}
