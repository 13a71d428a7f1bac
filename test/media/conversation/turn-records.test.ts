import { describe, expect, it } from 'vitest';
import { TurnRecords } from '../../../media/conversation/turn-records.js';

describe('TurnRecords', () => {
  const records = new TurnRecords();
  // performance.now() 5_000 was 10:00:00.000 on the wall clock.
  records.start(5_000, Date.parse('2026-03-03T10:00:00.000Z'));

  it('puts caller turns on the wall clock, trimmed, without latency', () => {
    expect(records.caller(1, '  I need a cleaning. ', 6_250.4, 8_000)).toEqual({
      seq: 1,
      role: 'caller',
      text: 'I need a cleaning.',
      startedAt: '2026-03-03T10:00:01.250Z',
      endedAt: '2026-03-03T10:00:03.000Z',
      interrupted: false,
      latency: null,
    });
  });

  it('measures an answer’s latencies from the end of the caller’s speech, rounded to ms', () => {
    const record = records.agent(2, 'Sure.', 8_900, 11_000, false, {
      speechEndMs: 8_000,
      sttFinalMs: 8_120.4,
      firstTokenMs: 8_500.6,
      firstAudioMs: 8_700,
      firstSentMs: 8_900,
    });
    expect(record).toMatchObject({ seq: 2, role: 'agent', startedAt: '2026-03-03T10:00:03.900Z', interrupted: false });
    expect(record.latency).toEqual({ sttFinalMs: 120, llmFirstTokenMs: 501, ttsFirstAudioMs: 700, voiceToVoiceMs: 900 });
  });

  it('leaves out milestones not reached, and every latency without an end of speech', () => {
    const milestones = { speechEndMs: 8_000, sttFinalMs: 8_100, firstTokenMs: null, firstAudioMs: null, firstSentMs: null };
    expect(records.agent(3, 'x', 9_000, 9_500, true, milestones).latency).toEqual({
      sttFinalMs: 100,
      llmFirstTokenMs: null,
      ttsFirstAudioMs: null,
      voiceToVoiceMs: null,
    });
    const clip = records.agent(0, 'Hello!', 5_000, 6_000, false, null);
    expect(clip.latency).toBeNull();
    expect(records.agent(4, 'y', 9_000, 9_500, false, { ...milestones, speechEndMs: null }).latency).toEqual({
      sttFinalMs: null,
      llmFirstTokenMs: null,
      ttsFirstAudioMs: null,
      voiceToVoiceMs: null,
    });
  });
});
