// The control API through app.inject(), with a real RTP socket behind it.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ApiErrorBody,
  CloseSessionResponse,
  CreateSessionResponse,
  SessionInfo,
  SessionStats,
  bearer,
  sessionPaths,
} from '../../../media/contract/sessions.js';
import { clipPaths } from '../../../media/contract/clips.js';
import { loadMediaConfig, type MediaConfig } from '../../../media/config.js';
import { buildMediaApp } from '../../../media/http/build-media-app.js';
import { createMediaLogger } from '../../../media/logger.js';
import { openRtpSessions, type RtpSessions } from '../../../media/media-gateway.js';
import { FakeAsteriskChannel, SLIN_FRAME_BYTES, pollFor, rtpPacket, sessionRequest } from '../../support/media-rtp-peer.js';

const TOKEN = 'test-gateway-token-0123456789';
const AUTH = { authorization: bearer(TOKEN) };
const MAX_SESSIONS = 3;

function testConfig(overrides: NodeJS.ProcessEnv = {}): MediaConfig {
  return loadMediaConfig({
    MEDIA_GATEWAY_TOKEN: TOKEN,
    MEDIA_AGENT: 'silent',
    RTP_BIND_HOST: '127.0.0.1',
    RTP_PORT: '0',
    RTP_ADVERTISE_HOST: 'media.internal',
    MEDIA_MAX_SESSIONS: String(MAX_SESSIONS),
    // Recording through the API has its own tests (test/media/recording/recording-api.test.ts).
    RECORDING_ENABLED: 'false',
    ...overrides,
  });
}

const errorOf = (body: string) => ApiErrorBody.parse(JSON.parse(body)).error;

