import { describe, expect, it } from 'vitest';
import { redactAddresses } from '../../../src/http/address-redaction.js';

describe('address redaction', () => {
  it('removes URLs, IP addresses and host:port pairs, and leaves times and words', () => {
    expect(redactAddresses('media_session: connection refused (http://127.0.0.1:8391)')).toBe('media_session: connection refused ([address])');
    expect(redactAddresses('disconnected: connect ECONNREFUSED 10.0.0.5:8088')).toBe('disconnected: connect ECONNREFUSED [address]');
    expect(redactAddresses('connect ECONNREFUSED ::1:8088')).toBe('connect ECONNREFUSED [address]');
    expect(redactAddresses('getaddrinfo ENOTFOUND asterisk:8088')).toBe('getaddrinfo ENOTFOUND [address]');
    expect(redactAddresses('ws://user@[fe80::1]:8088/ari/events')).toBe('[address]');
    expect(redactAddresses('Tuesday at 10:30, credentials rejected (401)')).toBe('Tuesday at 10:30, credentials rejected (401)');
  });
});
