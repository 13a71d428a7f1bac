// The conversation of a call as stored (call_turns), for an agent that takes
// the call over mid-conversation: a gateway the call moved to (its agent
// continues instead of greeting), or the agent that takes the caller back after
// a warm transfer nobody took. Both read it here, the same last turns.
import type { Logger } from 'pino';
import type { PrismaClient } from '../db/index.js';
import { MAX_RESUME_TURNS, type ResumeContext } from '../../media/contract/sessions.js';

export type ConversationSoFar = (callId: string) => Promise<ResumeContext>;

const NOTHING_SO_FAR: ResumeContext = { turns: [], nextSeq: 0 };

/**
 * The call's last turns, or none when there is no store or it fails: the agent
 * then continues without them, which the caller prefers to the call ending.
 * `nextSeq` is 0 then, so a gateway numbers its turns from the backend's offset.
 */
export async function readConversationSoFar(read: ConversationSoFar | undefined, callId: string, log: Logger): Promise<ResumeContext> {
  if (!read) return NOTHING_SO_FAR;
  try {
    return await read(callId);
  } catch (error) {
    log.warn({ err: error }, 'the conversation so far could not be read; the agent continues without it');
    return NOTHING_SO_FAR;
  }
}

export function prismaConversationSoFar(prisma: PrismaClient): ConversationSoFar {
  return async (callId) => {
    const rows = await prisma.callTurn.findMany({
      where: { callId },
      orderBy: { seq: 'desc' },
      take: MAX_RESUME_TURNS,
      select: { seq: true, role: true, text: true },
    });
    rows.reverse();
    return {
      turns: rows.map((row) => ({ role: row.role === 'caller' ? 'caller' : 'agent', text: row.text })),
      nextSeq: rows.length === 0 ? 0 : rows[rows.length - 1]!.seq + 1,
    };
  };
}
