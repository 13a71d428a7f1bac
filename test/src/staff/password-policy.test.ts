import { describe, expect, it } from 'vitest';
import { loadCommonPasswords, passwordProblem } from '../../../src/staff/password-policy.js';

describe('the password policy', () => {
  it('ships a list of common passwords', () => {
    const list = loadCommonPasswords();
    expect(list.size).toBeGreaterThan(10_000);
    for (const common of ['123456', 'password', 'qwerty123456', '1qaz2wsx3edc']) expect(list.has(common)).toBe(true);
  });

  it('wants at least 12 characters (code points) and refuses common passwords and what is built from them', () => {
    expect(passwordProblem('password12')).toBe('must be at least 12 characters');
    expect(passwordProblem('👋'.repeat(11))).toBe('must be at least 12 characters');
    expect(passwordProblem('aaaaaaaaaaaaaaaa')).toBe('must not be one character repeated');
    for (const weak of ['qwerty123456', 'Password1234', '!!Sunshine2024!!', '123qweasdzxc', 'iloveyou12345']) {
      expect(passwordProblem(weak), weak).toMatch(/too common/);
    }
    for (const fine of ['correct horse battery staple', 'dana-password-1234', 'tulips in the rain at noon']) {
      expect(passwordProblem(fine), fine).toBeNull();
    }
  });

  it('refuses the account’s own email or its name', () => {
    expect(passwordProblem('dana.lopez@acme.example', { email: 'dana.lopez@acme.example' })).toBe('must not be your email address');
    expect(passwordProblem('dana.lopez2024!', { email: 'Dana.Lopez@acme.example' })).toBe('must not be your email address');
    expect(passwordProblem('dana-password-1234', { email: 'dana@acme.example' })).toBeNull();
  });
});
