// The whole system with the AI agent: real backend + gateway + PostgreSQL,
// the ARI fake, and the Deepgram and OpenAI fakes driven by the real SDKs.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FakeDeepgram } from '../fakes/deepgram/index.js';
import { FakeOpenAI } from '../fakes/openai/index.js';
import { createBusiness, startSystem, type SystemOptions, type TestSystem } from './system.js';
import { waitFor } from './wait.js';

export const DIALED = '+19863334949';
export const GREETING = 'Thanks for calling Acme Dental. How can I help?';

export interface AiSystem {
  readonly system: TestSystem;
  readonly deepgram: FakeDeepgram;
  readonly openai: FakeOpenAI;
  readonly businessId: string;
  stop(): Promise<void>;
}

const SPEECH = readFileSync(fileURLToPath(new URL('../fixtures/media/caller-speech-6s.ulaw', import.meta.url)));
/** The recorded caller speech holds two utterances; the pause between them starts at 3.06 s. */
export const FIRST_UTTERANCE = SPEECH.subarray(0, 3.06 * 8000);
export const SECOND_UTTERANCE = SPEECH.subarray(3.48 * 8000);

export async function startAiSystem(
  options: { gatewayEnv?: Record<string, string>; transferTarget?: string | null; system?: SystemOptions } = {},
): Promise<AiSystem> {
  // Short synthetic speech (25 ms per character) keeps calls brief; the agent's audio is still real-time RTP.
  const deepgram = await FakeDeepgram.start({
    listen: { resultLatencyMs: 0 },
    speak: { firstAudioLatencyMs: 0, msPerCharacter: 25 },
  });
  const openai = await FakeOpenAI.start();
  const system = await startSystem({
    ...options.system,
    gatewayEnv: {
      MEDIA_AGENT: 'ai',
      DEEPGRAM_API_KEY: deepgram.apiKey,
      DEEPGRAM_BASE_URL: deepgram.url,
      OPENAI_API_KEY: openai.apiKey,
      OPENAI_BASE_URL: openai.baseURL,
      ...options.gatewayEnv,
    },
  });
  await system.waitReady();
  const businessId = await system.prisma.business
    .create({
      data: {
        name: 'Acme Dental',
        greeting: GREETING,
        systemPrompt: 'You answer the phone for Acme Dental.',
        voice: 'aura-2-thalia-en',
        timezone: 'America/New_York',
        transferTarget: options.transferTarget === undefined ? 'PJSIP/100' : options.transferTarget,
        phoneNumbers: { create: [{ e164: DIALED }] },
      },
    })
    .then((b) => b.id);
  return {
    system,
    deepgram,
    openai,
    businessId,
    stop: async () => {
      await system.stop();
      await deepgram.close();
      await openai.close();
    },
  };
}

/** Places a call and waits until Asterisk's side is bridged to the gateway. */
export async function placeBridgedCall(ai: AiSystem): Promise<{ channelId: string; mediaId: string }> {
  const { fake } = ai.system;
  const call = fake.placeCall({ from: '+15551230000', to: DIALED });
  const bridge = await waitFor(() => fake.bridges().find((b) => b.channels.includes(call.channelId) && b.channels.length === 2), {
    what: 'the call to be bridged',
  });
  return { channelId: call.channelId, mediaId: bridge.channels.find((id) => id !== call.channelId) as string };
}

export function turnsOf(ai: AiSystem, channelId: string) {
  return ai.system.prisma.callTurn.findMany({ where: { call: { channelId } }, orderBy: { seq: 'asc' } });
}

/** Waits until the call has a stored turn matching `match`. */
export function turnWhere(
  ai: AiSystem,
  channelId: string,
  match: (turn: Awaited<ReturnType<typeof turnsOf>>[number]) => boolean,
  what: string,
) {
  return waitFor(async () => (await turnsOf(ai, channelId)).find(match) ?? null, { what, timeoutMs: 15_000 });
}

export { createBusiness };
