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
      logLevel: 'info',
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.rtp)).toBe(true);
    expect(Object.isFrozen(config.http)).toBe(true);
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
      LOG_LEVEL: 'debug',
    });
    expect(config).toEqual({
      http: { host: '127.0.0.1', port: 0 },
      gatewayToken: TOKEN,
      rtp: { bindHost: '::', port: 0, advertiseHost: 'media-gateway' },
      maxSessions: 10,
      logLevel: 'debug',
    });
  });

  it('treats empty variables as unset', () => {
    expect(loadMediaConfig({ MEDIA_GATEWAY_TOKEN: TOKEN, RTP_PORT: '', LOG_LEVEL: '' })).toMatchObject({
      rtp: { port: 40000 },
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
      LOG_LEVEL: 'chatty',
    });
    const variables = [
      'MEDIA_HTTP_PORT',
      'MEDIA_GATEWAY_TOKEN',
      'RTP_BIND_HOST',
      'RTP_PORT',
      'RTP_ADVERTISE_HOST',
      'MEDIA_MAX_SESSIONS',
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
