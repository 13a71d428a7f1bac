// POST /v1/audio/transcriptions, as OpenAI's API reference describes it and as
// the self-hosted servers that copy it (faster-whisper servers, whisper.cpp,
// vLLM) accept it: a multipart/form-data body with `file` (the audio, at most
// 25 MB, a name ending in one of the supported formats), `model`, and the
// optional `language` (ISO-639-1), `prompt`, `response_format` (json, text,
// srt, verbose_json, vtt) and `temperature` (0..1). Errors are 400
// invalid_request_error in OpenAI's shape, with its wording where known.
//
// The fake hears nothing: the text comes from the script (queued texts, then
// the responder; '' when neither has one, as a whisper server answers for
// silence). WAV files are decoded (RIFF PCM16) and must hold at least 0.1 s,
// so a request that sends no real audio fails as it would on the real API;
// other formats are accepted unread and reported in `violations`.
import type { ServerResponse } from 'node:http';
import { parseWavHeader } from '../../../media/recording/wav.js';
import type { TimerSet } from '../deepgram/clock.js';
import { fromReply, invalidRequest, sendError, type OpenAIError } from './openai-errors.js';
import type { RecordedRequest, TranscriptionFailure, TranscriptionRequestView } from './public-types.js';

const MAX_FILE_BYTES = 25 * 1024 * 1024;
const MIN_AUDIO_SECONDS = 0.1;
const FILE_FORMATS = ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm'];
const RESPONSE_FORMATS = new Set(['json', 'text', 'srt', 'verbose_json', 'vtt']);
/** What the fake writes itself; srt and vtt are valid requests it does not produce. */
const PRODUCED_FORMATS = new Set(['json', 'text', 'verbose_json']);

export interface TranscriptionRouteDeps {
  /** The next failure (outage or one-shot), or null. */
  takeFailure: () => TranscriptionFailure | null;
  text: (view: TranscriptionRequestView) => Promise<string>;
  latencyMs: () => number;
  violation: (message: string) => void;
  timers: TimerSet;
  changed: () => void;
}

export async function handleTranscription(response: ServerResponse, record: RecordedRequest, requestId: string, raw: Buffer, contentType: string, deps: TranscriptionRouteDeps): Promise<void> {
  const checked = await checkTranscriptionRequest(raw, contentType);
  if ('status' in checked) return finish(response, record, checked, requestId, deps);
  record.body = checked;
  if (!PRODUCED_FORMATS.has(checked.responseFormat)) {
    deps.violation(`transcription #${record.seq}: response_format '${checked.responseFormat}' is not produced by the fake`);
    return finish(response, record, invalidRequest(`The fake does not write ${checked.responseFormat}; use json, text or verbose_json.`, 'response_format'), requestId, deps);
  }
  if (checked.durationMs === null) deps.violation(`transcription #${record.seq}: ${checked.fileName} is not a WAV file the fake can read`);
  const failure = deps.takeFailure();
  if (failure !== null && 'status' in failure) return finish(response, record, fromReply(failure), requestId, deps);
  if (failure !== null) {
    if ('hang' in failure) record.outcome = 'hung';
    else {
      record.outcome = 'disconnected';
      response.socket?.destroy();
    }
    deps.changed();
    return;
  }
  const text = await deps.text({ seq: record.seq, ...checked });
  const body = transcriptionBody(checked.responseFormat, text, checked);
  deps.timers.after(deps.latencyMs(), () => {
    if (response.destroyed) {
      record.outcome = 'client-aborted';
      deps.changed();
      return;
    }
    response.writeHead(200, { 'content-type': body.contentType, 'x-request-id': requestId });
    response.end(body.text);
    record.status = 200;
    record.outcome = 'completed';
    deps.changed();
  });
}

function transcriptionBody(format: string, text: string, request: TranscriptionRequestView | Omit<TranscriptionRequestView, 'seq'>): { contentType: string; text: string } {
  if (format === 'text') return { contentType: 'text/plain; charset=utf-8', text: `${text}\n` };
  if (format === 'verbose_json') {
    const duration = (request.durationMs ?? 0) / 1000;
    return {
      contentType: 'application/json',
      text: JSON.stringify({ task: 'transcribe', language: request.language ?? 'english', duration, text, segments: [] }),
    };
  }
  return { contentType: 'application/json', text: JSON.stringify({ text, usage: { type: 'duration', seconds: Math.ceil((request.durationMs ?? 0) / 1000) } }) };
}

