// What is said around a warm transfer: the announcement to the person, and the
// agent that takes the caller back.
import { describe, expect, it } from 'vitest';
import { announcementText, resumeAgentSettings, spokenNumber } from '../../../src/calls/transfer-words.js';
import type { AgentSettings } from '../../../media/contract/sessions.js';

describe('warm transfer words', () => {
  it('reads numbers in groups of digits', () => {
    expect(spokenNumber('+15551230000')).toBe('1 555 123 0000');
    expect(spokenNumber('+442071838750')).toBe('442 071 838 750');
  });

  it("tells the person who is calling and why, in the agent's summary", () => {
    expect(announcementText({ businessName: 'Acme Dental', callerNumber: '+15551230000', summary: '  Dana wants   to move her cleaning ' })).toBe(
      'Hello, this is the Acme Dental assistant. I have a caller on the line from 1 555 123 0000. Dana wants to move her cleaning. Connecting you now.',
    );
    expect(announcementText({ businessName: 'Acme Dental', callerNumber: null, summary: null })).toBe(
      'Hello, this is the Acme Dental assistant. I have a caller on the line. They asked to speak with someone. Connecting you now.',
    );
  });

  it('takes the caller back with an apology, the conversation so far and no second transfer', () => {
    const agent = { systemPrompt: 'You answer for Acme Dental.', greeting: 'Hi!', transferTarget: 'PJSIP/100' } as AgentSettings;
    const resumed = resumeAgentSettings(agent, 'busy', [
      { role: 'caller', text: 'Can I talk to someone?' },
      { role: 'agent', text: 'Let me connect you.' },
    ]);
    expect(resumed.transferTarget).toBeNull();
    expect(resumed.greeting).toMatch(/^I'm sorry, everyone is busy.*take a message/);
    expect(resumed.systemPrompt).toContain('You answer for Acme Dental.');
    expect(resumed.systemPrompt).toContain('Caller: Can I talk to someone?\nYou: Let me connect you.');
    expect(resumed.systemPrompt).toContain('take_message');
  });
});
