// chan_websocket's text control messages, from the recorded Asterisk 22.10.1 call
// (read from the shared reference folder) and the forms chan_websocket.c writes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseChanWebSocketMessage } from '../../../media/websocket/chan-websocket-messages.js';
import { decodeL16le, encodeL16le } from '../../../media/codec/l16-le.js';
import { sharedPath } from '../../support/shared-reference.js';

function recordedTexts(): string[] {
  const lines = readFileSync(sharedPath('ari', 'traces', 'inbound-externalmedia-websocket-slin16.jsonl'), 'utf8').split('\n');
  return lines.filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as { kind: string; raw?: string }).filter((entry) => entry.kind === 'media-ws-text').map((entry) => entry.raw ?? '');
}

describe('chan_websocket control messages', () => {
  it("reads the recorded MEDIA_START: the call's format, frame size and ptime", () => {
    const start = recordedTexts().find((text) => text.startsWith('MEDIA_START'));
    expect(start).toBeDefined();
    expect(parseChanWebSocketMessage(start!)).toEqual({
      type: 'MEDIA_START',
      connectionId: '3a57ddc0-5b1f-4c44-9175-06ef43e07a90',
      channel: 'WebSocket/INCOMING/0x7fd514005bf0',
      channelId: '1795234854.24',
      format: 'slin16',
      optimalFrameSize: 640,
      ptimeMs: 20,
    });
  });

  it('reads flow control, DTMF and errors; unknown events are named, blank ones dropped', () => {
    expect(parseChanWebSocketMessage('MEDIA_XOFF')).toEqual({ type: 'MEDIA_XOFF' });
    expect(parseChanWebSocketMessage('MEDIA_XON\n')).toEqual({ type: 'MEDIA_XON' });
    expect(parseChanWebSocketMessage('QUEUE_DRAINED')).toEqual({ type: 'QUEUE_DRAINED' });
    expect(parseChanWebSocketMessage('DTMF_END digit:5 channel_id:1795234854.24')).toEqual({ type: 'DTMF_END', digit: '5' });
    expect(parseChanWebSocketMessage('ERROR channel_id:1.2 error_text:Invalid command: FOO BAR')).toEqual({ type: 'ERROR', text: 'Invalid command: FOO BAR' });
    expect(parseChanWebSocketMessage('MEDIA_MARK_PROCESSED 7')).toEqual({ type: 'other', name: 'MEDIA_MARK_PROCESSED' });
    expect(parseChanWebSocketMessage('   ')).toBeNull();
  });

  it('refuses a MEDIA_START without a usable frame size or ptime', () => {
    expect(parseChanWebSocketMessage('MEDIA_START format:slin16 optimal_frame_size:0 ptime:20')).toBeNull();
    expect(parseChanWebSocketMessage('MEDIA_START format:slin16 optimal_frame_size:640')).toBeNull();
    expect(parseChanWebSocketMessage('MEDIA_START optimal_frame_size:640 ptime:20')).toBeNull();
  });
});

describe('L16 little-endian (slin on the media websocket)', () => {
  it('round-trips samples, extremes included, low byte first', () => {
    const samples = Int16Array.from([0, 1, -1, 32767, -32768, 0x1234]);
    const bytes = new Uint8Array(samples.length * 2);
    encodeL16le(samples, bytes);
    expect([...bytes.subarray(10, 12)]).toEqual([0x34, 0x12]);
    const back = new Int16Array(samples.length);
    decodeL16le(bytes, back);
    expect([...back]).toEqual([...samples]);
  });

  it('refuses half a sample and too small an output', () => {
    expect(() => decodeL16le(new Uint8Array(3), new Int16Array(2))).toThrow(RangeError);
    expect(() => encodeL16le(new Int16Array(4), new Uint8Array(7))).toThrow(RangeError);
  });
});
