import { describe, expect, it } from 'vitest';
import { providerFailureText, setupFailureText } from '../../../src/staff/failure-text.js';

describe('failure texts for staff', () => {
  it('says what failed in plain words and keeps the technical text without addresses', () => {
    expect(setupFailureText('media_session: connection refused (http://127.0.0.1:8391)')).toEqual({
      summary: 'The agent’s audio service was not available.',
      detail: 'media_session: connection refused ([address])',
    });
    expect(setupFailureText('bridge destroyed unexpectedly').summary).toBe('The call’s audio connection was lost.');
    expect(setupFailureText('something new').summary).toBe('The call could not be completed.');
    expect(providerFailureText('stt', 'wss://api.deepgram.com/v1/listen closed 1011')).toEqual({
      summary: 'Speech recognition stopped working during the call.',
      detail: '[address] closed 1011',
    });
  });
});
