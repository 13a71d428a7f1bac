// A short caller reply right after a tool ran and before the follow-up is heard,
// through the whole system: the real gateway and backend, the ARI, Deepgram and
// OpenAI fakes. The OpenAI fake refuses a request whose tool calls are not
// paired with replies (400), as the real API does; so every request accepted
// means every history was valid. The caller's words are answered once and the
// call goes on.
import { describe, expect, it, type TestContext } from 'vitest';
import type { ChatReply, ChatRequestView, ChatSuccessReply, ToolCallScript } from '../fakes/openai/index.js';
import { FIRST_UTTERANCE, placeBridgedCall, startAiSystem, turnWhere, turnsOf, type AiSystem } from '../support/test-system.js';
import { waitFor, waitUntil } from '../kit/wait.js';
import { shortUtterance, twoShortUtterances } from './caller-utterances.js';

// Each scenario has a system of its own (database, fakes, ports) and spends
// most of its time waiting for real-time audio and slow rounds: they run
// concurrently.

/** Tests sharing the machine with others get a longer bound (a bound, not a pace). */
const CONCURRENT = { timeout: 60_000 };

/** An AI system stopped when the test ends. */
async function started(context: TestContext, options: Parameters<typeof startAiSystem>[0]): Promise<AiSystem> {
  const system = await startAiSystem(options);
  context.onTestFinished(() => system.stop());
  return system;
}

const ASK = 'Can you take a message for Dr. Smith?';
const FOLLOW_UP = 'I have passed your message on.';
const ANSWER = 'You are welcome. Anything else?';
const TAKE_MESSAGE: ToolCallScript = {
  name: 'take_message',
  arguments: { caller_name: 'Ann Lee', callback_number: '+1 555 123 4567', reason: 'Test results' },
};
/** Long enough for the caller's short reply to be transcribed while the follow-up waits for its first token. */
const SLOW_MS = 3_000;

type Message = { role?: unknown; content?: unknown };
const last = (request: ChatRequestView): Message => request.messages.at(-1) ?? {};

interface Scenario {
  name: string;
  transferTarget: string | null;
  /** The model's answer to the request: tool calls, with or without a spoken preface. */
  toolRound: ChatSuccessReply;
  /** What the caller says in the gap, and the transcripts it gives. */
  reply: { audio: Buffer; transcripts: string[]; answered: string };
  /** Faults set up before the call. */
  setup?: (system: AiSystem) => void;
}

const OKAY = { audio: shortUtterance(), transcripts: ['Okay.'], answered: 'Okay.' };
const SCENARIOS: Scenario[] = [
  { name: 'take_message', transferTarget: null, toolRound: { toolCalls: [TAKE_MESSAGE] }, reply: OKAY },
  {
    name: 'transfer refused (no one to transfer to)',
    transferTarget: null,
    toolRound: { toolCalls: [{ name: 'transfer_to_human', arguments: { reason: 'asked for a person' } }] },
    reply: OKAY,
  },
  {
    name: 'transfer refused (Asterisk refused it)',
    transferTarget: 'PJSIP/100',
    toolRound: { text: 'Let me put you through.', toolCalls: [{ name: 'transfer_to_human', arguments: { reason: 'asked for a person' } }] },
    reply: OKAY,
    setup: (system) => system.system.fake.failNext('POST', /^\/ari\/channels\/[^/]+\/variable$/, { status: 500, message: 'Internal Server Error' }),
  },
  {
    name: 'end_call refused (it came with another tool)',
    transferTarget: null,
    toolRound: { toolCalls: [TAKE_MESSAGE, { name: 'end_call', arguments: { reason: 'done' } }] },
    reply: OKAY,
  },
  { name: 'take_message with a spoken preface', transferTarget: null, toolRound: { text: 'Let me note that.', toolCalls: [TAKE_MESSAGE] }, reply: OKAY },
  {
    name: 'take_message, then two quick utterances',
    transferTarget: null,
    toolRound: { toolCalls: [TAKE_MESSAGE] },
    reply: { audio: twoShortUtterances(), transcripts: ['Okay.', 'Thanks.'], answered: 'Okay. Thanks.' },
  },
];

