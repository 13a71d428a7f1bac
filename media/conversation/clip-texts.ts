// What the agent says without asking the LLM: the business's greeting and a few
// fixed lines, synthesized once and cached (clip-cache.ts).
import type { AgentSettings } from '../contract/sessions.js';
import type { ClipName } from './conversation-types.js';

const LINES: Omit<Record<ClipName, string>, 'greeting'> = {
  reprompt: 'Are you still there?',
  goodbye: 'Thank you for calling. Goodbye!',
  apology: "I'm sorry, I'm having technical trouble right now.",
  transfer_notice: 'One moment, I will transfer you to a member of our team.',
  filler: 'One moment.',
  filler_more: 'Thanks for waiting, almost there.',
};

export function clipTexts(agent: AgentSettings): Record<ClipName, string> {
  const greeting = agent.greeting.trim() || `Thank you for calling ${agent.businessName}. How can I help you?`;
  return { greeting, ...LINES };
}
