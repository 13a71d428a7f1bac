import { describe, expect, it } from 'vitest';
import { AriError, kindForStatus } from '../../../src/ari/errors.js';

describe('AriError', () => {
  it('formats status errors with the ARI message', () => {
    const error = new AriError({
      kind: 'not_found',
      method: 'POST',
      path: '/channels/123/answer',
      status: 404,
      ariMessage: 'Channel not found',
    });
    expect(error.message).toBe('ARI POST /channels/123/answer failed: 404 Channel not found');
    expect(error.retryable).toBe(false);
    expect(error).toBeInstanceOf(Error);
  });

  it('formats network errors with the detail', () => {
    const error = new AriError({
      kind: 'unreachable',
      method: 'GET',
      path: '/asterisk/ping',
      detail: 'connection refused (127.0.0.1:8088)',
    });
    expect(error.message).toBe('ARI GET /asterisk/ping failed: connection refused (127.0.0.1:8088)');
    expect(error.retryable).toBe(true);
    expect(error.status).toBeUndefined();
  });

  it('classifies statuses', () => {
    expect([401, 404, 409, 400, 422, 500, 501].map(kindForStatus)).toEqual([
      'unauthorized',
      'not_found',
      'conflict',
      'client_error',
      'client_error',
      'server_error',
      'server_error',
    ]);
    const retryable = (kind: AriError['kind']): boolean =>
      new AriError({ kind, method: 'GET', path: '/x' }).retryable;
    expect(retryable('timeout')).toBe(true);
    expect(retryable('server_error')).toBe(true);
    expect(retryable('unauthorized')).toBe(false);
    expect(retryable('aborted')).toBe(false);
  });
});
