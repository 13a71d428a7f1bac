// Pure parts of the providers: framers, the async queue, chat wire format, errors and timing rules.

import { describe, expect, it } from 'vitest';
import { Resampler } from '../../../media/audio/resampler.js';
import { AsyncQueue } from '../../../media/providers/async-queue.js';
import { closeError, handshakeError } from '../../../media/providers/deepgram-connection.js';
import { toApiMessages, toApiTools, ToolCallAssembler } from '../../../media/providers/openai-chat-format.js';
import { PCM_FRAME_SAMPLES, PcmFramer } from '../../../media/providers/pcm-framer.js';
import { ProviderError, redactSecrets } from '../../../media/providers/provider-error.js';
import { DEFAULT_LLM_TIMEOUTS, raceDeadline, resolveTimeouts, shouldRetryBeforeOutput } from '../../../media/providers/provider-timing.js';
import { ULAW_FRAME_BYTES, UlawFramer } from '../../../media/providers/ulaw-framer.js';

function bytesOf(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff);
}

/** PCM16 little-endian bytes of a 440 Hz tone at 24 kHz. */
function toneBytes24k(samples: number): Uint8Array {
  const pcm = new Int16Array(samples);
  for (let i = 0; i < samples; i += 1) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 24000));
  return new Uint8Array(pcm.buffer);
}

function concatInt16(frames: Int16Array[]): Int16Array {
  const out = new Int16Array(frames.length * PCM_FRAME_SAMPLES);
  frames.forEach((frame, i) => out.set(frame, i * PCM_FRAME_SAMPLES));
  return out;
}

async function drain<T>(iterable: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of iterable) items.push(item);
    return { items, error: null };
  } catch (error: unknown) {
    return { items, error };
  }
}

describe('UlawFramer', () => {
  it('cuts chunks of any size into exact 160-byte frames and pads the last with mu-law silence', () => {
    const audio = bytesOf(1000);
    const framer = new UlawFramer();
    const frames = [...framer.push(audio.subarray(0, 7)), ...framer.push(audio.subarray(7, 500)), ...framer.push(audio.subarray(500))];
    expect(frames).toHaveLength(6);
    expect(frames.every((frame) => frame.length === ULAW_FRAME_BYTES)).toBe(true);
    const last = framer.finish()!;
    expect(Buffer.concat([...frames, last]).subarray(0, 1000).equals(Buffer.from(audio))).toBe(true);
    expect([...last.subarray(40)].every((byte) => byte === 0xff)).toBe(true);
    expect(framer.finish()).toBeNull();
    framer.push(audio.subarray(0, 10));
    framer.reset();
    expect(framer.push(audio.subarray(0, 160))[0]).toEqual(audio.subarray(0, 160));
  });
});

describe('PcmFramer', () => {
  it('gives exactly N/3 samples of 8 kHz audio for N samples at 24 kHz, however the bytes are split', () => {
    const source = toneBytes24k(24_000 + 123);
    const whole = new PcmFramer(24000);
    const wholeFrames = [...whole.push(source), ...whole.finish()];
    const split = new PcmFramer(24000);
    const splitFrames: Int16Array[] = [];
    for (let offset = 0; offset < source.length; offset += 777) splitFrames.push(...split.push(source.subarray(offset, offset + 777))); // odd: samples split
    splitFrames.push(...split.finish());
    expect(concatInt16(splitFrames)).toEqual(concatInt16(wholeFrames));
    const expected = Math.floor((24_000 + 123) / 3);
    expect(wholeFrames).toHaveLength(Math.ceil(expected / PCM_FRAME_SAMPLES));
    expect(wholeFrames.every((frame) => frame.length === PCM_FRAME_SAMPLES)).toBe(true);
    expect(concatInt16(wholeFrames).subarray(expected).every((sample) => sample === 0)).toBe(true);
  });

  it('compensates the resampler delay: the output lines up with the input', () => {
    const source = toneBytes24k(2400);
    const framer = new PcmFramer(24000);
    const output = concatInt16([...framer.push(source), ...framer.finish()]);
    const delay = new Resampler(24000, 8000).delaySamples;
    expect(delay).toBeGreaterThan(0);
    // Sample n at 8 kHz is source sample 3n at 24 kHz (mid-signal, away from the edges).
    for (const n of [200, 400, 600]) expect(Math.abs(output[n]! - Math.round(8000 * Math.sin((2 * Math.PI * 440 * 3 * n) / 24000)))).toBeLessThan(200);
  });

  it('passes 8 kHz through, frames it, and starts afresh after finish()', () => {
    const framer = new PcmFramer(8000);
    const pcm = Int16Array.from({ length: 200 }, (_, i) => i - 100);
    const frames = [...framer.push(new Uint8Array(pcm.buffer)), ...framer.finish()];
    expect(concatInt16(frames).subarray(0, 200)).toEqual(pcm);
    expect(framer.finish()).toEqual([]);
  });
});