describe('media control API', () => {
  let logLines: string[];
  let rtp: RtpSessions;
  let app: FastifyInstance;
  let config: MediaConfig;
  const channels: FakeAsteriskChannel[] = [];

  beforeEach(async () => {
    logLines = [];
    config = testConfig();
    const logger = createMediaLogger('trace', { write: (line: string) => void logLines.push(line) });
    rtp = await openRtpSessions(config, logger);
    app = buildMediaApp({ config, logger, sessions: rtp.sessions });
  });

  afterEach(async () => {
    await app.close();
    await rtp.close();
    await Promise.all(channels.splice(0).map((channel) => channel.close()));
  });

  /** A UDP socket standing in for Asterisk's end of an externalMedia channel: a remote the gateway may stream to. */
  async function openChannel(): Promise<FakeAsteriskChannel> {
    const channel = await FakeAsteriskChannel.open(rtp.socket.port);
    channels.push(channel);
    return channel;
  }

  async function createSession(request = sessionRequest()) {
    const response = await app.inject({ method: 'POST', url: sessionPaths.create, headers: AUTH, payload: request });
    return { response, body: CreateSessionResponse.parse(response.json()) };
  }

  describe('auth', () => {
    it('serves /health without a token', async () => {
      const response = await app.inject({ method: 'GET', url: '/health' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok', sessions: 0 });
    });

    it.each([
      ['no authorization header', {}],
      ['a wrong token', { authorization: bearer('not-the-gateway-token') }],
      ['the token with another scheme', { authorization: `Basic ${TOKEN}` }],
      ['a token prefix', { authorization: bearer(TOKEN.slice(0, -1)) }],
      ['an empty bearer', { authorization: 'Bearer ' }],
    ])('answers 401 unauthorized for %s', async (_case, headers) => {
      for (const [method, url] of [
        ['GET', '/sessions'],
        ['POST', sessionPaths.create],
        ['GET', sessionPaths.stats(randomUUID())],
        ['DELETE', sessionPaths.one(randomUUID())],
        ['GET', '/no-such-route'],
      ] as const) {
        const response = await app.inject({ method, url, headers, payload: method === 'POST' ? sessionRequest() : undefined });
        expect(response.statusCode, `${method} ${url}`).toBe(401);
        expect(errorOf(response.body).code).toBe('unauthorized');
        expect(response.headers['www-authenticate']).toBe('Bearer');
      }
      expect(rtp.sessions.size).toBe(0);
    });

    it('never writes the token to the log', async () => {
      await app.inject({ method: 'GET', url: '/sessions', headers: AUTH });
      await app.inject({ method: 'GET', url: '/sessions', headers: { authorization: bearer(`${TOKEN}x`) } });
      await createSession();
      app.log.info({ headers: { ...AUTH } }, 'request with headers');
      expect(logLines.length).toBeGreaterThanOrEqual(2);
      expect(logLines.join('\n')).not.toContain(TOKEN);
      expect(logLines.join('\n')).toContain('[redacted]');
    });
  });

  describe('validation and unknown routes', () => {
    it('answers 400 naming every bad field of a session request', async () => {
      const payload = { ...sessionRequest(), callId: 'not-a-uuid', format: 'slin16', agent: { ...sessionRequest().agent, voice: '' } };
      const response = await app.inject({ method: 'POST', url: sessionPaths.create, headers: AUTH, payload });
      expect(response.statusCode).toBe(400);
      const error = errorOf(response.body);
      expect(error.code).toBe('bad_request');
      expect(error.message).toContain('callId');
      expect(error.message).toContain('format');
      expect(error.message).toContain('agent.voice');
      expect(error.message).not.toContain('businessId');
      expect(rtp.sessions.size).toBe(0);
    });

    it('answers 400 for a missing or unparsable body', async () => {
      const missing = await app.inject({ method: 'POST', url: sessionPaths.create, headers: AUTH });
      expect(missing.statusCode).toBe(400);
      expect(errorOf(missing.body).code).toBe('bad_request');
      const garbled = await app.inject({
        method: 'POST',
        url: sessionPaths.create,
        headers: { ...AUTH, 'content-type': 'application/json' },
        payload: '{"callId":',
      });
      expect(garbled.statusCode).toBe(400);
      expect(errorOf(garbled.body).code).toBe('bad_request');
    });

    it('answers 400 naming the bad fields of a remote', async () => {
      const { body } = await createSession();
      const response = await app.inject({
        method: 'PUT',
        url: sessionPaths.remote(body.sessionId),
        headers: AUTH,
        payload: { host: '', port: 0 },
      });
      expect(response.statusCode).toBe(400);
      const error = errorOf(response.body);
      expect(error.message).toContain('host');
      expect(error.message).toContain('port');
    });

    it.each([
      ['an unspecified IPv4 address', { host: '0.0.0.0', port: 10582 }, 'unspecified'],
      ['an unspecified IPv6 address', { host: '::', port: 10582 }, 'unspecified'],
      ['a hostname', { host: 'asterisk.local', port: 10582 }, 'IP address'],
      ['port 0', { host: '127.0.0.1', port: 0 }, 'port'],
      ['an IPv6 remote on an IPv4 socket', { host: '::1', port: 10582 }, 'IPv6'],
    ])('rejects %s as remote', async (_case, payload, expected) => {
      const { body } = await createSession();
      const response = await app.inject({ method: 'PUT', url: sessionPaths.remote(body.sessionId), headers: AUTH, payload });
      expect(response.statusCode).toBe(400);
      expect(errorOf(response.body).message).toContain(expected);
      expect(rtp.sessions.get(body.sessionId)?.remote).toBeNull();
    });

    it('answers unknown routes with 404 not_found in the error shape', async () => {
      const response = await app.inject({ method: 'GET', url: '/no-such-route', headers: AUTH });
      expect(response.statusCode).toBe(404);
      expect(errorOf(response.body).code).toBe('not_found');
    });

    it('answers 404 for unknown sessions on every session route', async () => {
      const unknown = randomUUID();
      for (const [method, url, payload] of [
        ['PUT', sessionPaths.remote(unknown), { host: '127.0.0.1', port: 10582 }],
        ['GET', sessionPaths.stats(unknown), undefined],
        ['POST', sessionPaths.dtmf(unknown), { digit: '1', durationMs: 100 }],
        ['DELETE', sessionPaths.one(unknown), undefined],
      ] as const) {
        const response = await app.inject({ method, url, headers: AUTH, payload });
        expect(response.statusCode, `${method} ${url}`).toBe(404);
        expect(errorOf(response.body).code).toBe('not_found');
      }
    });
  });

  describe('keys the caller pressed', () => {
    it('takes a key for a session (204) and answers 400 naming a bad digit or duration', async () => {
      const { body } = await createSession();
      const url = sessionPaths.dtmf(body.sessionId);
      const accepted = await app.inject({ method: 'POST', url, headers: AUTH, payload: { digit: '#', durationMs: 120 } });
      expect(accepted.statusCode).toBe(204);
      const refused = await app.inject({ method: 'POST', url, headers: AUTH, payload: { digit: '12', durationMs: -1 } });
      expect(refused.statusCode).toBe(400);
      expect(errorOf(refused.body).message).toMatch(/digit: must be one of 0-9, A-D, \* or #/);
      expect(errorOf(refused.body).message).toMatch(/durationMs/);
      const unauthorized = await app.inject({ method: 'POST', url, payload: { digit: '1', durationMs: 100 } });
      expect(unauthorized.statusCode).toBe(401);
    });
  });

  describe('clip warm-up', () => {
    it('accepts businesses to warm (202; an agent without phrases queues none) and answers 400 naming a bad field', async () => {
      const { agent, businessId } = sessionRequest();
      const accepted = await app.inject({ method: 'PUT', url: clipPaths.warm, headers: AUTH, payload: { businesses: [{ businessId, agent }] } });
      expect(accepted.statusCode).toBe(202);
      expect(accepted.json()).toEqual({ queued: 0 });
      const refused = await app.inject({ method: 'PUT', url: clipPaths.warm, headers: AUTH, payload: { businesses: [{ businessId: 'x', agent }] } });
      expect(refused.statusCode).toBe(400);
      expect(errorOf(refused.body).message).toMatch(/businessId/);
      expect((await app.inject({ method: 'PUT', url: clipPaths.warm, payload: { businesses: [] } })).statusCode).toBe(401);
    });
  });

  describe('a caller still ringing (awaitAnswer)', () => {
    async function ringingSession() {
      const { body } = await createSession(sessionRequest({ awaitAnswer: true }));
      const asterisk = await openChannel();
      const remote = await app.inject({ method: 'PUT', url: sessionPaths.remote(body.sessionId), headers: AUTH, payload: { host: '127.0.0.1', port: asterisk.port } });
      expect(remote.statusCode).toBe(200);
      return { sessionId: body.sessionId, asterisk };
    }

    it('sends nothing before the answer, and streams from the moment the backend reports it (204)', async () => {
      const ringing = await ringingSession();
      // A session that does not wait streams at once: by the time it sent 5 packets, the ringing one sent none.
      const { body: answeredAtOnce } = await createSession();
      const other = await openChannel();
      await app.inject({ method: 'PUT', url: sessionPaths.remote(answeredAtOnce.sessionId), headers: AUTH, payload: { host: '127.0.0.1', port: other.port } });
      await pollFor(() => other.received.length, (count) => count >= 5);
      expect(ringing.asterisk.received).toHaveLength(0);
      expect(rtp.sessions.get(ringing.sessionId)!.stats().packetsOut).toBe(0);

      const answered = await app.inject({ method: 'POST', url: sessionPaths.answered(ringing.sessionId), headers: AUTH });
      expect(answered.statusCode).toBe(204);
      await pollFor(() => ringing.asterisk.received.length, (count) => count >= 3);
      // Idempotent.
      expect((await app.inject({ method: 'POST', url: sessionPaths.answered(ringing.sessionId), headers: AUTH })).statusCode).toBe(204);
      expect((await app.inject({ method: 'POST', url: sessionPaths.answered(randomUUID()), headers: AUTH })).statusCode).toBe(404);
      expect((await app.inject({ method: 'POST', url: sessionPaths.answered(ringing.sessionId) })).statusCode).toBe(401);
    });

    it('starts on the caller’s first RTP packet when the answer was not reported', async () => {
      const ringing = await ringingSession();
      await ringing.asterisk.send(rtpPacket({ sequenceNumber: 1, timestamp: 160 }));
      await pollFor(() => ringing.asterisk.received.length, (count) => count >= 3);
      expect(rtp.sessions.get(ringing.sessionId)!.stats().packetsIn).toBe(1);
    });
  });

  describe('session lifecycle', () => {
    it('creates a session (201) and returns the same one for the same callId (200)', async () => {
      const request = sessionRequest();
      const first = await createSession(request);
      expect(first.response.statusCode).toBe(201);
      expect(first.body.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(first.body.sessionId).not.toBe(request.callId);
      expect(first.body.rtp).toEqual({ host: 'media.internal', port: rtp.socket.port });
      expect(first.body.rtp!.port).toBeGreaterThan(0);

      const again = await createSession(request);
      expect(again.response.statusCode).toBe(200);
      expect(again.body).toEqual(first.body);
      expect(rtp.sessions.size).toBe(1);

      const other = await createSession();
      expect(other.response.statusCode).toBe(201);
      expect(other.body.sessionId).not.toBe(first.body.sessionId);
      expect(other.body.rtp).toEqual(first.body.rtp);

      const health = await app.inject({ method: 'GET', url: '/health' });
      expect(health.json()).toEqual({ status: 'ok', sessions: 2 });
    });

    it('sets the remote, reports stats, lists and deletes a session', async () => {
      const request = sessionRequest({ format: 'slin' });
      const { body } = await createSession(request);
      const asterisk = await openChannel();

      const remote = await app.inject({
        method: 'PUT',
        url: sessionPaths.remote(body.sessionId),
        headers: AUTH,
        payload: { host: '127.0.0.1', port: asterisk.port },
      });
      expect(remote.statusCode).toBe(200);
      const info = SessionInfo.parse(remote.json());
      expect(info).toMatchObject({
        sessionId: body.sessionId,
        callId: request.callId,
        format: 'slin',
        local: body.rtp,
        remote: { host: '127.0.0.1', port: asterisk.port },
      });
      expect(Number.isNaN(Date.parse(info.createdAt))).toBe(false);

      // Nothing came in; the gateway streams to the remote on its own (silence from the default agent).
      const nothingIn = {
        packetsIn: 0,
        bytesIn: 0,
        malformed: 0,
        foreignSource: 0,
        ssrc: null,
        lost: 0,
        late: 0,
        reordered: 0,
        duplicates: 0,
        ssrcChanges: 0,
        concealedFrames: 0,
        jitterMs: 0,
        playoutUnderruns: 0,
      };
      const statsOf = async () => {
        const response = await app.inject({ method: 'GET', url: sessionPaths.stats(body.sessionId), headers: AUTH });
        expect(response.statusCode).toBe(200);
        return SessionStats.parse(response.json());
      };
      const stats = await pollFor(statsOf, (current) => current.packetsOut >= 3);
      expect(stats).toMatchObject(nothingIn);
      expect(stats.bytesOut).toBe(stats.packetsOut * SLIN_FRAME_BYTES);
      await pollFor(() => asterisk.received.length, (count) => count >= 3);
      expect(new Set(asterisk.received.map(({ fromPort }) => fromPort))).toEqual(new Set([rtp.socket.port]));

      const list = await app.inject({ method: 'GET', url: '/sessions', headers: AUTH });
      expect(list.statusCode).toBe(200);
      const listed = list.json<{ sessions: unknown[]; foreignSource: number }>();
      expect(listed.sessions).toHaveLength(1);
      const { stats: listedStats, ...listedInfo } = SessionInfo.parse(listed.sessions[0]);
      const { stats: _statsAtPut, ...infoAtPut } = info;
      expect(listedInfo).toEqual(infoAtPut);
      expect(listedStats).toMatchObject(nothingIn);
      expect(listedStats.packetsOut).toBeGreaterThanOrEqual(stats.packetsOut);
      expect(listed.foreignSource).toBe(0);

      const deleted = await app.inject({ method: 'DELETE', url: sessionPaths.one(body.sessionId), headers: AUTH });
      expect(deleted.statusCode).toBe(200);
      const closed = CloseSessionResponse.parse(deleted.json());
      expect(closed).toMatchObject({ sessionId: body.sessionId, stats: nothingIn, recordingPath: null });
      expect(closed.stats.packetsOut).toBeGreaterThanOrEqual(listedStats.packetsOut);
      // Every packet the session counted reached the remote.
      expect(await pollFor(() => asterisk.received.length, (count) => count >= closed.stats.packetsOut)).toBe(closed.stats.packetsOut);

      const deletedAgain = await app.inject({ method: 'DELETE', url: sessionPaths.one(body.sessionId), headers: AUTH });
      expect(deletedAgain.statusCode).toBe(404);
      const statsAfter = await app.inject({ method: 'GET', url: sessionPaths.stats(body.sessionId), headers: AUTH });
      expect(statsAfter.statusCode).toBe(404);
      expect(rtp.sessions.size).toBe(0);
    });

    it('refuses a remote another session holds, and frees a remote on re-point and delete', async () => {
      const a = (await createSession()).body;
      const b = (await createSession()).body;
      const [first, second] = [(await openChannel()).port, (await openChannel()).port];
      const put = (sessionId: string, port: number) =>
        app.inject({ method: 'PUT', url: sessionPaths.remote(sessionId), headers: AUTH, payload: { host: '127.0.0.1', port } });

      expect((await put(a.sessionId, first)).statusCode).toBe(200);
      expect((await put(a.sessionId, first)).statusCode).toBe(200);

      const clash = await put(b.sessionId, first);
      expect(clash.statusCode).toBe(400);
      expect(errorOf(clash.body)).toEqual({
        code: 'bad_request',
        message: `invalid remote: remote 127.0.0.1:${first} is already used by another session`,
      });

      // IPv4-mapped IPv6 names the same remote.
      const mapped = await app.inject({
        method: 'PUT',
        url: sessionPaths.remote(b.sessionId),
        headers: AUTH,
        payload: { host: '::ffff:127.0.0.1', port: first },
      });
      expect(mapped.statusCode).toBe(400);
      expect(errorOf(mapped.body).message).toContain('already used');

      expect((await put(a.sessionId, second)).statusCode).toBe(200);
      expect((await put(b.sessionId, first)).statusCode).toBe(200);

      await app.inject({ method: 'DELETE', url: sessionPaths.one(a.sessionId), headers: AUTH });
      expect((await put(b.sessionId, second)).statusCode).toBe(200);
    });
  });

  describe('capacity', () => {
    it('answers 503 no_capacity at MEDIA_MAX_SESSIONS and accepts again after a delete', async () => {
      const created = [];
      for (let index = 0; index < MAX_SESSIONS; index += 1) created.push(await createSession());
      expect(created.map(({ response }) => response.statusCode)).toEqual([201, 201, 201]);

      const request = sessionRequest();
      const refused = await app.inject({ method: 'POST', url: sessionPaths.create, headers: AUTH, payload: request });
      expect(refused.statusCode).toBe(503);
      expect(errorOf(refused.body).code).toBe('no_capacity');

      const existing = created[0]!.body;
      const repeat = await app.inject({
        method: 'POST',
        url: sessionPaths.create,
        headers: AUTH,
        payload: { ...sessionRequest(), callId: rtp.sessions.get(existing.sessionId)!.callId },
      });
      expect(repeat.statusCode).toBe(200);
      expect(repeat.json()).toEqual(existing);

      await app.inject({ method: 'DELETE', url: sessionPaths.one(existing.sessionId), headers: AUTH });
      expect((await createSession(request)).response.statusCode).toBe(201);
    });

    it('answers 503 no_capacity once the gateway stops accepting sessions', async () => {
      rtp.sessions.stopAccepting();
      const response = await app.inject({ method: 'POST', url: sessionPaths.create, headers: AUTH, payload: sessionRequest() });
      expect(response.statusCode).toBe(503);
      expect(errorOf(response.body)).toEqual({ code: 'no_capacity', message: 'the media gateway is shutting down' });
    });
  });
});
