// The query of an Aura streaming TTS connection (/v1/speak): model, encoding and sample_rate,
// with Deepgram's defaults (linear16 at 24000 Hz; mulaw and alaw at 8000 Hz) and its allowed
// combinations; anything else is refused before the upgrade (400).

import type { RawEncoding } from './audio-codec.js';
import { integerParam, queryRecord, type ParamResult } from './handshake.js';

const SAMPLE_RATES: Record<RawEncoding, readonly number[]> = {
  linear16: [8000, 16000, 24000, 32000, 48000],
  mulaw: [8000, 16000],
  alaw: [8000, 16000],
};
const DEFAULT_SAMPLE_RATE: Record<RawEncoding, number> = { linear16: 24000, mulaw: 8000, alaw: 8000 };

export interface SpeakQuery {
  raw: Record<string, string>;
  model: string;
  encoding: RawEncoding;
  sampleRate: number;
}

export function parseSpeakQuery(params: URLSearchParams): ParamResult<SpeakQuery> {
  const encodingRaw = params.get('encoding') ?? 'linear16';
  if (!(encodingRaw in SAMPLE_RATES)) {
    return { ok: false, message: `Invalid value for encoding: '${encodingRaw}'. Streaming supports linear16, mulaw and alaw.` };
  }
  const encoding = encodingRaw as RawEncoding;
  const rate = integerParam(params, 'sample_rate');
  if (!rate.ok) return rate;
  const sampleRate = rate.value ?? DEFAULT_SAMPLE_RATE[encoding];
  if (!SAMPLE_RATES[encoding].includes(sampleRate)) {
    return { ok: false, message: `Invalid value for sample_rate: ${sampleRate} is not supported with encoding ${encoding}.` };
  }
  return {
    ok: true,
    value: { raw: queryRecord(params), model: params.get('model') ?? 'aura-asteria-en', encoding, sampleRate },
  };
}
