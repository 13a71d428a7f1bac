import { describe, expect, it } from 'vitest';
import { loadMediaConfig } from '../../media/config.js';
import { mediaLoggerFor, mediaLogSecrets } from '../../media/logger.js';

const ENV = {
  MEDIA_GATEWAY_TOKEN: 'gateway-token-0123456789',
  DEEPGRAM_API_KEY: 'dg-key-0123456789',
  OPENAI_API_KEY: 'sk-key-0123456789',
  LOG_LEVEL: 'debug',
};

describe('gateway logger from the configuration', () => {
  it('lists the token and the provider keys as secrets (no empty key when the agent needs none)', () => {
    expect(mediaLogSecrets(loadMediaConfig(ENV))).toEqual(['gateway-token-0123456789', 'dg-key-0123456789', 'sk-key-0123456789']);
    const echo = loadMediaConfig({ MEDIA_GATEWAY_TOKEN: ENV.MEDIA_GATEWAY_TOKEN, MEDIA_AGENT: 'echo' });
    expect(mediaLogSecrets(echo)).toEqual(['gateway-token-0123456789']);
  });

  it('never prints them and follows LOG_REDACT_PII', () => {
    for (const [redact, shown] of [['false', true], ['true', false]] as const) {
      const lines: string[] = [];
      const logger = mediaLoggerFor(loadMediaConfig({ ...ENV, LOG_REDACT_PII: redact }), { write: (line: string) => void lines.push(line) });
      logger.child({ callId: 'c-1' }).debug({ tool: 'take_message', toolArgs: { reason: 'knee results' } }, 'language model called a tool');
      logger.error({ err: new Error('deepgram refused dg-key-0123456789 / sk-key-0123456789 / gateway-token-0123456789') }, 'x');
      const text = lines.join('');
      for (const secret of ['dg-key-0123456789', 'sk-key-0123456789', 'gateway-token-0123456789']) expect(text).not.toContain(secret);
      expect(text.includes('knee results')).toBe(shown);
      expect(JSON.parse(lines[0]!)).toMatchObject({ service: 'media-gateway', level: 'debug', callId: 'c-1' });
    }
  });
});
