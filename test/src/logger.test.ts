import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { backendLoggerFor, backendLogSecrets, createLogger } from '../../src/logger.js';
import { ARI_PASSWORD, backendEnv, GATEWAY_TOKEN } from '../support/test-system.js';

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

describe('backend logger from the configuration', () => {
  const env = backendEnv({
    ariUrl: 'http://127.0.0.1:8088',
    databaseUrl: 'postgresql://voice:db%2FPa55-1@db.internal:5432/voice',
    gatewayUrl: 'http://127.0.0.1:8090',
    extra: { OPERATOR_TOKEN: 'operator-token-0123456789' },
  });

  it('lists every configured secret, the ARI Basic credential and the decoded database password included', () => {
    const secrets = backendLogSecrets(loadConfig(env));
    expect(secrets).toEqual(
      expect.arrayContaining([
        ARI_PASSWORD,
        Buffer.from(`asterisk:${ARI_PASSWORD}`).toString('base64'),
        GATEWAY_TOKEN,
        'operator-token-0123456789',
        'db/Pa55-1',
      ]),
    );
  });

  it('never prints them in any field or text, and follows LOG_REDACT_PII', () => {
    for (const [redact, numberShown] of [['false', true], ['true', false]] as const) {
      const lines: string[] = [];
      const logger = backendLoggerFor(loadConfig({ ...env, LOG_REDACT_PII: redact }), { write: (line: string) => void lines.push(line) });
      logger.debug({ from: '+15551230000' }, 'inbound call');
      logger.error({ err: new Error(`ARI said ${ARI_PASSWORD}; token ${GATEWAY_TOKEN}; pw db/Pa55-1`) }, 'failed');
      logger.warn(`operator-token-0123456789 ${Buffer.from(`asterisk:${ARI_PASSWORD}`).toString('base64')}`);
      const text = lines.join('');
      for (const secret of [ARI_PASSWORD, GATEWAY_TOKEN, 'operator-token-0123456789', 'db/Pa55-1', 'YXN0ZXJpc2s6']) {
        expect(text).not.toContain(secret);
      }
      expect(text.includes('+15551230000')).toBe(numberShown);
      expect(JSON.parse(lines[0]!)).toMatchObject({ service: 'backend', level: 'debug' });
    }
  });

  it('refuses an unknown level with the list of levels', () => {
    expect(() => createLogger({ level: 'verbose' })).toThrow(/unknown log level "verbose": use one of fatal, error, warn, info, debug, trace, silent/);
  });
});
