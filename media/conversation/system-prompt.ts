// The system prompt the LLM gets on every turn: the business's own prompt plus
// what any phone agent must know (it is speaking, not writing).
import type { AgentSettings } from '../contract/sessions.js';

/** Local date and time in the business's timezone, e.g. "Tuesday, March 3, 2026, 10:04 AM". */
export function localTime(at: Date, timezone: string, language: string): string {
  try {
    return new Intl.DateTimeFormat(language, { dateStyle: 'full', timeStyle: 'short', timeZone: timezone }).format(at);
  } catch {
    return at.toISOString();
  }
}

export function systemPrompt(agent: AgentSettings, callerNumber: string | null, at: Date): string {
  const lines = [
    agent.systemPrompt.trim(),
    '',
    `You are the voice of ${agent.businessName} on a live phone call. Everything you write is spoken aloud.`,
    'Keep each reply short: one or two sentences, then let the caller speak. Never use lists, markdown, emoji or URLs.',
    'Say numbers, times and dates the way a person would say them on the phone.',
    `It is now ${localTime(at, agent.timezone, agent.language)} for the business (timezone ${agent.timezone}).`,
    `Answer in the caller's language; the business's language is ${agent.language}.`,
  ];
  if (callerNumber) lines.push(`The caller's number is ${callerNumber}.`);
  lines.push(
    'When the conversation is over, say goodbye and call end_call.',
    'When the caller wants to leave a message, collect their name, a callback number and the reason, then call take_message.',
  );
  if (agent.transferTarget) lines.push('When the caller asks for a person or you cannot help, call transfer_to_human.');
  else lines.push('No one is available for transfers; offer to take a message instead.');
  return lines.join('\n');
}
