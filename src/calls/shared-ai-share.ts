// The gradual rollout's blocks shared by every backend replica: a business's
// current block (its share, a random seed, and how many of its calls were
// routed) is one row of ai_share_blocks, advanced by one atomic upsert per call
// (the row lock orders concurrent calls of the business, whichever replica
// takes them). The slot is derived from the seed (ai-share-router.ts), so the
// split is exact per 100 calls of the business across all replicas.
//
// The database unreachable must not cost the caller the call: the replica then
// chooses from its own blocks (exact on its own calls) and says so in the log.
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { PrismaClient } from '../db/index.js';
import { AI_SHARE_BLOCK, AiShareRouter, clampShare, seededRandom, shuffledBlock, type AiShareChooser, type RouteChoice } from './ai-share-router.js';

export interface SharedAiShareOptions {
  prisma: PrismaClient;
  logger: Logger;
  /** Where the choice comes from when the database does not answer. */
  fallback?: AiShareRouter;
  /** The seed of a new block (a random 31-bit integer by default). */
  newSeed?: () => number;
}

export class SharedAiShareRouter implements AiShareChooser {
  readonly #prisma: PrismaClient;
  readonly #log: Logger;
  readonly #fallback: AiShareRouter;
  readonly #newSeed: () => number;

  constructor(options: SharedAiShareOptions) {
    this.#prisma = options.prisma;
    this.#log = options.logger.child({ component: 'ai-share' });
    this.#fallback = options.fallback ?? new AiShareRouter();
    this.#newSeed = options.newSeed ?? (() => randomInt(0, 2 ** 31 - 1));
  }

  async choose(businessId: string, aiShare: number): Promise<RouteChoice> {
    const share = clampShare(aiShare);
    if (share >= AI_SHARE_BLOCK) return 'agent';
    if (share <= 0) return 'human';
    try {
      const { position, seed } = await this.#advance(businessId, share);
      return shuffledBlock(share, seededRandom(seed))[position]!;
    } catch (error) {
      this.#log.warn({ err: error, businessId }, 'the shared AI share block could not be advanced; this replica chooses on its own');
      return this.#fallback.choose(businessId, share);
    }
  }

  /**
   * The business's next slot: the block goes on while its share is unchanged
   * and it has slots left, else a new block (new seed) starts at slot 0. In an
   * ON CONFLICT update every expression reads the row as it was.
   */
  async #advance(businessId: string, share: number): Promise<{ position: number; seed: number }> {
    const last = AI_SHARE_BLOCK - 1;
    const rows = await this.#prisma.$queryRaw<{ position: number; seed: number }[]>`
      INSERT INTO ai_share_blocks (business_id, share, position, seed, updated_at)
      VALUES (${businessId}::uuid, ${share}, 0, ${this.#newSeed()}, now())
      ON CONFLICT (business_id) DO UPDATE SET
        position = CASE WHEN ai_share_blocks.share = EXCLUDED.share AND ai_share_blocks.position < ${last}
                        THEN ai_share_blocks.position + 1 ELSE 0 END,
        seed = CASE WHEN ai_share_blocks.share = EXCLUDED.share AND ai_share_blocks.position < ${last}
                    THEN ai_share_blocks.seed ELSE EXCLUDED.seed END,
        share = EXCLUDED.share,
        updated_at = now()
      RETURNING position, seed`;
    const row = rows[0];
    if (!row) throw new Error('the ai_share_blocks upsert returned no row');
    return row;
  }
}
