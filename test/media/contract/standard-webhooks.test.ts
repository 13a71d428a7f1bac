// Standard Webhooks signatures: the specification's own example, secrets in
// the whsec_ form, two signatures during a rotation, and what a receiver
// refuses (another secret, a changed body or id, an old timestamp).
import { describe, expect, it } from 'vitest';
import { isSigningSecret, newSigningSecret, sign, signedHeaders, verifySignature, WEBHOOK_HEADERS } from '../../../media/contract/standard-webhooks.js';

// The example of the Standard Webhooks libraries' tests.
const EXAMPLE = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const headersOf = (signed: Record<string, string>) => ({
  id: signed[WEBHOOK_HEADERS.id],
  timestamp: signed[WEBHOOK_HEADERS.timestamp],
  signature: signed[WEBHOOK_HEADERS.signature],
});

describe('Standard Webhooks signatures', () => {
  it('signs the specification’s example exactly', () => {
    expect(sign(EXAMPLE.secret, EXAMPLE.id, EXAMPLE.timestamp, EXAMPLE.body)).toBe(EXAMPLE.signature);
    const headers = { id: EXAMPLE.id, timestamp: String(EXAMPLE.timestamp), signature: EXAMPLE.signature };
    expect(verifySignature(EXAMPLE.secret, headers, EXAMPLE.body, { nowSeconds: EXAMPLE.timestamp + 10 })).toEqual({ ok: true });
  });

  it('makes whsec_ secrets of 32 random bytes and tells them from other text', () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(isSigningSecret(secret)).toBe(true);
    expect(newSigningSecret()).not.toBe(secret);
    expect(isSigningSecret('whsec_c2hvcnQ=')).toBe(false);
    expect(isSigningSecret('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBe(false);
    expect(isSigningSecret('whsec_not base64!')).toBe(false);
  });

  it('signs with both secrets during a rotation; either verifies, a third does not', () => {
    const [current, previous, stranger] = [newSigningSecret(), newSigningSecret(), newSigningSecret()];
    const now = 1_765_000_000;
    const signed = signedHeaders([current, previous], 'msg_1', now, '{"a":1}');
    expect(signed[WEBHOOK_HEADERS.signature]!.split(' ')).toHaveLength(2);
    expect(signed[WEBHOOK_HEADERS.timestamp]).toBe(String(now));
    expect(verifySignature(current, headersOf(signed), '{"a":1}', { nowSeconds: now })).toEqual({ ok: true });
    expect(verifySignature(previous, headersOf(signed), '{"a":1}', { nowSeconds: now })).toEqual({ ok: true });
    expect(verifySignature(stranger, headersOf(signed), '{"a":1}', { nowSeconds: now })).toEqual({ ok: false, reason: 'no signature matches' });
  });

  it('refuses a changed body or id, an old or future timestamp, and missing headers', () => {
    const secret = newSigningSecret();
    const now = 1_765_000_000;
    const signed = headersOf(signedHeaders([secret], 'msg_2', now, '{"amount":10}'));
    expect(verifySignature(secret, signed, '{"amount":1000}', { nowSeconds: now }).ok).toBe(false);
    expect(verifySignature(secret, { ...signed, id: 'msg_3' }, '{"amount":10}', { nowSeconds: now }).ok).toBe(false);
    expect(verifySignature(secret, signed, '{"amount":10}', { nowSeconds: now + 301 })).toEqual({ ok: false, reason: 'webhook-timestamp is too far from the current time' });
    expect(verifySignature(secret, signed, '{"amount":10}', { nowSeconds: now - 301 }).ok).toBe(false);
    expect(verifySignature(secret, { ...signed, timestamp: '1e9' }, '{"amount":10}', { nowSeconds: now }).ok).toBe(false);
    expect(verifySignature(secret, { ...signed, signature: undefined }, '{"amount":10}', { nowSeconds: now }).ok).toBe(false);
    expect(verifySignature(secret, signed, '{"amount":10}', { nowSeconds: now + 299 })).toEqual({ ok: true });
  });
});
