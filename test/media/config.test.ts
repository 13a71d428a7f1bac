import { isAbsolute, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMediaConfig, MediaConfigError } from '../../media/config.js';

const TOKEN = 'test-gateway-token-0123456789';
// Fake keys shaped like real ones, so a leak into a message would be visible.
const DEEPGRAM_KEY = '3f9c2b7a1e4d8c6b0a5f9e2d7c1b4a8e6d0c3f7b';
const OPENAI_KEY = 'sk-proj-Qm7vX2pL9sKd4Wz8Rt1Ny6Hb3Jc5Fg0AeUiO';
/** Tests that are not about the agent use one that needs no provider keys. */
const BASE = { MEDIA_GATEWAY_TOKEN: TOKEN, MEDIA_AGENT: 'silent' };
const KEYS = { DEEPGRAM_API_KEY: DEEPGRAM_KEY, OPENAI_API_KEY: OPENAI_KEY };
const DEEPGRAM_KEY_REQUIRED = 'DEEPGRAM_API_KEY is required when MEDIA_AGENT=ai (speech to text)';
const OPENAI_KEY_REQUIRED = 'OPENAI_API_KEY is required when MEDIA_AGENT=ai (language model)';

/** The `ai` part of the config when only the keys are given (none when they are not). */
function aiDefaults(keys: { deepgram: string; openai: string }) {
  return {
    backendUrl: 'http://127.0.0.1:3000',
    deepgram: { apiKey: keys.deepgram, baseUrl: 'https://api.deepgram.com', sttModel: 'nova-3' },
    openai: { apiKey: keys.openai, baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini', ttsModel: 'gpt-4o-mini-tts' },
    ttsProvider: 'deepgram',
    cascadeConfigured: keys.deepgram !== '' && keys.openai !== '',
    selfHosted: null,
    defaultEngine: 'cascade',
    defaultVadMode: 'energy',
    clipCacheDir: join(process.cwd(), '.data', 'clips'),
    timings: {
      bargeInMinMs: 200,
      bargeInSttEvidence: 'words',
      bargeInSttMinMs: 60,
      bargeInPauseMs: 0,
      bargeInResumeMs: 700,
      bargeInBackchannelMaxWords: 3,
      silenceRepromptMs: 7000,
      maxReprompts: 2,
      maxCallMs: 900_000,
      fillerAfterMs: 2000,
      sttEndpointingMs: 300,
      sttUtteranceEndMs: 1000,
    },
  };
}

function configError(env: NodeJS.ProcessEnv): MediaConfigError {
  try {
    loadMediaConfig(env);
  } catch (error) {
    if (error instanceof MediaConfigError) return error;
    throw error;
  }
  throw new Error('expected a MediaConfigError');
}

describe('loadMediaConfig', () => {
  it('defaults to the ai agent, which requires both provider keys', () => {
    expect(configError({ MEDIA_GATEWAY_TOKEN: TOKEN }).problems).toEqual([DEEPGRAM_KEY_REQUIRED, OPENAI_KEY_REQUIRED]);
    expect(configError({ MEDIA_GATEWAY_TOKEN: TOKEN, MEDIA_AGENT: 'ai' }).problems).toEqual([
      DEEPGRAM_KEY_REQUIRED,
      OPENAI_KEY_REQUIRED,
    ]);
    expect(configError({ MEDIA_GATEWAY_TOKEN: TOKEN, DEEPGRAM_API_KEY: DEEPGRAM_KEY }).problems).toEqual([OPENAI_KEY_REQUIRED]);
    expect(configError({ MEDIA_GATEWAY_TOKEN: TOKEN, OPENAI_API_KEY: OPENAI_KEY }).problems).toEqual([DEEPGRAM_KEY_REQUIRED]);
  });

  it('applies the defaults', () => {
    const config = loadMediaConfig({ MEDIA_GATEWAY_TOKEN: TOKEN, ...KEYS });
    expect(config).toEqual({
      http: { host: '0.0.0.0', port: 8090 },
      gatewayToken: TOKEN,
      rtp: { bindHost: '0.0.0.0', port: 40000, advertiseHost: '127.0.0.1' },
      maxSessions: 2000,
      agent: 'ai',
      recordings: { dir: join(process.cwd(), 'recordings'), enabled: true },
      jitter: { minMs: 20, targetMs: 60, maxMs: 200 },
      clockPhases: 10,
      drainTimeoutMs: 300_000,
      ai: aiDefaults({ deepgram: DEEPGRAM_KEY, openai: OPENAI_KEY }),
      logLevel: 'info',
      logRedactPii: false,
      outbound: { allowPrivateNetworks: false, requireHttps: false },
      otlpEndpoint: null,
    });
    expect(isAbsolute(config.recordings.dir)).toBe(true);
    expect(isAbsolute(config.ai.clipCacheDir)).toBe(true);
    for (const url of [config.ai.backendUrl, config.ai.deepgram.baseUrl, config.ai.openai.baseUrl]) expect(url).not.toMatch(/\/$/);
    const parts: object[] = [config, config.rtp, config.http, config.recordings, config.jitter, config.outbound];
    parts.push(config.ai, config.ai.deepgram, config.ai.openai, config.ai.timings);
    for (const part of parts) expect(Object.isFrozen(part)).toBe(true);
  });

  it('reads every variable', () => {
    const config = loadMediaConfig({
      MEDIA_HTTP_HOST: '127.0.0.1',
      MEDIA_HTTP_PORT: '0',
      MEDIA_GATEWAY_TOKEN: TOKEN,
      RTP_BIND_HOST: '::',
      RTP_PORT: '0',
      RTP_ADVERTISE_HOST: 'media-gateway',
      MEDIA_MAX_SESSIONS: '10',
      MEDIA_AGENT: 'echo',
      RECORDINGS_DIR: '/var/lib/media/recordings',
      RECORDING_ENABLED: 'false',
      JITTER_MIN_MS: '40',
      JITTER_TARGET_MS: '40',
      JITTER_MAX_MS: '120',
      MEDIA_CLOCK_PHASES: '4',
      MEDIA_DRAIN_TIMEOUT_MS: '30000',
      LOG_LEVEL: 'debug',
      LOG_REDACT_PII: 'true',
      INTEGRATIONS_ALLOW_PRIVATE_NETWORKS: 'true',
      NODE_ENV: 'production',
    });
    expect(config).toEqual({
      http: { host: '127.0.0.1', port: 0 },
      gatewayToken: TOKEN,
      rtp: { bindHost: '::', port: 0, advertiseHost: 'media-gateway' },
      maxSessions: 10,
      agent: 'echo',
      recordings: { dir: resolve('/var/lib/media/recordings'), enabled: false },
      jitter: { minMs: 40, targetMs: 40, maxMs: 120 },
      clockPhases: 4,
      drainTimeoutMs: 30_000,
      // echo needs no provider: the keys stay empty.
      ai: aiDefaults({ deepgram: '', openai: '' }),
      logLevel: 'debug',
      logRedactPii: true,
      outbound: { allowPrivateNetworks: true, requireHttps: true },
      otlpEndpoint: null,
    });
  });

  it('resolves a relative RECORDINGS_DIR against the working directory', () => {
    const config = loadMediaConfig({ ...BASE, RECORDINGS_DIR: 'data/calls' });
    expect(config.recordings.dir).toBe(join(process.cwd(), 'data', 'calls'));
  });

  it.each([
    ['MEDIA_AGENT', 'chatty', 'MEDIA_AGENT must be one of ai, echo, silent'],
    ['MEDIA_AGENT', 'AI', 'MEDIA_AGENT must be one of ai, echo, silent'],
    ['RECORDING_ENABLED', 'yes', 'RECORDING_ENABLED must be true or false'],
    ['RECORDING_ENABLED', 'TRUE', 'RECORDING_ENABLED must be true or false'],
    ['JITTER_TARGET_MS', '50', 'JITTER_TARGET_MS must be a multiple of 20 (ms)'],
    ['JITTER_TARGET_MS', '0', 'JITTER_TARGET_MS must be an integer from 20 to 600 (ms, a multiple of 20)'],
    ['JITTER_TARGET_MS', '60ms', 'JITTER_TARGET_MS must be an integer from 20 to 600 (ms, a multiple of 20)'],
    ['JITTER_MAX_MS', '20', 'JITTER_MAX_MS must be an integer from 40 to 640 (ms, a multiple of 20)'],
    ['JITTER_MAX_MS', '210', 'JITTER_MAX_MS must be a multiple of 20 (ms)'],
    ['MEDIA_CLOCK_PHASES', '0', 'MEDIA_CLOCK_PHASES must be an integer from 1 to 20'],
    ['MEDIA_CLOCK_PHASES', '21', 'MEDIA_CLOCK_PHASES must be an integer from 1 to 20'],
    ['MEDIA_CLOCK_PHASES', '2.5', 'MEDIA_CLOCK_PHASES must be an integer from 1 to 20'],
    ['MEDIA_DRAIN_TIMEOUT_MS', '-1', 'MEDIA_DRAIN_TIMEOUT_MS must be an integer from 0 to 86400000 (ms)'],
    ['LOG_REDACT_PII', 'on', 'LOG_REDACT_PII must be true or false'],
  ])('rejects %s=%s', (variable, value, problem) => {
    expect(configError({ ...BASE, [variable]: value }).problems).toEqual([problem]);
  });

  it.each([
    ['true', true],
    ['yes', true],
    ['1', true],
    ['false', false],
    ['no', false],
    ['0', false],
    ['', false],
  ])('reads LOG_REDACT_PII=%s as the backend does', (value, redact) => {
    expect(loadMediaConfig({ ...BASE, LOG_REDACT_PII: value }).logRedactPii).toBe(redact);
  });

  it('requires JITTER_MAX_MS above JITTER_TARGET_MS', () => {
    const problem = 'JITTER_MAX_MS must be greater than JITTER_TARGET_MS';
    expect(configError({ ...BASE, JITTER_TARGET_MS: '200', JITTER_MAX_MS: '200' }).problems).toEqual([problem]);
    expect(configError({ ...BASE, JITTER_TARGET_MS: '100', JITTER_MAX_MS: '80' }).problems).toEqual([problem]);
    expect(loadMediaConfig({ ...BASE, JITTER_TARGET_MS: '100', JITTER_MAX_MS: '120' }).jitter).toEqual({
      minMs: 20,
      targetMs: 100,
      maxMs: 120,
    });
  });

  it('requires JITTER_MIN_MS not above JITTER_TARGET_MS (equal: a fixed depth)', () => {
    expect(configError({ ...BASE, JITTER_MIN_MS: '80', JITTER_TARGET_MS: '60' }).problems).toEqual(['JITTER_MIN_MS must not be greater than JITTER_TARGET_MS']);
    expect(loadMediaConfig({ ...BASE, JITTER_MIN_MS: '60' }).jitter).toEqual({ minMs: 60, targetMs: 60, maxMs: 200 });
  });

  it('treats empty variables as unset', () => {
    const config = loadMediaConfig({
      ...KEYS,
      MEDIA_GATEWAY_TOKEN: TOKEN,
      RTP_PORT: '',
      LOG_LEVEL: '',
      MEDIA_AGENT: '',
      RECORDINGS_DIR: '',
      RECORDING_ENABLED: '',
      JITTER_TARGET_MS: '',
      JITTER_MAX_MS: '',
      MEDIA_CLOCK_PHASES: '',
      BACKEND_URL: '',
      DEEPGRAM_BASE_URL: '',
      DEEPGRAM_STT_MODEL: '',
      OPENAI_BASE_URL: '',
      OPENAI_MODEL: '',
      OPENAI_TTS_MODEL: '',
      TTS_PROVIDER: '',
      CLIP_CACHE_DIR: '',
      BARGE_IN_MIN_MS: '',
      BARGE_IN_STT_EVIDENCE: '',
      BARGE_IN_STT_MIN_MS: '',
      BARGE_IN_PAUSE_MS: '',
      BARGE_IN_RESUME_MS: '',
      BARGE_IN_BACKCHANNEL_MAX_WORDS: '',
      SILENCE_REPROMPT_MS: '',
      SILENCE_MAX_REPROMPTS: '',
      MAX_CALL_MS: '',
      FILLER_AFTER_MS: '',
      STT_ENDPOINTING_MS: '',
      STT_UTTERANCE_END_MS: '',
    });
    expect(config).toMatchObject({
      rtp: { port: 40000 },
      agent: 'ai',
      recordings: { dir: join(process.cwd(), 'recordings'), enabled: true },
      jitter: { minMs: 20, targetMs: 60, maxMs: 200 },
      clockPhases: 10,
      logLevel: 'info',
    });
    expect(config.ai).toEqual(aiDefaults({ deepgram: DEEPGRAM_KEY, openai: OPENAI_KEY }));
    expect(configError({ ...BASE, MEDIA_GATEWAY_TOKEN: '' }).problems).toEqual(['MEDIA_GATEWAY_TOKEN is required']);
    // An empty key is a missing key.
    expect(configError({ MEDIA_GATEWAY_TOKEN: TOKEN, DEEPGRAM_API_KEY: '', OPENAI_API_KEY: '' }).problems).toEqual([
      DEEPGRAM_KEY_REQUIRED,
      OPENAI_KEY_REQUIRED,
    ]);
  });

  it('lists every problem in one error and never includes the token or a key', () => {
    const shortToken = 'hunter2-secret';
    const shortKey = 'dg-1234';
    const error = configError({
      MEDIA_HTTP_PORT: '70000',
      MEDIA_GATEWAY_TOKEN: shortToken,
      RTP_BIND_HOST: 'somehost',
      RTP_PORT: '-1',
      RTP_ADVERTISE_HOST: '0.0.0.0',
      MEDIA_MAX_SESSIONS: '0',
      MEDIA_AGENT: 'chatty',
      RECORDING_ENABLED: 'yes',
      JITTER_TARGET_MS: '50',
      JITTER_MAX_MS: '20',
      MEDIA_CLOCK_PHASES: '0',
      BACKEND_URL: 'backend:3000',
      DEEPGRAM_API_KEY: shortKey,
      DEEPGRAM_BASE_URL: 'ftp://api.deepgram.com',
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: 'not a url',
      TTS_PROVIDER: 'polly',
      BARGE_IN_MIN_MS: '10',
      SILENCE_REPROMPT_MS: 'soon',
      SILENCE_MAX_REPROMPTS: '11',
      MAX_CALL_MS: '-1',
      FILLER_AFTER_MS: '2.5',
      STT_ENDPOINTING_MS: '5001',
      STT_UTTERANCE_END_MS: '999',
      LOG_LEVEL: 'chatty',
    });
    const variables = [
      'MEDIA_HTTP_PORT',
      'MEDIA_GATEWAY_TOKEN',
      'RTP_BIND_HOST',
      'RTP_PORT',
      'RTP_ADVERTISE_HOST',
      'MEDIA_MAX_SESSIONS',
      'MEDIA_AGENT',
      'RECORDING_ENABLED',
      'JITTER_TARGET_MS',
      'JITTER_MAX_MS',
      'MEDIA_CLOCK_PHASES',
      'BACKEND_URL',
      'DEEPGRAM_API_KEY',
      'DEEPGRAM_BASE_URL',
      'OPENAI_BASE_URL',
      'TTS_PROVIDER',
      'BARGE_IN_MIN_MS',
      'SILENCE_REPROMPT_MS',
      'SILENCE_MAX_REPROMPTS',
      'MAX_CALL_MS',
      'FILLER_AFTER_MS',
      'STT_ENDPOINTING_MS',
      'STT_UTTERANCE_END_MS',
      'LOG_LEVEL',
    ];
    expect(error.problems.map((problem) => problem.split(' ')[0])).toEqual(variables);
    for (const variable of variables) expect(error.message).toContain(variable);
    expect(error.message).toContain('at least 16 characters');
    expect(error.message).toContain('DEEPGRAM_API_KEY looks too short for an API key');
    for (const secret of [shortToken, shortKey, OPENAI_KEY]) expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain('\n');
  });

  it('lists the missing provider keys after every other problem when the agent is ai', () => {
    const error = configError({ MEDIA_GATEWAY_TOKEN: 'short', RTP_PORT: 'x', TTS_PROVIDER: 'polly', MAX_CALL_MS: '1' });
    expect(error.problems).toEqual([
      'MEDIA_GATEWAY_TOKEN must be at least 16 characters',
      'RTP_PORT must be an integer from 0 to 65535',
      'TTS_PROVIDER must be deepgram or openai',
      'MAX_CALL_MS must be from 10000 to 14400000',
      DEEPGRAM_KEY_REQUIRED,
      OPENAI_KEY_REQUIRED,
    ]);
  });

  it('says the token is required when it is missing', () => {
    expect(configError({ MEDIA_AGENT: 'silent' }).problems).toEqual(['MEDIA_GATEWAY_TOKEN is required']);
    expect(configError({}).problems).toEqual(['MEDIA_GATEWAY_TOKEN is required', DEEPGRAM_KEY_REQUIRED, OPENAI_KEY_REQUIRED]);
  });

  it.each(['0.0.0.0', '::', 'not a host!', 'under_score.example'])('rejects RTP_ADVERTISE_HOST=%s', (host) => {
    const problems = configError({ ...BASE, RTP_ADVERTISE_HOST: host }).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^RTP_ADVERTISE_HOST must be /);
  });

  it.each(['10.0.0.5', 'media.example.com', 'media-gateway', '2001:db8::1'])('accepts RTP_ADVERTISE_HOST=%s', (host) => {
    expect(loadMediaConfig({ ...BASE, RTP_ADVERTISE_HOST: host }).rtp.advertiseHost).toBe(host);
  });
});
