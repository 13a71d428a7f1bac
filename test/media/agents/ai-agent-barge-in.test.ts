// The coordinator and its turns when the caller cuts in: before the first
// token, mid-sentence, during each tool, during a transfer and a goodbye. Every
// request the LLM gets is checked by the OpenAI fake (a tool call without its
// reply is refused with 400, as the real API does).
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatRequestView } from '../../fakes/openai/index.js';
import { waitUntil } from '../../kit/wait.js';
import { firstUtterance, shortUtterance } from '../../system/caller-utterances.js';
import { GREETING, startAgent, type AgentHarness } from '../../support/doubles/wire-agent-harness.js';

let h: AgentHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const LONG_ANSWER =
  'We are open Monday to Friday from eight in the morning until six in the evening. ' +
  'On Saturdays we open at nine and close at one. We are closed on Sundays and public holidays.';
const MESSAGE = { caller_name: 'Ann Lee', callback_number: '+1 555 123 4567', reason: 'Test results' };

type Message = { role?: unknown; content?: unknown; tool_call_id?: unknown };
const last = (request: ChatRequestView): Message => request.messages.at(-1) ?? {};

/** Every chat request the fake answered was accepted (none refused as invalid). */
function expectValidRequests(harness: AgentHarness): void {
  expect(harness.openai.chatRequests().filter((r) => r.status !== null && r.status !== 200).map((r) => r.status)).toEqual([]);
  expect(harness.openai.violations).toEqual([]);
  expect(harness.deepgram.violations).toEqual([]);
  expect(harness.backend.violations).toEqual([]);
}

/** The agent's voice is heard after `sinceMs`. */
async function agentTalking(harness: AgentHarness, sinceMs: number, what: string): Promise<number> {
  let at = 0;
  await waitUntil(() => (at = harness.line.voicedSince(sinceMs)[0]?.atMs ?? 0) > 0, { what, timeoutMs: 15_000 });
  return at;
}

