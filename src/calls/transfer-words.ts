// What is said around a warm transfer (pure): the announcement the person taking
// the call hears, and the settings of the agent that takes the caller back when
// nobody took the call.
import type { AgentSettings } from '../../media/contract/sessions.js';
import type { TransferOutcome } from './call-record.js';

/** `+15551230000` -> `1 555 123 0000`: digits in groups a voice reads one by one. */
export function spokenNumber(e164: string): string {
  const digits = e164.replace(/\D/g, '');
  if (digits.length === 11 && digits.startsWith('1')) return `1 ${digits.slice(1, 4)} ${digits.slice(4, 7)} ${digits.slice(7)}`;
  return digits.replace(/(\d{3})(?=\d)/g, '$1 ');
}

/**
 * One or two sentences for the person taking the call: who is calling, why (the
 * agent's one-sentence summary of the call so far, given with the transfer), and
 * that they are being connected.
 */
export function announcementText(fields: { businessName: string; callerNumber: string | null; summary: string | null }): string {
  const caller = fields.callerNumber ? `a caller on the line from ${spokenNumber(fields.callerNumber)}` : 'a caller on the line';
  const summary = fields.summary?.trim().replace(/\s+/g, ' ') ?? '';
  const why = summary === '' ? 'They asked to speak with someone.' : /[.!?]$/.test(summary) ? summary : `${summary}.`;
  return `Hello, this is the ${fields.businessName} assistant. I have ${caller}. ${why} Connecting you now.`;
}

const RESUME_GREETINGS: Readonly<Record<Exclude<TransferOutcome, 'connected' | 'caller_left'>, string>> = {
  busy: "I'm sorry, everyone is busy on other calls right now. I can take a message and have someone call you back. What is your name?",
  no_answer: "I'm sorry, nobody could take your call right now. I can take a message and have someone call you back. What is your name?",
  declined: "I'm sorry, nobody can take your call at the moment. I can take a message and have someone call you back. What is your name?",
  failed: "I'm sorry, I could not reach anyone just now. I can take a message and have someone call you back. What is your name?",
};

/**
 * The agent that takes the caller back after a warm transfer nobody took: it
 * apologizes and offers to take a message, knows the conversation so far, and
 * offers no second transfer (the caller would wait on hold again).
 */
export function resumeAgentSettings(
  agent: AgentSettings,
  outcome: Exclude<TransferOutcome, 'connected' | 'caller_left'>,
  conversation: readonly { role: 'caller' | 'agent'; text: string }[],
): AgentSettings {
  const greeting = RESUME_GREETINGS[outcome];
  const transcript = conversation
    .filter((turn) => turn.text.trim() !== '')
    .map((turn) => `${turn.role === 'caller' ? 'Caller' : 'You'}: ${turn.text.trim()}`)
    .join('\n');
  const context = [
    'The caller asked for a person. You put them on hold and tried to connect them, but nobody took the call.',
    `You have just told them: "${greeting}"`,
    'Take a message with the take_message tool (name, callback number, reason), then end the call politely.',
    transcript === '' ? '' : `The conversation before the transfer:\n${transcript}`,
  ]
    .filter((line) => line !== '')
    .join('\n');
  return { ...agent, greeting, systemPrompt: `${agent.systemPrompt}\n\n${context}`, transferTarget: null };
}
