import { describe, expect, it } from 'vitest';
import { normalizeE164 } from '../../../src/calls/phone-number.js';
import { readKeypadActions } from '../../../src/calls/business-directory.js';
import { isMediaChannel, readInboundCall } from '../../../src/calls/stasis-start.js';
import { endRecord, markAnswered, newInboundRecord } from '../../../src/calls/call-record.js';
import type { StasisStartEvent } from '../../../src/ari/types.js';
import { stasisStart } from '../../support/ari-events.js';

describe('normalizeE164', () => {
  it.each([
    ['+19863334949', '+19863334949'],
    ['+1 (986) 333-4949', '+19863334949'],
    ['19863334949', '+19863334949'],
    ['9863334949', '+19863334949'],
    ['0019863334949', '+19863334949'],
    ['+442071838750', '+442071838750'],
  ])('%s -> %s', (raw, expected) => {
    expect(normalizeE164(raw, '1')).toBe(expected);
  });

  it.each(['s', '', 'anonymous', '+0123456789', '+1234', '12345678901234567', '+1986333494a'])(
    'rejects %j',
    (raw) => {
      expect(normalizeE164(raw, '1')).toBeNull();
    },
  );

  it('uses the configured country code for national numbers', () => {
    expect(normalizeE164('2071838750', '44')).toBe('+442071838750');
  });
});

describe('readInboundCall', () => {
  it('takes the dialed number from the Stasis args', () => {
    const call = readInboundCall(stasisStart({ args: ['inbound', '+19863334949'], exten: 's' }), '1');
    expect(call).toMatchObject({ dialed: '+19863334949', dialedRaw: '+19863334949', from: '+15551230000' });
  });

  it('falls back to the dialplan extension when the args carry no number (as recorded)', () => {
    const call = readInboundCall(stasisStart({ args: ['inbound'], exten: '+15557654321' }), '1');
    expect(call.dialed).toBe('+15557654321');
  });

  it('keeps a caller id that is not a number and nulls an empty one', () => {
    expect(readInboundCall(stasisStart({ callerNumber: 'anonymous' }), '1').from).toBe('anonymous');
    expect(readInboundCall(stasisStart({ callerNumber: '' }), '1').from).toBeNull();
  });

  it('gives a null dialed number for a non-numeric extension', () => {
    expect(readInboundCall(stasisStart({ args: ['inbound'], exten: 's' }), '1').dialed).toBeNull();
  });
});

describe('isMediaChannel', () => {
  it('recognizes the externalMedia channel StasisStart (empty args, UnicastRTP)', () => {
    const event: StasisStartEvent = stasisStart({ args: [], name: 'UnicastRTP/127.0.0.1:40000-0x7fd510008af0' });
    expect(isMediaChannel(event)).toBe(true);
  });

  it('treats a PJSIP channel as a caller even with empty args', () => {
    expect(isMediaChannel(stasisStart({ args: [] }))).toBe(false);
  });
});

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

describe('readKeypadActions', () => {
  it('reads a key -> action object, and maps no key (saying why) when the stored value is not one', () => {
    expect(readKeypadActions('{"0":"transfer","9":"end_call"}')).toEqual({ actions: { '0': 'transfer', '9': 'end_call' }, problem: null });
    expect(readKeypadActions('{}')).toEqual({ actions: {}, problem: null });
    expect(readKeypadActions('not json')).toEqual({ actions: {}, problem: 'keypad_actions is not JSON' });
    expect(readKeypadActions('{"0":"dance"}').problem).toMatch(/^keypad_actions: /);
    expect(readKeypadActions('{"11":"transfer"}').actions).toEqual({});
  });
});
