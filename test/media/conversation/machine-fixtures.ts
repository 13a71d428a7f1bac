// Shared set-up of the conversation machine's tests: settings, clip texts, and
// what the chat API would say about the messages the machine asks with.
import { expect } from 'vitest';
import { ConversationMachine } from '../../../media/conversation/conversation-machine.js';
import type { ConversationEffect, ConversationSettings, LlmToolCall } from '../../../media/conversation/conversation-types.js';
import { toApiMessages } from '../../../media/providers/openai-chat-format.js';
import type { ChatMessage } from '../../../media/providers/types.js';
import { validateChatRequest } from '../../fakes/openai/chat-validation.js';

export const CLIPS = {
  greeting: 'Thanks for calling Acme Dental, how can I help?',
  reprompt: 'Are you still there?',
  goodbye: 'Thank you for calling, goodbye.',
  apology: 'Sorry, I am having trouble right now.',
  transfer_notice: 'Let me transfer you.',
  filler: 'One moment.',
  filler_more: 'Thanks for waiting.',
};

export function machine(overrides: Partial<ConversationSettings> = {}): ConversationMachine {
  return new ConversationMachine(
    {
      systemPrompt: 'You answer the phone for Acme Dental.',
      canTransfer: true,
      silenceRepromptMs: 7000,
      maxReprompts: 2,
      maxCallMs: 15 * 60_000,
      fillerAfterMs: 1500,
      keypadActions: {},
      keypadGapMs: 2000,
      ...overrides,
    },
    CLIPS,
  );
}

export const types = (effects: ConversationEffect[]) => effects.map((e) => e.type);

export function only<T extends ConversationEffect['type']>(effects: ConversationEffect[], type: T) {
  return effects.filter((e): e is Extract<ConversationEffect, { type: T }> => e.type === type);
}

/** Greeting played, caller says `text` (speech 1000..2000 ms), STT final at 2300 ms. */
export function greetedAndAsked(m: ConversationMachine, text = 'I would like an appointment.') {
  const start = m.handle({ type: 'start', atMs: 0, wallMs: Date.parse('2026-01-01T10:00:00.000Z') });
  const greeting = only(start, 'play_clip')[0]!;
  m.handle({ type: 'agent_audio_sent', turn: greeting.turn, atMs: 20 });
  m.handle({ type: 'agent_audio_done', turn: greeting.turn, atMs: 900 });
  m.handle({ type: 'caller_speech_start', atMs: 1000 });
  m.handle({ type: 'caller_speech_end', atMs: 2000 });
  const asked = m.handle({ type: 'stt_final', text, speechFinal: true, atMs: 2300 });
  return { start, asked, answerTurn: only(asked, 'start_llm')[0]!.turn };
}

/** The caller says `text` (a short utterance) ending at `atMs`. */
export function callerSays(m: ConversationMachine, text: string, atMs: number): ConversationEffect[] {
  m.handle({ type: 'caller_speech_start', atMs: atMs - 400 });
  m.handle({ type: 'caller_speech_end', atMs: atMs - 100 });
  return m.handle({ type: 'stt_final', text, speechFinal: true, atMs });
}

/** One LLM round of `turn` ends, having said `text` and called `toolCalls`. */
export function roundDone(m: ConversationMachine, turn: number, text: string, atMs: number, toolCalls: LlmToolCall[] = []): ConversationEffect[] {
  return m.handle({ type: 'llm_done', turn, atMs, text, toolCalls });
}

/** Fails unless the real chat completions endpoint would accept these messages. */
export function expectValidRequest(messages: readonly ChatMessage[]): void {
  const problem = validateChatRequest({ model: 'gpt-4o-mini', messages: toApiMessages(messages) });
  expect(problem?.message ?? null).toBeNull();
}
