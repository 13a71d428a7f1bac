import { describe, expect, it } from 'vitest';
import {
  PII_LOG_FIELDS,
  REDACTED,
  SECRET_LOG_FIELDS,
  redactFields,
  redactedFieldNames,
} from '../../../media/contract/log-fields.js';

const PII = redactedFieldNames(true);
const SECRETS_ONLY = redactedFieldNames(false);

describe('redactedFieldNames', () => {
  it('always lists the secrets and adds personal data only when asked', () => {
    for (const field of SECRET_LOG_FIELDS) {
      expect(SECRETS_ONLY.has(field)).toBe(true);
      expect(PII.has(field)).toBe(true);
    }
    for (const field of PII_LOG_FIELDS) {
      expect(SECRETS_ONLY.has(field)).toBe(false);
      expect(PII.has(field)).toBe(true);
    }
  });
});

describe('redactFields', () => {
  it('redacts the named fields at any depth, in objects and arrays', () => {
    const fields = {
      from: '+15551230000',
      record: { fromNumber: '+15551230000', toNumber: '+19863334949', status: 'failed' },
      report: { seq: 2, text: 'my test results' },
      turns: [{ role: 'caller', text: 'hello' }],
      a: { b: { c: { d: { e: { caller: { name: 'Ann' } } } } } },
    };
    expect(redactFields(fields, PII)).toEqual({
      from: REDACTED,
      record: { fromNumber: REDACTED, toNumber: REDACTED, status: 'failed' },
      report: { seq: 2, text: REDACTED },
      turns: [{ role: 'caller', text: REDACTED }],
      a: { b: { c: { d: { e: { caller: REDACTED } } } } },
    });
  });

  it('never changes the caller object and copies nothing when there is nothing to redact', () => {
    const nested = { token: 't-1', keep: 1 };
    const fields = { config: nested, list: [1, 2] };
    const redacted = redactFields(fields, SECRETS_ONLY);
    expect(redacted).toEqual({ config: { token: REDACTED, keep: 1 }, list: [1, 2] });
    expect(nested.token).toBe('t-1');
    expect(redacted.list).toBe(fields.list);
    const clean = { callId: 'c-1', latency: { sttFinalMs: 10 } };
    expect(redactFields(clean, PII)).toBe(clean);
  });

  it('keeps null and undefined (no data) and leaves class instances to their serializers', () => {
    const error = Object.assign(new Error('x'), { text: 'kept for the error serializer' });
    const redacted = redactFields({ fromNumber: null, text: undefined, err: error }, PII);
    expect(redacted).toEqual({ fromNumber: null, text: undefined, err: error });
    expect(redacted.err).toBe(error);
  });

  it('stops on a cyclic object instead of looping', () => {
    const cyclic: Record<string, unknown> = { to: '+19863334949' };
    cyclic.self = cyclic;
    const redacted = redactFields(cyclic, PII);
    expect(redacted.to).toBe(REDACTED);
    expect(cyclic.to).toBe('+19863334949');
  });

  it('handles objects without a prototype', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { password: 'p', n: 1 });
    expect(redactFields({ bare }, SECRETS_ONLY)).toEqual({ bare: { password: REDACTED, n: 1 } });
  });
});
