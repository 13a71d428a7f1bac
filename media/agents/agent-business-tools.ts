// The business's own tools (HTTP, MCP) as one AI call uses them: listed at
// call start, offered next to the built-in tools, run when the model calls
// them, and recorded on the turn that called them.
//
// A run is must-deliver, like a backend action: it goes on to its answer (or
// its timeout) whatever happens to its turn, and only the call's end aborts
// it; the model's history must pair every call with a reply, and a tool that
// booked something did book it. A turn reported before its tools answered
// (the caller cut it off) is reported again with their records: the backend
// replaces a turn reported twice with the same seq.
import type { ToolCallRecord, TurnReport } from '../contract/backend.js';
import type { ToolSpec } from '../providers/types.js';
import type { CallTools } from '../tools/call-tools.js';

/** Records kept on one turn at most (the contract's limit). */
const MAX_RECORDS_PER_TURN = 32;

interface TurnTools {
  readonly records: ToolCallRecord[];
  running: number;
  /** The turn's report once sent, to send again as records come in. */
  reported: TurnReport | null;
}

/** What this needs of a call's tools (call-tools.ts). */
export type BusinessToolSet = Pick<CallTools, 'prepare' | 'has' | 'specs' | 'execute' | 'close'>;

export interface AgentBusinessToolsOptions {
  readonly tools: BusinessToolSet;
  /** The call's signal: listing and runs stop with the call. */
  readonly signal: AbortSignal;
  /** Sends a turn report to the backend. */
  readonly report: (turn: TurnReport) => void;
  /** Told the business's tools once listed, before `ready` turns true. */
  readonly listedTools: (specs: readonly ToolSpec[]) => void;
}

export class AgentBusinessTools {
  readonly #options: AgentBusinessToolsOptions;
  readonly #turns = new Map<number, TurnTools>();
  /** Resolves once the MCP servers' tools are listed (or could not be); never rejects. */
  readonly listed: Promise<void>;
  #listed = false;

  constructor(options: AgentBusinessToolsOptions) {
    this.#options = options;
    this.listed = options.tools.prepare(options.signal).then(() => {
      options.listedTools(options.tools.specs());
      this.#listed = true;
    });
  }

  /** True once the list is known: an LLM round may start at once. */
  get ready(): boolean {
    return this.#listed;
  }

  has(name: string): boolean {
    return this.#options.tools.has(name);
  }

  /** Runs the call; resolves with what the model reads (a failure says so), or null when the call ended first. */
  async run(turn: number, toolCallId: string, name: string, args: unknown): Promise<string | null> {
    const entry = this.#entry(turn);
    entry.running += 1;
    try {
      const execution = await this.#options.tools.execute(toolCallId, name, args, this.#options.signal);
      if (entry.records.length < MAX_RECORDS_PER_TURN) entry.records.push(execution.record);
      if (entry.reported !== null && !this.#options.signal.aborted) this.#options.report({ ...entry.reported, tools: [...entry.records] });
      return this.#options.signal.aborted ? null : execution.message;
    } finally {
      entry.running -= 1;
      if (entry.running === 0 && entry.reported !== null) this.#turns.delete(turn);
    }
  }

  /** The turn's report with the records of its tools so far. */
  withRecords(report: TurnReport): TurnReport {
    const entry = report.role === 'agent' ? this.#turns.get(report.seq) : undefined;
    if (!entry) return report;
    if (entry.running === 0) this.#turns.delete(report.seq);
    else entry.reported = report;
    return entry.records.length > 0 ? { ...report, tools: [...entry.records] } : report;
  }

  close(): Promise<void> {
    return this.#options.tools.close();
  }

  #entry(turn: number): TurnTools {
    let entry = this.#turns.get(turn);
    if (!entry) {
      entry = { records: [], running: 0, reported: null };
      this.#turns.set(turn, entry);
    }
    return entry;
  }
}