describe('AsyncQueue', () => {
  const overflow = new Error('overflow');

  it('delivers in order, drains before ending, and drains before throwing a failure', async () => {
    const ended = new AsyncQueue<number>({ capacity: 10, overflowError: () => overflow });
    ended.push(1);
    ended.push(2);
    ended.end();
    expect(ended.push(3)).toBe(false);
    expect(await drain(ended)).toEqual({ items: [1, 2], error: null });

    const failed = new AsyncQueue<number>({ capacity: 10, overflowError: () => overflow });
    const reading = drain(failed);
    failed.push(1);
    const boom = new Error('boom');
    failed.push(2);
    failed.fail(boom);
    expect(await reading).toEqual({ items: [1, 2], error: boom });
  });

  it('fails with the overflow error past its capacity, and removes items on request', async () => {
    const queue = new AsyncQueue<number>({ capacity: 3, overflowError: () => overflow });
    for (const item of [1, 2, 3]) expect(queue.push(item)).toBe(true);
    expect(queue.removeWhere((item) => item === 2)).toBe(1);
    expect(queue.push(4)).toBe(true);
    expect(queue.push(5)).toBe(false);
    expect(await drain(queue)).toEqual({ items: [], error: overflow });
  });

  it('has one consumer, and leaving the loop discards the rest', async () => {
    const queue = new AsyncQueue<number>({ capacity: 10, overflowError: () => overflow });
    queue.push(1);
    queue.push(2);
    for await (const item of queue) {
      expect(item).toBe(1);
      break;
    }
    expect(queue.open).toBe(false);
    expect(queue.size).toBe(0);
    expect(() => queue[Symbol.asyncIterator]()).toThrow(/one consumer/);
  });
});

describe('chat wire format', () => {
  it('converts messages and tools to the chat completions shapes', () => {
    expect(
      toApiMessages([
        { role: 'system', content: 'S' },
        { role: 'user', content: 'U' },
        { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'end_call', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'c1', content: 'ok' },
        { role: 'assistant', content: null },
        { role: 'assistant', content: 'A', toolCalls: [] },
      ]),
    ).toEqual([
      { role: 'system', content: 'S' },
      { role: 'user', content: 'U' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'end_call', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'ok' },
      { role: 'assistant', content: '' },
      { role: 'assistant', content: 'A' },
    ]);
    expect(toApiTools([{ name: 'end_call', description: 'Ends.', parameters: { type: 'object' } }])).toEqual([
      { type: 'function', function: { name: 'end_call', description: 'Ends.', parameters: { type: 'object' } } },
    ]);
  });

  it('assembles parallel tool calls from their deltas by index and parses the arguments at the end', () => {
    const assembler = new ToolCallAssembler();
    assembler.add([{ index: 1, id: 'b', function: { name: 'end_call', arguments: '' } }]);
    assembler.add([{ index: 0, id: 'a', function: { name: 'take_message', arguments: '{"caller_' } }]);
    assembler.add([{ index: 0, function: { arguments: 'name":"Dana"}' } }]);
    assembler.add(undefined);
    expect(assembler.finish()).toEqual({
      ok: true,
      calls: [
        { id: 'a', name: 'take_message', arguments: { caller_name: 'Dana' } },
        { id: 'b', name: 'end_call', arguments: {} },
      ],
    });
    const broken = new ToolCallAssembler();
    broken.add([{ index: 0, id: 'a', function: { name: 'take_message', arguments: '{"caller_name": "Da' } }]);
    expect(broken.finish()).toEqual({ ok: false, problem: 'arguments of tool call 0 (take_message) are not JSON' });
    const nameless = new ToolCallAssembler();
    nameless.add([{ index: 0, function: { arguments: '{}' } }]);
    expect(nameless.finish()).toMatchObject({ ok: false });
  });
});

