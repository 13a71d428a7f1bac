// JSON messages of Deepgram's live transcription socket (/v1/listen), shaped like the frames the
// real service sends (field names, order and types as in recorded nova-3 traffic):
//   {"type":"Results","channel_index":[0,1],"duration":..,"start":..,"is_final":..,"speech_final":..,
//    "channel":{"alternatives":[{"transcript":..,"confidence":..,"words":[..]}]},"metadata":{..},
//    "from_finalize":..}
//   {"type":"SpeechStarted","channel":[0,1],"timestamp":..}
//   {"type":"UtteranceEnd","channel":[0,1],"last_word_end":..}
//   {"type":"Metadata","transaction_key":"deprecated","request_id":..,"sha256":..,"created":..,
//    "duration":..,"channels":..,"models":[..],"model_info":{..}}

import type { RecognizerEvent } from './listen-recognizer.js';

const WORD_CONFIDENCE = 0.98;
const TRANSCRIPT_CONFIDENCE = 0.99;
/** SHA-256 of empty input: the fake does not hash the audio. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const MODEL_VERSION = '2025-04-17.21547';
const MODEL_UUID = '40bd3654-e622-47c4-a111-63a61b23bfe8';

export interface ListenMessageContext {
  requestId: string;
  /** The `model` query parameter as requested. */
  model: string;
  /** Words carry punctuated_word only when punctuate or smart_format was requested. */
  punctuatedWords: boolean;
}

function seconds(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function modelInfo(model: string): { name: string; version: string; arch: string } {
  const arch = model.startsWith('nova-3') ? 'nova-3' : model.startsWith('nova-2') ? 'nova-2' : model;
  return { name: `general-${arch}`, version: MODEL_VERSION, arch };
}

export function listenEventMessage(event: RecognizerEvent, context: ListenMessageContext): Record<string, unknown> {
  switch (event.kind) {
    case 'speech-started':
      return { type: 'SpeechStarted', channel: [0, 1], timestamp: seconds(event.timestampSec) };
    case 'utterance-end':
      return { type: 'UtteranceEnd', channel: [0, 1], last_word_end: seconds(event.lastWordEndSec) };
    case 'results':
      return {
        type: 'Results',
        channel_index: [0, 1],
        duration: seconds(event.durationSec),
        start: seconds(event.startSec),
        is_final: event.isFinal,
        speech_final: event.speechFinal,
        channel: {
          alternatives: [
            {
              transcript: event.transcript,
              confidence: event.words.length > 0 ? TRANSCRIPT_CONFIDENCE : 0,
              words: event.words.map((word) => ({
                word: word.word,
                start: seconds(word.startSec),
                end: seconds(word.endSec),
                confidence: WORD_CONFIDENCE,
                ...(context.punctuatedWords ? { punctuated_word: word.punctuatedWord } : {}),
              })),
            },
          ],
        },
        metadata: {
          request_id: context.requestId,
          model_info: modelInfo(context.model),
          model_uuid: MODEL_UUID,
        },
        from_finalize: event.fromFinalize,
      };
  }
}

export function listenMetadataMessage(
  context: ListenMessageContext,
  audioSec: number,
  channels: number,
  createdAt: Date,
): Record<string, unknown> {
  return {
    type: 'Metadata',
    transaction_key: 'deprecated',
    request_id: context.requestId,
    sha256: EMPTY_SHA256,
    created: createdAt.toISOString(),
    duration: seconds(audioSec),
    channels,
    models: [MODEL_UUID],
    model_info: { [MODEL_UUID]: modelInfo(context.model) },
  };
}
