import { describe, expect, it } from 'vitest';
import { normalizeAriUrl } from '../../../src/ari/url.js';

const USERNAME = 'ari-user';
const PASSWORD = 'Sup3r-s3cret-pw';

describe('normalizeAriUrl', () => {
  it.each([
    ['http://asterisk:8088', 'http://asterisk:8088', 'ws://asterisk:8088'],
    ['http://asterisk:8088/', 'http://asterisk:8088', 'ws://asterisk:8088'],
    ['http://asterisk:8088/ari', 'http://asterisk:8088', 'ws://asterisk:8088'],
    ['http://asterisk:8088/ari/', 'http://asterisk:8088', 'ws://asterisk:8088'],
    ['  http://127.0.0.1:8088/ari  ', 'http://127.0.0.1:8088', 'ws://127.0.0.1:8088'],
    ['https://pbx.example.com/ari', 'https://pbx.example.com', 'wss://pbx.example.com'],
    ['https://pbx.example.com:8089', 'https://pbx.example.com:8089', 'wss://pbx.example.com:8089'],
    ['HTTP://Asterisk:8088/ari', 'http://asterisk:8088', 'ws://asterisk:8088'],
    ['http://proxy.local/pbx/ari/', 'http://proxy.local/pbx', 'ws://proxy.local/pbx'],
  ])('%s -> %s', (input, httpBase, wsBase) => {
    expect(normalizeAriUrl(input)).toEqual({ httpBase, wsBase });
  });

  it.each([
    ['ftp://asterisk:8088', /http or https/],
    ['ws://asterisk:8088', /http or https/],
    ['asterisk:8088', /http or https/],
    ['not a url', /not a valid URL/],
    ['', /not a valid URL/],
    ['http://asterisk:8088/ari?api_key=a:b', /query string/],
  ])('rejects %s', (input, message) => {
    expect(() => normalizeAriUrl(input)).toThrow(message);
  });

  it('rejects credentials in the URL without echoing them', () => {
    let caught: unknown;
    try {
      normalizeAriUrl(`http://${USERNAME}:${PASSWORD}@asterisk:8088/ari`);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).toMatch(/must not contain credentials/);
    expect(JSON.stringify(caught, Object.getOwnPropertyNames(caught))).not.toContain(PASSWORD);
  });
});
