import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { describeNetworkFailure } from '../../../src/ari/network-failure.js';

const systemError = (code: string, fields: Record<string, unknown> = {}) => Object.assign(new Error(`${code} something`), { code, ...fields });

describe('describeNetworkFailure', () => {
  it('describes a system error with its address and port', () => {
    expect(describeNetworkFailure(systemError('ECONNREFUSED', { address: '127.0.0.1', port: 8088 }))).toEqual({
      description: 'connection refused (127.0.0.1:8088)',
      code: 'ECONNREFUSED',
    });
    expect(describeNetworkFailure(systemError('ENOTFOUND', { hostname: 'asterisk' }))).toEqual({ description: 'host not found (asterisk)', code: 'ENOTFOUND' });
    expect(describeNetworkFailure(systemError('EWEIRD'))).toEqual({ description: 'network error EWEIRD', code: 'EWEIRD' });
  });

  it('finds the system error inside fetch’s cause and happy-eyeballs’ errors', () => {
    const fetchFailure = new TypeError('fetch failed', { cause: systemError('UND_ERR_CONNECT_TIMEOUT') });
    expect(describeNetworkFailure(fetchFailure).description).toBe('connect timed out');
    const both = Object.assign(new Error('connect failed'), { errors: [systemError('EHOSTUNREACH', { address: '10.0.0.9', port: 8088 }), systemError('ENETUNREACH')] });
    expect(describeNetworkFailure(new Error('outer', { cause: both }))).toEqual({ description: 'host unreachable (10.0.0.9:8088)', code: 'EHOSTUNREACH' });
  });

  it('keeps the message of an error without a code, and says something for anything else', () => {
    expect(describeNetworkFailure(new Error('Unexpected server response: 502'))).toEqual({ description: 'Unexpected server response: 502', code: undefined });
    expect(describeNetworkFailure('nope')).toEqual({ description: 'network error', code: undefined });
    expect(describeNetworkFailure(new Error(''))).toEqual({ description: 'network error', code: undefined });
  });

  it('describes what fetch really throws for a closed local port', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await fetch(`http://127.0.0.1:${port}/`).catch((caught: unknown) => caught);
    expect(describeNetworkFailure(error)).toEqual({ description: `connection refused (127.0.0.1:${port})`, code: 'ECONNREFUSED' });
  });
});
