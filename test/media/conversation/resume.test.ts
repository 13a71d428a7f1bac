// A call moved from a lost gateway: the agent's first line picks the
// conversation up, the LLM sees the turns so far, and turn reports continue
// after the stored ones (never overwriting them).
import { describe, expect, it } from 'vitest';
import { clipTexts, resumeLine } from '../../../media/conversation/clip-texts.js';
import { CLIPS, machine, only } from './machine-fixtures.js';

const SO_FAR = {
  turns: [
    { role: 'agent' as const, text: CLIPS.greeting },
    { role: 'caller' as const, text: 'Can I move my cleaning to Thursday afternoon?' },
  ],
  nextSeq: 2,
};

const AGENT = {
  businessName: 'Acme Dental',
  greeting: 'Hello, Acme Dental.',
  systemPrompt: '',
  voice: 'alloy',
  language: 'en',
  timezone: 'UTC',
  transferTarget: null,
};

describe('resuming a moved call', () => {
  it('says sorry and quotes what the caller was asking instead of greeting', () => {
    expect(resumeLine(SO_FAR)).toBe('Sorry, I missed that: you were asking about "Can I move my cleaning to Thursday afternoon". Could you say that again?');
    expect(clipTexts(AGENT, SO_FAR).greeting).toBe(resumeLine(SO_FAR));
    expect(clipTexts(AGENT).greeting).toBe('Hello, Acme Dental.');
  });

  it('quotes only the end of a long question, and asks openly when the caller had said nothing', () => {
    const long = { turns: [{ role: 'caller' as const, text: 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen' }], nextSeq: 1 };
    expect(resumeLine(long)).toBe('Sorry, I missed that: you were asking about "three four five six seven eight nine ten eleven twelve thirteen fourteen...". Could you say that again?');
    expect(resumeLine({ turns: [{ role: 'agent', text: 'Hello.' }], nextSeq: 1 })).toBe('Sorry, I missed that. How can I help you?');
  });

  it('gives the LLM the conversation so far and numbers new turns after the stored ones', () => {
    const m = machine();
    m.resumeFrom(SO_FAR);
    m.handle({ type: 'start', atMs: 0, wallMs: Date.parse('2026-01-01T10:00:00.000Z') });
    m.handle({ type: 'agent_audio_sent', turn: 2, atMs: 20 });
    const done = m.handle({ type: 'agent_audio_done', turn: 2, atMs: 900 });
    expect(only(done, 'report_turn')[0]!.turn).toMatchObject({ seq: 2, role: 'agent' });
    expect(m.history.slice(0, 2)).toEqual([
      { role: 'assistant', content: CLIPS.greeting },
      { role: 'user', content: 'Can I move my cleaning to Thursday afternoon?' },
    ]);
  });
});
