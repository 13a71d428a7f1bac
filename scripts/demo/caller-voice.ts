// The audio of each scripted caller line: synthesized with espeak-ng when it is
// installed, else the committed recording of a caller (two utterances, used in
// turn), whose words the fake STT replaces with the script's.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ESPEAK_DESCRIPTION, espeakAvailable, speakAsUlaw } from './espeak.js';

const FIXTURE_PATH = fileURLToPath(new URL('../../test/fixtures/media/caller-speech-6s.ulaw', import.meta.url));
const ULAW_BYTES_PER_SECOND = 8000;
/** The recording holds two utterances separated by a pause from 3.06 s to 3.48 s. */
const FIRST_UTTERANCE_END_S = 3.06;
const SECOND_UTTERANCE_START_S = 3.48;

export interface CallerVoice {
  readonly source: 'espeak' | 'recording';
  /** One line for the output, saying where the caller's audio comes from. */
  readonly description: string;
  /** 8 kHz mu-law audio of each line, in script order. */
  readonly lines: readonly Buffer[];
}

export class EspeakRequiredError extends Error {
  constructor() {
    super(
      'the real services need to hear the scripted caller: install espeak-ng (e.g. apt-get install espeak-ng), ' +
        'or run with the fakes (--fakes)',
    );
    this.name = 'EspeakRequiredError';
  }
}

export async function prepareCallerVoice(lines: readonly string[], options: { requireEspeak: boolean }): Promise<CallerVoice> {
  if (await espeakAvailable()) {
    const audio: Buffer[] = [];
    for (const line of lines) audio.push(await speakAsUlaw(line));
    return { source: 'espeak', description: `Caller voice: ${ESPEAK_DESCRIPTION}`, lines: audio };
  }
  if (options.requireEspeak) throw new EspeakRequiredError();
  const speech = await readFile(FIXTURE_PATH);
  const utterances = [
    speech.subarray(0, Math.round(FIRST_UTTERANCE_END_S * ULAW_BYTES_PER_SECOND)),
    speech.subarray(Math.round(SECOND_UTTERANCE_START_S * ULAW_BYTES_PER_SECOND)),
  ];
  return {
    source: 'recording',
    description:
      'Caller voice: espeak-ng not found, so the caller plays a recorded voice ' +
      '(test/fixtures/media/caller-speech-6s.ulaw); the fake STT hears the scripted lines',
    lines: lines.map((_, index) => utterances[index % utterances.length]!),
  };
}
