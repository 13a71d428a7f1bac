import { describe, expect, it } from 'vitest';
import { endRecord, markAnswered, newInboundRecord } from '../../../src/calls/call-record.js';

describe('call record transitions', () => {
  const created = new Date('2026-01-01T10:00:00.000Z');
  const base = newInboundRecord({
    id: '00000000-0000-4000-8000-000000000001',
    channelId: '1.0',
    businessId: '00000000-0000-4000-8000-000000000002',
    fromNumber: '+15551230000',
    toNumber: '+19863334949',
    status: 'ringing',
    createdAt: created,
  });

  it('completes an answered call with the duration since the answer', () => {
    const answered = markAnswered(base, new Date(created.getTime() + 1_000));
    const ended = endRecord(answered, { at: new Date(created.getTime() + 61_500), cause: 'caller_hangup', causeCode: 16 });
    expect(ended).toMatchObject({ status: 'completed', durationMs: 60_500, hangupCause: 'caller_hangup', hangupCauseCode: 16 });
  });

  it('marks a call the caller left before the answer as abandoned with zero duration', () => {
    const ended = endRecord(base, { at: new Date(created.getTime() + 3_000), cause: 'caller_hangup' });
    expect(ended).toMatchObject({ status: 'abandoned', durationMs: 0, answeredAt: null });
  });

  it('fails a call with an error and keeps the first ending', () => {
    const failed = endRecord(markAnswered(base, created), { at: created, cause: 'setup_failed', error: 'bridge: boom' });
    expect(failed).toMatchObject({ status: 'failed', error: 'bridge: boom' });
    expect(endRecord(failed, { at: new Date(), cause: 'caller_hangup' })).toBe(failed);
  });
});
