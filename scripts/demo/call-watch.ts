// What the backend stored about the call, read back from PostgreSQL: the
// CallLog row and its call_turns. Turn rows are written when a turn is over
// (an agent turn once its audio has been sent), so a new agent row means the
// agent has finished speaking.
import type { CallLog, CallTurn, PrismaClient } from '../../src/db/index.js';

const OPEN_STATUSES: ReadonlySet<string> = new Set(['ringing', 'answered']);

export interface CallSnapshot {
  readonly call: CallLog;
  /** Every stored turn, in order. */
  readonly turns: readonly CallTurn[];
  /** The call has ended (its row is final). */
  readonly ended: boolean;
}

export class CallWatch {
  readonly #prisma: PrismaClient;
  readonly #channelId: string;
  readonly #onNewTurn: (turn: CallTurn) => void;
  readonly #reported = new Set<number>();

  /** `onNewTurn` sees each turn once, in order, the first time a snapshot holds it. */
  constructor(prisma: PrismaClient, channelId: string, onNewTurn: (turn: CallTurn) => void) {
    this.#prisma = prisma;
    this.#channelId = channelId;
    this.#onNewTurn = onNewTurn;
  }

  /** The current state, or null before the backend wrote the call's row. */
  async snapshot(): Promise<CallSnapshot | null> {
    const call = await this.#prisma.callLog.findUnique({
      where: { channelId: this.#channelId },
      include: { turns: { orderBy: { seq: 'asc' } } },
    });
    if (!call) return null;
    const { turns, ...row } = call;
    for (const turn of turns) {
      if (!this.#reported.has(turn.seq)) {
        this.#reported.add(turn.seq);
        this.#onNewTurn(turn);
      }
    }
    return { call: row, turns, ended: !OPEN_STATUSES.has(row.status) };
  }
}
