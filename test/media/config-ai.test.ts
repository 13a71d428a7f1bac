// The AI conversation's variables of the gateway config (media/config-ai.ts,
// merged into the one schema of media/config.ts).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMediaConfig, MediaConfigError } from '../../media/config.js';

const TOKEN = 'test-gateway-token-0123456789';
// Fake keys shaped like real ones, so a leak into a message would be visible.
const DEEPGRAM_KEY = '8d41c0e7b2f94a6c9e13d5b7a0f2c4e6b8d1a3f5';
const OPENAI_KEY = 'sk-proj-Tz4hR8wKq2Lm6Vb0Xc9Nf3Gs7Dj1Ep5YaUoI';
const AI_ENV = { MEDIA_GATEWAY_TOKEN: TOKEN, MEDIA_AGENT: 'ai', DEEPGRAM_API_KEY: DEEPGRAM_KEY, OPENAI_API_KEY: OPENAI_KEY };
/** The settings are validated whatever the agent; tests of one bad value use an agent without keys. */
const SILENT_ENV = { MEDIA_GATEWAY_TOKEN: TOKEN, MEDIA_AGENT: 'silent' };

function configError(env: NodeJS.ProcessEnv): MediaConfigError {
  try {
    loadMediaConfig(env);
  } catch (error) {
    if (error instanceof MediaConfigError) return error;
    throw error;
  }
  throw new Error('expected a MediaConfigError');
}

