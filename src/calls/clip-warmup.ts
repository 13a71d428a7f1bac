// Tells the media gateway which businesses' fixed phrases (greeting, fillers,
// apology...) to synthesize before their calls: every business at start, then
// each business whose settings changed. The gateway has no database, so the
// backend is the one that knows. Changes are found by polling `updated_at`,
// which catches every writer (admin API, console, CLI, another backend)
// without each having to remember to tell. A failed round is retried whole
// at the next poll, so a gateway that was down or restarted is warmed again.
import type { Logger } from 'pino';
import { MAX_WARM_BUSINESSES, type WarmClipsRequest } from '../../media/contract/clips.js';
import type { PrismaClient } from '../db/index.js';
import type { MediaGatewayClient } from '../media-gateway/client.js';
import { agentSettingsOf } from './business-directory.js';

export interface ClipWarmupDeps {
  prisma: PrismaClient;
  media: Pick<MediaGatewayClient, 'warmClips'>;
  logger: Logger;
  /** How often changed businesses are looked for. */
  pollMs: number;
}

export class ClipWarmup {
  readonly #deps: ClipWarmupDeps;
  readonly #stop = new AbortController();
  /** Businesses changed after this were not sent yet; null: send every business. */
  #sentUpTo: Date | null = null;
  /** Businesses sent whose updated_at is #sentUpTo exactly. */
  #sentAtBoundary = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #round: Promise<void> | null = null;

  constructor(deps: ClipWarmupDeps) {
    this.#deps = deps;
  }

  /** The first round now, then one every pollMs. */
  start(): void {
    if (this.#timer !== null || this.#stop.signal.aborted) return;
    void this.runOnce();
    this.#timer = setInterval(() => void this.runOnce(), this.#deps.pollMs);
    this.#timer.unref();
  }

  /** One round (tests and start); a round already under way is joined, not doubled. */
  runOnce(): Promise<void> {
    this.#round ??= this.#send().finally(() => {
      this.#round = null;
    });
    return this.#round;
  }

  /** Stops polling and the round in flight. Idempotent. */
  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#stop.abort();
    await this.#round;
  }

  async #send(): Promise<void> {
    const { prisma, media, logger } = this.#deps;
    const signal = this.#stop.signal;
    const since = this.#sentUpTo;
    try {
      // gte: a business changed in the same millisecond as the last one sent is not missed;
      // those already sent at that instant are left out.
      const found = await prisma.business.findMany({
        where: since === null ? {} : { updatedAt: { gte: since } },
        orderBy: { updatedAt: 'asc' },
      });
      const rows = found.filter((row) => since === null || row.updatedAt.getTime() !== since.getTime() || !this.#sentAtBoundary.has(row.id));
      if (rows.length === 0 || signal.aborted) return;
      const businesses: WarmClipsRequest['businesses'] = rows.map((row) => ({
        businessId: row.id,
        agent: agentSettingsOf(row, () => {}),
      }));
      let queued = 0;
      for (let i = 0; i < businesses.length; i += MAX_WARM_BUSINESSES) {
        queued += (await media.warmClips({ businesses: businesses.slice(i, i + MAX_WARM_BUSINESSES) }, signal)).queued;
      }
      const last = rows.at(-1)!.updatedAt;
      const boundary = found.filter((row) => row.updatedAt.getTime() === last.getTime()).map((row) => row.id);
      this.#sentAtBoundary = new Set(boundary);
      this.#sentUpTo = last;
      logger.info({ businesses: rows.length, queued }, 'media gateway asked to prepare the businesses’ phrases');
    } catch (error) {
      if (signal.aborted) return;
      // Sent again whole next time: the gateway may have restarted meanwhile.
      this.#sentUpTo = null;
      logger.warn({ err: error }, 'the businesses’ phrases could not be prepared ahead; retried at the next poll');
    }
  }
}
