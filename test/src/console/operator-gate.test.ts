import { describe, expect, it } from 'vitest';
import { OPERATOR_SESSION_MS, OperatorGate } from '../../../src/console/operator-gate.js';

describe('the operator credential', () => {
  const token = 'operator-token-0123456789abcdef';

  it('verifies what it issued until it expires, and nothing else', () => {
    let now = new Date('2026-03-03T10:00:00Z');
    const gate = new OperatorGate(token, () => now);
    const { value, maxAgeSeconds } = gate.issue();
    expect(maxAgeSeconds).toBe(OPERATOR_SESSION_MS / 1000);
    expect(value).not.toContain(token);
    expect(gate.verify(value)).toBe(true);
    expect(gate.issue().value).not.toBe(value);

    const [expires, nonce, mac] = value.split('.') as [string, string, string];
    expect(gate.verify(`${Number(expires) + 3600}.${nonce}.${mac}`)).toBe(false);
    expect(gate.verify(`${expires}.${nonce}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(gate.verify(undefined)).toBe(false);
    expect(gate.verify(token)).toBe(false);
    expect(new OperatorGate('another-operator-token-0000', () => now).verify(value)).toBe(false);

    now = new Date(now.getTime() + OPERATOR_SESSION_MS);
    expect(gate.verify(value)).toBe(false);
  });

  it('checks the token and derives a CSRF token per credential', () => {
    const gate = new OperatorGate(token, () => new Date());
    expect(gate.tokenMatches(token)).toBe(true);
    expect(gate.tokenMatches(`${token}x`)).toBe(false);
    expect(gate.tokenMatches('')).toBe(false);
    const a = gate.issue().value;
    const b = gate.issue().value;
    expect(gate.csrfToken(a)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(gate.csrfToken(a)).not.toBe(gate.csrfToken(b));
  });
});