describe('provider errors', () => {
  it('prefixes vendor and provider and redacts keys from service messages', () => {
    const error = new ProviderError({ provider: 'llm', vendor: 'openai', code: 'auth', retryable: false, status: 401 }, 'refused');
    expect(error).toMatchObject({ message: 'openai llm: refused', name: 'ProviderError', status: 401 });
    const key = 'sk-proj-abcdefghijklmnop1234';
    expect(redactSecrets(`Incorrect API key provided: ${key}.`, [key])).toBe('Incorrect API key provided: [redacted].');
    expect(redactSecrets('Incorrect API key provided: sk-wro*****************ghij.', [])).toBe('Incorrect API key provided: [redacted].');
    expect(redactSecrets('token 0123456789abcdef0123456789abcdef01234567 used', [])).toBe('token [redacted] used');
    expect(redactSecrets('no key '.repeat(100), [])).toHaveLength(503);
  });

  it('maps Deepgram handshake failures and close codes', () => {
    expect(handshakeError('stt', { message: 'Unexpected server response: 401' }, 'k')).toMatchObject({ code: 'auth', retryable: false, status: 401 });
    expect(handshakeError('tts', { message: 'Unexpected server response: 429' }, 'k')).toMatchObject({ code: 'rate_limit', retryable: true });
    expect(handshakeError('stt', { message: 'TIMEOUT' }, 'k')).toMatchObject({ code: 'timeout', retryable: true });
    const refused = handshakeError('stt', new Error('connect ECONNREFUSED 127.0.0.1:1 key=secret-key-value'), 'secret-key-value');
    expect(refused).toMatchObject({ code: 'connection', retryable: true });
    expect(refused.message).not.toContain('secret-key-value');
    expect(closeError('stt', 1011, 'NET-0001', 'k')).toMatchObject({ code: 'connection', retryable: true, message: 'deepgram stt: socket closed by the service (1011: NET-0001)' });
    expect(closeError('stt', 1008, 'DATA-0000', 'k')).toMatchObject({ code: 'rejected', retryable: false });
  });
});

describe('provider timing', () => {
  it('applies overrides to the defaults, refuses nonsense and freezes the result', () => {
    const timeouts = resolveTimeouts(DEFAULT_LLM_TIMEOUTS, { idleTimeoutMs: 100 });
    expect(timeouts).toEqual({ ...DEFAULT_LLM_TIMEOUTS, idleTimeoutMs: 100 });
    expect(Object.isFrozen(timeouts)).toBe(true);
    expect(() => resolveTimeouts(DEFAULT_LLM_TIMEOUTS, { idleTimeoutMs: -1 })).toThrow(RangeError);
    expect(() => resolveTimeouts(DEFAULT_LLM_TIMEOUTS, { retriesBeforeOutput: 0.5 })).toThrow(RangeError);
  });

  it('retries only retryable failures that were not timeouts, within the allowance', () => {
    const failure = (code: ProviderError['code'], retryable: boolean) => new ProviderError({ provider: 'llm', vendor: 'openai', code, retryable }, 'x');
    expect(shouldRetryBeforeOutput(failure('rate_limit', true), 0, 1)).toBe(true);
    expect(shouldRetryBeforeOutput(failure('rate_limit', true), 1, 1)).toBe(false);
    expect(shouldRetryBeforeOutput(failure('timeout', true), 0, 1)).toBe(false);
    expect(shouldRetryBeforeOutput(failure('auth', false), 0, 1)).toBe(false);
  });

  it('races a promise against a deadline and an abort signal', async () => {
    expect(await raceDeadline(Promise.resolve(7), 1_000)).toEqual({ kind: 'value', value: 7 });
    expect(await raceDeadline(new Promise(() => undefined), 10)).toEqual({ kind: 'timeout' });
    const abort = new AbortController();
    const raced = raceDeadline(new Promise(() => undefined), 10_000, abort.signal);
    abort.abort();
    expect(await raced).toEqual({ kind: 'aborted' });
    await expect(raceDeadline(Promise.reject(new Error('no')), 1_000)).rejects.toThrow('no');
  });
});
