// The Deepgram and OpenAI fakes (real protocols on 127.0.0.1), scripted for the
// demo: the fake STT "hears" each caller line, the fake model answers it.
import { FakeDeepgram } from '../../test/fakes/deepgram/index.js';
import { FakeOpenAI, type ChatReply } from '../../test/fakes/openai/index.js';
import { UNSCRIPTED_REPLY, type Exchange } from './conversation-script.js';

export interface FakeProviders {
  /** Gateway variables pointing the agent at the fakes. */
  readonly gatewayEnv: Readonly<Record<string, string>>;
  /** Makes the fake STT transcribe the next caller utterance as `text`. */
  expectCallerLine(text: string): void;
  /** Idempotent. */
  close(): Promise<void>;
}

function normalise(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9' ]/g, '').trim();
}

export function replyFor(script: readonly Exchange[], heard: string | null): ChatReply {
  const exchange = script.find((e) => heard !== null && normalise(e.caller) === normalise(heard));
  if (!exchange) return { text: UNSCRIPTED_REPLY };
  return exchange.endsCall
    ? { text: exchange.reply, toolCalls: [{ name: 'end_call', arguments: { reason: 'the caller has what they needed' } }] }
    : { text: exchange.reply };
}

export async function startFakeProviders(script: readonly Exchange[]): Promise<FakeProviders> {
  const deepgram = await FakeDeepgram.start();
  let openai: FakeOpenAI;
  try {
    openai = await FakeOpenAI.start();
  } catch (error) {
    await deepgram.close();
    throw error;
  }
  openai.respond((request) => replyFor(script, request.lastUserText));
  let closing: Promise<void> | null = null;
  return {
    gatewayEnv: Object.freeze({
      DEEPGRAM_API_KEY: deepgram.apiKey,
      DEEPGRAM_BASE_URL: deepgram.url,
      OPENAI_API_KEY: openai.apiKey,
      OPENAI_BASE_URL: openai.baseURL,
    }),
    expectCallerLine: (text) => deepgram.queueTranscripts([text]),
    close: () => {
      closing ??= Promise.all([deepgram.close(), openai.close()]).then(() => undefined);
      return closing;
    },
  };
}
