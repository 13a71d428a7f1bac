// Where a business's requests may go: addresses that are not public are
// refused (IPv4, IPv6 and IPv4 inside IPv6), URLs are judged before any
// connection, names are judged by every address they resolve to, and the
// guarded fetch refuses at connection time (a name that resolves to
// loopback now) without sending a byte, and never follows a redirect.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardedFetch } from '../../../media/contract/guarded-fetch.js';
import { DestinationRefusedError, destinationProblem, isPublicAddress, urlProblem, type Resolver } from '../../../media/contract/outbound-guard.js';
import { listenOnLoopback } from '../../kit/ports.js';

const STRICT = { allowPrivateNetworks: false, requireHttps: false };
const PRODUCTION = { allowPrivateNetworks: false, requireHttps: true };
const PRIVATE_ALLOWED = { allowPrivateNetworks: true, requireHttps: false };

describe('isPublicAddress', () => {
  it.each([
    ['127.0.0.1'], ['10.1.2.3'], ['172.16.0.1'], ['172.31.255.255'], ['192.168.1.1'], ['169.254.169.254'], ['100.64.0.1'], ['0.0.0.0'],
    ['192.0.2.1'], ['198.18.0.1'], ['224.0.0.1'], ['255.255.255.255'], ['::1'], ['::'], ['fc00::1'], ['fd12:3456::1'], ['fe80::1'],
    ['ff02::1'], ['::ffff:127.0.0.1'], ['::ffff:10.0.0.1'], ['64:ff9b::a9fe:a9fe'], ['2001:db8::1'], ['not an address'],
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([['93.184.216.34'], ['8.8.8.8'], ['172.32.0.1'], ['2606:4700:4700::1111'], ['::ffff:8.8.8.8']])('accepts %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe('urlProblem and destinationProblem', () => {
  it('judges the URL alone: scheme, credentials, IP literals', () => {
    expect(urlProblem('https://hooks.example.com/in', PRODUCTION)).toBeNull();
    expect(urlProblem('http://hooks.example.com/in', PRODUCTION)).toBe('must use https://');
    expect(urlProblem('http://hooks.example.com/in', STRICT)).toBeNull();
    expect(urlProblem('ftp://hooks.example.com/in', STRICT)).toBe('must start with https://');
    expect(urlProblem('https://a:b@hooks.example.com/', STRICT)).toBe('must not contain a user name or password');
    expect(urlProblem('https://[::1]:8443/', STRICT)).toBe('is not allowed: ::1 is a private, loopback or reserved address');
    expect(urlProblem('https://169.254.169.254/latest/meta-data/', STRICT)).toMatch(/^is not allowed/);
    expect(urlProblem('https://127.0.0.1/', PRIVATE_ALLOWED)).toBeNull();
    expect(urlProblem('not a url', STRICT)).toBe('is not a valid URL');
  });

  it('judges a name by every address it resolves to', async () => {
    const resolver: Resolver = (host) =>
      Promise.resolve(
        host === 'mixed.example' ? [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.7', family: 4 }] : [{ address: '93.184.216.34', family: 4 }],
      );
    expect(await destinationProblem('https://public.example/x', STRICT, resolver)).toBeNull();
    expect(await destinationProblem('https://mixed.example/x', STRICT, resolver)).toBe('is not allowed: mixed.example resolves to 10.0.0.7, a private, loopback or reserved address');
    const failing: Resolver = () => Promise.reject(new Error('ENOTFOUND'));
    expect(await destinationProblem('https://gone.example/x', STRICT, failing)).toBe('is not reachable: the host name gone.example does not resolve');
    expect(await destinationProblem('https://gone.example/x', PRIVATE_ALLOWED, failing)).toBeNull();
  });
});

describe('guardedFetch', () => {
  let server: http.Server;
  let port = 0;
  const requests: string[] = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      requests.push(request.url ?? '');
      if (request.url === '/redirect') response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      else response.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
    });
    port = await listenOnLoopback(server);
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses a loopback literal and a name resolving to loopback before sending anything', async () => {
    const fetch = guardedFetch({ policy: STRICT, userAgent: 'test' });
    const before = requests.length;
    await expect(fetch(`http://127.0.0.1:${port}/literal`)).rejects.toBeInstanceOf(DestinationRefusedError);
    const error = await fetch(`http://localhost:${port}/name`).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(String((error as Error | null)?.message ?? (error as { cause?: Error } | null)?.cause?.message)).toMatch(/destination refused: localhost resolves to (127\.0\.0\.1|::1)/);
    expect(requests.length).toBe(before);
  });

  it('reaches a private address when the operator allows it, and answers a redirect without following it', async () => {
    const fetch = guardedFetch({ policy: PRIVATE_ALLOWED, userAgent: 'test' });
    const ok = await fetch(`http://localhost:${port}/hello`);
    expect([ok.status, await ok.text()]).toEqual([200, 'hello']);
    const redirected = await fetch(`http://127.0.0.1:${port}/redirect`);
    expect(redirected.status).toBe(302);
    expect(requests.filter((url) => url.includes('meta-data'))).toEqual([]);
  });
});
