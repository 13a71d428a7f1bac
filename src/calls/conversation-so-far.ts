// The conversation of a call as stored (call_turns), for a gateway that takes
// the call over mid-conversation (its agent continues instead of greeting).
import type { PrismaClient } from '../db/index.js';
import { MAX_RESUME_TURNS, type ResumeContext } from '../../media/contract/sessions.js';

export type ConversationSoFar = (callId: string) => Promise<ResumeContext>;

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
