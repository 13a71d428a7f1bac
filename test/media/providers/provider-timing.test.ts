import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../media/providers/provider-error.js';
import { DEFAULT_LLM_TIMEOUTS, raceDeadline, resolveTimeouts, shouldRetryBeforeOutput } from '../../../media/providers/provider-timing.js';

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
