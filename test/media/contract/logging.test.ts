// The factory both programs use, writing into memory: the line format, levels,
// the two redaction modes and secrets in every mode.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { REDACTED } from '../../../media/contract/log-fields.js';
import { createLogger, isLogLevel, type LoggerOptions } from '../../../media/contract/logging.js';

const CALLER = '+15551230000';
const DIALED = '+19863334949';
const ARI_PASSWORD = 'ari-secret-Pa55word';
const API_KEY = 'sk-test-0123456789abcdef';

function capture(options: Partial<LoggerOptions> = {}) {
  const lines: string[] = [];
  const logger = createLogger(
    { service: 'test', level: 'debug', redactPii: false, secrets: [ARI_PASSWORD, API_KEY], ...options },
    { write: (line: string) => void lines.push(line) },
  );
  return { logger, text: () => lines.join(''), entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** One line of each kind of personal data, as the programs log it. */
function logCallData(logger: ReturnType<typeof capture>['logger']): void {
  const call = logger.child({ callId: 'c-1', caller: { from: CALLER } });
  call.info({ from: CALLER, to: DIALED }, 'inbound call');
  call.error({ record: { status: 'failed', fromNumber: CALLER, toNumber: DIALED } }, 'the database refused the final call log record');
  call.debug({ seq: 1, role: 'caller', text: 'my knee still hurts' }, 'turn stored');
  call.error({ path: '/internal/calls/c-1/turns', report: { seq: 2, text: 'my knee still hurts' } }, 'turn report could not be delivered');
  call.debug({ tool: 'take_message', toolArgs: { caller_name: 'Ann Lee', callback_number: '+1 555 987 6543', reason: 'knee results' } }, 'language model called a tool');
  call.error({ caller: { name: 'Ann Lee', number: '+1 555 987 6543' }, text: 'knee results' }, 'message not stored');
  call.warn({ excerpt: `{"type":"StasisStart","channel":{"caller":{"number":"${CALLER}"}}` }, 'dropped malformed ARI event frame');
  call.info({ phoneNumber: DIALED }, 'admin: phone number added');
}

const PERSONAL = [CALLER, DIALED, 'knee', 'Ann Lee', '555 987 6543'];

describe('createLogger', () => {
  it('writes one JSON line per call with a level label, an ISO time and the service', () => {
    const { logger, entries } = capture({ service: 'media-gateway', level: 'info' });
    logger.debug('not written');
    logger.child({ callId: 'c-1' }).warn({ n: 1 }, 'written');
    expect(entries()).toEqual([
      { level: 'warn', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), service: 'media-gateway', callId: 'c-1', n: 1, msg: 'written' },
    ]);
  });

  it('keeps personal data when LOG_REDACT_PII is off', () => {
    const { logger, text } = capture({ redactPii: false });
    logCallData(logger);
    for (const value of PERSONAL) expect(text()).toContain(value);
  });

  it('removes caller numbers, dialed numbers, transcripts, messages and tool arguments when LOG_REDACT_PII is on', () => {
    const { logger, text, entries } = capture({ redactPii: true });
    logCallData(logger);
    for (const value of PERSONAL) expect(text()).not.toContain(value);
    const [inbound] = entries();
    // The fields stay (a reader sees something was there); ids and messages stay too.
    expect(inbound).toMatchObject({ from: REDACTED, to: REDACTED, callId: 'c-1', caller: REDACTED, msg: 'inbound call' });
    expect(entries().map((entry) => entry.msg)).toContain('message not stored');
  });

  it('removes personal data that an error message or a driver detail carries when LOG_REDACT_PII is on', () => {
    const error = Object.assign(new Error(`insert failed for ${CALLER}\n{ data: { text: "my knee still hurts" } }`), {
      detail: `Failing row contains (${CALLER}, my knee still hurts).`,
    });
    const plain = capture({ redactPii: false });
    plain.logger.error({ err: error }, 'request failed');
    expect(plain.text()).toContain('knee');
    expect(plain.text()).toContain(CALLER);
    const redacted = capture({ redactPii: true });
    redacted.logger.error({ err: error }, 'request failed');
    expect(redacted.text()).not.toContain('knee');
    expect(redacted.text()).not.toContain(CALLER);
    expect(redacted.text()).toContain('insert failed for');
  });

  it('never writes a secret, in either mode, whatever carries it', () => {
    for (const redactPii of [false, true]) {
      const { logger, text } = capture({ redactPii });
      logger.info({ password: 'p-field-1', config: { token: 't-field-1', nested: { apiKey: 'k-field-1' } } }, 'fields');
      logger.info({ headers: { authorization: 'Basic YXN0ZXJpc2s6cGFzcw==', cookie: 'sid=abc', 'x-csrf-token': 'csrf-1' } }, 'headers');
      logger.warn({ detail: `ARI refused ${ARI_PASSWORD}` }, 'configured secret in free text');
      logger.error({ err: new Error(`OpenAI rejected key ${API_KEY}`) }, 'provider failed');
      logger.error({ err: new Error('connect postgresql://app:db-Pa55@127.0.0.1:5432/voice refused') }, 'database');
      logger.child({ apiKey: 'k-binding-1' }).info('child bindings');
      logger.child({ callId: 'c-1' }).child({ session: { token: 't-binding-2' } }).info('grandchild bindings');
      logger.info(`message text with ${API_KEY}`);
      for (const secret of ['p-field-1', 't-field-1', 'k-field-1', 'YXN0ZXJpc2s6cGFzcw==', 'sid=abc', 'csrf-1', ARI_PASSWORD, API_KEY, 'db-Pa55', 'k-binding-1', 't-binding-2']) {
        expect(text()).not.toContain(secret);
      }
      expect(text()).toContain('postgresql://app:****@127.0.0.1:5432/voice');
    }
  });

  it('redacts what fastify request loggers (children of children) write', async () => {
    const { logger, text } = capture({ redactPii: true });
    const app = Fastify({ loggerInstance: logger.child({ component: 'http' }) });
    app.get('/call', (request) => {
      request.log.info({ from: CALLER, headers: { authorization: 'Bearer abcdef0123456789' } }, 'inbound call');
      throw new Error(`lookup of ${CALLER} at postgresql://app:db-Pa55@db/voice failed`);
    });
    expect((await app.inject({ method: 'GET', url: '/call' })).statusCode).toBe(500);
    await app.close();
    expect(text()).toContain('"reqId"');
    for (const value of [CALLER, 'abcdef0123456789', 'db-Pa55']) expect(text()).not.toContain(value);
  });

  it('does not modify the objects it is given', () => {
    const { logger } = capture({ redactPii: true });
    const record = { fromNumber: CALLER, nested: { password: 'p' } };
    logger.info({ record }, 'x');
    expect(record).toEqual({ fromNumber: CALLER, nested: { password: 'p' } });
  });
});

describe('isLogLevel', () => {
  it('accepts pino levels only', () => {
    expect(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].every(isLogLevel)).toBe(true);
    expect(['verbose', 'INFO', '', undefined, 3].some(isLogLevel)).toBe(false);
  });
});
