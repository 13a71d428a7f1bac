import { isAbsolute, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMediaConfig, MediaConfigError } from '../media/config.js';

const TOKEN = 'test-gateway-token-0123456789';

describe('loadMediaConfig', () => {
  function configError(env: NodeJS.ProcessEnv): MediaConfigError {
    try {
      loadMediaConfig(env);
    } catch (error) {
      if (error instanceof MediaConfigError) return error;
      throw error;
    }
    throw new Error('expected a MediaConfigError');
  }

  it('applies the defaults', () => {
    const config = loadMediaConfig({ MEDIA_GATEWAY_TOKEN: TOKEN });
    expect(config).toEqual({
      http: { host: '0.0.0.0', port: 8090 },
      gatewayToken: TOKEN,
      rtp: { bindHost: '0.0.0.0', port: 40000, advertiseHost: '127.0.0.1' },
      maxSessions: 2000,
      agent: 'silent',
      recordings: { dir: join(process.cwd(), 'recordings'), enabled: true },
      jitter: { targetMs: 60, maxMs: 200 },
      clockPhases: 10,
      logLevel: 'info',
    });
    expect(isAbsolute(config.recordings.dir)).toBe(true);
    for (const part of [config, config.rtp, config.http, config.recordings, config.jitter]) expect(Object.isFrozen(part)).toBe(true);
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
      JITTER_TARGET_MS: '40',
      JITTER_MAX_MS: '120',
      MEDIA_CLOCK_PHASES: '4',
      LOG_LEVEL: 'debug',
    });
    expect(config).toEqual({
      http: { host: '127.0.0.1', port: 0 },
      gatewayToken: TOKEN,
      rtp: { bindHost: '::', port: 0, advertiseHost: 'media-gateway' },
      maxSessions: 10,
      agent: 'echo',
      recordings: { dir: resolve('/var/lib/media/recordings'), enabled: false },
      jitter: { targetMs: 40, maxMs: 120 },
      clockPhases: 4,
      logLevel: 'debug',
    });
  });

  it('resolves a relative RECORDINGS_DIR against the working directory', () => {
    const config = loadMediaConfig({ MEDIA_GATEWAY_TOKEN: TOKEN, RECORDINGS_DIR: 'data/calls' });
    expect(config.recordings.dir).toBe(join(process.cwd(), 'data', 'calls'));
  });

  it.each([
    ['MEDIA_AGENT', 'chatty', 'MEDIA_AGENT must be one of silent, echo'],
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
  ])('rejects %s=%s', (variable, value, problem) => {
    expect(configError({ MEDIA_GATEWAY_TOKEN: TOKEN, [variable]: value }).problems).toEqual([problem]);
  });

  it('requires JITTER_MAX_MS above JITTER_TARGET_MS', () => {
    const problem = 'JITTER_MAX_MS must be greater than JITTER_TARGET_MS';
    expect(configError({ MEDIA_GATEWAY_TOKEN: TOKEN, JITTER_TARGET_MS: '200', JITTER_MAX_MS: '200' }).problems).toEqual([problem]);
    expect(configError({ MEDIA_GATEWAY_TOKEN: TOKEN, JITTER_TARGET_MS: '100', JITTER_MAX_MS: '80' }).problems).toEqual([problem]);
    expect(loadMediaConfig({ MEDIA_GATEWAY_TOKEN: TOKEN, JITTER_TARGET_MS: '100', JITTER_MAX_MS: '120' }).jitter).toEqual({
      targetMs: 100,
      maxMs: 120,
    });
  });

  it('treats empty variables as unset', () => {
    const config = loadMediaConfig({
      MEDIA_GATEWAY_TOKEN: TOKEN,
      RTP_PORT: '',
      LOG_LEVEL: '',
      MEDIA_AGENT: '',
      RECORDINGS_DIR: '',
      RECORDING_ENABLED: '',
      JITTER_TARGET_MS: '',
      JITTER_MAX_MS: '',
      MEDIA_CLOCK_PHASES: '',
    });
    expect(config).toMatchObject({
      rtp: { port: 40000 },
      agent: 'silent',
      recordings: { dir: join(process.cwd(), 'recordings'), enabled: true },
      jitter: { targetMs: 60, maxMs: 200 },
      clockPhases: 10,
      logLevel: 'info',
    });
    expect(configError({ MEDIA_GATEWAY_TOKEN: '' }).problems).toEqual(['MEDIA_GATEWAY_TOKEN is required']);
  });

  it('lists every problem in one error and never includes the token', () => {
    const shortToken = 'hunter2-secret';
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
      'LOG_LEVEL',
    ];
    expect(error.problems.map((problem) => problem.split(' ')[0])).toEqual(variables);
    for (const variable of variables) expect(error.message).toContain(variable);
    expect(error.message).toContain('at least 16 characters');
    expect(error.message).not.toContain(shortToken);
    expect(error.message).not.toContain('\n');
  });

  it('says the token is required when it is missing', () => {
    expect(configError({}).problems).toEqual(['MEDIA_GATEWAY_TOKEN is required']);
  });

  it.each(['0.0.0.0', '::', 'not a host!', 'under_score.example'])('rejects RTP_ADVERTISE_HOST=%s', (host) => {
    expect(configError({ MEDIA_GATEWAY_TOKEN: TOKEN, RTP_ADVERTISE_HOST: host }).problems).toHaveLength(1);
  });

  it.each(['10.0.0.5', 'media.example.com', 'media-gateway', '2001:db8::1'])('accepts RTP_ADVERTISE_HOST=%s', (host) => {
    expect(loadMediaConfig({ MEDIA_GATEWAY_TOKEN: TOKEN, RTP_ADVERTISE_HOST: host }).rtp.advertiseHost).toBe(host);
  });
});
