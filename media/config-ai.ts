// The AI conversation's part of the gateway configuration (merged into the one
// schema in config.ts). Provider keys are required only when MEDIA_AGENT=ai.
import { z } from 'zod';

const unset = (value: unknown): unknown => (value === '' ? undefined : value);
const text = (fallback: string) => z.preprocess(unset, z.string().optional()).transform((v) => v ?? fallback);
const secret = z.preprocess(unset, z.string().min(8, { error: 'looks too short for an API key' }).optional());
const url = (fallback: string) =>
  z
    .preprocess(unset, z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional())
    .transform((v) => (v ?? fallback).replace(/\/+$/, ''));
const ms = (fallback: number, min: number, max: number) =>
  z
    .preprocess(
      unset,
      z
        .string()
        .regex(/^\d+$/, { error: `must be a whole number of ms from ${min} to ${max}` })
        .transform(Number)
        .pipe(z.number().int().min(min, { error: `must be from ${min} to ${max}` }).max(max, { error: `must be from ${min} to ${max}` }))
        .optional(),
    )
    .transform((v) => v ?? fallback);

const count = (fallback: number, min: number, max: number) =>
  z
    .preprocess(
      unset,
      z
        .string()
        .regex(/^\d+$/, { error: `must be a whole number from ${min} to ${max}` })
        .transform(Number)
        .pipe(z.number().int().min(min, { error: `must be from ${min} to ${max}` }).max(max, { error: `must be from ${min} to ${max}` }))
        .optional(),
    )
    .transform((v) => v ?? fallback);

export const AiEnvShape = {
  BACKEND_URL: url('http://127.0.0.1:3000'),
  DEEPGRAM_API_KEY: secret,
  DEEPGRAM_BASE_URL: url('https://api.deepgram.com'),
  DEEPGRAM_STT_MODEL: text('nova-3'),
  OPENAI_API_KEY: secret,
  OPENAI_BASE_URL: url('https://api.openai.com/v1'),
  OPENAI_MODEL: text('gpt-4o-mini'),
  OPENAI_TTS_MODEL: text('gpt-4o-mini-tts'),
  TTS_PROVIDER: z
    .preprocess(unset, z.enum(['deepgram', 'openai'], { error: 'must be deepgram or openai' }).optional())
    .transform((v) => v ?? 'deepgram'),
  CLIP_CACHE_DIR: text('.data/clips'),
  BARGE_IN_MIN_MS: ms(200, 60, 2000),
  // Speech-to-text events as barge-in evidence: off, the service's speech start,
  // or that and recognized words the agent did not say (see conversation/barge-in.ts).
  BARGE_IN_STT_EVIDENCE: z
    .preprocess(unset, z.enum(['off', 'speech_started', 'words'], { error: 'must be off, speech_started or words' }).optional())
    .transform((v) => v ?? 'words'),
  BARGE_IN_STT_MIN_MS: ms(60, 20, 2000),
  // Caller speech that pauses the agent at once until the barge-in is confirmed
  // (0: never pause), and how long an unconfirmed pause waits before the turn resumes.
  BARGE_IN_PAUSE_MS: ms(80, 0, 2000),
  BARGE_IN_RESUME_MS: ms(700, 200, 5000),
  SILENCE_REPROMPT_MS: ms(7000, 1000, 120_000),
  SILENCE_MAX_REPROMPTS: count(2, 0, 10),
  MAX_CALL_MS: ms(900_000, 10_000, 14_400_000),
  FILLER_AFTER_MS: ms(2000, 300, 30_000),
  STT_ENDPOINTING_MS: ms(300, 10, 5000),
  STT_UTTERANCE_END_MS: ms(1000, 1000, 5000),
};

type AiEnv = z.infer<z.ZodObject<typeof AiEnvShape>>;

export interface AiConfig {
  readonly backendUrl: string;
  readonly deepgram: { readonly apiKey: string; readonly baseUrl: string; readonly sttModel: string };
  readonly openai: { readonly apiKey: string; readonly baseUrl: string; readonly model: string; readonly ttsModel: string };
  readonly ttsProvider: 'deepgram' | 'openai';
  /** Folder of the synthesized clip cache (greetings...), absolute. */
  readonly clipCacheDir: string;
  readonly timings: {
    readonly bargeInMinMs: number;
    readonly bargeInSttEvidence: 'off' | 'speech_started' | 'words';
    readonly bargeInSttMinMs: number;
    readonly bargeInPauseMs: number;
    readonly bargeInResumeMs: number;
    readonly silenceRepromptMs: number;
    readonly maxReprompts: number;
    readonly maxCallMs: number;
    readonly fillerAfterMs: number;
    readonly sttEndpointingMs: number;
    readonly sttUtteranceEndMs: number;
  };
}

/** Problems that depend on MEDIA_AGENT (added to the one config error). */
export function aiProblems(agent: string, env: Record<string, unknown>): string[] {
  if (agent !== 'ai') return [];
  const problems: string[] = [];
  if (!env.DEEPGRAM_API_KEY) problems.push('DEEPGRAM_API_KEY is required when MEDIA_AGENT=ai (speech to text)');
  if (!env.OPENAI_API_KEY) problems.push('OPENAI_API_KEY is required when MEDIA_AGENT=ai (language model)');
  return problems;
}

export function aiConfig(env: AiEnv, resolvePath: (path: string) => string): AiConfig {
  return Object.freeze({
    backendUrl: env.BACKEND_URL,
    deepgram: Object.freeze({ apiKey: env.DEEPGRAM_API_KEY ?? '', baseUrl: env.DEEPGRAM_BASE_URL, sttModel: env.DEEPGRAM_STT_MODEL }),
    openai: Object.freeze({
      apiKey: env.OPENAI_API_KEY ?? '',
      baseUrl: env.OPENAI_BASE_URL,
      model: env.OPENAI_MODEL,
      ttsModel: env.OPENAI_TTS_MODEL,
    }),
    ttsProvider: env.TTS_PROVIDER,
    clipCacheDir: resolvePath(env.CLIP_CACHE_DIR),
    timings: Object.freeze({
      bargeInMinMs: env.BARGE_IN_MIN_MS,
      bargeInSttEvidence: env.BARGE_IN_STT_EVIDENCE,
      bargeInSttMinMs: env.BARGE_IN_STT_MIN_MS,
      bargeInPauseMs: env.BARGE_IN_PAUSE_MS,
      bargeInResumeMs: env.BARGE_IN_RESUME_MS,
      silenceRepromptMs: env.SILENCE_REPROMPT_MS,
      maxReprompts: env.SILENCE_MAX_REPROMPTS,
      maxCallMs: env.MAX_CALL_MS,
      fillerAfterMs: env.FILLER_AFTER_MS,
      sttEndpointingMs: env.STT_ENDPOINTING_MS,
      sttUtteranceEndMs: env.STT_UTTERANCE_END_MS,
    }),
  });
}
