// The OpenAI LLM provider (real `openai` SDK) against the OpenAI fake on 127.0.0.1.

import { afterEach, describe, expect, it } from 'vitest';
import { OpenAiLlmProvider, type OpenAiLlmOptions } from '../../../media/providers/openai-llm.js';
import { ProviderError } from '../../../media/providers/provider-error.js';
import type { ChatMessage, LlmEvent, ToolSpec } from '../../../media/providers/types.js';
import { FakeOpenAI, textPieces, type FakeOpenAIOptions } from '../../fakes/openai/index.js';

const WRONG_KEY = 'sk-wrong-0123456789abcdefghij';

const fakes: FakeOpenAI[] = [];

afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function startFake(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const fake = await FakeOpenAI.start(options);
  fakes.push(fake);
  return fake;
}

function providerFor(fake: FakeOpenAI, options: Partial<OpenAiLlmOptions> = {}): OpenAiLlmProvider {
  return new OpenAiLlmProvider({
    apiKey: fake.apiKey,
    baseURL: fake.baseURL,
    model: 'gpt-4o-mini',
    timeouts: { retryBackoffMs: 20, firstTokenTimeoutMs: 2_000, idleTimeoutMs: 2_000 },
    ...options,
  });
}

const TOOLS: ToolSpec[] = [
  {
    name: 'take_message',
    description: 'Takes a message for the business.',
    parameters: {
      type: 'object',
      properties: { caller_name: { type: 'string' }, callback_number: { type: 'string' }, reason: { type: 'string' } },
      required: ['caller_name', 'callback_number', 'reason'],
    },
  },
  { name: 'end_call', description: 'Ends the call.', parameters: { type: 'object', properties: { reason: { type: 'string' } } } },
];

const HISTORY: ChatMessage[] = [
  { role: 'system', content: 'You are the receptionist of a dental practice.' },
  { role: 'user', content: 'Hi, can I leave a message for Dr. Lee?' },
];

/** Runs the stream to its end; `error` is what it threw (null when it ended normally). */
async function run(provider: OpenAiLlmProvider, options: { messages?: ChatMessage[]; tools?: ToolSpec[]; signal?: AbortSignal; onEvent?: (event: LlmEvent) => void } = {}): Promise<{ events: LlmEvent[]; error: unknown }> {
  const events: LlmEvent[] = [];
  try {
    for await (const event of provider.stream({ messages: options.messages ?? HISTORY, tools: options.tools ?? TOOLS, signal: options.signal ?? new AbortController().signal })) {
      events.push(event);
      options.onEvent?.(event);
    }
    return { events, error: null };
  } catch (error: unknown) {
    return { events, error };
  }
}

function textOf(events: LlmEvent[]): string {
  return events.map((event) => (event.type === 'text' ? event.delta : '')).join('');
}

