// Delivers the webhook outbox, in the backend, off every call's path: claims
// due deliveries (webhook-queue.ts), sends each (webhook-attempt.ts) and
// records the outcome. A failure is retried with exponential backoff
// (WEBHOOK_RETRY_MIN_MS doubling up to WEBHOOK_RETRY_MAX_MS, with jitter)
// until WEBHOOK_MAX_AGE_MS after the delivery was created (24 h), then given
// up. The worker sleeps until the next delivery is due, at most
// WEBHOOK_POLL_MS, and wakes at once when a new event is committed here.
// stop() claims nothing more and lets the attempts under way finish for up to
// STOP_GRACE_MS (an answer that is on its way is recorded, not sent again
// after a restart); then it aborts them, and their leases are released, so
// they are sent again by whichever replica runs next.
import type { Logger } from 'pino';
import type { PrismaClient } from '../db/index.js';
import { isTransientDbError } from '../db/index.js';
import { guardedFetch, type FetchLike } from '../../media/contract/guarded-fetch.js';
import type { OutboundPolicy } from '../../media/contract/outbound-guard.js';
import { backoffDelayMs } from '../timing/backoff.js';
import { sleep } from '../timing/sleep.js';
import { completeCallEnded, type RecordingLinks } from './call-ended-body.js';
import { attemptDelivery } from './webhook-attempt.js';
import { webhookBody } from './webhook-events.js';
import { WebhookQueue, type ClaimedDelivery } from './webhook-queue.js';

export const WEBHOOK_USER_AGENT = 'prosaas-voice-agent-webhooks/1';
/** Deliveries sent at once by one worker. */
const BATCH = 10;
/** A lease outlives the attempt's timeout by this much (body reading, recording the outcome). */
const LEASE_MARGIN_MS = 30_000;
/** On stop, attempts under way get this long to finish before they are aborted. */
export const STOP_GRACE_MS = 2_000;

export interface WebhookWorkerOptions {
  readonly prisma: PrismaClient;
  readonly logger: Logger;
  readonly policy: OutboundPolicy;
  readonly timeoutMs: number;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  readonly maxAgeMs: number;
  readonly pollMs: number;
  readonly links: RecordingLinks;
  readonly now?: () => Date;
  readonly random?: () => number;
  /** Tests and the bench may send through another fetch. */
  readonly fetch?: FetchLike;
}

/** When a failed delivery is tried again, or null once it is older than `maxAgeMs` by then. */
export function nextRetryMs(attemptsSoFar: number, ageMs: number, options: { retryMinMs: number; retryMaxMs: number; maxAgeMs: number }, random: () => number): number | null {
  const delayMs = backoffDelayMs(Math.max(0, attemptsSoFar - 1), { minMs: options.retryMinMs, maxMs: options.retryMaxMs }, random);
  return ageMs + delayMs > options.maxAgeMs ? null : delayMs;
}

export class WebhookWorker {
  readonly #options: WebhookWorkerOptions;
  readonly #queue: WebhookQueue;
  readonly #fetch: FetchLike;
  /** Stop claiming. */
  readonly #stopping = new AbortController();
  /** Abort the attempts under way (after the grace). */
  readonly #aborting = new AbortController();
  #wake: AbortController = new AbortController();
  #loop: Promise<void> | null = null;

  constructor(options: WebhookWorkerOptions) {
    this.#options = options;
    this.#queue = new WebhookQueue(options.prisma);
    this.#fetch = options.fetch ?? guardedFetch({ policy: options.policy, userAgent: WEBHOOK_USER_AGENT });
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Something may be due now (an event was committed, a manager asked to send again). */
  nudge(): void {
    this.#wake.abort();
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    this.#wake.abort();
    const grace = setTimeout(() => this.#aborting.abort(), STOP_GRACE_MS);
    try {
      await this.#loop;
    } finally {
      clearTimeout(grace);
      this.#aborting.abort();
    }
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  async #run(): Promise<void> {
    const log = this.#options.logger;
    const signal = this.#stopping.signal;
    let failures = 0;
    while (!signal.aborted) {
      // A nudge that arrives while a batch is sent must not be lost: the next wait sees it.
      const wake = new AbortController();
      this.#wake = wake;
      let waitMs: number;
      try {
        const leaseMs = this.#options.timeoutMs + LEASE_MARGIN_MS;
        const claimed = await this.#queue.claim(BATCH, leaseMs);
        await Promise.all(claimed.map((delivery) => this.#deliver(delivery)));
        failures = 0;
        if (claimed.length > 0) continue;
        waitMs = Math.min(this.#options.pollMs, (await this.#queue.msUntilNextDue()) ?? Number.POSITIVE_INFINITY);
      } catch (error) {
        if (signal.aborted) break;
        failures += 1;
        if (failures === 1) log.warn({ err: error, transient: isTransientDbError(error) }, 'webhook delivery worker cannot reach the database; retrying');
        waitMs = this.#options.pollMs;
      }
      if (waitMs > 0) await sleep(Math.ceil(waitMs), AbortSignal.any([signal, wake.signal]));
    }
  }

  async #deliver(delivery: ClaimedDelivery): Promise<void> {
    const log = this.#options.logger;
    const signal = this.#aborting.signal;
    const now = this.#now();
    const target = await this.#queue.target(delivery, now);
    if (!target.endpoint || !target.endpoint.enabled) {
      await this.#queue.abandon(delivery.id, target.endpoint ? 'the endpoint is disabled' : 'the endpoint was deleted');
      return;
    }
    let body = target.event.body;
    if (body === null) {
      const data = target.event.type === 'call.ended' ? await completeCallEnded(this.#options.prisma, target.event.data, this.#options.links, now) : target.event.data;
      body = await this.#queue.fixBody(target.event.id, webhookBody({ ...target.event, data }));
    }
    const result = await attemptDelivery({
      fetch: this.#fetch,
      url: target.endpoint.url,
      secrets: target.endpoint.secrets,
      eventId: target.event.id,
      body,
      timeoutMs: this.#options.timeoutMs,
      nowSeconds: Math.floor(now.getTime() / 1000),
      signal,
    });
    const fields = { deliveryId: delivery.id, eventId: target.event.id, type: target.event.type, attempt: delivery.attempts + 1 };
    if (result.ok) {
      await this.#queue.delivered(delivery.id, result.statusCode);
      log.info({ ...fields, statusCode: result.statusCode }, 'webhook delivered');
      return;
    }
    if (signal.aborted) {
      await this.#queue.release(delivery.id).catch(() => {});
      return;
    }
    const ageMs = now.getTime() - delivery.createdAt.getTime();
    const retryInMs = nextRetryMs(delivery.attempts + 1, ageMs, this.#options, this.#options.random ?? Math.random);
    await this.#queue.attemptFailed(delivery.id, { statusCode: result.statusCode, error: result.error, retryInMs });
    if (retryInMs === null) log.warn({ ...fields, error: result.error }, 'webhook delivery given up');
    else log.info({ ...fields, error: result.error, retryInMs }, 'webhook delivery failed; will retry');
  }
}
