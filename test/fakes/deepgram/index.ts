// Fake Deepgram (live STT /v1/listen, Aura streaming TTS /v1/speak) for integration tests.

export { DEFAULT_LISTEN_KNOBS, DEFAULT_SPEAK_KNOBS, FakeDeepgram } from './fake-deepgram.js';
export { NO_AUDIO_CLOSE_REASON } from './listen-session.js';
export { FAKE_PROJECT } from './rest-routes.js';
export { FLUSH_LIMIT_WARNING_CODE } from './speak-session.js';
export { speechDurationMs, speechSampleCount, synthesizeSpeech } from './synthetic-voice.js';
export type {
  ConnectionCloseRecord,
  ConnectionDrop,
  ControlMessageRecord,
  DeepgramPath,
  DropOptions,
  FakeDeepgramOptions,
  FinalTranscriptRecord,
  FlushRecord,
  HandshakeRecord,
  ListenConnectionInfo,
  ListenKnobs,
  RestRequestRecord,
  SentMessageRecord,
  SpeakConnectionInfo,
  SpeakKnobs,
  SpeakStreamFailure,
  SpeakTextRecord,
} from './public-types.js';
