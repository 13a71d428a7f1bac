import { describe, expect, it } from 'vitest';
import { csrfTokenValid, requiresCsrf } from '../../../src/staff/csrf.js';

describe('CSRF', () => {
  it('accepts only one header value equal to the session token', () => {
    expect(csrfTokenValid('tok', 'tok')).toBe(true);
    expect(csrfTokenValid(undefined, 'tok')).toBe(false);
    expect(csrfTokenValid('', '')).toBe(false);
    expect(csrfTokenValid(['tok', 'tok'], 'tok')).toBe(false);
  });

  it('requires the token for every method that can change something', () => {
    expect(['GET', 'HEAD', 'OPTIONS', 'get'].map(requiresCsrf)).toEqual([false, false, false, false]);
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].map(requiresCsrf)).toEqual([true, true, true, true]);
  });
});
