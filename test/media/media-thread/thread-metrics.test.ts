// /metrics exposes the event loop lag of both threads, and /load the larger one.
import { describe, expect, it } from 'vitest';
import { loadMediaConfig } from '../../../media/config.js';
import { createMediaLogger } from '../../../media/logger.js';
import { startMediaGateway } from '../../../media/media-gateway.js';
import { pollFor } from '../../support/media-rtp-peer.js';

const TOKEN = 'thread-metrics-token-0123456789';

describe('event loop lag per thread', () => {
  it('reports the media thread’s lag under thread="media" and the main thread’s under thread="main"', async () => {
    const gateway = await startMediaGateway({
      config: loadMediaConfig({
        MEDIA_GATEWAY_TOKEN: TOKEN,
        MEDIA_AGENT: 'silent',
        MEDIA_HTTP_HOST: '127.0.0.1',
        MEDIA_HTTP_PORT: '0',
        RTP_BIND_HOST: '127.0.0.1',
        RTP_PORT: '0',
        RECORDING_ENABLED: 'false',
      }),
      logger: createMediaLogger('silent'),
    });
    try {
      const scrape = async (): Promise<string> =>
        (await fetch(`http://127.0.0.1:${gateway.http.port}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
      const sample = (text: string, thread: string): number => {
        const line = text.split('\n').find((candidate) => candidate.startsWith(`media_event_loop_lag_max_seconds{thread="${thread}"} `));
        return line === undefined ? Number.NaN : Number(line.split(' ')[1]);
      };
      // A 300 ms stall of the media thread shows in its own figure once its one-second window closes.
      gateway.rtpSocket.block(300);
      const text = await pollFor(scrape, (current) => sample(current, 'media') >= 0.2);
      expect(text.match(/^# TYPE media_event_loop_lag_max_seconds gauge$/gm)).toHaveLength(1);
      expect(sample(text, 'main')).toBeGreaterThanOrEqual(0);
      expect(text).toMatch(/^media_event_loop_lag_p99_seconds\{thread="media"\} /m);
      expect(text).toMatch(/^media_thread_events_dropped_total 0$/m);
    } finally {
      await gateway.close();
    }
  });
});
