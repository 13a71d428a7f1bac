// POST /v1/audio/speech: the synthetic voice (the one the Aura fake speaks) at 24 kHz mono, as
// `pcm` (raw PCM16 little-endian, no header) or `wav` (the same with a RIFF header), written as a
// chunked body paced like a streaming synthesizer.

import type { ServerResponse } from 'node:http';
import type { TimerSet } from '../deepgram/clock.js';
import { encodeSamples } from '../deepgram/audio-codec.js';
import { speechDurationMs, synthesizeSpeech } from '../deepgram/synthetic-voice.js';
import { fromReply, invalidRequest, sendError, type OpenAIError } from './openai-errors.js';
import type { RecordedRequest, SpeechFailure, SpeechKnobs } from './public-types.js';
import { writePaced } from './response-pacer.js';

export const SPEECH_SAMPLE_RATE = 24_000;
const MAX_INPUT_CHARACTERS = 4096;
const FORMATS = new Set(['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm']);

export interface SpeechRouteDeps {
  knobs: Readonly<SpeechKnobs>;
  takeFailure: () => SpeechFailure | null;
  violation: (message: string) => void;
  timers: TimerSet;
  changed: () => void;
}

export function handleSpeech(response: ServerResponse, record: RecordedRequest, requestId: string, deps: SpeechRouteDeps): void {
  const checked = checkSpeechRequest(record.body);
  if ('status' in checked) {
    finishWithError(response, record, checked, requestId, deps);
    return;
  }
  if (checked.format !== 'pcm' && checked.format !== 'wav') {
    deps.violation(`speech #${record.seq}: response_format '${checked.format}' is not produced by the fake (pcm and wav are)`);
    finishWithError(response, record, invalidRequest(`The fake does not encode ${checked.format}; use pcm or wav.`, 'response_format'), requestId, deps);
    return;
  }
  if (checked.streamFormat === 'sse') {
    deps.violation(`speech #${record.seq}: stream_format 'sse' is not produced by the fake`);
    finishWithError(response, record, invalidRequest("The fake does not stream speech as 'sse'.", 'stream_format'), requestId, deps);
    return;
  }
  const failure = deps.takeFailure();
  if (failure !== null && 'status' in failure) {
    finishWithError(response, record, fromReply(failure), requestId, deps);
    return;
  }
  if (failure !== null && 'hang' in failure) {
    record.outcome = 'hung';
    deps.changed();
    return;
  }
  const { knobs } = deps;
  const durationMs = speechDurationMs(checked.input, { msPerCharacter: knobs.msPerCharacter / checked.speed, minDurationMs: knobs.minSpeechMs });
  const pcm = encodeSamples('linear16', synthesizeSpeech(durationMs, SPEECH_SAMPLE_RATE));
  const audio = checked.format === 'wav' ? Buffer.concat([wavHeader(pcm.length, SPEECH_SAMPLE_RATE), pcm]) : pcm;
  const chunkBytes = Math.max(2, Math.round((knobs.chunkMs * SPEECH_SAMPLE_RATE) / 1000) * 2);
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < audio.length; offset += chunkBytes) pieces.push(audio.subarray(offset, offset + chunkBytes));
  writePaced(
    response,
    record,
    {
      status: 200,
      headers: {
        'content-type': checked.format === 'wav' ? 'audio/wav' : 'audio/pcm',
        'x-request-id': requestId,
        'openai-processing-ms': String(Math.round(knobs.firstByteLatencyMs)),
      },
      pieces,
      firstPieceDelayMs: knobs.firstByteLatencyMs,
      intervalMs: knobs.chunkMs * knobs.realTimeFactor,
      disconnectAfterPieces: failure !== null && 'disconnectAfterChunks' in failure ? failure.disconnectAfterChunks : undefined,
      countsAudio: true,
    },
    deps.timers,
    deps.changed,
  );
}

interface SpeechRequest {
  input: string;
  format: string;
  speed: number;
  streamFormat: string;
}

function checkSpeechRequest(body: unknown): SpeechRequest | OpenAIError {
  if (typeof body !== 'object' || body === null) return invalidRequest('The request body must be a JSON object.');
  const fields = body as Record<string, unknown>;
  if (typeof fields['model'] !== 'string') return invalidRequest("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
  if (typeof fields['input'] !== 'string') return invalidRequest("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  if (fields['voice'] === undefined) return invalidRequest("Missing required parameter: 'voice'.", 'voice', 'missing_required_parameter');
  const input = fields['input'];
  if (input.length > MAX_INPUT_CHARACTERS) {
    return invalidRequest(`[{'type': 'string_too_long', 'loc': ('body', 'input'), 'msg': 'String should have at most ${MAX_INPUT_CHARACTERS} characters'}]`, 'input', 'string_too_long');
  }
  const format = typeof fields['response_format'] === 'string' ? fields['response_format'] : 'mp3';
  if (!FORMATS.has(format)) return invalidRequest(`Invalid value for 'response_format': '${format}'.`, 'response_format', 'invalid_value');
  const speed = typeof fields['speed'] === 'number' ? fields['speed'] : 1;
  if (speed < 0.25 || speed > 4) return invalidRequest(`Invalid 'speed': ${speed}. Expected a value between 0.25 and 4.`, 'speed', 'invalid_value');
  const streamFormat = typeof fields['stream_format'] === 'string' ? fields['stream_format'] : 'audio';
  return { input, format, speed, streamFormat };
}

function finishWithError(response: ServerResponse, record: RecordedRequest, error: OpenAIError, requestId: string, deps: SpeechRouteDeps): void {
  record.status = error.status;
  record.outcome = 'error';
  sendError(response, error, requestId);
  deps.changed();
}

/** RIFF/WAVE header for mono PCM16 (44 bytes). */
export function wavHeader(dataBytes: number, sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}
