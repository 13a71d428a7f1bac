// Signed recording links (pure): a link works until it expires and not once
// any part of it changed.
import { describe, expect, it } from 'vitest';
import { checkRecordingLink, recordingLink } from '../../../src/integrations/recording-link.js';

const SECRET = 'recording-link-secret-0123456789abcdef';
const CALL = '5b0c7a52-1d5e-4d8f-9a61-3f1e2d4c5b6a';
const OTHER_CALL = '5b0c7a52-1d5e-4d8f-9a61-3f1e2d4c5b6b';

function parts(link: string): { callId: string; expires: string | null; signature: string | null } {
  const url = new URL(link);
  return { callId: decodeURIComponent(url.pathname.split('/').pop()!), expires: url.searchParams.get('expires'), signature: url.searchParams.get('signature') };
}

describe('recording links', () => {
  const expiresAt = new Date('2026-12-20T10:00:00.000Z');
  const link = recordingLink({ publicUrl: 'https://console.example.com', secret: SECRET, callId: CALL, expiresAt });

  it('names the call and its expiry under the public address', () => {
    expect(link).toMatch(new RegExp(`^https://console\\.example\\.com/recordings/${CALL}\\?expires=${expiresAt.getTime() / 1000}&signature=[A-Za-z0-9_-]{43}$`));
  });

  it('works until it expires', () => {
    const { callId, expires, signature } = parts(link);
    expect(checkRecordingLink(SECRET, callId, expires, signature, new Date(expiresAt.getTime() - 1000))).toEqual({ ok: true });
    expect(checkRecordingLink(SECRET, callId, expires, signature, new Date(expiresAt.getTime() + 1000))).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses another call, a later expiry, another key and malformed parts', () => {
    const { expires, signature } = parts(link);
    const now = new Date(expiresAt.getTime() - 60_000);
    expect(checkRecordingLink(SECRET, OTHER_CALL, expires, signature, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(checkRecordingLink(SECRET, CALL, String(Number(expires) + 3600), signature, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(checkRecordingLink(`${SECRET}x`, CALL, expires, signature, now)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(checkRecordingLink(SECRET, CALL, undefined, signature, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(checkRecordingLink(SECRET, CALL, expires, `${signature}=`, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(checkRecordingLink(SECRET, CALL, '-1', signature, now)).toEqual({ ok: false, reason: 'malformed' });
  });
});
