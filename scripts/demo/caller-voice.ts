// The audio of each scripted caller line: synthesized with espeak-ng when it is
// installed, else a caller recorded from a real Asterisk call (two utterances,
// used in turn; read from the shared reference folder), whose words the fake
// STT replaces with the script's.
import { callerUtterancesUlaw } from '../../test/kit/reference-media.js';
import { ESPEAK_DESCRIPTION, espeakAvailable, speakAsUlaw } from './espeak.js';

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
  const { first, second } = callerUtterancesUlaw();
  const utterances = [first, second];
  return {
    source: 'recording',
    description:
      'Caller voice: espeak-ng not found, so the caller plays a recorded voice ' +
      '(a caller recorded from a real Asterisk call); the fake STT hears the scripted lines',
    lines: lines.map((_, index) => utterances[index % utterances.length]!),
  };
}
