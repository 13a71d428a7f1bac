// Gateway-wide statistics of the control API: GET /stats (JSON, the
// contract's GatewayStats) and GET /metrics (Prometheus text format 0.0.4),
// fed by real RTP over UDP on 127.0.0.1.
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ApiErrorBody,
  CloseSessionResponse,
  CreateSessionResponse,
  GatewayStats,
  SessionStats,
  bearer,
  sessionPaths,
} from '../../../media/contract/sessions.js';
import { loadMediaConfig } from '../../../media/config.js';
import { buildMediaApp } from '../../../media/http/build-media-app.js';
import { createMediaLogger } from '../../../media/logger.js';
import { openRtpSessions, type RtpSessions } from '../../../media/media-gateway.js';
import { FakeAsteriskChannel, pollFor, rtpPacket, sessionRequest, ulawStream } from '../../support/media-rtp-peer.js';

const TOKEN = 'stats-test-gateway-token-0123';
const AUTH = { authorization: bearer(TOKEN) };
const METRICS_PATH = '/metrics';

/** Prometheus text format: `name{labels} value` lines; comments and blank lines are skipped. */
function parseSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${line}`);
    samples.set(match[1]!, match[2] === '+Inf' ? Infinity : Number(match[2]));
  }
  return samples;
}

function sample(samples: Map<string, number>, name: string): number {
  const value = samples.get(name);
  if (value === undefined) throw new Error(`metric ${name} missing`);
  return value;
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

describe('gateway statistics', () => {
  let rtp: RtpSessions;
  let app: FastifyInstance;
  const channels: FakeAsteriskChannel[] = [];

  beforeEach(async () => {
    const config = loadMediaConfig({
      MEDIA_GATEWAY_TOKEN: TOKEN,
      MEDIA_AGENT: 'silent',
      RTP_BIND_HOST: '127.0.0.1',
      RTP_PORT: '0',
      RECORDING_ENABLED: 'false',
    });
    const logger = createMediaLogger('silent');
    rtp = await openRtpSessions(config, logger);
    app = buildMediaApp({ config, logger, sessions: rtp.sessions });
  });

  afterEach(async () => {
    await app.close();
    await rtp.close();
    await Promise.all(channels.splice(0).map((channel) => channel.close()));
  });

  async function openChannel(): Promise<FakeAsteriskChannel> {
    const channel = await FakeAsteriskChannel.open(rtp.socket.port);
    channels.push(channel);
    return channel;
  }

  /** A session whose remote is a fresh fake Asterisk channel. */
  async function connectedSession(): Promise<{ sessionId: string; asterisk: FakeAsteriskChannel }> {
    const created = await app.inject({ method: 'POST', url: sessionPaths.create, headers: AUTH, payload: sessionRequest() });
    expect(created.statusCode).toBe(201);
    const { sessionId } = CreateSessionResponse.parse(created.json());
    const asterisk = await openChannel();
    const remote = await app.inject({
      method: 'PUT',
      url: sessionPaths.remote(sessionId),
      headers: AUTH,
      payload: { host: '127.0.0.1', port: asterisk.port },
    });
    expect(remote.statusCode).toBe(200);
    return { sessionId, asterisk };
  }

  async function sessionStats(sessionId: string): Promise<SessionStats> {
    const response = await app.inject({ method: 'GET', url: sessionPaths.stats(sessionId), headers: AUTH });
    expect(response.statusCode).toBe(200);
    return SessionStats.parse(response.json());
  }

  async function gatewayStats(): Promise<GatewayStats> {
    const response = await app.inject({ method: 'GET', url: sessionPaths.gatewayStats, headers: AUTH });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    return GatewayStats.parse(response.json());
  }

  async function scrape(): Promise<{ text: string; samples: Map<string, number> }> {
    const response = await app.inject({ method: 'GET', url: METRICS_PATH, headers: AUTH });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4(;|$)/);
    return { text: response.body, samples: parseSamples(response.body) };
  }

  async function deleteSession(sessionId: string): Promise<CloseSessionResponse> {
    const response = await app.inject({ method: 'DELETE', url: sessionPaths.one(sessionId), headers: AUTH });
    expect(response.statusCode).toBe(200);
    return CloseSessionResponse.parse(response.json());
  }

  it.each([
    ['no authorization header', {}],
    ['a wrong token', { authorization: bearer('not-the-gateway-token') }],
    ['the token with another scheme', { authorization: `Basic ${TOKEN}` }],
  ])('answers 401 on GET /stats and GET /metrics for %s', async (_case, headers) => {
    for (const url of [sessionPaths.gatewayStats, METRICS_PATH]) {
      const response = await app.inject({ method: 'GET', url, headers });
      expect(response.statusCode, url).toBe(401);
      expect(ApiErrorBody.parse(response.json()).error.code).toBe('unauthorized');
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(response.body).not.toContain('media_sessions');
    }
  });

  it('GET /stats starts at zero', async () => {
    const stats = await gatewayStats();
    expect(stats).toMatchObject({
      sessions: 0,
      foreignSource: 0,
      packetsIn: 0,
      packetsOut: 0,
      malformed: 0,
      lost: 0,
      late: 0,
      playoutUnderruns: 0,
    });
    expect(stats.pacing.resolutionMs).toBeGreaterThan(0);
    expect(stats.pacing.counts.length).toBeGreaterThan(1);
    expect(sum(stats.pacing.counts)).toBe(0);
  });

  it('GET /stats totals the sessions’ packets and keeps them after a session is deleted', async () => {
    const { sessionId, asterisk } = await connectedSession();
    const stranger = await openChannel();
    await asterisk.sendAll([...ulawStream(10), rtpPacket({ sequenceNumber: 500, payload: Buffer.alloc(80) }), Buffer.alloc(3)]);
    await stranger.sendAll(ulawStream(3));
    await pollFor(() => sessionStats(sessionId), (stats) => stats.packetsIn === 10 && stats.malformed === 2);
    const live = await pollFor(gatewayStats, (stats) => stats.foreignSource === 3);
    expect(live).toMatchObject({ sessions: 1, packetsIn: 10, malformed: 2, foreignSource: 3, lost: 0, late: 0, playoutUnderruns: 0 });
    expect(live.packetsOut).toBeGreaterThan(0);
    // Every packet sent is one pacing sample; one snapshot is consistent.
    expect(sum(live.pacing.counts)).toBe(live.packetsOut);

    const closed = await deleteSession(sessionId);
    const retired = await gatewayStats();
    expect(retired).toMatchObject({
      sessions: 0,
      packetsIn: 10,
      malformed: 2,
      foreignSource: 3,
      lost: 0,
      late: 0,
      packetsOut: closed.stats.packetsOut,
    });
    expect(retired.packetsOut).toBeGreaterThanOrEqual(live.packetsOut);
    expect(sum(retired.pacing.counts)).toBe(retired.packetsOut);

    // Live sessions add to what closed ones left.
    const next = await connectedSession();
    await next.asterisk.sendAll(ulawStream(5));
    await pollFor(() => sessionStats(next.sessionId), (stats) => stats.packetsIn === 5);
    const both = await gatewayStats();
    expect(both).toMatchObject({ sessions: 1, packetsIn: 15, malformed: 2, foreignSource: 3 });
    expect(both.packetsOut).toBeGreaterThan(retired.packetsOut);
  });

  it('GET /metrics exposes sessions, packet counters and the pacing histogram', async () => {
    const { sessionId, asterisk } = await connectedSession();
    await asterisk.sendAll(ulawStream(7));
    await pollFor(() => sessionStats(sessionId), (stats) => stats.packetsIn === 7 && stats.packetsOut > 0);

    const { text, samples } = await scrape();
    expect(sample(samples, 'media_sessions')).toBe(1);
    expect(sample(samples, 'media_rtp_packets_in_total')).toBe(7);
    expect(sample(samples, 'media_rtp_malformed_total')).toBe(0);
    expect(sample(samples, 'media_rtp_foreign_source_total')).toBe(0);
    for (const [name, type] of [
      ['media_sessions', 'gauge'],
      ['media_rtp_packets_in_total', 'counter'],
      ['media_rtp_packets_out_total', 'counter'],
      ['media_pacing_error_seconds', 'histogram'],
    ]) {
      expect(text.split('\n').filter((line) => line === `# TYPE ${name} ${type}`), name).toHaveLength(1);
      expect(text).toContain(`# HELP ${name} `);
    }

    // Histogram: cumulative buckets by ascending bound, ending in +Inf = _count.
    const buckets = [...samples]
      .map(([key, value]) => ({ le: /^media_pacing_error_seconds_bucket\{le="([^"]+)"\}$/.exec(key)?.[1], value }))
      .filter((bucket): bucket is { le: string; value: number } => bucket.le !== undefined);
    expect(buckets.length).toBeGreaterThan(1);
    expect(buckets.at(-1)!.le).toBe('+Inf');
    const bounds = buckets.map(({ le }) => (le === '+Inf' ? Infinity : Number(le)));
    expect(bounds).toEqual([...bounds].sort((a, b) => a - b));
    const counts = buckets.map(({ value }) => value);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    const count = sample(samples, 'media_pacing_error_seconds_count');
    expect(buckets.at(-1)!.value).toBe(count);
    // One pacing sample per packet sent, in the same scrape.
    expect(count).toBe(sample(samples, 'media_rtp_packets_out_total'));
    expect(count).toBeGreaterThan(0);
    expect(sample(samples, 'media_pacing_error_seconds_sum')).toBeGreaterThanOrEqual(0);

    await deleteSession(sessionId);
    const after = (await scrape()).samples;
    expect(sample(after, 'media_sessions')).toBe(0);
    expect(sample(after, 'media_rtp_packets_in_total')).toBe(7);
    expect(sample(after, 'media_rtp_packets_out_total')).toBeGreaterThanOrEqual(count);
  });
});
