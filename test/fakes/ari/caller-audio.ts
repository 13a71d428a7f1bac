// The caller's speech the fake sends by default: 6 s of G.711 mu-law recorded from a real call.

import { readFileSync } from 'node:fs';

const CALLER_SPEECH_FILE = new URL('../../fixtures/media/caller-speech-6s.ulaw', import.meta.url);

let callerSpeech: Buffer | null = null;

export function callerSpeechUlaw(): Buffer {
  callerSpeech ??= readFileSync(CALLER_SPEECH_FILE);
  return callerSpeech;
}
