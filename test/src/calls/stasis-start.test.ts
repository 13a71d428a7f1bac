import { describe, expect, it } from 'vitest';
import { isMediaChannel, readInboundCall } from '../../../src/calls/stasis-start.js';
import type { StasisStartEvent } from '../../../src/ari/types.js';
import { stasisStart } from '../../support/ari-events.js';

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
