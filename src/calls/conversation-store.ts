// What the media gateway reports about a conversation, stored next to the
// call's CallLog row: turns (call_turns), provider failures (call_logs
// failure columns) and messages the agent took (call_messages).
//
// The failure columns are written here only: the CallLogWriter stores whole
// CallRecords, which do not carry them, so neither side overwrites the other.
import { Prisma, type PrismaClient } from '../db/index.js';
import type { CallEventSink } from './call-events.js';
import type { CallAction, FailureReport, TurnReport } from '../../media/contract/backend.js';
import { CALL_WRITE_TRANSACTION } from '../db/call-write-transaction.js';

export type TakenMessage = Omit<Extract<CallAction, { type: 'take_message' }>, 'type'>;

/** The call's CallLog row is not stored (yet): the report can be retried later. */
export class CallRowMissingError extends Error {
  constructor(readonly callId: string) {
    super(`call ${callId} has no call log row yet`);
    this.name = 'CallRowMissingError';
  }
}

export interface ConversationStore {
  /** Inserts the turn, or replaces the call's turn with the same seq. */
  saveTurn(callId: string, turn: TurnReport): Promise<void>;
  /** Records what failed; the latest failure of a call replaces the previous one. */
  saveFailure(callId: string, failure: FailureReport): Promise<void>;
  saveMessage(callId: string, message: TakenMessage): Promise<void>;
}

/** With `events`, a message taken and its webhook event are stored in one transaction. */
export function prismaConversationStore(prisma: PrismaClient, events?: CallEventSink): ConversationStore {
  return {
    async saveTurn(callId, turn) {
      const fields = {
        toolCalls: turn.tools && turn.tools.length > 0 ? turn.tools : Prisma.DbNull,
        role: turn.role,
        text: turn.text,
        startedAt: new Date(turn.startedAt),
        endedAt: turn.endedAt === null ? null : new Date(turn.endedAt),
        interrupted: turn.interrupted,
        sttFinalMs: turn.latency?.sttFinalMs ?? null,
        llmFirstTokenMs: turn.latency?.llmFirstTokenMs ?? null,
        ttsFirstAudioMs: turn.latency?.ttsFirstAudioMs ?? null,
        voiceToVoiceMs: turn.latency?.voiceToVoiceMs ?? null,
        dtmf: turn.dtmf ?? null,
      };
      await missingRowAsError(callId, () =>
        prisma.callTurn.upsert({
          where: { callId_seq: { callId, seq: turn.seq } },
          create: { callId, seq: turn.seq, ...fields },
          update: fields,
        }),
      );
    },

    async saveFailure(callId, failure) {
      const { count } = await prisma.callLog.updateMany({
        where: { id: callId },
        data: { failureProvider: failure.provider, failure: failure.error },
      });
      if (count === 0) throw new CallRowMissingError(callId);
    },

    async saveMessage(callId, message) {
      // The message carries its call's business (the staff inbox reads messages by business).
      const call = await prisma.callLog.findUnique({ where: { id: callId }, select: { businessId: true } });
      if (!call) throw new CallRowMissingError(callId);
      const data = {
        callId,
        businessId: call.businessId,
        callerName: message.callerName,
        callbackNumber: message.callbackNumber,
        reason: message.reason,
      };
      if (!events) {
        await missingRowAsError(callId, () => prisma.callMessage.create({ data }));
        return;
      }
      await missingRowAsError(callId, () =>
        prisma.$transaction(async (tx) => {
          const stored = await tx.callMessage.create({ data });
          await events.messageStored(tx, { ...data, id: stored.id, createdAt: stored.createdAt });
        }, CALL_WRITE_TRANSACTION),
      );
      events.committed();
    },
  };
}

/** Prisma's "foreign key constraint failed" (P2003): here, the call_logs row is not there. */
async function missingRowAsError(callId: string, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'P2003') throw new CallRowMissingError(callId);
    throw error;
  }
}
