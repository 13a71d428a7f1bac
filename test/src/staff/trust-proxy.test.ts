import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { parseTrustProxy } from '../../../src/staff/trust-proxy.js';
import { REQUIRED_BACKEND_ENV } from '../../support/backend-env.js';

const REQUIRED = REQUIRED_BACKEND_ENV;

describe('TRUST_PROXY', () => {
  it('reads off, a number of proxies, or their addresses and CIDRs', () => {
    expect(parseTrustProxy('')).toBe(false);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('10.153.53.0/24, 127.0.0.1,::1, fd00::/8,loopback')).toEqual(['10.153.53.0/24', '127.0.0.1', '::1', 'fd00::/8', 'loopback']);
  });

  it('refuses "true" (the leftmost X-Forwarded-For is the client’s own choice) and malformed entries, naming them', () => {
    expect(parseTrustProxy('true')).toEqual({ problem: expect.stringContaining('give the number of proxies') });
    expect(parseTrustProxy('11')).toEqual({ problem: 'must be at most 10 proxies' });
    expect(parseTrustProxy('10.0.0.0/33,proxy.example')).toEqual({ problem: expect.stringContaining('10.0.0.0/33, proxy.example') });
    expect(() => loadConfig({ ...REQUIRED, TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: true would believe any X-Forwarded-For/);
    expect(loadConfig({ ...REQUIRED, TRUST_PROXY: '1' }).staff.trustProxy).toBe(1);
    expect(loadConfig(REQUIRED).staff.trustProxy).toBe(false);
    expect(loadConfig(REQUIRED).staff.sessionIdleMs).toBe(30 * 60_000);
  });
});
