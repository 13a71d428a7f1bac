// The query of a live transcription connection (/v1/listen), validated the way Deepgram refuses
// bad parameters before the upgrade (400 INVALID_QUERY_PARAMETER). Values the fake accepts but
// cannot honour (containerised audio, several channels) become violations for the test to see.

import type { RawEncoding } from './audio-codec.js';
import { booleanParam, integerParam, queryRecord, type ParamResult } from './handshake.js';

/** Deepgram's default when `endpointing` is absent. */
const DEFAULT_ENDPOINTING_MS = 10;
const RAW_ENCODINGS: readonly RawEncoding[] = ['linear16', 'mulaw', 'alaw'];
const KNOWN_ENCODINGS = new Set<string>([...RAW_ENCODINGS, 'linear32', 'flac', 'amr-nb', 'amr-wb', 'opus', 'ogg-opus', 'speex', 'g729']);

export interface ListenQuery {
  raw: Record<string, string>;
  model: string;
  /** null when the client sent no raw encoding the fake can decode (see violations). */
  encoding: RawEncoding | null;
  sampleRate: number;
  channels: number;
  interimResults: boolean;
  vadEvents: boolean;
  endpointingMs: number | null;
  utteranceEndMs: number | null;
  punctuatedWords: boolean;
  violations: string[];
}

export function parseListenQuery(params: URLSearchParams): ParamResult<ListenQuery> {
  const violations: string[] = [];
  const encodingRaw = params.get('encoding');
  if (encodingRaw !== null && !KNOWN_ENCODINGS.has(encodingRaw)) {
    return { ok: false, message: `Invalid value for encoding: '${encodingRaw}'.` };
  }
  const sampleRate = integerParam(params, 'sample_rate');
  if (!sampleRate.ok) return sampleRate;
  if (encodingRaw !== null && sampleRate.value === null) {
    return { ok: false, message: 'sample_rate is required when encoding is specified.' };
  }
  const channels = integerParam(params, 'channels');
  if (!channels.ok) return channels;
  const interim = booleanParam(params, 'interim_results', false);
  if (!interim.ok) return interim;
  const vadEvents = booleanParam(params, 'vad_events', false);
  if (!vadEvents.ok) return vadEvents;
  const punctuate = booleanParam(params, 'punctuate', false);
  if (!punctuate.ok) return punctuate;
  const smartFormat = booleanParam(params, 'smart_format', false);
  if (!smartFormat.ok) return smartFormat;
  const endpointing = parseEndpointing(params.get('endpointing'));
  if (!endpointing.ok) return endpointing;
  const utteranceEnd = integerParam(params, 'utterance_end_ms');
  if (!utteranceEnd.ok) return utteranceEnd;

  const encoding = RAW_ENCODINGS.find((candidate) => candidate === encodingRaw) ?? null;
  if (encoding === null) {
    violations.push(`encoding=${encodingRaw ?? '(absent)'}: the fake only recognises raw linear16, mulaw or alaw audio`);
  }
  if ((channels.value ?? 1) > 1) violations.push(`channels=${channels.value}: the fake only recognises mono audio`);
  if (utteranceEnd.value !== null && !interim.value) {
    violations.push('utterance_end_ms requires interim_results=true');
  }
  return {
    ok: true,
    value: {
      raw: queryRecord(params),
      model: params.get('model') ?? 'base',
      encoding,
      sampleRate: sampleRate.value ?? 16_000,
      channels: channels.value ?? 1,
      interimResults: interim.value,
      vadEvents: vadEvents.value,
      endpointingMs: endpointing.value,
      utteranceEndMs: utteranceEnd.value,
      punctuatedWords: punctuate.value || smartFormat.value,
      violations,
    },
  };
}

function parseEndpointing(raw: string | null): ParamResult<number | null> {
  if (raw === null || raw === 'true') return { ok: true, value: DEFAULT_ENDPOINTING_MS };
  if (raw === 'false') return { ok: true, value: null };
  if (!/^\d+$/.test(raw)) return { ok: false, message: `Invalid value for endpointing: '${raw}'.` };
  return { ok: true, value: Number(raw) };
}
