// isSameSitePost reads only the request's host and its Origin/Referer headers.
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { isSameSitePost } from '../../../src/console/same-origin.js';

function post(headers: Record<string, string | string[]>, host = 'console.example:3000'): FastifyRequest {
  return { host, headers } as unknown as FastifyRequest;
}

describe('isSameSitePost', () => {
  it('accepts a POST whose Origin, or else Referer, is this site', () => {
    expect(isSameSitePost(post({ origin: 'https://console.example:3000' }))).toBe(true);
    expect(isSameSitePost(post({ referer: 'http://console.example:3000/login?next=%2Fcalls' }))).toBe(true);
  });

  it('refuses another site, another port, a null or odd Origin, and a POST that names no page', () => {
    expect(isSameSitePost(post({ origin: 'https://evil.example' }))).toBe(false);
    expect(isSameSitePost(post({ origin: 'https://console.example:4000' }))).toBe(false);
    expect(isSameSitePost(post({ origin: 'null', referer: 'https://console.example:3000/login' }))).toBe(false);
    expect(isSameSitePost(post({ origin: 'file:///login.html' }))).toBe(false);
    expect(isSameSitePost(post({ referer: 'https://evil.example/console.example:3000' }))).toBe(false);
    expect(isSameSitePost(post({ referer: ['https://console.example:3000/', 'x'] }))).toBe(false);
    expect(isSameSitePost(post({}))).toBe(false);
  });

  it('trusts Origin over Referer when both are sent', () => {
    expect(isSameSitePost(post({ origin: 'https://evil.example', referer: 'https://console.example:3000/login' }))).toBe(false);
  });
});
