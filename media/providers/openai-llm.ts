// The language model through OpenAI-compatible chat completions, streamed,
// with tools. Text deltas are yielded as they arrive; tool calls are assembled
// from their deltas and yielded once each, complete, when the stream ends,
// followed by `done`.
//
// Deadlines (provider-timing.ts): the first chunk must come within
// firstTokenTimeoutMs of sending the request (headers included), each later
// one within idleTimeoutMs of the previous. A request that fails before any
// event was yielded is retried once after retryBackoffMs when the failure is
// retryable (429, 5xx, connection) and was not a timeout; once text has been
// yielded it never is (the caller may already be hearing it). Aborting the
// request's signal cancels the HTTP request and ends the iteration quietly.

import type OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { linkAbort } from './abort-link.js';
import { createOpenAiClient, openAiError, probeOpenAi, type OpenAiConnectionOptions } from './openai-connection.js';
import { toApiMessages, toApiTools, ToolCallAssembler } from './openai-chat-format.js';
import { ProviderError, type ProviderVendor } from './provider-error.js';
import { DEFAULT_LLM_TIMEOUTS, raceDeadline, resolveTimeouts, shouldRetryBeforeOutput, sleep, type LlmTimeouts } from './provider-timing.js';
import type { LlmEvent, LlmProvider, LlmRequest } from './types.js';

export const DEFAULT_OPENAI_LLM_MODEL = 'gpt-4o-mini';

export interface OpenAiLlmOptions extends OpenAiConnectionOptions {
  model?: string | undefined;
  temperature?: number | undefined;
  timeouts?: Partial<LlmTimeouts> | undefined;
  /** Clock of the events' atMs; default performance.now. */
  now?: (() => number) | undefined;
}

type ChunkIterator = AsyncIterator<ChatCompletionChunk>;

export class OpenAiLlmProvider implements LlmProvider {
  private readonly client: OpenAI;
  private readonly apiKey: string;
  private readonly vendor: ProviderVendor;
  private readonly model: string;
  private readonly temperature: number | undefined;
  private readonly timeouts: Readonly<LlmTimeouts>;
  private readonly now: () => number;

  constructor(options: OpenAiLlmOptions) {
    this.timeouts = resolveTimeouts(DEFAULT_LLM_TIMEOUTS, options.timeouts);
    this.client = createOpenAiClient(options, this.timeouts.firstTokenTimeoutMs);
    this.apiKey = options.apiKey;
    this.vendor = options.vendor ?? 'openai';
    this.model = options.model ?? DEFAULT_OPENAI_LLM_MODEL;
    this.temperature = options.temperature;
    this.now = options.now ?? (() => performance.now());
  }

  stream(request: LlmRequest): AsyncIterable<LlmEvent> {
    return this.run(request);
  }

  probe(signal: AbortSignal): Promise<void> {
    return probeOpenAi(this.client, 'llm', this.apiKey, this.timeouts.probeTimeoutMs, signal, this.vendor);
  }

  private async *run(request: LlmRequest): AsyncGenerator<LlmEvent, void, undefined> {
    const { signal } = request;
    const body: ChatCompletionCreateParamsStreaming = {
      model: this.model,
      messages: toApiMessages(request.messages),
      stream: true,
      ...(request.tools.length > 0 ? { tools: toApiTools(request.tools) } : {}),
      ...(this.temperature === undefined ? {} : { temperature: this.temperature }),
    };
    for (let retries = 0; ; retries += 1) {
      if (signal.aborted) return;
      const attempt = linkAbort(signal);
      let yielded = false;
      try {
        for await (const event of this.attempt(body, attempt.signal)) {
          yielded = true;
          yield event;
        }
        return;
      } catch (error: unknown) {
        if (signal.aborted) return;
        const failure = openAiError('llm', error, this.apiKey, 'chat completion', this.vendor);
        if (yielded || !shouldRetryBeforeOutput(failure, retries, this.timeouts.retriesBeforeOutput)) throw failure;
      } finally {
        attempt.controller.abort();
        attempt.dispose();
      }
      if (!(await sleep(this.timeouts.retryBackoffMs, signal))) return;
    }
  }

  /** One HTTP request; returns quietly when `signal` aborts (the caller tells an abort from the end). */
  private async *attempt(body: ChatCompletionCreateParamsStreaming, signal: AbortSignal): AsyncGenerator<LlmEvent, void, undefined> {
    const { firstTokenTimeoutMs, idleTimeoutMs } = this.timeouts;
    const opened = await raceDeadline(this.firstChunk(body, signal), firstTokenTimeoutMs, signal);
    if (opened.kind === 'aborted') return;
    if (opened.kind === 'timeout') throw this.timeout(`no response within ${firstTokenTimeoutMs} ms`);
    const { iterator } = opened.value;
    let result = opened.value.first;
    const toolCalls = new ToolCallAssembler();
    let finishReason: string | null = null;
    while (result.done !== true) {
      const atMs = this.now();
      const choice = result.value.choices[0];
      if (choice !== undefined) {
        const text = (choice.delta?.content ?? '') + (choice.delta?.refusal ?? '');
        if (text.length > 0) yield { type: 'text', delta: text, atMs };
        toolCalls.add(choice.delta?.tool_calls);
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
      const next = await raceDeadline(iterator.next(), idleTimeoutMs, signal);
      if (next.kind === 'aborted') return;
      if (next.kind === 'timeout') throw this.timeout(`stream stalled: no chunk for ${idleTimeoutMs} ms`);
      result = next.value;
    }
    // The SDK ends the iteration without an error when the request is aborted.
    if (signal.aborted) return;
    if (finishReason === null) {
      throw new ProviderError({ provider: 'llm', vendor: this.vendor, code: 'connection', retryable: true }, 'stream ended without a finish reason');
    }
    const assembled = toolCalls.finish();
    if (!assembled.ok) throw new ProviderError({ provider: 'llm', vendor: this.vendor, code: 'protocol', retryable: true }, assembled.problem);
    const atMs = this.now();
    for (const call of assembled.calls) yield { type: 'tool_call', id: call.id, name: call.name, arguments: call.arguments, atMs };
    yield { type: 'done', finishReason, atMs };
  }

  private async firstChunk(body: ChatCompletionCreateParamsStreaming, signal: AbortSignal): Promise<{ iterator: ChunkIterator; first: IteratorResult<ChatCompletionChunk> }> {
    const stream = await this.client.chat.completions.create(body, { signal });
    const iterator = stream[Symbol.asyncIterator]();
    return { iterator, first: await iterator.next() };
  }

  private timeout(detail: string): ProviderError {
    return new ProviderError({ provider: 'llm', vendor: this.vendor, code: 'timeout', retryable: true }, detail);
  }
}
