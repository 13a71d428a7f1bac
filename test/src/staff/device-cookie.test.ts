import { describe, expect, it } from 'vitest';
import { deviceCookie, issueDeviceToken, verifyDeviceToken } from '../../../src/staff/device-cookie.js';

const account = { id: '6f1c2d3e-0000-4000-8000-000000000001', passwordHash: 'scrypt$32768$8$1$salt$hash' };

describe('trusted-device tokens', () => {
  it('verify for the account they were issued for, under its current password only', () => {
    const token = issueDeviceToken(account);
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(verifyDeviceToken(token, account)).toBe(`${account.id}:${token.split('.')[0]}`);
    expect(verifyDeviceToken(token, { ...account, id: '6f1c2d3e-0000-4000-8000-000000000002' })).toBeNull();
    expect(verifyDeviceToken(token, { ...account, passwordHash: 'scrypt$32768$8$1$salt$other' })).toBeNull();
    // A signature with its first character changed (the last one carries padding bits a decoder may ignore).
    const [deviceId, signature] = token.split('.') as [string, string];
    const tampered = `${deviceId}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    expect(verifyDeviceToken(tampered, account)).toBeNull();
    expect(verifyDeviceToken(undefined, account)).toBeNull();
    expect(verifyDeviceToken('garbage', account)).toBeNull();
  });

  it('is an HttpOnly, SameSite=Strict cookie, Secure over HTTPS', () => {
    expect(deviceCookie('a.b', true)).toBe('dev=a.b; Path=/; Max-Age=15552000; HttpOnly; Secure; SameSite=Strict');
  });
});
