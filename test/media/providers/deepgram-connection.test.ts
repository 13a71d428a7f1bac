import { describe, expect, it } from 'vitest';
import { closeError, handshakeError } from '../../../media/providers/deepgram-connection.js';

describe('Deepgram connection errors', () => {
  it('maps Deepgram handshake failures and close codes', () => {
    expect(handshakeError('stt', { message: 'Unexpected server response: 401' }, 'k')).toMatchObject({ code: 'auth', retryable: false, status: 401 });
    expect(handshakeError('tts', { message: 'Unexpected server response: 429' }, 'k')).toMatchObject({ code: 'rate_limit', retryable: true });
    expect(handshakeError('stt', { message: 'TIMEOUT' }, 'k')).toMatchObject({ code: 'timeout', retryable: true });
    const refused = handshakeError('stt', new Error('connect ECONNREFUSED 127.0.0.1:1 key=secret-key-value'), 'secret-key-value');
    expect(refused).toMatchObject({ code: 'connection', retryable: true });
    expect(refused.message).not.toContain('secret-key-value');
    expect(closeError('stt', 1011, 'NET-0001', 'k')).toMatchObject({ code: 'connection', retryable: true, message: 'deepgram stt: socket closed by the service (1011: NET-0001)' });
    expect(closeError('stt', 1008, 'DATA-0000', 'k')).toMatchObject({ code: 'rejected', retryable: false });
  });
});
