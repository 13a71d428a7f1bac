// Gradual rollout (a business moving from people to the agent in steps): of a
// business's inbound calls, `aiShare` percent go to the AI agent and the rest
// straight to its person. The backend decides, per call, so the decision is
// recorded on the row (routed_to_human) and the two groups can be compared.
//
// The split is exact in blocks of 100 calls: each block is a random order of
// `aiShare` agent slots and 100 - aiShare person slots, so after 200 calls at 50 %
// exactly 100 went to each, while no caller can predict which one they get.
// A new share starts a new block. The block is a seeded shuffle, so that every
// backend replica derives the same order from the seed and a shared position
// (shared-ai-share.ts keeps both in PostgreSQL); this in-process router keeps
// its own blocks, and is what a replica falls back to without the database.

export type RouteChoice = 'agent' | 'human';

/** Chooses where the next inbound call of a business goes. */
export interface AiShareChooser {
  choose(businessId: string, aiShare: number): RouteChoice | Promise<RouteChoice>;
}

export const AI_SHARE_BLOCK = 100;

/** `aiShare` as a whole percentage from 0 to 100. */
export function clampShare(aiShare: number): number {
  return Math.min(AI_SHARE_BLOCK, Math.max(0, Math.round(aiShare)));
}

/** A block's slots: `share` agent slots and the rest person slots, in the order `random` shuffles them (Fisher-Yates). */
export function shuffledBlock(share: number, random: () => number): RouteChoice[] {
  const slots: RouteChoice[] = Array.from({ length: AI_SHARE_BLOCK }, (_, index) => (index < share ? 'agent' : 'human'));
  for (let index = slots.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [slots[index], slots[other]] = [slots[other]!, slots[index]!];
  }
  return slots;
}

/** A deterministic generator in [0, 1) from a 32-bit seed (mulberry32): the same seed gives every replica the same block. */
export function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Block {
  share: number;
  slots: RouteChoice[];
}

/** Blocks kept in this process: exact on this process's calls only. */
export class AiShareRouter implements AiShareChooser {
  readonly #blocks = new Map<string, Block>();
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  /** The next call of `businessId` goes to the agent or to a person. 100: always the agent; 0: always a person. */
  choose(businessId: string, aiShare: number): RouteChoice {
    const share = clampShare(aiShare);
    if (share >= AI_SHARE_BLOCK) return 'agent';
    if (share <= 0) return 'human';
    let block = this.#blocks.get(businessId);
    if (!block || block.share !== share || block.slots.length === 0) {
      block = { share, slots: shuffledBlock(share, this.#random) };
      this.#blocks.set(businessId, block);
    }
    return block.slots.pop()!;
  }
}
