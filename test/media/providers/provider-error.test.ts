import { describe, expect, it } from 'vitest';
import { ProviderError, redactSecrets } from '../../../media/providers/provider-error.js';

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
});
