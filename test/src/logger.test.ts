import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';

function capture(options: Parameters<typeof createLogger>[0]) {
  const lines: string[] = [];
  const logger = createLogger(options, { write: (line: string) => void lines.push(line) });
  return { logger, text: () => lines.join('\n'), lines };
}

describe('backend logger', () => {
  it('never writes the connection password a node-postgres pool error carries', () => {
    const { logger, text } = capture({ level: 'info' });
    const error = Object.assign(new Error('Connection terminated unexpectedly'), {
      client: { connectionParameters: { user: 'postgres', password: 'pg-Secret-1' }, password: 'pg-Secret-1' },
      code: 'ECONNRESET',
    });
    const wrapped = new Error('query failed', { cause: error });
    logger.warn({ err: wrapped }, 'database error');
    logger.warn({ err: error }, 'database error');
    expect(text()).not.toContain('pg-Secret-1');
    expect(text()).toContain('Connection terminated unexpectedly');
    expect(text()).toContain('ECONNRESET');
  });

  it('redacts secrets in fields and headers', () => {
    const { logger, text } = capture({ level: 'info' });
    logger.info({ password: 'p1', config: { password: 'p2', token: 't1' }, headers: { authorization: 'Basic abc' } }, 'x');
    for (const secret of ['p1', 'p2', 't1', 'Basic abc']) expect(text()).not.toContain(secret);
  });

  it('keeps caller numbers unless LOG_REDACT_PII, then removes them', () => {
    const plain = capture({ level: 'info' });
    plain.logger.info({ from: '+15551230000', to: '+19863334949' }, 'inbound call');
    expect(plain.text()).toContain('+15551230000');
    const redacted = capture({ level: 'info', redactPii: true });
    redacted.logger.info({ from: '+15551230000', to: '+19863334949' }, 'inbound call');
    expect(redacted.text()).not.toContain('+15551230000');
    expect(redacted.text()).not.toContain('+19863334949');
  });
});
