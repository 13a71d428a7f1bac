// What the call list shows beyond the staff API's call summaries, for one page
// of calls at once: why a call failed (the row's tooltip) and the first thing
// the caller said. One query by primary key over at most a page of ids, each
// first caller turn found through the call_turns (call_id, seq) index.
import { Prisma, type PrismaClient } from '../db/index.js';
import { likePattern } from '../staff/call-filters.js';
import { providerFailureText, setupFailureText } from '../staff/failure-text.js';

export interface CallListExtra {
  /** Why the call could not be set up, or which provider failed during it. */
  problem: string | null;
  firstCallerText: string | null;
  /** With a search: the first thing said on the call that contains the searched words. */
  matchText: string | null;
}

interface ExtraRow {
  id: string;
  error: string | null;
  failure_provider: string | null;
  failure: string | null;
  first_caller_text: string | null;
  match_text: string | null;
}

export class CallListExtras {
  constructor(private readonly prisma: PrismaClient) {}

  /** Extras of the business's calls among `callIds` (others are left out). */
  async of(businessId: string, callIds: readonly string[], search: string | null = null): Promise<Map<string, CallListExtra>> {
    const extras = new Map<string, CallListExtra>();
    if (callIds.length === 0) return extras;
    const rows = await this.prisma.$queryRaw<ExtraRow[]>(Prisma.sql`
      SELECT c.id::text AS id, c.error, c.failure_provider, c.failure,
             (SELECT t.text FROM call_turns t
               WHERE t.call_id = c.id AND t.role = 'caller' AND t.text <> ''
               ORDER BY t.seq LIMIT 1) AS first_caller_text,
             ${search === null
               ? Prisma.sql`NULL::text`
               : Prisma.sql`(SELECT t.text FROM call_turns t WHERE t.call_id = c.id AND t.text ILIKE ${likePattern(search)} ESCAPE '\\' ORDER BY t.seq LIMIT 1)`} AS match_text
        FROM call_logs c
       WHERE c.business_id = ${businessId}::uuid
         AND c.id IN (${Prisma.join(callIds.map((id) => Prisma.sql`${id}::uuid`))})`);
    for (const row of rows) {
      const problem =
        row.error !== null
          ? setupFailureText(row.error).summary
          : row.failure_provider !== null
            ? providerFailureText(row.failure_provider, row.failure ?? '').summary
            : null;
      extras.set(row.id, { problem, firstCallerText: row.first_caller_text, matchText: row.match_text });
    }
    return extras;
  }
}
