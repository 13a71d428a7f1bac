// The AI conversation's part of the gateway configuration (merged into the one
// schema in config.ts). Provider keys are required only when MEDIA_AGENT=ai,
// and only for the engines the gateway offers: the cascade needs the Deepgram
// and OpenAI keys, the self-hosted engine its three servers' URLs.
import { z } from 'zod';
import { ENGINE_NAMES, VAD_MODES, type EngineName, type VadMode } from './contract/engines.js';

const unset = (value: unknown): unknown => (value === '' ? undefined : value);
const text = (fallback: string) => z.preprocess(unset, z.string().optional()).transform((v) => v ?? fallback);
const secret = z.preprocess(unset, z.string().min(8, { error: 'looks too short for an API key' }).optional());
const url = (fallback: string) =>
  z
    .preprocess(unset, z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional())
    .transform((v) => (v ?? fallback).replace(/\/+$/, ''));
const optionalUrl = z
  .preprocess(unset, z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional())
  .transform((v) => v?.replace(/\/+$/, ''));
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
  // Off by default: words that arrive late (a loaded or distant STT) let a real barge-in resume over the caller.
  BARGE_IN_PAUSE_MS: ms(0, 0, 2000),
  BARGE_IN_RESUME_MS: ms(700, 200, 5000),
  // Longest transcript (in words) of the language's backchannel phrases ("mm-hm", "okay, right")
  // that resumes the agent instead of interrupting it; 0: every stop is a barge-in. A business's
  // engine settings (`backchannels`) may give its own phrases and limit.
  BARGE_IN_BACKCHANNEL_MAX_WORDS: count(3, 0, 10),
  SILENCE_REPROMPT_MS: ms(7000, 1000, 120_000),
  SILENCE_MAX_REPROMPTS: count(2, 0, 10),
  MAX_CALL_MS: ms(900_000, 10_000, 14_400_000),
  FILLER_AFTER_MS: ms(2000, 300, 30_000),
  STT_ENDPOINTING_MS: ms(300, 10, 5000),
  STT_UTTERANCE_END_MS: ms(1000, 1000, 5000),
  // The self-hosted engine: OpenAI-compatible servers of the operator's own
  // (base URLs with their /v1 prefix). Offered when all three URLs are set.
  SELF_HOSTED_STT_URL: optionalUrl,
  SELF_HOSTED_STT_MODEL: text('Systran/faster-whisper-small'),
  SELF_HOSTED_LLM_URL: optionalUrl,
  SELF_HOSTED_LLM_MODEL: text('llama3.2:3b'),
  SELF_HOSTED_TTS_URL: optionalUrl,
  SELF_HOSTED_TTS_MODEL: text('kokoro'),
  SELF_HOSTED_TTS_VOICE: text('af_heart'),
  /** Sent as the bearer token to all three when the servers want one. */
  SELF_HOSTED_API_KEY: z.preprocess(unset, z.string().min(1).optional()),
  // For sessions whose business names no engine or VAD (an older backend).
  AI_DEFAULT_ENGINE: z
    .preprocess(unset, z.enum(ENGINE_NAMES, { error: `must be one of ${ENGINE_NAMES.join(', ')}` }).optional())
    .transform((v) => v ?? 'cascade'),
  AI_DEFAULT_VAD_MODE: z
    .preprocess(unset, z.enum(VAD_MODES, { error: `must be one of ${VAD_MODES.join(', ')}` }).optional())
    .transform((v) => v ?? 'energy'),
};

const SELF_HOSTED_URLS = ['SELF_HOSTED_STT_URL', 'SELF_HOSTED_LLM_URL', 'SELF_HOSTED_TTS_URL'] as const;
/** Sent when the operator's servers take no key: the SDK needs one, they ignore it. */
export const SELF_HOSTED_NO_KEY = 'self-hosted-no-key';

/** The self-hosted engine's servers (each base URL includes /v1). */
export interface SelfHostedConfig {
  readonly apiKey: string;
  readonly stt: { readonly baseUrl: string; readonly model: string };
  readonly llm: { readonly baseUrl: string; readonly model: string };
  readonly tts: { readonly baseUrl: string; readonly model: string; readonly voice: string };
}

type AiEnv = z.infer<z.ZodObject<typeof AiEnvShape>>;

