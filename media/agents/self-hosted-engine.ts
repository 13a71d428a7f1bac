// The self-hosted engine's shared parts: the cascade over OpenAI-compatible
// servers the operator runs. Speech to text posts utterances to
// /v1/audio/transcriptions (self-hosted-stt.ts); the language model and the
// speech are the OpenAI providers pointed at the servers' base URLs (chat
// completions with tools; /v1/audio/speech as 24 kHz `pcm`, which Kokoro's
// server produces). One LLM provider per model a business asks for; the clips
// (greeting, apology...) have their own cache, keyed by the TTS model.
import type { Logger } from 'pino';
import type { SelfHostedConfig } from '../config-ai.js';
import type { SelfHostedSettings } from '../contract/engines.js';
import type { AgentSettings } from '../contract/sessions.js';
import { ClipCache } from '../conversation/clip-cache.js';
import { OpenAiLlmProvider } from '../providers/openai-llm.js';
import { OpenAiTtsProvider } from '../providers/openai-tts.js';
import { SelfHostedSttProvider, transcriptionLanguage } from '../providers/self-hosted-stt.js';
import type { LlmProvider, SttProvider } from '../providers/types.js';
import type { CallVoiceDetectors } from '../vad/voice-detector.js';

/** Models a gateway keeps a client for at most (businesses choosing their own). */
const MAX_LLM_MODELS = 32;

export interface SelfHostedCallProviders {
  readonly stt: SttProvider;
  readonly llm: LlmProvider;
  /** The business's agent with the self-hosted voice. */
  readonly agent: AgentSettings;
}

export class SelfHostedEngine {
  readonly #config: SelfHostedConfig;
  readonly stt: SelfHostedSttProvider;
  readonly tts: OpenAiTtsProvider;
  readonly clips: ClipCache;
  readonly #llms = new Map<string, OpenAiLlmProvider>();

  constructor(config: SelfHostedConfig, clipCacheDir: string, logger: Logger) {
    this.#config = config;
    const connection = { apiKey: config.apiKey, vendor: 'self-hosted' as const };
    this.stt = new SelfHostedSttProvider({ ...connection, baseURL: config.stt.baseUrl, model: config.stt.model });
    this.tts = new OpenAiTtsProvider({ ...connection, baseURL: config.tts.baseUrl, model: config.tts.model });
    this.clips = new ClipCache({ tts: this.tts, vendor: `self-hosted:${config.tts.model}`, logger, dir: clipCacheDir });
    this.#llm(config.llm.model);
  }

  /** The engine's voice for a business (its own choice, else SELF_HOSTED_TTS_VOICE). */
  voiceOf(settings: SelfHostedSettings): string {
    return settings.ttsVoice ?? this.#config.tts.voice;
  }

  /** One call's providers: its VAD cuts the utterances, its business may choose the model, voice and language. */
  forCall(agent: AgentSettings, settings: SelfHostedSettings, detectors: () => CallVoiceDetectors): SelfHostedCallProviders {
    return {
      stt: this.stt.withCall({ detectors, language: settings.language ?? transcriptionLanguage(agent.language) }),
      llm: this.#llm(settings.llmModel ?? this.#config.llm.model),
      agent: { ...agent, voice: this.voiceOf(settings) },
    };
  }

  get defaultLlm(): LlmProvider {
    return this.#llm(this.#config.llm.model);
  }

  #llm(model: string): OpenAiLlmProvider {
    let provider = this.#llms.get(model);
    if (provider === undefined) {
      // Past the bound the oldest client goes (its in-flight requests keep their own).
      if (this.#llms.size >= MAX_LLM_MODELS) this.#llms.delete(this.#llms.keys().next().value!);
      provider = new OpenAiLlmProvider({ apiKey: this.#config.apiKey, baseURL: this.#config.llm.baseUrl, model, vendor: 'self-hosted' });
      this.#llms.set(model, provider);
    }
    return provider;
  }
}
