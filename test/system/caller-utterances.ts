// Short caller utterances cut from the recorded caller speech (mu-law 8 kHz),
// for scenarios where the caller says "Okay." and little else.
import { decodeUlaw } from '../../media/codec/g711.js';
import { callerSpeechUlaw, callerUtterancesUlaw } from '../kit/reference-media.js';

const SPEECH = callerSpeechUlaw();
const ULAW_SILENCE = 0xff;
const SAMPLES_PER_MS = 8;

/** The recorded speech's first utterance (about 3 s; the pause after it starts at 3.06 s). */
export function firstUtterance(): Buffer {
  return Buffer.from(callerUtterancesUlaw().first);
}

/** `ms` of mu-law digital silence. */
export function silence(ms: number): Buffer {
  return Buffer.alloc(ms * SAMPLES_PER_MS, ULAW_SILENCE);
}

/** About 0.7 s of `speech` (a word or two, as long as "mm-hm" or "okay, right"), from 40 ms before its first voiced 10 ms block. */
export function shortUtterance(speech: Buffer = SPEECH): Buffer {
  const pcm = new Int16Array(speech.length);
  decodeUlaw(speech, pcm);
  let onset = 0;
  for (let i = 0; i + 80 <= pcm.length; i += 80) {
    let sum = 0;
    for (let k = i; k < i + 80; k += 1) sum += pcm[k]! * pcm[k]!;
    if (Math.sqrt(sum / 80) > 500) {
      onset = i;
      break;
    }
  }
  const start = Math.max(0, onset - 40 * SAMPLES_PER_MS);
  return Buffer.from(speech.subarray(start, start + 700 * SAMPLES_PER_MS));
}

/** Two short utterances with a pause long enough for the STT to end the first (endpointing 300 ms). */
export function twoShortUtterances(pauseMs = 700): Buffer {
  return Buffer.concat([shortUtterance(), silence(pauseMs), shortUtterance()]);
}