export interface AiConfig {
  readonly backendUrl: string;
  readonly deepgram: { readonly apiKey: string; readonly baseUrl: string; readonly sttModel: string };
  readonly openai: { readonly apiKey: string; readonly baseUrl: string; readonly model: string; readonly ttsModel: string };
  readonly ttsProvider: 'deepgram' | 'openai';
  /** The cascade's keys are set (DEEPGRAM_API_KEY and OPENAI_API_KEY). */
  readonly cascadeConfigured: boolean;
  /** null: the self-hosted engine is not offered by this gateway. */
  readonly selfHosted: SelfHostedConfig | null;
  readonly defaultEngine: EngineName;
  readonly defaultVadMode: VadMode;
  /** Folder of the synthesized clip cache (greetings...), absolute. */
  readonly clipCacheDir: string;
  readonly timings: {
    readonly bargeInMinMs: number;
    readonly bargeInSttEvidence: 'off' | 'speech_started' | 'words';
    readonly bargeInSttMinMs: number;
    readonly bargeInPauseMs: number;
    readonly bargeInResumeMs: number;
    readonly bargeInBackchannelMaxWords: number;
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
  const selfHostedSet = SELF_HOSTED_URLS.filter((name) => Boolean(env[name]));
  if (selfHostedSet.length > 0 && selfHostedSet.length < SELF_HOSTED_URLS.length) {
    for (const name of SELF_HOSTED_URLS.filter((n) => !env[n])) problems.push(`${name} is required with ${selfHostedSet.join(' and ')} (the self-hosted engine needs all three servers)`);
  }
  const selfHosted = selfHostedSet.length === SELF_HOSTED_URLS.length;
  // A gateway that offers the self-hosted engine alone needs no cloud key.
  const cascadeWanted = !selfHosted || Boolean(env.DEEPGRAM_API_KEY) || Boolean(env.OPENAI_API_KEY) || env.AI_DEFAULT_ENGINE === 'cascade';
  if (cascadeWanted && !env.DEEPGRAM_API_KEY) problems.push('DEEPGRAM_API_KEY is required when MEDIA_AGENT=ai (speech to text)');
  if (cascadeWanted && !env.OPENAI_API_KEY) problems.push('OPENAI_API_KEY is required when MEDIA_AGENT=ai (language model)');
  if (selfHosted && !cascadeWanted && (env.AI_DEFAULT_ENGINE === undefined || env.AI_DEFAULT_ENGINE === '')) {
    problems.push('AI_DEFAULT_ENGINE must be self-hosted on a gateway that offers only the self-hosted engine (no DEEPGRAM_API_KEY or OPENAI_API_KEY)');
  }
  if (env.AI_DEFAULT_ENGINE === 'self-hosted' && !selfHosted && selfHostedSet.length === 0) {
    problems.push('AI_DEFAULT_ENGINE=self-hosted needs SELF_HOSTED_STT_URL, SELF_HOSTED_LLM_URL and SELF_HOSTED_TTS_URL');
  }
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
    cascadeConfigured: env.DEEPGRAM_API_KEY !== undefined && env.OPENAI_API_KEY !== undefined,
    selfHosted: selfHostedConfig(env),
    defaultEngine: env.AI_DEFAULT_ENGINE,
    defaultVadMode: env.AI_DEFAULT_VAD_MODE,
    clipCacheDir: resolvePath(env.CLIP_CACHE_DIR),
    timings: Object.freeze({
      bargeInMinMs: env.BARGE_IN_MIN_MS,
      bargeInSttEvidence: env.BARGE_IN_STT_EVIDENCE,
      bargeInSttMinMs: env.BARGE_IN_STT_MIN_MS,
      bargeInPauseMs: env.BARGE_IN_PAUSE_MS,
      bargeInResumeMs: env.BARGE_IN_RESUME_MS,
      bargeInBackchannelMaxWords: env.BARGE_IN_BACKCHANNEL_MAX_WORDS,
      silenceRepromptMs: env.SILENCE_REPROMPT_MS,
      maxReprompts: env.SILENCE_MAX_REPROMPTS,
      maxCallMs: env.MAX_CALL_MS,
      fillerAfterMs: env.FILLER_AFTER_MS,
      sttEndpointingMs: env.STT_ENDPOINTING_MS,
      sttUtteranceEndMs: env.STT_UTTERANCE_END_MS,
    }),
  });
}

function selfHostedConfig(env: AiEnv): SelfHostedConfig | null {
  const { SELF_HOSTED_STT_URL: stt, SELF_HOSTED_LLM_URL: llm, SELF_HOSTED_TTS_URL: tts } = env;
  if (stt === undefined || llm === undefined || tts === undefined) return null;
  return Object.freeze({
    apiKey: env.SELF_HOSTED_API_KEY ?? SELF_HOSTED_NO_KEY,
    stt: Object.freeze({ baseUrl: stt, model: env.SELF_HOSTED_STT_MODEL }),
    llm: Object.freeze({ baseUrl: llm, model: env.SELF_HOSTED_LLM_MODEL }),
    tts: Object.freeze({ baseUrl: tts, model: env.SELF_HOSTED_TTS_MODEL, voice: env.SELF_HOSTED_TTS_VOICE }),
  });
}