describe('barge-in', () => {
  it('before the first token: nothing was heard, the caller goes on, one answer for both', async () => {
    h = await startAgent();
    h.openai.respond((request) =>
      String(last(request).content).includes('Thanks')
        ? { text: 'You are welcome.' }
        : { text: 'Sure, when?', firstTokenLatencyMs: 3_000 },
    );
    await h.greeted();
    h.deepgram.queueTranscripts(['I need a cleaning.', 'Thanks.']);
    h.line.say(firstUtterance());
    await waitUntil(() => h!.openai.chatRequests().length === 1, { what: 'the first request' });
    h.line.say(shortUtterance());
    const answer = await h.turn((t) => t.role === 'agent' && t.text === 'You are welcome.', 'the answer to both');
    expect(answer.interrupted).toBe(false);
    const callers = h.backend.orderedTurns().filter((t) => t.role === 'caller');
    expect(callers.map((t) => t.text)).toEqual(['I need a cleaning. Thanks.']);
    expect(h.openai.chatRequests()[0]!.outcome).toBe('client-aborted');
    expectValidRequests(h);
  });

  it('mid-sentence: the audio stops, the turn keeps only what was heard, the caller is answered', async () => {
    h = await startAgent();
    h.openai.queueReplies({ text: LONG_ANSWER }, { text: 'Saturday it is.' });
    await h.greeted();
    h.deepgram.queueTranscripts(['When are you open?', 'Saturday please.']);
    const asked = performance.now();
    h.line.say(firstUtterance());
    const talking = await agentTalking(h, asked + 3_000, 'the long answer');
    await waitUntil(() => h!.line.voicedSince(talking).length > 25, { what: 'half a second of the answer' });
    const bargeAt = performance.now();
    h.line.say(firstUtterance());
    const interrupted = await h.turn((t) => t.role === 'agent' && t.interrupted, 'the interrupted turn');
    expect(interrupted.text.length).toBeGreaterThan(0);
    expect(LONG_ANSWER.startsWith(interrupted.text)).toBe(true);
    expect(interrupted.text.length).toBeLessThan(LONG_ANSWER.length);
    // Silence follows within the barge-in decision (far less than the rest of the answer).
    await waitUntil(() => h!.line.heard.filter((p) => p.atMs > bargeAt).length > 0, { what: 'packets after the barge-in' });
    await h.turn((t) => t.role === 'agent' && t.text === 'Saturday it is.', 'the next answer');
    const followUp = h.openai.chatRequests().at(-1)!.body as { messages: { role: string; content: string }[] };
    expect(followUp.messages.filter((m) => m.role === 'assistant').at(-1)?.content).toBe(interrupted.text);
    expectValidRequests(h);
  });

  it('while a message is being stored: the message is stored and its result paired, then the caller is answered', async () => {
    h = await startAgent({ transferTarget: null });
    let release!: () => void;
    const stored = new Promise<void>((resolve) => (release = resolve));
    h.backend.answer = async (action) => {
      if (action.type === 'take_message') await stored;
      return { ok: true, message: null };
    };
    h.openai.respond((request) => {
      const message = last(request);
      if (message.role === 'tool') return { text: 'Your message is saved.' };
      if (String(message.content).includes('Also')) return { text: 'Noted as well.' };
      return { text: 'Let me write that down.', toolCalls: [{ name: 'take_message', arguments: MESSAGE }] };
    });
    await h.greeted();
    h.deepgram.queueTranscripts(['Please take a message.', 'Also call me after five.']);
    const asked = performance.now();
    h.line.say(firstUtterance());
    await agentTalking(h, asked + 3_000, 'the preface');
    await waitUntil(() => h!.backend.actions.length === 1, { what: 'the message being stored' });
    h.line.say(firstUtterance());
    await h.turn((t) => t.role === 'caller' && t.text === 'Also call me after five.', 'the caller turn');
    release();
    await h.turn((t) => t.role === 'agent' && t.text === 'Noted as well.', 'the answer after the result');
    const request = h.openai.chatRequests().at(-1)!.body as { messages: { role: string; tool_call_id?: string; content: string }[] };
    expect(request.messages.slice(-2).map((m) => m.role)).toEqual(['tool', 'user']);
    expect(request.messages.at(-2)?.content).toBe('Done.');
    expect(h.backend.actions.map((a) => a.action.type)).toEqual(['take_message']);
    expectValidRequests(h);
  });

  it.each([
    { tool: 'transfer_to_human', action: 'transfer' },
    { tool: 'end_call', action: 'hangup' },
  ] as const)('during the words before $tool: cut short, and the call still ends ($action)', async ({ tool, action }) => {
    h = await startAgent();
    h.openai.respond(() => ({ text: LONG_ANSWER, toolCalls: [{ name: tool, arguments: { reason: 'asked' } }] }));
    await h.greeted();
    h.deepgram.queueTranscripts(['I am done, thanks.', 'Wait, one more thing.']);
    const asked = performance.now();
    h.line.say(firstUtterance());
    const talking = await agentTalking(h, asked + 3_000, 'the words before the tool');
    await waitUntil(() => h!.line.voicedSince(talking).length > 25, { what: 'half a second of them' });
    h.line.say(firstUtterance());
    await h.turn((t) => t.role === 'agent' && t.interrupted, 'the interrupted turn');
    await waitUntil(() => h!.backend.actions.some((a) => a.action.type === action), { what: `the ${action}` });
    // Not undone, and nothing else asked of the model.
    expect(h.openai.chatRequests()).toHaveLength(1);
    expectValidRequests(h);
  });

  it('a refused transfer is told to the model, and the call goes on', async () => {
    h = await startAgent();
    h.backend.answer = (action) =>
      action.type === 'transfer' ? { ok: false, message: 'The transfer did not go through; the call goes on.' } : { ok: true, message: null };
    h.openai.respond((request) =>
      last(request).role === 'tool'
        ? { text: 'Nobody can take the call right now. Shall I take a message?' }
        : { text: 'One moment.', toolCalls: [{ name: 'transfer_to_human', arguments: { reason: 'asked for a person' } }] },
    );
    await h.greeted();
    h.deepgram.queueTranscripts(['Can I speak to someone?']);
    h.line.say(firstUtterance());
    await h.turn((t) => t.role === 'agent' && t.text.startsWith('Nobody can take'), 'the answer to the refusal');
    const reply = (h.openai.chatRequests().at(-1)!.body as { messages: Message[] }).messages.at(-1);
    expect(reply).toMatchObject({ role: 'tool', content: 'Failed: The transfer did not go through; the call goes on.' });
    expect(h.backend.actions.map((a) => a.action.type)).toEqual(['transfer']);
    expect(h.backend.orderedTurns()[0]?.text).toBe(GREETING);
    expectValidRequests(h);
  });
});
