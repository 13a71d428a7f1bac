// The businesses' phrases are synthesized before their first call: the
// backend tells the gateway (PUT /clips) at start and when a business changes,
// through the real backend, gateway, PostgreSQL and the Deepgram fake.
import { afterEach, describe, expect, it } from 'vitest';
import { placeBridgedCall, startAiSystem, turnWhere, type AiSystem } from '../support/test-system.js';
import { waitUntil } from '../kit/wait.js';

let ai: AiSystem | null = null;
afterEach(async () => {
  await ai?.stop();
  ai = null;
});

const flushesOf = (system: AiSystem, text: string) => system.deepgram.flushes().filter((flush) => flush.text === text);

describe('clip warm-up', () => {
  it('synthesizes a business’s greeting and fillers before its first call, again when the greeting changes, and the call plays them from the cache', async () => {
    ai = await startAiSystem({ system: { backendEnv: { CLIP_WARM_POLL_MS: '200' } } });
    const greeting = 'Thanks for calling Acme Dental. How can I help?';
    // The business was created after the backend started: the poll finds it.
    await waitUntil(() => flushesOf(ai!, greeting).length === 1 && flushesOf(ai!, 'One moment.').length === 1, {
      what: 'the greeting and the filler to be synthesized before any call',
    });

    const { channelId } = await placeBridgedCall(ai);
    await turnWhere(ai, channelId, (t) => t.seq === 0 && t.role === 'agent', 'the greeting turn');
    // Played from the cache: not synthesized again.
    expect(flushesOf(ai, greeting)).toHaveLength(1);

    const changed = 'Acme Dental, good morning. What can we do for you?';
    await ai.system.prisma.business.update({ where: { id: ai.businessId }, data: { greeting: changed } });
    await waitUntil(() => flushesOf(ai!, changed).length === 1, { what: 'the changed greeting to be synthesized' });
    // Unchanged phrases are not synthesized again.
    expect(flushesOf(ai, 'One moment.')).toHaveLength(1);
  });
});
