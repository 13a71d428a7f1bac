// An externalMedia channel that enters Stasis when no call owns it (its call
// gave up on it before Asterisk created it: the request timed out under load)
// is hung up at once, instead of staying in Stasis until a reconnection
// reconciles, which may never come.
import { afterEach, describe, expect, it } from 'vitest';
import { ariRequest } from '../../fakes/ari/raw-ari-client.js';
import { ARI_PASSWORD, startSystem, type TestSystem } from '../../support/test-system.js';
import { waitFor } from '../../kit/wait.js';

let system: TestSystem | null = null;
afterEach(async () => {
  await system?.stop();
  system = null;
});

describe('an externalMedia channel of no known call', () => {
  it('is hung up as soon as it enters Stasis', async () => {
    const s = (system = await startSystem());
    await s.waitReady();
    const channelId = 'media-channel-of-a-call-that-gave-up';
    // As the timed-out request of a call that has ended meanwhile: created by Asterisk, owned by nobody.
    const created = await ariRequest(
      s.fake.url,
      'POST',
      `/ari/channels/externalMedia?app=prosaas_ai&external_host=127.0.0.1:9&format=ulaw&channelId=${channelId}`,
      { auth: { user: 'asterisk', password: ARI_PASSWORD } },
    );
    expect(created.status).toBe(200);

    const channel = await waitFor(() => {
      const view = s.fake.channel(channelId);
      // Ended by someone: a channel not yet in Stasis is not live either.
      return view && !view.live && view.hungUpBy !== null ? view : null;
    }, { what: 'the stray externalMedia channel to be hung up' });
    expect(channel.hungUpBy).toBe('app');
    expect(s.fake.restRequests({ method: 'DELETE', pathPrefix: `/ari/channels/${channelId}` })).toHaveLength(1);
    expect(s.logs.entries('media channel of no known call entered Stasis')).toHaveLength(1);
    expect(s.backend.calls.activeCalls).toBe(0);
    expect(await s.prisma.callLog.count()).toBe(0);
    expect(s.fake.violations).toEqual([]);
  });
});