async function checkTranscriptionRequest(raw: Buffer, contentType: string): Promise<Omit<TranscriptionRequestView, 'seq'> | OpenAIError> {
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) {
    return invalidRequest(`Invalid Content-Type header (${contentType || 'none'}), expected multipart/form-data.`);
  }
  if (raw.length > MAX_FILE_BYTES + 64 * 1024) return { status: 413, message: `Maximum content size limit (${MAX_FILE_BYTES}) exceeded.`, type: 'invalid_request_error', param: null, code: null };
  let form: FormData;
  try {
    form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
  } catch {
    return invalidRequest('Could not parse multipart form');
  }
  const file = form.get('file');
  if (file === null) return invalidRequest("Missing required parameter: 'file'.", 'file', 'missing_required_parameter');
  if (typeof file === 'string') return invalidRequest("'file' must be a file, not a string.", 'file', 'invalid_type');
  const model = form.get('model');
  if (typeof model !== 'string' || model.length === 0) return invalidRequest("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
  const extension = file.name.split('.').at(-1)?.toLowerCase() ?? '';
  if (!FILE_FORMATS.includes(extension)) {
    return invalidRequest(`Invalid file format. Supported formats: ${JSON.stringify(FILE_FORMATS).replaceAll('"', "'")}`, 'file', 'invalid_value');
  }
  if (file.size > MAX_FILE_BYTES) return { status: 413, message: `Maximum content size limit (${MAX_FILE_BYTES}) exceeded.`, type: 'invalid_request_error', param: 'file', code: null };
  const language = form.get('language');
  if (language !== null && (typeof language !== 'string' || !/^[a-z]{2}$/.test(language))) {
    return invalidRequest(`Invalid language '${typeof language === 'string' ? language : '(a file)'}'. Language parameter must be specified in ISO-639-1 format.`, 'language', 'invalid_value');
  }
  const responseFormat = form.get('response_format') ?? 'json';
  if (typeof responseFormat !== 'string' || !RESPONSE_FORMATS.has(responseFormat)) {
    return invalidRequest(`Invalid value for 'response_format': '${typeof responseFormat === 'string' ? responseFormat : '(a file)'}'.`, 'response_format', 'invalid_value');
  }
  const temperature = form.get('temperature');
  if (temperature !== null && !(Number(temperature) >= 0 && Number(temperature) <= 1)) {
    return invalidRequest(`Invalid 'temperature': ${typeof temperature === 'string' ? temperature : '(a file)'}. Expected a value between 0 and 1.`, 'temperature', 'invalid_value');
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  let durationMs: number | null = null;
  let sampleRate: number | null = null;
  if (extension === 'wav') {
    const wav = readWav(bytes);
    if (wav === null) return invalidRequest('The audio file could not be decoded or its format is not supported.', 'file', 'invalid_value');
    ({ durationMs, sampleRate } = wav);
    if (durationMs < MIN_AUDIO_SECONDS * 1000) return invalidRequest(`Audio file is too short. Minimum audio length is ${MIN_AUDIO_SECONDS} seconds.`, 'file', 'audio_too_short');
  }
  return {
    model,
    language: typeof language === 'string' ? language : null,
    responseFormat,
    fileName: file.name,
    fileType: file.type,
    fileBytes: file.size,
    durationMs,
    sampleRate,
  };
}

function readWav(bytes: Uint8Array): { durationMs: number; sampleRate: number } | null {
  try {
    const header = parseWavHeader(bytes);
    if (header.audioFormat !== 1 || header.bitsPerSample !== 16 || header.blockAlign === 0) return null;
    const dataBytes = Math.min(header.dataBytes, bytes.length - header.dataOffset);
    return { durationMs: (dataBytes / header.blockAlign / header.sampleRate) * 1000, sampleRate: header.sampleRate };
  } catch {
    return null;
  }
}

function finish(response: ServerResponse, record: RecordedRequest, error: OpenAIError, requestId: string, deps: TranscriptionRouteDeps): void {
  record.status = error.status;
  record.outcome = 'error';
  sendError(response, error, requestId);
  deps.changed();
}
