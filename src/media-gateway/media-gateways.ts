// The backend's media gateways: the client that places sessions on them and
// the pool that watches their load, wired to each other (the pool asks the
// client for the addresses, since the client resolves the names; the client
// asks the pool where a new call goes), with the policy for a lost gateway.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { MediaGatewayClient } from './client.js';
import { GatewayPool } from './gateway-pool.js';

export interface MediaGateways {
  readonly media: MediaGatewayClient;
  readonly pool: GatewayPool;
}

/**
 * `moveCallsOff` is called when a gateway's calls must move. A gateway that
 * stopped answering (hung, not gone) may come back with its calls: they move
 * only when another gateway is up to take them. A gateway whose port refuses is
 * gone with its sessions: its calls move, or end when nothing takes them.
 */
export function createMediaGateways(config: Config, logger: Logger, moveCallsOff: (gatewayUrl: string) => void): MediaGateways {
  let addresses: () => Promise<readonly string[]> = () => Promise.resolve([]);
  const log = logger.child({ component: 'media-gateway-pool' });
  const pool = new GatewayPool({
    token: config.media.token,
    gateways: () => addresses(),
    onDown: (url, how) => {
      const elsewhere = pool.states().some((state) => state.url !== url && state.health === 'up');
      if (how === 'silent' && !elsewhere) {
        log.error({ gateway: url }, 'media gateway stopped answering and no other gateway is up; its calls stay');
        return;
      }
      log.warn({ gateway: url, how }, 'media gateway lost; moving its calls');
      moveCallsOff(url);
    },
    onPollError: (url, error) => log.debug({ gateway: url, err: error }, 'media gateway load poll failed'),
  });
  const media = new MediaGatewayClient({
    url: config.media.url,
    urls: config.media.urls,
    resolveAll: config.cluster.resolveGatewayAddresses,
    token: config.media.token,
    timeoutMs: config.media.timeoutMs,
    pool,
  });
  addresses = () => media.candidates();
  return { media, pool };
}
