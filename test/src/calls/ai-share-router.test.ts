// The gradual rollout's split: exact per block of 100 calls, unpredictable within a
// block, separate per business, and a new share starting a new block.
import { describe, expect, it } from 'vitest';
import { AiShareRouter } from '../../../src/calls/ai-share-router.js';

/** A seeded generator (mulberry32), so the orders differ between blocks but runs repeat. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const agents = (choices: string[]) => choices.filter((choice) => choice === 'agent').length;

describe('AiShareRouter', () => {
  it('sends every call to the agent at 100 % and to the person at 0 %', () => {
    const router = new AiShareRouter(seeded(1));
    expect(Array.from({ length: 50 }, () => router.choose('b', 100))).toEqual(Array(50).fill('agent'));
    expect(Array.from({ length: 50 }, () => router.choose('b', 0))).toEqual(Array(50).fill('human'));
  });

  it.each([1, 17, 50, 99])('is exact over each block of 100 calls at %i %%', (share) => {
    const router = new AiShareRouter(seeded(share));
    for (let block = 0; block < 3; block += 1) {
      expect(agents(Array.from({ length: 100 }, () => router.choose('b', share)))).toBe(share);
    }
  });

  it('orders each block at random (not all agents first)', () => {
    const router = new AiShareRouter(seeded(7));
    const first = Array.from({ length: 100 }, () => router.choose('b', 50));
    expect(agents(first.slice(0, 50))).toBeGreaterThan(10);
    expect(agents(first.slice(0, 50))).toBeLessThan(40);
  });

  it('keeps one block per business, and starts a new block when the share changes', () => {
    const router = new AiShareRouter(seeded(3));
    const a = Array.from({ length: 30 }, () => router.choose('a', 50));
    const b = Array.from({ length: 100 }, () => router.choose('b', 20));
    expect(agents(b)).toBe(20);
    const rest = Array.from({ length: 70 }, () => router.choose('a', 50));
    expect(agents([...a, ...rest])).toBe(50);
    // A new share: its first 100 calls are exact at the new share.
    expect(agents(Array.from({ length: 100 }, () => router.choose('a', 80)))).toBe(80);
  });
});
