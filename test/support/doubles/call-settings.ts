// CallSettings for sessions and managers under test: RTP ulaw as deployed by default, short waits.
import type { CallSettings } from '../../../src/calls/call-session-deps.js';

export function testCallSettings(overrides: Partial<CallSettings> = {}): CallSettings {
  return {
    appName: 'prosaas_ai',
    mediaTransport: 'rtp',
    mediaFormat: 'ulaw',
    mediaWebSocketUrl: 'ws://127.0.0.1:8088/media',
    defaultCountryCode: '1',
    externalMediaStasisTimeoutMs: 1_000,
    setupTimeoutMs: 5_000,
    transferRingTimeoutS: 30,
    announcementTimeoutMs: 10_000,
    outbound: { trunk: 'twilio-out', ringTimeoutS: 30, amdTimeoutMs: 5_000 },
    ...overrides,
  };
}
