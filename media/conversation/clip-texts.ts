// What the agent says without asking the LLM: the business's greeting and a few
// fixed lines, synthesized once and cached (clip-cache.ts).
import type { AgentSettings, ResumeContext } from '../contract/sessions.js';
import type { ClipName } from './conversation-types.js';

const LINES: Omit<Record<ClipName, string>, 'greeting'> = {
  reprompt: 'Are you still there?',
  goodbye: 'Thank you for calling. Goodbye!',
  apology: "I'm sorry, I'm having technical trouble right now.",
  transfer_notice: 'One moment, I will transfer you to a member of our team.',
  filler: 'One moment.',
  filler_more: 'Thanks for waiting, almost there.',
};

/** Words of the caller's last turn quoted back when a moved call resumes. */
const RESUME_QUOTE_WORDS = 12;

/** `resume`: the call moved here mid-conversation; its first line picks the conversation up instead of greeting. */
export function clipTexts(agent: AgentSettings, resume?: ResumeContext): Record<ClipName, string> {
  const greeting = resume ? resumeLine(resume) : agent.greeting.trim() || `Thank you for calling ${agent.businessName}. How can I help you?`;
  return { greeting, ...LINES };
}

/** What the agent says first on a moved call: the caller may have been cut off mid-sentence. */
export function resumeLine(resume: ResumeContext): string {
  const lastCaller = [...resume.turns].reverse().find((turn) => turn.role === 'caller' && turn.text.trim() !== '');
  if (!lastCaller) return 'Sorry, I missed that. How can I help you?';
  const words = lastCaller.text.trim().replace(/[.?!]+$/, '').split(/\s+/);
  const quote = words.length > RESUME_QUOTE_WORDS ? `${words.slice(-RESUME_QUOTE_WORDS).join(' ')}...` : words.join(' ');
  return `Sorry, I missed that: you were asking about "${quote}". Could you say that again?`;
}
