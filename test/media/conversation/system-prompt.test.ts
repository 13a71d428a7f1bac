import { describe, expect, it } from 'vitest';
import { localTime, systemPrompt } from '../../../media/conversation/system-prompt.js';
import { sessionRequest } from '../../support/doubles/session-request.js';

const AT = new Date('2026-03-03T15:04:00Z');

describe('systemPrompt', () => {
  it('puts the business’s own prompt first, then what a phone agent must know', () => {
    const { agent } = sessionRequest();
    const lines = systemPrompt(agent, '+15551230000', AT).split('\n');
    expect(lines[0]).toBe('You book dental appointments.');
    expect(lines).toContain('You are the voice of Bright Smile Dental on a live phone call. Everything you write is spoken aloud.');
    expect(lines).toContain(`It is now ${localTime(AT, 'America/New_York', 'en-US')} for the business (timezone America/New_York).`);
    expect(lines).toContain("The caller's number is +15551230000.");
    expect(lines).toContain('No one is available for transfers; offer to take a message instead.');
    expect(lines.join('\n')).not.toContain('transfer_to_human');
  });

  it('offers the transfer only with a target, and leaves out a caller without a number', () => {
    const { agent } = sessionRequest({ transferTarget: 'PJSIP/front-desk' });
    const prompt = systemPrompt(agent, null, AT);
    expect(prompt).toContain('When the caller asks for a person or you cannot help, call transfer_to_human.');
    expect(prompt).not.toContain("The caller's number");
  });
});

describe('localTime', () => {
  it('says the time in the business’s zone and language', () => {
    // The connecting words and spaces vary with the ICU version Node ships.
    expect(localTime(AT, 'America/New_York', 'en-US')).toMatch(/^Tuesday, March 3, 2026\D+10:04\sAM$/);
    expect(localTime(AT, 'Europe/Paris', 'fr-FR')).toMatch(/^mardi 3 mars 2026\D+16:04$/);
  });

  it('falls back to ISO time for a zone or language Intl does not know', () => {
    expect(localTime(AT, 'Mars/Olympus_Mons', 'en-US')).toBe('2026-03-03T15:04:00.000Z');
  });
});
