import { describe, expect, it } from 'vitest';
import { REDACTED, redactedFieldNames } from '../../../media/contract/log-fields.js';
import { lineScrubber, scrubCredentials, scrubNumbers, serializeError } from '../../../media/contract/log-scrub.js';

describe('scrubCredentials', () => {
  it('masks the password of any URL and HTTP credentials quoted in text', () => {
    expect(scrubCredentials('connect to postgresql://app:S3cr%40t@db:5432/voice failed')).toBe(
      'connect to postgresql://app:****@db:5432/voice failed',
    );
    expect(scrubCredentials('GET http://asterisk:ari-Pa55@127.0.0.1:8088/ari')).toBe('GET http://asterisk:****@127.0.0.1:8088/ari');
    expect(scrubCredentials('sent Authorization: Bearer abcdef0123456789')).toBe(`sent Authorization: Bearer ${REDACTED}`);
    expect(scrubCredentials('header Basic YXN0ZXJpc2s6cGFzcw==')).toBe(`header Basic ${REDACTED}`);
  });

  it('leaves URLs without a password alone', () => {
    for (const text of ['http://127.0.0.1:8088/ari/asterisk/ping', 'postgresql://app@db/voice', 'mailto:ops@example.com']) {
      expect(scrubCredentials(text)).toBe(text);
    }
    expect(scrubCredentials('Basic authentication rejected')).toBe('Basic authentication rejected');
  });
});

describe('scrubNumbers', () => {
  it.each([
    'Key (e164)=(+15551230000) already exists.',
    'call back on +1 555 123 4567 please',
    'dialed 5551230000',
    'number (555) 123-4567',
    'caller 555-123-4567 hung up',
  ])('masks the phone number in %j', (text) => {
    const scrubbed = scrubNumbers(text);
    expect(scrubbed).toContain(REDACTED);
    expect(scrubbed).not.toMatch(/\d{3}.?\d{4}/);
  });

  it.each([
    'connect ECONNREFUSED 127.0.0.1:5432',
    'timed out after 10000 ms',
    'call 3f0c8a52-9d1e-4c6b-8f3a-2b7d9e1c4a60 not found',
    'at 2025-01-02T10:11:12.123Z',
    'GET /channels/1712345678.42/answer',
    'listening on [::1]:40000',
  ])('leaves %j alone', (text) => {
    expect(scrubNumbers(text)).toBe(text);
  });
});

describe('lineScrubber', () => {
  it('removes configured secrets, raw and as escaped inside JSON, in every mode', () => {
    const secret = 'pa"ss\\word-123';
    for (const redactPii of [false, true]) {
      const scrub = lineScrubber([secret, 'short'], redactPii);
      const line = JSON.stringify({ msg: `failed with ${secret}`, note: 'short words stay' });
      const scrubbed = scrub(line);
      expect(scrubbed).not.toContain(JSON.stringify(secret).slice(1, -1));
      expect(scrubbed).toContain(REDACTED);
      expect(scrubbed).toContain('short words stay');
      expect(() => JSON.parse(scrubbed) as unknown).not.toThrow();
      expect(scrub('plain text ' + secret)).toBe(`plain text ${REDACTED}`);
    }
  });

  it('masks international numbers anywhere in the line only with redactPii', () => {
    const line = '{"msg":"x","note":"the caller said call me on +1 555 123 4567","bytes":12345678}';
    expect(lineScrubber([], false)(line)).toBe(line);
    expect(lineScrubber([], true)(line)).toBe(`{"msg":"x","note":"the caller said call me on ${REDACTED}","bytes":12345678}`);
  });

  it('masks URL passwords in every mode', () => {
    expect(lineScrubber([], false)('{"url":"postgres://u:pw@h/db"}')).toBe('{"url":"postgres://u:****@h/db"}');
  });
});

describe('serializeError', () => {
  const names = (redactPii: boolean) => redactedFieldNames(redactPii);
  const poolError = () =>
    Object.assign(new Error('duplicate key value violates unique constraint "call_messages_pkey"\nFailing row: +15551230000'), {
      code: '23505',
      detail: 'Key (callback_number)=(+15551230000) already exists.',
      client: { connectionParameters: { password: 'pg-Secret-1' } },
    });

  it('never keeps the pool client, its connection password or a URL password', () => {
    const error = new Error('query on postgresql://app:pg-Secret-2@db/voice failed', { cause: poolError() });
    for (const redactPii of [false, true]) {
      const text = JSON.stringify(serializeError(error, redactPii, names(redactPii)));
      expect(text).not.toContain('pg-Secret-1');
      expect(text).not.toContain('pg-Secret-2');
      expect(text).toContain('23505');
    }
  });

  it('keeps driver details and the whole message unless redactPii', () => {
    const plain = serializeError(poolError(), false, names(false)) as Record<string, unknown>;
    expect(plain.detail).toContain('+15551230000');
    expect(plain.message).toContain('Failing row: +15551230000');
  });

  it('with redactPii: no detail, the message cut to its first line, numbers masked, the stack frames kept', () => {
    const error = new Error('wrapped: caller 5551230000 refused', { cause: poolError() });
    const serialized = serializeError(error, true, names(true)) as Record<string, unknown> & { cause: Record<string, unknown> };
    expect(JSON.stringify(serialized)).not.toMatch(/5551230000/);
    expect(serialized.message).toBe(`wrapped: caller ${REDACTED} refused`);
    expect(serialized.cause.detail).toBeUndefined();
    expect(serialized.cause.message).toBe('duplicate key value violates unique constraint "call_messages_pkey"');
    expect(String(serialized.stack).split('\n')[0]).toBe(serialized.message);
    expect(String(serialized.stack)).toMatch(/\n\s+at /);
    expect(serialized.cause.code).toBe('23505');
  });

  it('with redactPii: keeps what Prisma called and the database said, not the arguments or the row', () => {
    const prismaMessage = ['', 'Invalid `prisma.callMessage.create()` invocation:', '', '{', '  data: {', '    callerName: "Wilhelmina Zorn"', '  }', '}', '', 'Argument `callId` is missing.'].join('\n');
    const error = Object.assign(new Error(prismaMessage), {
      code: 'P2039',
      meta: {
        driverAdapterError: {
          cause: {
            originalMessage: 'new row for relation "call_messages" violates check constraint "c"',
            detail: 'Failing row contains (Wilhelmina Zorn, +1 650 555 0199).',
          },
        },
      },
    });
    const serialized = serializeError(error, true, names(true)) as Record<string, unknown>;
    expect(serialized.message).toBe('Invalid `prisma.callMessage.create()` invocation:');
    expect(JSON.stringify(serialized)).not.toMatch(/Zorn|0199/);
    expect(JSON.stringify(serialized)).toContain('violates check constraint');
  });

  it('redacts named fields an error carries and scrubs what is not an Error', () => {
    const error = Object.assign(new Error('refused'), { caller: { number: '+15551230000' }, token: 't-123456' });
    const serialized = serializeError(error, true, names(true)) as Record<string, unknown>;
    expect(serialized.caller).toBe(REDACTED);
    expect(serialized.token).toBe(REDACTED);
    expect(serializeError('rejected for +15551230000 at https://u:pw@h', true, names(true))).toBe(
      `rejected for ${REDACTED} at https://u:****@h`,
    );
  });
});
