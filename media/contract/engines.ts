// The conversation engine a business's calls run on, and the voice activity
// detector its calls use. Both programs import these: the backend stores a
// business's choice and sends it with each session, the gateway builds the
// call's agent from it.
//
//   cascade          speech to text, a language model and text to speech (Deepgram, OpenAI)
//   openai-realtime  OpenAI's speech-to-speech model over one WebSocket
//   self-hosted      the cascade over OpenAI-compatible servers the operator runs
//                    (whisper, Ollama/vLLM, Kokoro/Piper)
//
// Endpoints, models and keys of an engine are the gateway's configuration; what
// a business may choose per engine (model, voice, language) is below.
import { z } from 'zod';

export const ENGINE_NAMES = ['cascade', 'openai-realtime', 'self-hosted'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export const VAD_MODES = ['energy', 'silero'] as const;
export type VadMode = (typeof VAD_MODES)[number];

export const EngineNameSchema = z.enum(ENGINE_NAMES);
export const VadModeSchema = z.enum(VAD_MODES);

/** Model and voice names: what the services accept, nothing that could carry markup or a path. */
const name = z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/, { error: 'letters, digits and . _ : / @ + - only' });

export const CascadeSettings = z.object({});
export type CascadeSettings = z.infer<typeof CascadeSettings>;

export const OpenAiRealtimeSettings = z.object({
  model: name.default('gpt-realtime'),
  voice: name.default('marin'),
  /** Who decides the caller finished: OpenAI's server VAD, or ours. */
  turnDetection: z.enum(['server', 'local']).default('server'),
});
export type OpenAiRealtimeSettings = z.infer<typeof OpenAiRealtimeSettings>;

export const SelfHostedSettings = z.object({
  /** Overrides SELF_HOSTED_LLM_MODEL for this business. */
  llmModel: name.optional(),
  /** Overrides SELF_HOSTED_TTS_VOICE (and the business's cascade voice) for this business. */
  ttsVoice: name.optional(),
  /** ISO-639-1 language for speech to text (e.g. 'en'); default: the business's language. */
  language: z.string().regex(/^[a-z]{2,3}$/, { error: 'an ISO-639-1 code such as en' }).optional(),
});
export type SelfHostedSettings = z.infer<typeof SelfHostedSettings>;

export const EngineSelection = z.discriminatedUnion('name', [
  z.object({ name: z.literal('cascade'), settings: CascadeSettings.default({}) }),
  z.object({ name: z.literal('openai-realtime'), settings: OpenAiRealtimeSettings.default({ model: 'gpt-realtime', voice: 'marin', turnDetection: 'server' }) }),
  z.object({ name: z.literal('self-hosted'), settings: SelfHostedSettings.default({}) }),
]);
export type EngineSelection = z.infer<typeof EngineSelection>;
