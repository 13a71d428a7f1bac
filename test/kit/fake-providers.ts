// The Deepgram and OpenAI fakes (their real protocols on 127.0.0.1, driven by
// the real SDKs in the gateway) and the gateway variables that point the AI
// agent at them.
import { FakeDeepgram, type FakeDeepgramOptions } from '../fakes/deepgram/index.js';
import { FakeOpenAI, type FakeOpenAIOptions } from '../fakes/openai/index.js';

export interface FakeProviders {
  readonly deepgram: FakeDeepgram;
  readonly openai: FakeOpenAI;
  /** Gateway variables for the AI agent: keys and base URLs of both fakes. */
  readonly gatewayEnv: Readonly<Record<string, string>>;
  /** Idempotent. */
  close(): Promise<void>;
}

export interface FakeProviderOptions {
  readonly deepgram?: FakeDeepgramOptions;
  readonly openai?: FakeOpenAIOptions;
}

export async function startFakeProviders(options: FakeProviderOptions = {}): Promise<FakeProviders> {
  const deepgram = await FakeDeepgram.start(options.deepgram);
  let openai: FakeOpenAI;
  try {
    openai = await FakeOpenAI.start(options.openai);
  } catch (error) {
    await deepgram.close();
    throw error;
  }
  let closing: Promise<void> | null = null;
  return {
    deepgram,
    openai,
    gatewayEnv: Object.freeze({
      DEEPGRAM_API_KEY: deepgram.apiKey,
      DEEPGRAM_BASE_URL: deepgram.url,
      OPENAI_API_KEY: openai.apiKey,
      OPENAI_BASE_URL: openai.baseURL,
      // The self-hosted engine's three servers, all played by the OpenAI fake.
      SELF_HOSTED_STT_URL: openai.baseURL,
      SELF_HOSTED_STT_MODEL: 'Systran/faster-whisper-small',
      SELF_HOSTED_LLM_URL: openai.baseURL,
      SELF_HOSTED_LLM_MODEL: 'llama3.2:3b',
      SELF_HOSTED_TTS_URL: openai.baseURL,
      SELF_HOSTED_TTS_MODEL: 'kokoro',
      SELF_HOSTED_TTS_VOICE: 'af_heart',
      SELF_HOSTED_API_KEY: openai.apiKey,
    }),
    close: () => {
      closing ??= Promise.all([deepgram.close(), openai.close()]).then(() => undefined);
      return closing;
    },
  };
}
