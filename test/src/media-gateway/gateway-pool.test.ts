// The backend's gateway pool against real gateways (in this process, real HTTP
// and RTP sockets): calls spread by capacity left, a draining gateway gets none
// and keeps its own, a gateway that is gone or stops answering gets none.
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMediaConfig } from '../../../media/config.js';
import { createMediaLogger } from '../../../media/logger.js';
import { startMediaGateway, type MediaGateway } from '../../../media/media-gateway.js';
import { MediaGatewayClient, MediaGatewayError } from '../../../src/media-gateway/client.js';
import { GatewayPool } from '../../../src/media-gateway/gateway-pool.js';
import { sessionRequest } from '../../support/media-rtp-peer.js';
import { waitUntil } from '../../kit/wait.js';

const TOKEN = 'pool-test-token-0123456789';
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function gateway(maxSessions: number): Promise<{ gateway: MediaGateway; url: string }> {
  const config = loadMediaConfig({
    MEDIA_GATEWAY_TOKEN: TOKEN,
    MEDIA_AGENT: 'silent',
    MEDIA_HTTP_HOST: '127.0.0.1',
    MEDIA_HTTP_PORT: '0',
    RTP_BIND_HOST: '127.0.0.1',
    RTP_PORT: '0',
    RECORDING_ENABLED: 'false',
    MEDIA_MAX_SESSIONS: String(maxSessions),
  });
  const started = await startMediaGateway({ config, logger: createMediaLogger('silent') });
  cleanups.push(() => started.close());
  return { gateway: started, url: `http://127.0.0.1:${started.http.port}` };
}

function poolOver(urls: string[], onDown?: (url: string) => void, overloadLagMs?: number): { pool: GatewayPool; client: MediaGatewayClient } {
  const pool = new GatewayPool({ token: TOKEN, gateways: () => Promise.resolve(urls), onDown, ...(overloadLagMs === undefined ? {} : { overloadLagMs }) });
  cleanups.push(() => pool.close());
  const client = new MediaGatewayClient({ url: urls[0]!, urls, token: TOKEN, timeoutMs: 2_000, pool });
  return { pool, client };
}

describe('GatewayPool', () => {
  it('spreads 200 calls over 3 gateways in proportion to their capacity', async () => {
    const gateways = [await gateway(100), await gateway(100), await gateway(200)];
    // The spread by capacity alone: on a loaded machine one of these in-process gateways'
    // media threads can lag past the overload mark and rightly come last, which is not this test.
    const { pool, client } = poolOver(gateways.map((g) => g.url), undefined, Number.POSITIVE_INFINITY);
    await pool.pollOnce();
    // In bursts between polls, as calls arrive: the calls placed since a gateway's last answer count against it.
    for (let burst = 0; burst < 10; burst += 1) {
      await Promise.all(Array.from({ length: 20 }, () => client.createSession(sessionRequest())));
      await pool.pollOnce();
    }
    const counts = gateways.map((g) => g.gateway.sessions.size);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(200);
    const shares = [50, 50, 100];
    counts.forEach((count, index) => {
      expect(count).toBeGreaterThanOrEqual(shares[index]! * 0.8);
      expect(count).toBeLessThanOrEqual(shares[index]! * 1.2);
    });
  });

  it('places no call on a draining gateway, which keeps its own calls', async () => {
    const [a, b] = [await gateway(50), await gateway(50)];
    const { pool, client } = poolOver([a.url, b.url]);
    await pool.pollOnce();
    for (let i = 0; i < 10; i += 1) await client.createSession(sessionRequest());
    const own = b.gateway.sessions.size;
    expect(own).toBeGreaterThan(0);
    const draining = b.gateway.drain();
    await pool.pollOnce();
    expect(pool.health(b.url)).toBe('draining');
    for (let i = 0; i < 20; i += 1) await client.createSession(sessionRequest());
    expect(b.gateway.sessions.size).toBe(own);
    expect(a.gateway.sessions.size).toBe(30 - own);
    // Its calls end one by one; the drain is over with the last.
    for (const session of b.gateway.sessions.list()) await client.closeSession(session.sessionId);
    await draining;
    expect(b.gateway.load()).toMatchObject({ sessions: 0, capacityLeft: 0, draining: true });
  });

  it('answers no_capacity when every gateway is draining', async () => {
    const only = await gateway(10);
    const { pool, client } = poolOver([only.url]);
    void only.gateway.drain();
    await pool.pollOnce();
    const error = await client.createSession(sessionRequest()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaGatewayError);
    expect((error as MediaGatewayError).code).toBe('no_capacity');
  });

  it('takes a gateway that is gone (connection refused) out at the next poll, and declares it lost once', async () => {
    const [a, b] = [await gateway(50), await gateway(50)];
    const down: string[] = [];
    const { pool, client } = poolOver([a.url, b.url], (url) => down.push(url));
    await pool.pollOnce();
    await b.gateway.close();
    await pool.pollOnce();
    await pool.pollOnce();
    expect(pool.health(b.url)).toBe('down');
    expect(down).toEqual([b.url]);
    for (let i = 0; i < 10; i += 1) await client.createSession(sessionRequest());
    expect(a.gateway.sessions.size).toBe(10);
  });

  it('takes a gateway that stops answering out once its answers are stale', async () => {
    const a = await gateway(50);
    // Answers /load like a gateway, then hangs: accepts connections and never replies.
    const healthy = { load: true };
    const held: Socket[] = [];
    const hung = createServer((socket) => {
      if (!healthy.load) {
        held.push(socket);
        return;
      }
      socket.once('data', () => {
        const body = JSON.stringify({ sessions: 0, maxSessions: 1000, capacityLeft: 1000, cpuPct: 0, eventLoopLagP99Ms: 0, draining: false });
        socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
      });
    });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => {
      for (const socket of held) socket.destroy();
      hung.close(() => resolve());
    }));
    const hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
    const down: string[] = [];
    const { pool } = poolOver([a.url, hungUrl], (url) => down.push(url));
    await pool.pollOnce();
    // The larger gateway comes first while it answers.
    expect(pool.order([a.url, hungUrl])).toEqual([hungUrl, a.url]);
    healthy.load = false;
    pool.start();
    // Out of placement first (its answers are stale), lost (its calls move) once silent for longer.
    await waitUntil(() => pool.health(hungUrl) === 'down', { what: 'the silent gateway to be taken out of placement' });
    expect(pool.order([a.url, hungUrl])).toEqual([a.url, hungUrl]);
    await waitUntil(() => down.includes(hungUrl), { what: 'the silent gateway to be declared lost' });
    expect(down).toEqual([hungUrl]);
  });
});
