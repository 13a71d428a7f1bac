// The gateway's provider clients: speech to text, the language model and text
// to speech behind small interfaces (types.ts), with Deepgram and OpenAI
// implementations. Keys, base URLs and models come in constructor options.

export type {
  ChatMessage,
  LlmEvent,
  LlmProvider,
  LlmRequest,
  SttEvent,
  SttProvider,
  SttStream,
  SttStreamOptions,
  ToolSpec,
  TtsFrame,
  TtsOutput,
  TtsProvider,
  TtsSession,
} from './types.js';
export { ProviderError, type ProviderErrorCode, type ProviderKind, type ProviderVendor } from './provider-error.js';
export {
  DEFAULT_LLM_TIMEOUTS,
  DEFAULT_STT_TIMEOUTS,
  DEFAULT_TTS_TIMEOUTS,
  LLM_FIRST_TOKEN_TIMEOUT_MS,
  LLM_IDLE_TIMEOUT_MS,
  LLM_RETRY_BACKOFF_MS,
  PROBE_TIMEOUT_MS,
  RETRIES_BEFORE_OUTPUT,
  STT_CLOSE_TIMEOUT_MS,
  STT_CONNECT_TIMEOUT_MS,
  STT_KEEPALIVE_AFTER_IDLE_MS,
  TTS_CONNECT_TIMEOUT_MS,
  TTS_FIRST_AUDIO_TIMEOUT_MS,
  TTS_IDLE_TIMEOUT_MS,
  TTS_RETRY_BACKOFF_MS,
  type LlmTimeouts,
  type SttTimeouts,
  type TtsTimeouts,
} from './provider-timing.js';
export { DEFAULT_DEEPGRAM_STT_MODEL, DeepgramSttProvider, type DeepgramSttOptions } from './deepgram-stt.js';
export { DeepgramTtsProvider, type DeepgramTtsOptions } from './deepgram-tts.js';
export { DEFAULT_OPENAI_LLM_MODEL, OpenAiLlmProvider, type OpenAiLlmOptions } from './openai-llm.js';
export { DEFAULT_OPENAI_TTS_MODEL, DEFAULT_SENTENCES_AHEAD, OpenAiTtsProvider, type OpenAiTtsOptions } from './openai-tts.js';
