// Fake OpenAI API (chat completions with streaming and tool calls, audio speech, audio transcriptions) for integration tests.

export { DEFAULT_CHAT_KNOBS, DEFAULT_SPEECH_KNOBS, DEFAULT_TRANSCRIPTION_KNOBS, FakeOpenAI } from './fake-openai.js';
export { FAKE_MODELS } from './models-route.js';
export { SPEECH_SAMPLE_RATE } from './speech-route.js';
export { textPieces } from './text-pieces.js';
export type {
  ChatErrorReply,
  ChatKnobs,
  ChatReply,
  ChatRequestView,
  ChatResponder,
  ChatSuccessReply,
  FakeOpenAIOptions,
  RecordedRequest,
  RequestOutcome,
  SpeechFailure,
  SpeechKnobs,
  ToolCallScript,
  TranscriptionFailure,
  TranscriptionKnobs,
  TranscriptionRequestView,
  TranscriptionResponder,
} from './public-types.js';