describe('loadMediaConfig: AI conversation settings', () => {
  it('reads every AI variable', () => {
    const config = loadMediaConfig({
      ...AI_ENV,
      BACKEND_URL: 'http://backend.internal:3000',
      DEEPGRAM_BASE_URL: 'http://127.0.0.1:40123',
      DEEPGRAM_STT_MODEL: 'nova-2-phonecall',
      OPENAI_BASE_URL: 'https://llm-proxy.example.com/openai/v1',
      OPENAI_MODEL: 'gpt-4.1-mini',
      OPENAI_TTS_MODEL: 'tts-1',
      TTS_PROVIDER: 'openai',
      CLIP_CACHE_DIR: '/var/cache/media/clips',
      BARGE_IN_MIN_MS: '250',
      BARGE_IN_STT_EVIDENCE: 'speech_started',
      BARGE_IN_STT_MIN_MS: '80',
      BARGE_IN_PAUSE_MS: '0',
      BARGE_IN_RESUME_MS: '900',
      BARGE_IN_BACKCHANNEL_MAX_WORDS: '2',
      SILENCE_REPROMPT_MS: '5000',
      SILENCE_MAX_REPROMPTS: '0',
      MAX_CALL_MS: '600000',
      FILLER_AFTER_MS: '1500',
      STT_ENDPOINTING_MS: '500',
      STT_UTTERANCE_END_MS: '1200',
    });
    expect(config.agent).toBe('ai');
    expect(config.ai).toEqual({
      backendUrl: 'http://backend.internal:3000',
      deepgram: { apiKey: DEEPGRAM_KEY, baseUrl: 'http://127.0.0.1:40123', sttModel: 'nova-2-phonecall' },
      openai: { apiKey: OPENAI_KEY, baseUrl: 'https://llm-proxy.example.com/openai/v1', model: 'gpt-4.1-mini', ttsModel: 'tts-1' },
      ttsProvider: 'openai',
      cascadeConfigured: true,
      selfHosted: null,
      defaultEngine: 'cascade',
      defaultVadMode: 'energy',
      clipCacheDir: '/var/cache/media/clips',
      timings: {
        bargeInMinMs: 250,
        bargeInSttEvidence: 'speech_started',
        bargeInSttMinMs: 80,
        bargeInPauseMs: 0,
        bargeInResumeMs: 900,
        bargeInBackchannelMaxWords: 2,
        silenceRepromptMs: 5000,
        maxReprompts: 0,
        maxCallMs: 600_000,
        fillerAfterMs: 1500,
        sttEndpointingMs: 500,
        sttUtteranceEndMs: 1200,
      },
    });
  });

  it.each(['deepgram', 'openai'])('accepts TTS_PROVIDER=%s', (provider) => {
    expect(loadMediaConfig({ ...AI_ENV, TTS_PROVIDER: provider }).ai.ttsProvider).toBe(provider);
  });

  it.each(['polly', 'OpenAI'])('rejects TTS_PROVIDER=%s', (provider) => {
    expect(configError({ ...SILENT_ENV, TTS_PROVIDER: provider }).problems).toEqual(['TTS_PROVIDER must be deepgram or openai']);
  });

  it('rejects an unknown BARGE_IN_STT_EVIDENCE', () => {
    expect(configError({ ...SILENT_ENV, BARGE_IN_STT_EVIDENCE: 'always' }).problems).toEqual([
      'BARGE_IN_STT_EVIDENCE must be off, speech_started or words',
    ]);
  });

  it('removes trailing slashes from the URLs', () => {
    const config = loadMediaConfig({
      ...AI_ENV,
      BACKEND_URL: 'http://127.0.0.1:3000/',
      DEEPGRAM_BASE_URL: 'https://api.deepgram.com//',
      OPENAI_BASE_URL: 'https://api.openai.com/v1/',
    });
    expect(config.ai.backendUrl).toBe('http://127.0.0.1:3000');
    expect(config.ai.deepgram.baseUrl).toBe('https://api.deepgram.com');
    expect(config.ai.openai.baseUrl).toBe('https://api.openai.com/v1');
  });

  it.each([
    ['BACKEND_URL', 'backend:3000'],
    ['BACKEND_URL', '127.0.0.1:3000'],
    ['DEEPGRAM_BASE_URL', 'wss://api.deepgram.com'],
    ['DEEPGRAM_BASE_URL', 'api.deepgram.com'],
    ['OPENAI_BASE_URL', 'ftp://api.openai.com/v1'],
    ['OPENAI_BASE_URL', 'not a url'],
  ])('rejects %s=%s', (variable, value) => {
    expect(configError({ ...SILENT_ENV, [variable]: value }).problems).toEqual([`${variable} must be an http(s) URL`]);
  });

  it('resolves CLIP_CACHE_DIR to an absolute path', () => {
    expect(loadMediaConfig(AI_ENV).ai.clipCacheDir).toBe(join(process.cwd(), '.data', 'clips'));
    expect(loadMediaConfig({ ...AI_ENV, CLIP_CACHE_DIR: 'cache/clips' }).ai.clipCacheDir).toBe(join(process.cwd(), 'cache', 'clips'));
    expect(loadMediaConfig({ ...AI_ENV, CLIP_CACHE_DIR: '/srv/clips/' }).ai.clipCacheDir).toBe('/srv/clips');
  });

  // [variable, lowest accepted, highest accepted, config field]
  const NUMERIC_VARIABLES = [
    ['BARGE_IN_MIN_MS', 60, 2000, 'bargeInMinMs'],
    ['BARGE_IN_STT_MIN_MS', 20, 2000, 'bargeInSttMinMs'],
    ['BARGE_IN_PAUSE_MS', 0, 2000, 'bargeInPauseMs'],
    ['BARGE_IN_RESUME_MS', 200, 5000, 'bargeInResumeMs'],
    ['BARGE_IN_BACKCHANNEL_MAX_WORDS', 0, 10, 'bargeInBackchannelMaxWords'],
    ['SILENCE_REPROMPT_MS', 1000, 120_000, 'silenceRepromptMs'],
    ['SILENCE_MAX_REPROMPTS', 0, 10, 'maxReprompts'],
    ['MAX_CALL_MS', 10_000, 14_400_000, 'maxCallMs'],
    ['FILLER_AFTER_MS', 300, 30_000, 'fillerAfterMs'],
    ['STT_ENDPOINTING_MS', 10, 5000, 'sttEndpointingMs'],
    ['STT_UTTERANCE_END_MS', 1000, 5000, 'sttUtteranceEndMs'],
  ] as const;

  it.each(NUMERIC_VARIABLES)('accepts %s from %d to %d', (variable, min, max, field) => {
    expect(loadMediaConfig({ ...AI_ENV, [variable]: String(min) }).ai.timings[field]).toBe(min);
    expect(loadMediaConfig({ ...AI_ENV, [variable]: String(max) }).ai.timings[field]).toBe(max);
  });

  it.each(NUMERIC_VARIABLES)('rejects %s outside %d to %d', (variable, min, max) => {
    const range = `from ${min} to ${max}`;
    if (min > 0) expect(configError({ ...SILENT_ENV, [variable]: String(min - 1) }).problems).toEqual([`${variable} must be ${range}`]);
    expect(configError({ ...SILENT_ENV, [variable]: String(max + 1) }).problems).toEqual([`${variable} must be ${range}`]);
  });

  it.each(
    NUMERIC_VARIABLES.filter(([variable]) => variable.endsWith('_MS')).flatMap(([variable, min, max]) =>
      ['-1', '2.5', '300ms', 'soon', ' 500'].map((value) => [variable, value, `${variable} must be a whole number of ms from ${min} to ${max}`]),
    ),
  )('rejects %s=%j', (variable, value, problem) => {
    expect(configError({ ...SILENT_ENV, [variable]: value }).problems).toEqual([problem]);
  });

  // SILENCE_MAX_REPROMPTS is a count of reprompts, not a duration.
  it('rejects a SILENCE_MAX_REPROMPTS that is not a whole number with a message about a count, not ms', () => {
    for (const value of ['-1', '1.5', 'two']) {
      const problems = configError({ ...SILENT_ENV, SILENCE_MAX_REPROMPTS: value }).problems;
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^SILENCE_MAX_REPROMPTS must be .*from 0 to 10$/);
      expect(problems[0]).not.toMatch(/\bms\b/);
    }
  });

  it('needs no provider keys for the echo and silent agents', () => {
    for (const agent of ['echo', 'silent']) {
      const config = loadMediaConfig({ MEDIA_GATEWAY_TOKEN: TOKEN, MEDIA_AGENT: agent });
      expect(config.agent).toBe(agent);
      expect(config.ai.deepgram.apiKey).toBe('');
      expect(config.ai.openai.apiKey).toBe('');
    }
  });

  it('rejects a key too short to be real without repeating it', () => {
    const error = configError({ ...SILENT_ENV, OPENAI_API_KEY: 'sk-1234' });
    expect(error.message).not.toContain('sk-1234');
    expect(error.problems).toEqual(['OPENAI_API_KEY looks too short for an API key']);
  });

  it('never puts a key in the error, even one pasted into the wrong variable', () => {
    const error = configError({ ...AI_ENV, BACKEND_URL: DEEPGRAM_KEY, TTS_PROVIDER: OPENAI_KEY, RTP_PORT: 'x' });
    expect(error.problems.map((problem) => problem.split(' ')[0])).toEqual(expect.arrayContaining(['RTP_PORT', 'BACKEND_URL', 'TTS_PROVIDER']));
    for (const text of [error.message, ...error.problems, String(error.stack)]) {
      expect(text).not.toContain(DEEPGRAM_KEY);
      expect(text).not.toContain(OPENAI_KEY);
    }
  });

  // The key checks must see the keys that were given even when another variable is invalid;
  // otherwise one typo elsewhere makes the error claim that present keys are missing.
  it('does not report given keys as missing when another variable is invalid', () => {
    expect(configError({ ...AI_ENV, RTP_PORT: 'x' }).problems).toEqual(['RTP_PORT must be an integer from 0 to 65535']);
    expect(configError({ ...AI_ENV, BARGE_IN_MIN_MS: '5' }).problems).toEqual(['BARGE_IN_MIN_MS must be from 60 to 2000']);
  });

  it('reports a too-short key once, not also as missing', () => {
    expect(configError({ ...AI_ENV, OPENAI_API_KEY: 'sk-1234' }).problems).toEqual(['OPENAI_API_KEY looks too short for an API key']);
  });
});
