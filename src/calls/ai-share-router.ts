// Gradual rollout (a business moving from people to the agent in steps): of a
// business's inbound calls, `aiShare` percent go to the AI agent and the rest
// straight to its person. The backend decides, per call, so the decision is
// recorded on the row (routed_to_human) and the two groups can be compared.
//
// The split is exact in blocks of 100 calls: each block is a random order of
// `aiShare` agent slots and 100 - aiShare person slots, so after 200 calls at 50 %
// exactly 100 went to each, while no caller can predict which one they get.
// A new share starts a new block. Per process: with several backends each keeps
// its own blocks (each exact on its own calls).

export type RouteChoice = 'agent' | 'human';

const BLOCK = 100;

interface Block {
  share: number;
  slots: RouteChoice[];
}

export class AiShareRouter {
  readonly #blocks = new Map<string, Block>();
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  /** The next call of `businessId` goes to the agent or to a person. 100: always the agent; 0: always a person. */
  choose(businessId: string, aiShare: number): RouteChoice {
    const share = Math.min(BLOCK, Math.max(0, Math.round(aiShare)));
    if (share >= BLOCK) return 'agent';
    if (share <= 0) return 'human';
    let block = this.#blocks.get(businessId);
    if (!block || block.share !== share || block.slots.length === 0) {
      block = { share, slots: this.#shuffledBlock(share) };
      this.#blocks.set(businessId, block);
    }
    return block.slots.pop()!;
  }

  /** `share` agent slots and the rest person slots, in random order (Fisher-Yates). */
  #shuffledBlock(share: number): RouteChoice[] {
    const slots: RouteChoice[] = Array.from({ length: BLOCK }, (_, index) => (index < share ? 'agent' : 'human'));
    for (let index = slots.length - 1; index > 0; index -= 1) {
      const other = Math.floor(this.#random() * (index + 1));
      [slots[index], slots[other]] = [slots[other]!, slots[index]!];
    }
    return slots;
  }
}