/** The scripted model: the tool round, a slow follow-up to tool replies, and a quick answer to the caller's reply. */
function model(scenario: Scenario) {
  return (request: ChatRequestView): ChatReply => {
    const message = last(request);
    if (message.role === 'tool') return { text: FOLLOW_UP, firstTokenLatencyMs: SLOW_MS };
    if (message.role === 'user' && message.content === scenario.reply.answered) return { text: ANSWER };
    // The first part of the caller's reply alone: slow, so the rest of it comes before it is heard.
    if (message.role === 'user' && scenario.reply.transcripts.includes(String(message.content))) {
      return { text: 'Noted.', firstTokenLatencyMs: SLOW_MS };
    }
    return scenario.toolRound;
  };
}

describe.concurrent.each(SCENARIOS)('a short reply after $name', CONCURRENT, (scenario) => {
  it('keeps every request valid, answers the reply once and the call goes on', async (context) => {
    // No filler in the gap: what is measured is the reply landing on the tool round itself. No
    // backchannels: the "Okay." may overlap a spoken preface still playing, and here it must be the
    // caller's turn whichever it lands on (ai-backchannel-bargein.test.ts covers backchannels).
    const ai = await started(context, {
      transferTarget: scenario.transferTarget,
      gatewayEnv: { FILLER_AFTER_MS: '30000', BARGE_IN_BACKCHANNEL_MAX_WORDS: '0' },
    });
    ai.openai.respond(model(scenario));
    scenario.setup?.(ai);
    const { channelId, mediaId } = await placeBridgedCall(ai);
    await turnWhere(ai, channelId, (t) => t.seq === 0, 'the greeting turn');
    ai.deepgram.queueTranscripts([ASK, ...scenario.reply.transcripts]);
    ai.system.fake.startCallerAudio(mediaId, { payload: FIRST_UTTERANCE });

    // The follow-up round is asked (the tool's reply is in the history) and waits for its first token...
    await waitUntil(() => ai.openai.chatRequests().some((r) => last(requestView(r.body)).role === 'tool'), {
      what: 'the follow-up request after the tool reply',
      timeoutMs: 15_000,
    });
    // ...while the caller says a short "Okay.".
    ai.system.fake.startCallerAudio(mediaId, { payload: scenario.reply.audio });
    await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.text === ANSWER, 'the answer to the short reply');

    const requests = ai.openai.chatRequests();
    expect(requests.filter((r) => r.status !== null && r.status !== 200).map((r) => r.status)).toEqual([]);
    const answering = requests.filter((r) => {
      const message = last(requestView(r.body));
      return message.role === 'user' && message.content === scenario.reply.answered && r.outcome === 'completed';
    });
    expect(answering).toHaveLength(1);
    const turns = await turnsOf(ai, channelId);
    expect(turns.filter((t) => t.role === 'agent' && t.text === ANSWER)).toHaveLength(1);
    expect(turns.filter((t) => t.role === 'caller').map((t) => t.text)).toEqual([ASK, scenario.reply.answered]);
    if (scenario.toolRound.toolCalls?.some((c) => c.name === 'take_message')) {
      const call = await ai.system.prisma.callLog.findUniqueOrThrow({ where: { channelId } });
      expect(await ai.system.prisma.callMessage.count({ where: { callId: call.id } })).toBe(1);
    }

    // The call goes on: the caller hangs up and the row ends completed, with no provider failure.
    ai.system.fake.hangupCaller(channelId);
    const row = await waitFor(async () => {
      const found = await ai.system.prisma.callLog.findUnique({ where: { channelId } });
      return found?.status === 'completed' ? found : null;
    }, { what: 'the completed call' });
    expect(row).toMatchObject({ hangupCause: 'caller_hangup', failureProvider: null });
    expect(ai.openai.violations).toEqual([]);
    expect(ai.deepgram.violations).toEqual([]);
    expect(ai.system.fake.violations).toEqual([]);
  });
});

function requestView(body: unknown): ChatRequestView {
  const messages = ((body as { messages?: unknown[] } | null)?.messages ?? []) as Array<Record<string, unknown>>;
  return { seq: 0, body: body as Record<string, unknown>, messages, tools: [], lastUserText: null };
}
