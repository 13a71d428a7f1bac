// What the simulated caller says, and (with the fake providers) what the
// scripted model answers: a short booking at a dental clinic. The last answer
// calls end_call, so the agent ends the call by itself.

export const CALLER_NUMBER = '+15551230000';

export interface Exchange {
  /** What the caller says (spoken by espeak-ng; the fake STT's transcript). */
  readonly caller: string;
  /** The fake model's answer (unused with the real services). */
  readonly reply: string;
  /** The fake model calls end_call with this answer. */
  readonly endsCall: boolean;
}

const FULL: readonly Exchange[] = Object.freeze([
  {
    caller: "Hi, I'd like to book a cleaning.",
    reply: 'Sure, I can book a cleaning. Does tomorrow at ten work?',
    endsCall: false,
  },
  {
    caller: 'Tomorrow at ten works.',
    reply: "Great, you're booked for tomorrow at ten. Anything else?",
    endsCall: false,
  },
  { caller: "No, that's all, thanks.", reply: "You're welcome, goodbye!", endsCall: true },
]);

const SHORT: readonly Exchange[] = Object.freeze([
  {
    caller: "Hi, I'd like to book a cleaning.",
    reply: "Sure, you're booked for a cleaning tomorrow at ten. Anything else?",
    endsCall: false,
  },
  { caller: "No, that's all, thanks.", reply: 'You are welcome, goodbye!', endsCall: true },
]);

export function conversationScript(short: boolean): readonly Exchange[] {
  return short ? SHORT : FULL;
}

/** What the fake model says when it hears something the script does not expect. */
export const UNSCRIPTED_REPLY = 'Sorry, could you say that again?';
