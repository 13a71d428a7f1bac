// The OpenAI chat completions fake driven by the real `openai` SDK.

import OpenAI, { APIConnectionTimeoutError, AuthenticationError, BadRequestError, InternalServerError, RateLimitError } from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeOpenAI, textPieces, type ChatRequestView, type FakeOpenAIOptions } from './index.js';

const fakes: FakeOpenAI[] = [];

afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function startFake(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const fake = await FakeOpenAI.start(options);
  fakes.push(fake);
  return fake;
}

function clientFor(fake: FakeOpenAI, options: { apiKey?: string; maxRetries?: number; timeout?: number } = {}): OpenAI {
  return new OpenAI({ apiKey: options.apiKey ?? fake.apiKey, baseURL: fake.baseURL, maxRetries: options.maxRetries ?? 0, timeout: options.timeout ?? 10_000 });
}

const TOOLS: ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'book_appointment',
      description: 'Books an appointment.',
      parameters: { type: 'object', properties: { date: { type: 'string' }, time: { type: 'string' } }, required: ['date', 'time'] },
    },
  },
  { type: 'function', function: { name: 'transfer_call', parameters: { type: 'object', properties: { department: { type: 'string' } } } } },
];

const GREETING: ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You are a receptionist.' },
  { role: 'user', content: 'I would like to book an appointment.' },
];

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('OpenAI fake: streamed chat completions with the real SDK', () => {
  it('streams text in token-like deltas after a role delta, then stop and the usage chunk', async () => {
    const fake = await startFake();
    const text = 'Of course! Which day would suit you, and at what time?';
    let seen: ChatRequestView | null = null;
    fake.respond((request) => {
      seen = request;
      return { text };
    });
    const stream = await clientFor(fake).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: GREETING,
      tools: TOOLS,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.3,
    });
    const chunks = await collect(stream);

    const contentDeltas = chunks.flatMap((c) => c.choices.map((choice) => choice.delta.content ?? '')).filter((piece) => piece.length > 0);
    expect(contentDeltas.join('')).toBe(text);
    expect(contentDeltas).toEqual(textPieces(text));
    expect(contentDeltas.length).toBeGreaterThan(10);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '', refusal: null });
    const finishChunk = chunks.at(-2)!;
    expect(finishChunk.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage!.completion_tokens).toBe(contentDeltas.length + 1);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'gpt-4o-mini')).toBe(true);

    expect(seen!.lastUserText).toBe('I would like to book an appointment.');
    const [recorded] = fake.chatRequests();
    expect(recorded!.body).toMatchObject({ model: 'gpt-4o-mini', messages: GREETING, tools: TOOLS, stream: true, temperature: 0.3 });
    expect(recorded!.outcome).toBe('completed');
    expect(recorded!.status).toBe(200);
    expect(recorded!.chunksSent).toBe(chunks.length);
    expect(recorded!.headers).not.toHaveProperty('authorization');
    expect(fake.violations).toEqual([]);
  });

  it('streams a tool call as OpenAI does: name first, arguments split across deltas, finish_reason tool_calls', async () => {
    const fake = await startFake();
    const args = { date: '2025-03-14', time: '09:30' };
    fake.queueReplies({ toolCalls: [{ name: 'book_appointment', arguments: args }] });
    const chunks = await collect(await clientFor(fake).chat.completions.create({ model: 'gpt-4o', messages: GREETING, tools: TOOLS, stream: true }));

    const first = chunks[0]!.choices[0]!.delta;
    expect(first.role).toBe('assistant');
    expect(first.content).toBeNull();
    expect(first.tool_calls).toEqual([{ index: 0, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'book_appointment', arguments: '' } }]);
    const argumentDeltas = chunks.slice(1).flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(argumentDeltas.length).toBeGreaterThan(5);
    for (const delta of argumentDeltas) {
      expect(delta).toEqual({ index: 0, function: { arguments: expect.any(String) } });
    }
    expect(JSON.parse(argumentDeltas.map((d) => d.function!.arguments).join(''))).toEqual(args);
    expect(chunks.at(-1)!.choices[0]).toMatchObject({ delta: {}, finish_reason: 'tool_calls' });
  });

  it('gives the SDK stream helper text and two parallel tool calls it assembles into a final completion', async () => {
    const fake = await startFake();
    fake.queueReplies({
      text: 'One moment.',
      toolCalls: [
        { name: 'book_appointment', arguments: { date: '2025-03-14', time: '09:30' } },
        { name: 'transfer_call', arguments: { department: 'billing' } },
      ],
    });
    const runner = clientFor(fake).chat.completions.stream({ model: 'gpt-4o', messages: GREETING, tools: TOOLS });
    const textDeltas: string[] = [];
    runner.on('content', (delta) => textDeltas.push(delta));
    const completion = await runner.finalChatCompletion();

    expect(textDeltas.join('')).toBe('One moment.');
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBe('One moment.');
    const calls = choice.message.tool_calls!.map((call) => (call.type === 'function' ? [call.function.name, JSON.parse(call.function.arguments)] : null));
    expect(calls).toEqual([
      ['book_appointment', { date: '2025-03-14', time: '09:30' }],
      ['transfer_call', { department: 'billing' }],
    ]);
    expect(new Set(choice.message.tool_calls!.map((call) => call.id)).size).toBe(2);
  });

  it('accepts the tool result round trip and refuses unanswered tool calls with the real 400', async () => {
    const fake = await startFake();
    const client = clientFor(fake);
    fake.queueReplies({ toolCalls: [{ name: 'book_appointment', arguments: { date: '2025-03-14', time: '09:30' } }] }, { text: 'You are booked.' });
    const first = await client.chat.completions.stream({ model: 'gpt-4o', messages: GREETING, tools: TOOLS }).finalChatCompletion();
    const assistant = first.choices[0]!.message;
    const toolCallId = assistant.tool_calls![0]!.id;
    const followUp: ChatCompletionMessageParam[] = [
      ...GREETING,
      { role: 'assistant', content: assistant.content, tool_calls: assistant.tool_calls! },
      { role: 'tool', tool_call_id: toolCallId, content: '{"booked":true}' },
    ];
    const second = await client.chat.completions.stream({ model: 'gpt-4o', messages: followUp, tools: TOOLS }).finalChatCompletion();
    expect(second.choices[0]!.message.content).toBe('You are booked.');

    const unanswered = followUp.slice(0, 3);
    const error = await client.chat.completions.create({ model: 'gpt-4o', messages: unanswered, stream: true }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).status).toBe(400);
    expect((error as BadRequestError).message).toContain(`The following tool_call_ids did not have response messages: ${toolCallId}`);
    expect((error as BadRequestError).param).toBe('messages.[2].role');
    expect(fake.chatRequests().map((r) => r.status)).toEqual([200, 200, 400]);
  });

  it('answers a non-streaming request with one chat.completion body', async () => {
    const fake = await startFake();
    fake.queueReplies({ toolCalls: [{ name: 'transfer_call', arguments: { department: 'sales' } }] });
    const completion = await clientFor(fake).chat.completions.create({ model: 'gpt-4o', messages: GREETING, tools: TOOLS });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]!.message.content).toBeNull();
    const call = completion.choices[0]!.message.tool_calls![0]!;
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ department: 'sales' });
  });

  it('refuses a wrong key with 401 AuthenticationError without echoing the key, and a missing one', async () => {
    const fake = await startFake();
    const wrongKey = 'sk-wrong-secret-value-1234';
    const error = await clientFor(fake, { apiKey: wrongKey }).chat.completions.create({ model: 'gpt-4o', messages: GREETING, stream: true }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).code).toBe('invalid_api_key');
    expect((error as AuthenticationError).message).toContain('Incorrect API key provided: sk-');
    expect((error as AuthenticationError).message).not.toContain(wrongKey);

    const response = await fetch(`${fake.baseURL}/chat/completions`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { message: string; type: string; code: string | null } };
    expect(body.error.message).toMatch(/^You didn't provide an API key/);
    expect(fake.chatRequests().map((r) => r.status)).toEqual([401, 401]);
  });

  it('returns scripted 429 and 500 errors; the SDK retries them when allowed', async () => {
    const fake = await startFake();
    fake.queueReplies({ status: 429, message: 'Rate limit reached for gpt-4o.' });
    const limited = await clientFor(fake).chat.completions.create({ model: 'gpt-4o', messages: GREETING, stream: true }).then(() => null, (e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).code).toBe('rate_limit_exceeded');

    fake.queueReplies({ status: 500, message: 'The server had an error while processing your request.', retryAfterMs: 1 }, { text: 'Recovered.' });
    const stream = await clientFor(fake, { maxRetries: 1 }).chat.completions.create({ model: 'gpt-4o', messages: GREETING, stream: true });
    const text = (await collect(stream)).map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Recovered.');

    fake.queueReplies({ status: 503, message: 'Overloaded.' });
    const unavailable = await clientFor(fake).chat.completions.create({ model: 'gpt-4o', messages: GREETING, stream: true }).then(() => null, (e: unknown) => e);
    expect(unavailable).toBeInstanceOf(InternalServerError);
    expect(fake.chatRequests().map((r) => r.status)).toEqual([429, 500, 200, 503]);
  });

  it('setChatOutage fails every request until it is lifted, ahead of queued replies', async () => {
    const fake = await startFake();
    fake.queueReplies({ text: 'Queued.' });
    fake.setChatOutage({ status: 503, message: 'Overloaded.' });
    for (let i = 0; i < 2; i += 1) {
      const failed = await clientFor(fake).chat.completions.create({ model: 'gpt-4o', messages: GREETING, stream: true }).then(() => null, (e: unknown) => e);
      expect(failed).toBeInstanceOf(InternalServerError);
    }
    fake.setChatOutage(null);
    const text = (await collect(await clientFor(fake).chat.completions.create({ model: 'gpt-4o', messages: GREETING, stream: true })))
      .map((c) => c.choices[0]?.delta.content ?? '')
      .join('');
    expect(text).toBe('Queued.');
    expect(fake.chatRequests().map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it('applies first-token latency and inter-token delay', async () => {
    const fake = await startFake({ chat: { firstTokenLatencyMs: 100, interTokenDelayMs: 5 } });
    fake.queueReplies({ text: 'One two three four.' });
    const chunks = await collect(await clientFor(fake).chat.completions.create({ model: 'gpt-4o', messages: GREETING, stream: true }));
    const [recorded] = fake.chatRequests();
    expect(recorded!.firstByteSentAtMs! - recorded!.receivedAtMs).toBeGreaterThanOrEqual(99);
    expect(recorded!.lastByteSentAtMs! - recorded!.firstByteSentAtMs!).toBeGreaterThanOrEqual(5 * (chunks.length - 1) - 1);
  });

  it('breaks a stream by destroying the socket: the SDK iterator throws a TypeError "terminated"', async () => {
    const fake = await startFake();
    fake.queueReplies({ text: 'This answer will be cut off half way.', disconnectAfterChunks: 3 });
    const stream = await clientFor(fake).chat.completions.create({ model: 'gpt-4o', messages: GREETING, stream: true });
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
    })().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toBe('terminated');
    expect(received.length).toBeLessThanOrEqual(3);
    expect(fake.chatRequests()[0]!.outcome).toBe('disconnected');
  });

  it('hangs without answering until the SDK timeout (APIConnectionTimeoutError)', async () => {
    const fake = await startFake();
    fake.queueReplies({ hang: true });
    const error = await clientFor(fake, { timeout: 200 }).chat.completions.create({ model: 'gpt-4o', messages: GREETING, stream: true }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionTimeoutError);
    expect(fake.chatRequests()[0]).toMatchObject({ outcome: 'hung', status: null });
  });

  it('stalls mid-stream with the connection left open; aborting ends the SDK iteration without an error', async () => {
    const fake = await startFake();
    fake.queueReplies({ text: 'Never finished answer here.', stallAfterChunks: 2 });
    const abort = new AbortController();
    const stream = await clientFor(fake, { timeout: 200 }).chat.completions.create({ model: 'gpt-4o', messages: GREETING, stream: true }, { signal: abort.signal });
    const received: ChatCompletionChunk[] = [];
    const iteration = (async () => {
      for await (const chunk of stream) received.push(chunk);
    })();
    await fake.waitFor(() => received.length === 2, { what: 'two chunks' });
    abort.abort();
    await expect(iteration).resolves.toBeUndefined();
    expect(fake.chatRequests()[0]!.outcome).toBe('stalled');
  });

  it('refuses invalid tools and stream_options without stream with 400', async () => {
    const fake = await startFake();
    const client = clientFor(fake);
    const badTool = await client.chat.completions
      .create({ model: 'gpt-4o', messages: GREETING, tools: [{ type: 'function', function: { name: 'has spaces' } }] })
      .then(() => null, (e: unknown) => e);
    expect(badTool).toBeInstanceOf(BadRequestError);
    expect((badTool as BadRequestError).param).toBe('tools[0].function.name');
    const badOptions = await client.chat.completions
      .create({ model: 'gpt-4o', messages: GREETING, stream_options: { include_usage: true } })
      .then(() => null, (e: unknown) => e);
    expect(badOptions).toBeInstanceOf(BadRequestError);
    expect(fake.chatRequests().map((r) => r.outcome)).toEqual(['error', 'error']);
  });
});
