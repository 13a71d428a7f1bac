import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { REQUIRED_BACKEND_ENV, configProblemsOf } from '../support/backend-env.js';

const REQUIRED = REQUIRED_BACKEND_ENV;
const problemsOf = configProblemsOf;

describe('backend configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(REQUIRED);
    expect(config.ari).toMatchObject({ url: 'http://127.0.0.1:8088', appName: 'prosaas_ai', mediaFormat: 'ulaw' });
    expect(config.http).toEqual({ host: '0.0.0.0', port: 3000 });
    expect(config.db.url).toBeUndefined();
    expect(Object.isFrozen(config.ari)).toBe(true);
  });

  it('lists every problem in one error and never echoes a secret', () => {
    const problems = problemsOf({
      ASTERISK_ARI_URL: 'ftp://asterisk',
      ASTERISK_ARI_PASSWORD: 'Secret-ari-1',
      MEDIA_GATEWAY_TOKEN: 'short-tok',
      PORT: 'eighty',
      ARI_APP_NAME: 'bad name',
    });
    const names = problems.map((p) => p.split(':')[0]);
    expect(names).toEqual(
      expect.arrayContaining(['ASTERISK_ARI_URL', 'ASTERISK_ARI_USERNAME', 'MEDIA_GATEWAY_TOKEN', 'PORT', 'ARI_APP_NAME']),
    );
    expect(problems.join('\n')).not.toContain('short-tok');
    expect(problems.join('\n')).not.toContain('Secret-ari-1');
  });

  it('refuses slin16 with the reason', () => {
    expect(problemsOf({ ...REQUIRED, ARI_MEDIA_FORMAT: 'slin16' }).join()).toContain('Asterisk drops 16 kHz RTP');
    expect(loadConfig({ ...REQUIRED, ARI_MEDIA_FORMAT: 'slin' }).ari.mediaFormat).toBe('slin');
  });

  it('treats empty variables as unset, as in an env file', () => {
    const config = loadConfig({ ...REQUIRED, DATABASE_URL: '', PORT: '' });
    expect(config.db.url).toBeUndefined();
    expect(config.http.port).toBe(3000);
    expect(problemsOf({ ...REQUIRED, ASTERISK_ARI_PASSWORD: '' })).toEqual(['ASTERISK_ARI_PASSWORD: is required']);
  });

  it('keeps a dead socket detectable within 10 s', () => {
    expect(problemsOf({ ...REQUIRED, ARI_PING_INTERVAL_MS: '8000', ARI_PONG_TIMEOUT_MS: '4000' }).join()).toContain(
      'within 10 s',
    );
  });

  it('strips a trailing slash from the media gateway URL', () => {
    expect(loadConfig({ ...REQUIRED, MEDIA_GATEWAY_URL: 'http://gw:8090/' }).media.url).toBe('http://gw:8090');
  });
});

describe('staff console and operator configuration', () => {
  it('makes cookies Secure in production unless told otherwise, and reads the staff settings', () => {
    expect(loadConfig(REQUIRED).staff.cookieSecure).toBe(false);
    expect(loadConfig({ ...REQUIRED, NODE_ENV: 'production' }).staff.cookieSecure).toBe(true);
    expect(loadConfig({ ...REQUIRED, NODE_ENV: 'production', COOKIE_SECURE: 'false' }).staff.cookieSecure).toBe(false);
    expect(loadConfig({ ...REQUIRED, COOKIE_SECURE: 'true' }).staff.cookieSecure).toBe(true);
    const config = loadConfig({ ...REQUIRED, RECORDINGS_DIR: 'recs' });
    expect(config.staff).toMatchObject({ sessionTtlMs: 43_200_000, liveHeartbeatMs: 15_000, trustProxy: false });
    expect(config.staff.recordingsDir).toMatch(/^\/.*\/recs$/);
    expect(config.admin.operatorToken).toBeUndefined();
  });

  it('wants a long operator token and never echoes it', () => {
    let message = '';
    try {
      loadConfig({ ...REQUIRED, OPERATOR_TOKEN: 'short-op' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('OPERATOR_TOKEN: must be at least 16 characters');
    expect(message).not.toContain('short-op');
    expect(loadConfig({ ...REQUIRED, OPERATOR_TOKEN: 'operator-token-0123456789' }).admin.operatorToken).toBe('operator-token-0123456789');
  });
});

describe('integrations configuration', () => {
  it('applies the documented defaults: public destinations only, 24 h of retries, no recording links', () => {
    const { integrations } = loadConfig(REQUIRED);
    expect(integrations).toMatchObject({
      outbound: { allowPrivateNetworks: false, requireHttps: false },
      publicUrl: undefined,
      recordingLinkTtlMs: 7 * 24 * 3_600_000,
      webhooks: { timeoutMs: 10_000, retryMinMs: 5_000, retryMaxMs: 3_600_000, maxAgeMs: 24 * 3_600_000, pollMs: 5_000, callEndedDelayMs: 2_000 },
    });
    expect(Object.isFrozen(integrations.webhooks)).toBe(true);
  });

  it('derives the recording links’ key from the gateway token, the same on every replica and never the token itself', () => {
    const first = loadConfig(REQUIRED).integrations.recordingLinkSecret;
    expect(loadConfig(REQUIRED).integrations.recordingLinkSecret).toBe(first);
    expect(first).not.toContain(REQUIRED.MEDIA_GATEWAY_TOKEN);
    expect(first.length).toBeGreaterThanOrEqual(43);
    expect(loadConfig({ ...REQUIRED, MEDIA_GATEWAY_TOKEN: 'another-token-0123456789' }).integrations.recordingLinkSecret).not.toBe(first);
    const own = 'a-recording-link-secret-of-32-chars-or-more';
    expect(loadConfig({ ...REQUIRED, RECORDING_LINK_SECRET: own }).integrations.recordingLinkSecret).toBe(own);
  });

  it('reads the overrides: production wants https, the operator may allow private networks', () => {
    const { integrations } = loadConfig({
      ...REQUIRED,
      NODE_ENV: 'production',
      INTEGRATIONS_ALLOW_PRIVATE_NETWORKS: 'true',
      PUBLIC_URL: 'https://console.example.com/',
      WEBHOOK_RETRY_MIN_MS: '50',
      WEBHOOK_RETRY_MAX_MS: '200',
    });
    expect(integrations.outbound).toEqual({ allowPrivateNetworks: true, requireHttps: true });
    expect(integrations.publicUrl).toBe('https://console.example.com');
    expect(integrations.webhooks).toMatchObject({ retryMinMs: 50, retryMaxMs: 200 });
  });

  it('refuses a short link key and a first retry longer than the last, without echoing the key', () => {
    const problems = problemsOf({ ...REQUIRED, RECORDING_LINK_SECRET: 'too-short-key', PUBLIC_URL: 'console.example.com' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['PUBLIC_URL', 'RECORDING_LINK_SECRET']);
    expect(problems.join('\n')).not.toContain('too-short-key');
    expect(problemsOf({ ...REQUIRED, WEBHOOK_RETRY_MIN_MS: '5000', WEBHOOK_RETRY_MAX_MS: '1000' })).toEqual(['WEBHOOK_RETRY_MIN_MS: must not exceed WEBHOOK_RETRY_MAX_MS']);
  });
});