describe('OpenAiLlmProvider against the fake', () => {
  it('streams text deltas as they arrive, then done, from the request it converted', async () => {
    const fake = await startFake();
    const text = 'Of course. May I have your name and a number to call you back?';
    fake.queueReplies({ text });
    const { events, error } = await run(providerFor(fake, { temperature: 0.4 }));
    expect(error).toBeNull();
    const deltas = events.filter((e) => e.type === 'text').map((e) => (e as { delta: string }).delta);
    expect(deltas).toEqual(textPieces(text));
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
    for (let i = 1; i < events.length; i += 1) expect(events[i]!.atMs).toBeGreaterThanOrEqual(events[i - 1]!.atMs);

    const [request] = fake.chatRequests();
    expect(request!.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are the receptionist of a dental practice.' },
        { role: 'user', content: 'Hi, can I leave a message for Dr. Lee?' },
      ],
      stream: true,
      temperature: 0.4,
      tools: [
        { type: 'function', function: { name: 'take_message', description: 'Takes a message for the business.', parameters: TOOLS[0]!.parameters } },
        { type: 'function', function: { name: 'end_call', description: 'Ends the call.', parameters: TOOLS[1]!.parameters } },
      ],
    });
    expect(request!.outcome).toBe('completed');
    expect(fake.violations).toEqual([]);
  });

  it('assembles a tool call whose arguments are split across deltas and yields it once, parsed', async () => {
    const fake = await startFake();
    const args = { caller_name: 'Dana Smith', callback_number: '+1 555 0100', reason: 'Reschedule Thursday' };
    fake.queueReplies({ toolCalls: [{ name: 'take_message', arguments: args, id: 'call_abc' }] });
    const { events, error } = await run(providerFor(fake));
    expect(error).toBeNull();
    expect(events.map((e) => e.type)).toEqual(['tool_call', 'done']);
    expect(events[0]).toMatchObject({ type: 'tool_call', id: 'call_abc', name: 'take_message', arguments: args });
    expect(events[1]).toMatchObject({ type: 'done', finishReason: 'tool_calls' });
    expect(fake.chatRequests()[0]!.chunksSent).toBeGreaterThan(5); // the arguments really came in pieces
  });

  it('yields text then parallel tool calls, and sends the tool round trip back in the API shape', async () => {
    const fake = await startFake();
    fake.queueReplies(
      {
        text: 'One moment.',
        toolCalls: [
          { name: 'take_message', arguments: { caller_name: 'Dana', callback_number: '555 0100', reason: 'Call back' } },
          { name: 'end_call', arguments: {} },
        ],
      },
      { text: 'Your message is taken. Goodbye!' },
    );
    const provider = providerFor(fake);
    const first = await run(provider);
    expect(first.error).toBeNull();
    expect(textOf(first.events)).toBe('One moment.');
    const calls = first.events.filter((e): e is Extract<LlmEvent, { type: 'tool_call' }> => e.type === 'tool_call');
    expect(calls.map((c) => [c.name, c.arguments])).toEqual([
      ['take_message', { caller_name: 'Dana', callback_number: '555 0100', reason: 'Call back' }],
      ['end_call', {}],
    ]);
    expect(first.events.indexOf(calls[0]!)).toBeGreaterThan(first.events.findIndex((e) => e.type === 'text'));

    const followUp: ChatMessage[] = [
      ...HISTORY,
      { role: 'assistant', content: 'One moment.', toolCalls: calls.map((c) => ({ id: c.id, name: c.name, arguments: JSON.stringify(c.arguments) })) },
      ...calls.map((c): ChatMessage => ({ role: 'tool', toolCallId: c.id, content: '{"ok":true}' })),
    ];
    const second = await run(provider, { messages: followUp });
    expect(second.error).toBeNull();
    expect(textOf(second.events)).toBe('Your message is taken. Goodbye!');
    const sent = fake.chatRequests()[1]!.body as { messages: unknown[] };
    expect(sent.messages[2]).toEqual({
      role: 'assistant',
      content: 'One moment.',
      tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } })),
    });
    expect(sent.messages[3]).toEqual({ role: 'tool', tool_call_id: calls[0]!.id, content: '{"ok":true}' });
    expect(fake.chatRequests().map((r) => r.status)).toEqual([200, 200]);
  });

  it('retries a 429 before the first token once, then fails retryable; a single 429 is absorbed', async () => {
    const fake = await startFake();
    fake.queueReplies({ status: 429, message: 'Rate limit reached.' }, { status: 429, message: 'Rate limit reached.' });
    const failed = await run(providerFor(fake));
    expect(failed.events).toEqual([]);
    expect(failed.error).toBeInstanceOf(ProviderError);
    expect(failed.error).toMatchObject({ provider: 'llm', vendor: 'openai', code: 'rate_limit', retryable: true, status: 429 });
    expect(fake.chatRequests().map((r) => r.status)).toEqual([429, 429]);
    const [first, second] = fake.chatRequests();
    expect(second!.receivedAtMs - first!.receivedAtMs).toBeGreaterThanOrEqual(19); // the backoff

    fake.queueReplies({ status: 503, message: 'Overloaded.' }, { text: 'Recovered.' });
    const recovered = await run(providerFor(fake));
    expect(recovered.error).toBeNull();
    expect(textOf(recovered.events)).toBe('Recovered.');
    expect(fake.chatRequests().map((r) => r.status)).toEqual([429, 429, 503, 200]);
  });

  it('does not retry a refused key: ProviderError retryable false without the key', async () => {
    const fake = await startFake();
    const { error } = await run(providerFor(fake, { apiKey: WRONG_KEY }));
    expect(error).toMatchObject({ name: 'ProviderError', code: 'auth', retryable: false, status: 401 });
    expect((error as Error).message).toMatch(/^openai llm: chat completion failed with HTTP 401 \(invalid_api_key\)/);
    expect((error as Error).message).not.toContain(WRONG_KEY);
    expect((error as Error).message).not.toContain(WRONG_KEY.slice(-4));
    expect(fake.chatRequests()).toHaveLength(1);
  });

  it('fails a stream cut mid-way with a retryable ProviderError and never retries after text', async () => {
    const fake = await startFake();
    fake.queueReplies({ text: 'This answer will be cut off half way through.', disconnectAfterChunks: 4, interTokenDelayMs: 20 });
    const { events, error } = await run(providerFor(fake));
    expect(textOf(events).length).toBeGreaterThan(0);
    expect(error).toMatchObject({ name: 'ProviderError', provider: 'llm', code: 'connection', retryable: true });
    expect((error as Error).message).toBe('openai llm: chat completion connection lost: terminated');
    expect(fake.chatRequests().map((r) => r.outcome)).toEqual(['disconnected']);
  });

  it('retries a connection lost before anything was yielded', async () => {
    const fake = await startFake();
    fake.queueReplies({ text: 'Lost before the first token.', disconnectAfterChunks: 0 }, { text: 'Second try.' });
    const { events, error } = await run(providerFor(fake));
    expect(error).toBeNull();
    expect(textOf(events)).toBe('Second try.');
    expect(fake.chatRequests().map((r) => r.outcome)).toEqual(['disconnected', 'completed']);
  });

  it('fails a stream that stalls after its first chunks with an idle timeout', async () => {
    const fake = await startFake();
    fake.queueReplies({ text: 'Never finished answer here.', stallAfterChunks: 2 });
    const startedAt = performance.now();
    const { events, error } = await run(providerFor(fake, { timeouts: { idleTimeoutMs: 150 } }));
    expect(textOf(events).length).toBeGreaterThan(0);
    expect(error).toMatchObject({ name: 'ProviderError', code: 'timeout', retryable: true });
    expect((error as Error).message).toBe('openai llm: stream stalled: no chunk for 150 ms');
    expect(performance.now() - startedAt).toBeLessThan(2_000);
    await fake.waitFor(() => fake.chatRequests()[0]!.outcome === 'stalled');
    expect(fake.chatRequests()).toHaveLength(1);
  });

  it('fails a request that gets no answer within firstTokenTimeoutMs, without retrying it', async () => {
    const fake = await startFake();
    fake.queueReplies({ hang: true });
    const { events, error } = await run(providerFor(fake, { timeouts: { firstTokenTimeoutMs: 150 } }));
    expect(events).toEqual([]);
    expect(error).toMatchObject({ name: 'ProviderError', code: 'timeout', retryable: true });
    expect(fake.chatRequests()).toHaveLength(1);
  });

  it('ends quietly when the signal aborts mid-stream, and the fake sees the request aborted', async () => {
    const fake = await startFake({ chat: { interTokenDelayMs: 40 } });
    fake.queueReplies({ text: 'A long answer that the caller interrupts right after it starts to play.' });
    const abort = new AbortController();
    const { events, error } = await run(providerFor(fake), { signal: abort.signal, onEvent: () => abort.abort() });
    expect(error).toBeNull();
    expect(events.map((e) => e.type)).toEqual(['text']);
    await fake.waitFor(() => fake.chatRequests()[0]!.outcome === 'client-aborted', { what: 'the fake sees the abort' });
  });

  it('ends quietly when the signal aborts before the first token', async () => {
    const fake = await startFake({ chat: { firstTokenLatencyMs: 5_000 } });
    const abort = new AbortController();
    const running = run(providerFor(fake, { timeouts: { firstTokenTimeoutMs: 10_000 } }), { signal: abort.signal });
    await fake.waitFor(() => fake.chatRequests().length === 1, { what: 'the request' });
    abort.abort();
    const { events, error } = await running;
    expect([events, error]).toEqual([[], null]);
    await fake.waitFor(() => fake.chatRequests()[0]!.outcome === 'client-aborted', { what: 'the fake sees the abort' });
  });

  it('probes with GET /v1/models: resolves for the key, refuses a wrong one without the key', async () => {
    const fake = await startFake();
    await providerFor(fake).probe(new AbortController().signal);
    const error = await providerFor(fake, { apiKey: WRONG_KEY }).probe(new AbortController().signal).then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ name: 'ProviderError', provider: 'llm', code: 'auth', retryable: false, status: 401 });
    expect((error as Error).message).not.toContain(WRONG_KEY);
    expect(fake.requests({ path: '/v1/models' }).map((r) => [r.method, r.status])).toEqual([
      ['GET', 200],
      ['GET', 401],
    ]);
  });
});
