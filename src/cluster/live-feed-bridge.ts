// The staff console's live view across replicas: what one replica stores (call
// log records, turns) is published with PostgreSQL NOTIFY on LIVE_CHANNEL, and
// every replica LISTENs on a dedicated connection and feeds what the others
// stored into its own LiveCallFeed. A replica starting (or reconnecting its
// listener) first reads the calls in progress from the database, so a staff
// member's live page shows every call whichever replica serves it.
// NOTIFY payloads are limited to 8000 bytes: a turn's text is cut to
// TURN_TEXT_MAX characters there (the full text is in call_turns).
import pg from 'pg';
import type { Logger } from 'pino';
import type { PrismaClient } from '../db/index.js';
import { loggableDbError } from '../db/index.js';
import type { CallRecord } from '../calls/call-record.js';
import { OPEN_STATUSES } from '../calls/call-record.js';
import type { CallLogStore } from '../calls/call-log-writer.js';
import type { ConversationStore } from '../calls/conversation-store.js';
import { recordOfRow } from '../calls/call-log-store.js';
import type { TurnReport } from '../../media/contract/backend.js';
import type { LiveCallFeed } from '../staff/live-feed.js';
import { backoffDelayMs } from '../timing/backoff.js';

export const LIVE_CHANNEL = 'prosaas_live';
const TURN_TEXT_MAX = 2_000;
const RECONNECT = { minMs: 250, maxMs: 5_000 } as const;
const CONNECT_TIMEOUT_MS = 5_000;

type LiveMessage =
  | { origin: string; kind: 'call'; record: CallRecord }
  | { origin: string; kind: 'turn'; callId: string; turn: TurnReport };

export interface LiveFeedBridgeOptions {
  databaseUrl: string;
  prisma: PrismaClient;
  replicaId: string;
  feed: LiveCallFeed;
  logger: Logger;
}

export class LiveFeedBridge {
  private readonly options: LiveFeedBridgeOptions;
  private readonly log: Logger;
  /** Calls in progress that other replicas hold (their liveness is theirs to tell). */
  private readonly remote = new Set<string>();
  private client: pg.Client | null = null;
  private stopped = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(options: LiveFeedBridgeOptions) {
    this.options = options;
    this.log = options.logger.child({ component: 'live-feed-bridge' });
  }

  /** A call another replica reported in progress. */
  isRemoteLive(callId: string): boolean {
    return this.remote.has(callId);
  }

  start(): void {
    void this.listen();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  /** The call log store, publishing each record it stored. */
  publishing(store: CallLogStore): CallLogStore {
    return {
      save: async (record) => {
        await store.save(record);
        this.publish({ origin: this.options.replicaId, kind: 'call', record });
      },
    };
  }

  /** The conversation store, publishing each turn it stored. */
  publishingTurns(store: ConversationStore): ConversationStore {
    return {
      saveTurn: async (callId, turn) => {
        await store.saveTurn(callId, turn);
        this.publish({ origin: this.options.replicaId, kind: 'turn', callId, turn: { ...turn, text: turn.text.slice(0, TURN_TEXT_MAX) } });
      },
      saveFailure: (callId, failure) => store.saveFailure(callId, failure),
      saveMessage: (callId, message) => store.saveMessage(callId, message),
    };
  }

  private publish(message: LiveMessage): void {
    this.options.prisma
      .$executeRaw`SELECT pg_notify(${LIVE_CHANNEL}, ${JSON.stringify(message)})`
      .catch((error: unknown) => this.log.warn({ err: loggableDbError(error) }, 'live feed notification not sent'));
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.options.databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
    const retry = (error: unknown): void => {
      if (this.client === client) this.client = null;
      void client.end().catch(() => undefined);
      if (this.stopped || this.timer) return;
      const delayMs = backoffDelayMs(this.attempt, RECONNECT, Math.random);
      this.attempt += 1;
      this.log.warn({ err: loggableDbError(error), delayMs }, 'live feed listener lost; reconnecting');
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.listen();
      }, delayMs);
    };
    client.on('error', retry);
    client.on('end', () => retry(new Error('listener connection closed')));
    client.on('notification', (notification) => this.receive(notification.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${LIVE_CHANNEL}`);
      if (this.stopped) {
        await client.end();
        return;
      }
      this.client = client;
      this.attempt = 0;
      await this.seed();
    } catch (error) {
      retry(error);
    }
  }

  /** The calls in progress, from the database (what was missed while not listening). */
  private async seed(): Promise<void> {
    const rows = await this.options.prisma.callLog.findMany({ where: { status: { in: [...OPEN_STATUSES] }, businessId: { not: null } } });
    for (const row of rows) this.apply({ origin: '', kind: 'call', record: recordOfRow(row) });
  }

  private receive(payload: string | undefined): void {
    if (!payload) return;
    let message: LiveMessage;
    try {
      message = JSON.parse(payload) as LiveMessage;
    } catch {
      this.log.warn('malformed live feed notification dropped');
      return;
    }
    if (message.origin === this.options.replicaId) return;
    this.apply(message);
  }

  private apply(message: LiveMessage): void {
    try {
      if (message.kind === 'turn') {
        this.options.feed.turnStored(message.callId, message.turn);
        return;
      }
      const record = reviveDates(message.record);
      if ((OPEN_STATUSES as readonly string[]).includes(record.status)) this.remote.add(record.id);
      else this.remote.delete(record.id);
      this.options.feed.callStored(record);
    } catch (error) {
      this.log.error({ err: error }, 'live feed notification could not be applied');
    }
  }
}

function reviveDates(record: CallRecord): CallRecord {
  const date = (value: unknown): Date | null => (value === null || value === undefined ? null : new Date(value as string));
  return { ...record, createdAt: date(record.createdAt)!, answeredAt: date(record.answeredAt), endedAt: date(record.endedAt) };
}
